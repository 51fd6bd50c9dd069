#include "scan/fault_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <mutex>

namespace yarrow::scan {

namespace {

struct Range {
  uintptr_t begin = 0;
  uintptr_t end = 0;
  volatile sig_atomic_t faulted = 0;
};

// initial-exec TLS: safe to touch from a signal handler.
thread_local Range t_storage __attribute__((tls_model("initial-exec")));
thread_local Range* t_range __attribute__((tls_model("initial-exec"))) = nullptr;
struct sigaction g_previous {};

void on_sigbus(int sig, siginfo_t* info, void* context) {
  Range* r = t_range;
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  if (r != nullptr && addr >= r->begin && addr < r->end) {
    // Zero pages from the faulting page to the end of the mapping: later reads see zeros
    // instead of faulting again, and the interrupted instruction is retried.
    const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const uintptr_t from = addr & ~(page - 1);
    void* p = mmap(reinterpret_cast<void*>(from), r->end - from, PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p != MAP_FAILED) {
      r->faulted = 1;
      return;
    }
  }
  // Not ours: behave as if we were never installed.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) {
      g_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  signal(sig, SIG_DFL);  // the faulting instruction runs again and the default action follows
}

void install() {
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &g_previous);
}

}  // namespace

MappedGuard::MappedGuard(const void* begin, size_t size) {
  static std::once_flag once;
  std::call_once(once, install);
  t_storage.begin = reinterpret_cast<uintptr_t>(begin);
  t_storage.end = t_storage.begin + size;
  t_storage.faulted = 0;
  t_range = &t_storage;
}

MappedGuard::~MappedGuard() { t_range = nullptr; }

bool MappedGuard::faulted() const { return t_range != nullptr && t_range->faulted != 0; }

}  // namespace yarrow::scan

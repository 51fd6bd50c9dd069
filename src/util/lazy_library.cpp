#include "util/lazy_library.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace yarrow::util {
namespace {

[[noreturn]] void fail(const char* soname, const char* needed_for, const char* what) {
  std::fflush(nullptr);  // keep the findings printed so far
  std::fprintf(stderr, "error: %s, needed for %s, cannot be used: %s\n", soname, needed_for,
               what ? what : "unknown error");
  std::_Exit(EXIT_FAILURE);
}

}  // namespace

void* LazyLibrary::symbol(const char* name) {
  std::call_once(opened_, [this] {
    handle_ = ::dlopen(soname_, RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) fail(soname_, needed_for_, ::dlerror());
  });
  ::dlerror();
  void* address = ::dlsym(handle_, name);
  if (address == nullptr) fail(soname_, needed_for_, ::dlerror());
  return address;
}

LazyLibrary& libcrypto() {
  static LazyLibrary library(YARROW_LIBCRYPTO_SONAME,
                             "the hash module, pe.imphash(), pe.signatures and JSON sha256");
  return library;
}

LazyLibrary& libmagic() {
  static LazyLibrary library(YARROW_LIBMAGIC_SONAME, "the magic module");
  return library;
}

}  // namespace yarrow::util

// Optional shared libraries opened on first use instead of at process start.
//
// libcrypto (digests, Authenticode) and libmagic (the magic module) cost about 1.4 ms of
// dynamic linking on every start of the CLI, more than the rest of yarrow's start together,
// yet most scans never call them. Their functions are reached through YARROW_LAZY_SYMBOL,
// which opens the library and looks the symbol up once per call site.
#pragma once

#include <mutex>

namespace yarrow::util {

class LazyLibrary {
 public:
  // `soname` is the name the dynamic linker would have looked up (e.g. "libcrypto.so.3");
  // `needed_for` names the features that need it, for the error message.
  constexpr LazyLibrary(const char* soname, const char* needed_for)
      : soname_(soname), needed_for_(needed_for) {}
  LazyLibrary(const LazyLibrary&) = delete;
  LazyLibrary& operator=(const LazyLibrary&) = delete;

  // The address of `name`. A library or symbol that cannot be found is a broken installation:
  // the process stops with an error naming the library and what needs it, as the dynamic
  // linker would have refused to start it.
  void* symbol(const char* name);

  const char* soname() const { return soname_; }

 private:
  const char* soname_;
  const char* needed_for_;
  std::once_flag opened_;
  void* handle_ = nullptr;
};

// The two optional libraries. Their sonames come from the libraries found at build time.
LazyLibrary& libcrypto();
LazyLibrary& libmagic();

}  // namespace yarrow::util

// A typed pointer to the function `fn` (declared by the library's own header) in `library`,
// resolved on the first call from this call site.
#define YARROW_LAZY_SYMBOL(library, fn)                                                    \
  ([]() {                                                                                  \
    static const auto resolved = reinterpret_cast<decltype(&::fn)>((library).symbol(#fn)); \
    return resolved;                                                                       \
  }())

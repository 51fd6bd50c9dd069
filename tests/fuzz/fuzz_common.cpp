#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.h"

namespace yarrow::fuzz {

void fuzz_fail(const char* target, const char* what) {
  std::fprintf(stderr, "yarrow fuzz [%s]: contract broken: %s\n", target, what);
  std::abort();
}

}  // namespace yarrow::fuzz

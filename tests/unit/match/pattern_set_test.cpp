#include <gtest/gtest.h>

#include "regex/regex.h"

namespace {
TEST(PatternSet, Placeholder) { SUCCEED(); }
}

#include <gtest/gtest.h>

#include "regex/regex.h"

namespace {
TEST(Regex, Placeholder) { SUCCEED(); }
}

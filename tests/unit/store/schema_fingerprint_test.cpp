// Precompiled rules files carry the module schemas' fingerprint computed at build time; it must
// be the one the schemas linked into this binary give, or files would load against the wrong
// field layout (or be refused for no reason).
#include <gtest/gtest.h>

#include "modules/module.h"
#include "schema_fingerprint.h"

TEST(SchemaFingerprint, BuildTimeConstantMatchesTheLinkedSchemas) {
  const std::string computed = yarrow::modules::schema_fingerprint();
  EXPECT_EQ(computed.size(), 16u);
  EXPECT_EQ(computed, kModuleSchemaFingerprint);
}

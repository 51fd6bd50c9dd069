// Reads a policy's TOML text into its compiled form (schema: docs/policy.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "policy/policy_impl.h"
#include "yarrow/diagnostics.h"

namespace yarrow::policy {

// Appends every error and warning, in file order, to `diagnostics`; nullptr on any error.
std::unique_ptr<Policy::Impl> load_policy(std::string_view text, const std::string& source_name,
                                          Diagnostics& diagnostics);

}  // namespace yarrow::policy

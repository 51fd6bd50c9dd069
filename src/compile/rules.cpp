#include "compile/compiled_rules.h"
#include "yarrow/rules.h"

namespace yarrow {

Rules::Rules(std::unique_ptr<const detail::CompiledRules> compiled)
    : compiled_(std::move(compiled)) {}
Rules::~Rules() = default;

std::span<const RuleInfo> Rules::rules() const { return compiled_->infos; }
size_t Rules::string_count() const { return compiled_->strings.size(); }
const std::vector<std::string>& Rules::imports() const { return compiled_->imports; }

}  // namespace yarrow

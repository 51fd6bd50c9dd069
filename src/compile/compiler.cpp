#include "yarrow/compiler.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <span>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "compile/compiled_rules.h"
#include "compile/partitions.h"
#include "compile/prefilter.h"
#include "compile/condition_compiler.h"
#include "compile/parse_pipeline.h"
#include "compile/string_specs.h"
#include "modules/module.h"
#include "parse/ast.h"

#include "parse/parser.h"

namespace yarrow {

namespace {

// Modules the yara 4.2.3 reference build knows; importing any other is an error there too.
constexpr std::array<const char*, 12> kKnownModules = {
    "tests", "pe", "elf", "math", "time", "hash", "dotnet", "cuckoo", "magic", "console",
    "macho", "dex"};

struct Namespace {
  std::string name;
  std::unordered_map<std::string, uint32_t> rules;  // name -> index in CompiledRules::rules
  std::vector<uint32_t> order;                      // rules in declaration order
  // Prefixes of wildcard rule sets (`any of (r*)`) used so far: yara rejects any later rule
  // of the namespace whose name they would have matched.
  std::vector<std::string> wildcard_prefixes;
  // Modules imported into this namespace: name -> index in CompiledRules::imports.
  std::unordered_map<std::string, uint32_t> modules;
};

// The matcher's diagnostics, worded as yara words them (see match/pattern_set.h).
std::string spec_message(const match::SpecDiagnostic& sd, const ast::StringDecl& decl) {
  using K = match::SpecDiagnostic::Kind;
  switch (sd.kind) {
    case K::kSyntax:
      if (decl.kind == ast::StringDecl::Kind::kHex) {
        return "invalid hex string \"" + decl.id + "\": " + sd.message;
      }
      return "invalid regular expression \"" + decl.id + "\": " + sd.message;
    case K::kSlowScanning: return "string \"" + decl.id + "\" may slow down scanning";
    case K::kUnboundedDot: return decl.id + " " + sd.message;
  }
  return sd.message;
}

// Whether yara treats the string as a plain literal, the only kind its fixed-offset
// optimisation applies to: text strings (not base64), hex strings of bytes only, and regexes
// without any operator.
constexpr long long kChainingThreshold = 200;  // yara's STRING_CHAINING_THRESHOLD

bool is_literal_string(const ast::StringDecl& decl) {
  auto has = [&](ast::Modifier::Kind k) {
    return std::any_of(decl.modifiers.begin(), decl.modifiers.end(),
                       [&](const ast::Modifier& m) { return m.kind == k; });
  };
  switch (decl.kind) {
    case ast::StringDecl::Kind::kText:
      return !has(ast::Modifier::Kind::kBase64) && !has(ast::Modifier::Kind::kBase64Wide);
    case ast::StringDecl::Kind::kHex: {
      // yara splits a hex string at unbounded or very wide jumps into chained pieces; then
      // only the first piece has to be plain bytes.
      std::string_view v = decl.value;
      size_t end = v.size();
      for (size_t open = v.find('['); open != std::string_view::npos;
           open = v.find('[', open + 1)) {
        const size_t close = v.find(']', open);
        if (close == std::string_view::npos) break;
        std::string jump(v.substr(open + 1, close - open - 1));
        jump.erase(std::remove_if(jump.begin(), jump.end(), ::isspace), jump.end());
        const size_t dash = jump.find('-');
        if (dash == std::string::npos) continue;
        const std::string lo = jump.substr(0, dash), hi = jump.substr(dash + 1);
        const bool wide = hi.empty() || (std::stoll("0" + hi) - std::stoll("0" + lo) >
                                         kChainingThreshold);
        if (wide) {
          end = open;
          break;
        }
      }
      std::string_view head = v.substr(0, end);
      return std::all_of(head.begin(), head.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) ||
               std::isspace(static_cast<unsigned char>(c));
      });
    }
    case ast::StringDecl::Kind::kRegex: {
      const std::string& v = decl.value;
      for (size_t i = 0; i < v.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(v[i]);
        if (c == '\\') {
          if (i + 1 >= v.size()) return false;
          const unsigned char n = static_cast<unsigned char>(v[++i]);
          if (n == 'x') {
            i += 2;
            continue;
          }
          if (std::isalnum(n) && std::string_view("ntrfa").find(static_cast<char>(n)) ==
                                     std::string_view::npos) {
            return false;
          }
          continue;
        }
        if (std::string_view("^$.|?*+()[]{}").find(static_cast<char>(c)) !=
            std::string_view::npos) {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

}  // namespace

struct Compiler::Impl {
  CompilerOptions options;
  Diagnostics diags;
  bool built = false;
  bool failed = false;
  std::unique_ptr<detail::CompiledRules> out = std::make_unique<detail::CompiledRules>();
  std::vector<Namespace> namespaces;
  std::unordered_map<std::string, uint32_t> externals;
  // Where each string was declared, so that matcher diagnostics from build() land there. Kept
  // compact (one per string of the whole rule set): file by index into origin_files, rule by
  // index into out->infos.
  struct SpecOrigin {
    uint32_t file = UINT32_MAX;
    uint32_t line = 0;
    uint32_t column = 0;
    uint32_t rule = 0;
  };
  std::vector<SpecOrigin> spec_origin;
  std::vector<std::string> origin_files;
  std::unordered_map<std::string, uint32_t> origin_file_index;
  // check()'s work on each string (parallel to out->specs), reused by PatternSet::build.
  std::vector<std::shared_ptr<const match::CheckedSpec>> checked;
  // check()'s work remembered per string. Cleared by build().
  compile::StringChecks string_checks;

  uint32_t namespace_index(const std::string& ns);
  // Parses with parse_fn(options, unit, diags) and compiles each rule as it comes; a source of
  // source_bytes >= options.parallel_parse_min_bytes is parsed on a second thread.
  template <typename ParseFn>
  bool add(const std::string& ns, ParseFn&& parse_fn, size_t source_bytes);
  bool compile_imports(const ast::Unit& unit, size_t& done, uint32_t ns);
  // `ahead`: empty, or PatternSet::check()'s verdict on each string, reached ahead of time
  // (compile/parse_pipeline.h).
  bool compile_rule(const ast::Unit& unit, const ast::Rule& rule, uint32_t ns,
                    std::span<const std::shared_ptr<const compile::CheckedString>> ahead = {});
  void error(const ast::Unit* unit, const ast::Span* span, const std::string& code,
             const std::string& message, const std::string& rule = "");
};

void Compiler::Impl::error(const ast::Unit* unit, const ast::Span* span, const std::string& code,
                           const std::string& message, const std::string& rule) {
  Diagnostic d;
  d.code = code;
  d.message = message;
  d.rule = rule;
  if (unit && span) compile::locate(*unit, *span, d);
  diags.push_back(std::move(d));
  failed = true;
}

uint32_t Compiler::Impl::namespace_index(const std::string& ns) {
  for (size_t i = 0; i < namespaces.size(); ++i) {
    if (namespaces[i].name == ns) return static_cast<uint32_t>(i);
  }
  namespaces.push_back(Namespace{ns, {}, {}, {}, {}});
  out->namespaces.push_back(ns);
  return static_cast<uint32_t>(namespaces.size() - 1);
}

namespace {

class Env : public compile::ConditionEnv {
 public:
  Env(Namespace& ns, const detail::CompiledRules& out,
      const std::unordered_map<std::string, uint32_t>& externals)
      : ns_(ns), out_(out), externals_(externals) {}
  std::optional<uint32_t> find_rule(std::string_view name) const override {
    auto it = ns_.rules.find(std::string(name));
    if (it == ns_.rules.end()) return std::nullopt;
    return it->second;
  }
  std::vector<uint32_t> rules_with_prefix(std::string_view prefix) const override {
    std::vector<uint32_t> found;
    ns_.wildcard_prefixes.emplace_back(prefix);
    for (uint32_t r : ns_.order) {
      if (out_.infos[r].name.compare(0, prefix.size(), prefix) == 0) found.push_back(r);
    }
    return found;
  }
  std::optional<uint32_t> find_external(std::string_view name) const override {
    auto it = externals_.find(std::string(name));
    if (it == externals_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<uint32_t> find_module(std::string_view name) const override {
    auto it = ns_.modules.find(std::string(name));
    if (it == ns_.modules.end()) return std::nullopt;
    return it->second;
  }

 private:
  Namespace& ns_;
  const detail::CompiledRules& out_;
  const std::unordered_map<std::string, uint32_t>& externals_;
};

}  // namespace

bool Compiler::Impl::compile_rule(const ast::Unit& unit, const ast::Rule& rule, uint32_t ns_idx,
                                  std::span<const std::shared_ptr<const compile::CheckedString>> ahead) {
  Namespace& ns = namespaces[ns_idx];
  if (ns.rules.count(rule.name) || externals.count(rule.name)) {
    error(&unit, &rule.name_span, "E205", "duplicated identifier \"" + rule.name + "\"");
    return false;
  }
  for (const std::string& prefix : ns.wildcard_prefixes) {
    if (rule.name.compare(0, prefix.size(), prefix) == 0) {
      error(&unit, &rule.name_span, "E236",
            "rule identifier \"" + rule.name + "\" matches previously used wildcard rule set");
      return false;
    }
  }
  for (size_t i = 0; i < rule.tags.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (rule.tags[i] == rule.tags[j]) {
        const ast::Span& where = i < rule.tag_spans.size() ? rule.tag_spans[i] : rule.span;
        error(&unit, &where, "E207", "duplicated tag identifier \"" + rule.tags[i] + "\"",
              rule.name);
        return false;
      }
    }
  }
  if (rule.strings.size() > options.max_strings_per_rule) {
    error(&unit, &rule.span, "E229",
          "too many strings in rule \"" + rule.name + "\" (limit: " +
              std::to_string(options.max_strings_per_rule) + ")",
          rule.name);
    return false;
  }
  std::vector<match::StringSpec> specs;
  std::vector<std::shared_ptr<const match::CheckedSpec>> checked_specs;
  std::unordered_set<std::string_view> seen_ids;
  for (size_t i = 0; i < rule.strings.size(); ++i) {
    const ast::StringDecl& decl = rule.strings[i];
    if (decl.id != "$" && !seen_ids.insert(decl.id).second) {
      error(&unit, &decl.span, "E206", "duplicated string identifier \"" + decl.id + "\"",
            rule.name);
      return false;
    }
    std::optional<match::StringSpec> spec = compile::make_string_spec(unit, rule, decl, diags);
    if (!spec) {
      failed = true;
      return false;
    }
    bool spec_failed = false;
    const compile::CheckedString& memo =
        i < ahead.size() && ahead[i] ? *ahead[i] : *string_checks.check(*spec);
    std::shared_ptr<const match::CheckedSpec> checked_spec = memo.checked;
    for (const match::SpecDiagnostic& sd : memo.diags) {
      Diagnostic d;
      d.severity = sd.is_error ? Severity::kError : Severity::kWarning;
      d.code = sd.is_error ? "E230" : "W202";
      d.message = spec_message(sd, decl);
      d.rule = rule.name;
      ast::Span where = decl.value_span;
      if (sd.offset) where.begin += 1 + *sd.offset;  // past the opening delimiter
      compile::locate(unit, where, d);
      diags.push_back(std::move(d));
      if (sd.is_error) spec_failed = true;
    }
    if (spec_failed) {
      failed = true;
      return false;
    }
    specs.push_back(std::move(*spec));
    checked_specs.push_back(std::move(checked_spec));
  }

  // Register the rule before its condition: yara lets a condition name its own rule.
  const uint32_t rule_idx = static_cast<uint32_t>(out->rules.size());
  detail::CompiledRule cr;
  cr.ns = ns_idx;
  cr.strings_begin = static_cast<uint32_t>(out->strings.size());
  cr.string_count = static_cast<uint32_t>(rule.strings.size());
  cr.is_global = rule.is_global;
  cr.is_private = rule.is_private;
  RuleInfo info;
  info.name = rule.name;
  info.ns = ns.name;
  info.tags = rule.tags;
  info.is_global = rule.is_global;
  info.is_private = rule.is_private;
  const auto kept_meta =
      options.keep_rule_meta ? std::span<const ast::Meta>(rule.meta) : std::span<const ast::Meta>();
  for (const ast::Meta& m : kept_meta) {
    MetaEntry me;
    me.key = m.key;
    switch (m.type) {
      case ast::Meta::Type::kString: me.value = m.string_value; break;
      case ast::Meta::Type::kInteger: me.value = m.integer_value; break;
      case ast::Meta::Type::kBoolean: me.value = m.bool_value; break;
    }
    info.meta.push_back(std::move(me));
  }
  for (const ast::StringDecl& decl : rule.strings) info.string_ids.push_back(decl.id);
  // A placeholder condition until the real one compiles (keeps indices valid on errors).
  detail::Node false_node;
  cr.condition = static_cast<uint32_t>(out->nodes.size());
  out->nodes.push_back(false_node);
  out->rules.push_back(cr);
  out->infos.push_back(std::move(info));
  ns.rules.emplace(rule.name, rule_idx);
  ns.order.push_back(rule_idx);
  for (size_t i = 0; i < rule.strings.size(); ++i) {
    const ast::StringDecl& decl = rule.strings[i];
    detail::CompiledString cs;
    cs.rule = rule_idx;
    cs.id = decl.id;
    cs.is_private = std::any_of(decl.modifiers.begin(), decl.modifiers.end(), [](const auto& m) {
      return m.kind == ast::Modifier::Kind::kPrivate;
    });
    cs.is_hex = specs[i].kind == match::StringSpec::Kind::kHex;
    out->strings.push_back(std::move(cs));
    out->specs.push_back(std::move(specs[i]));
    checked.push_back(std::move(checked_specs[i]));
    Diagnostic where;
    compile::locate(unit, decl.span, where);
    SpecOrigin origin;
    origin.line = where.line;
    origin.column = where.column;
    origin.rule = rule_idx;
    if (!where.file.empty()) {
      auto [it, fresh] = origin_file_index.try_emplace(
          where.file, static_cast<uint32_t>(origin_files.size()));
      if (fresh) origin_files.push_back(where.file);
      origin.file = it->second;
    }
    spec_origin.push_back(origin);
  }

  Env env(ns, *out, externals);
  compile::ConditionCompiler cc(unit, *out, diags, env);
  std::vector<compile::StringUse> uses;
  const uint32_t first = out->rules[rule_idx].strings_begin;
  std::optional<uint32_t> root = cc.compile(rule, first, uses);
  if (!root) {
    failed = true;
    return false;
  }
  for (size_t i = 0; i < rule.strings.size(); ++i) {
    out->specs[first + i].single_match_ok = uses[i].single_match;
    if (uses[i].fixed == compile::StringUse::Fixed::kAt && is_literal_string(rule.strings[i])) {
      out->strings[first + i].fixed_offset = uses[i].fixed_offset;
    }
    if (!uses[i].referenced) {
      error(&unit, &rule.strings[i].span, "E203",
            "unreferenced string \"" + rule.strings[i].id + "\"", rule.name);
      return false;
    }
  }
  out->rules[rule_idx].condition = *root;
  return true;
}

bool Compiler::Impl::compile_imports(const ast::Unit& unit, size_t& done, uint32_t ns) {
  bool ok = true;
  for (; done < unit.imports.size(); ++done) {
    const ast::Import& imp = unit.imports[done];
    bool known = std::any_of(kKnownModules.begin(), kKnownModules.end(),
                             [&](const char* m) { return imp.module == m; });
    if (modules::find_module(imp.module) != nullptr) {
      auto& imports = out->imports;
      auto pos = std::find(imports.begin(), imports.end(), imp.module);
      if (pos == imports.end()) pos = imports.insert(imports.end(), imp.module);
      namespaces[ns].modules.emplace(imp.module, static_cast<uint32_t>(pos - imports.begin()));
      continue;
    }
    if (!known) {
      error(&unit, &imp.span, "E231", "unknown module \"" + imp.module + "\"");
    } else {
      error(&unit, &imp.span, "E232", "module \"" + imp.module + "\" is not supported yet");
    }
    ok = false;
  }
  return ok;
}

template <typename ParseFn>
bool Compiler::Impl::add(const std::string& ns, ParseFn&& parse_fn, size_t source_bytes) {
  if (built) return false;
  // Each rule is compiled as soon as it is parsed, with the imports above it, as yara's
  // one-pass compiler does: diagnostics come in source order, a module imported below a rule is
  // unknown to it, and only one rule's syntax tree is held at a time (a few, when a large
  // source is parsed on a second thread).
  const uint32_t ns_idx = namespace_index(ns);
  size_t imports_done = 0;
  bool ok = true;
  parse::ParseOptions popts;
  popts.max_include_depth = options.max_include_depth;
  popts.allow_includes = options.allow_includes;
  const size_t diags_before = diags.size();
  ast::Unit unit;
  // The same steps, with the parser on its own thread when the source is large: see
  // compile/parse_pipeline.h. Strings it checks ahead are remembered there, as check() remembers
  // them here. A thread that cannot be started (thread limit, memory) leaves the one-thread path.
  compile::StringChecks checks_ahead;  // the parser's thread's own
  std::optional<compile::ParsePipeline> pipeline;
  if (options.parallel_build && source_bytes >= options.parallel_parse_min_bytes) {
    auto check_ahead = [&checks_ahead](const ast::Unit& u, compile::ParsedRule& packet) {
      Diagnostics ignored;  // the compiler's own make_string_spec() reports them
      for (const ast::StringDecl& decl : packet.rule->strings) {
        auto& out = packet.checked.emplace_back();
        if (auto spec = compile::make_string_spec(u, *packet.rule, decl, ignored))
          out = checks_ahead.check(*spec);
      }
    };
    try {
      pipeline.emplace(parse_fn, check_ahead, popts);
    } catch (const std::system_error&) {
    }
  }
  if (pipeline) {
    compile::ParsedRule packet;
    while (pipeline->next(packet)) {
      for (ast::SourceFile& f : packet.new_files) unit.files.push_back(std::move(f));
      for (ast::Import& i : packet.new_imports) unit.imports.push_back(std::move(i));
      for (Diagnostic& d : packet.diags) diags.push_back(std::move(d));
      if (!packet.rule) continue;
      unit.exprs = std::move(packet.exprs);
      unit.rules.push_back(std::move(*packet.rule));
      ok &= compile_imports(unit, imports_done, ns_idx);
      ok &= compile_rule(unit, unit.rules.back(), ns_idx, packet.checked);
      unit.rules.pop_back();
    }
  } else {
    popts.on_rule = [&](const ast::Unit& u) {
      ok &= compile_imports(u, imports_done, ns_idx);
      ok &= compile_rule(u, u.rules.back(), ns_idx);
    };
    parse_fn(popts, unit, diags);
  }
  const bool any_error =
      std::any_of(diags.begin() + static_cast<std::ptrdiff_t>(diags_before), diags.end(),
                  [](const Diagnostic& d) { return d.severity == Severity::kError; });
  if (any_error) {
    failed = true;
    return false;
  }
  ok &= compile_imports(unit, imports_done, ns_idx);  // imports below the last rule
  return ok;
}

Compiler::Compiler(CompilerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}
Compiler::~Compiler() = default;

bool Compiler::define_external(const std::string& name, Value value) {
  if (impl_->externals.count(name)) {
    Diagnostic d;
    d.code = "E233";
    d.message = "duplicated external variable \"" + name + "\"";
    impl_->diags.push_back(std::move(d));
    return false;
  }
  impl_->externals.emplace(name, static_cast<uint32_t>(impl_->out->externals.size()));
  impl_->out->externals.push_back(detail::External{name, std::move(value)});
  return true;
}

bool Compiler::add_file(const std::string& path, const std::string& ns) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);  // a pipe or an error: 0
  return impl_->add(
      ns,
      [&path](const parse::ParseOptions& popts, ast::Unit& unit, Diagnostics& d) {
        parse::parse_file(path, popts, unit, d);
      },
      ec ? 0 : static_cast<size_t>(bytes));
}

bool Compiler::add_source(std::string_view text, const std::string& ns,
                          const std::string& display_name) {
  return impl_->add(
      ns,
      [text, &display_name](const parse::ParseOptions& popts, ast::Unit& unit, Diagnostics& d) {
        parse::parse_source(text, display_name, popts, unit, d);
      },
      text.size());
}

const Diagnostics& Compiler::diagnostics() const { return impl_->diags; }

bool Compiler::has_errors() const {
  return impl_->failed || std::any_of(impl_->diags.begin(), impl_->diags.end(), [](const auto& d) {
           return d.severity == Severity::kError;
         });
}

bool Compiler::has_warnings() const {
  return std::any_of(impl_->diags.begin(), impl_->diags.end(),
                     [](const auto& d) { return d.severity == Severity::kWarning; });
}

std::shared_ptr<const Rules> Compiler::build() {
  if (impl_->built || has_errors()) return nullptr;
  impl_->built = true;
  detail::CompiledRules& out = *impl_->out;
  out.meta_dropped = !impl_->options.keep_rule_meta;
  // The memo of checked strings is no longer needed. Freeing its tens of thousands of small
  // objects took elastic's compile over a millisecond; a helper thread frees them beside the
  // matcher's first phase, on the core the parser used, and before the memory peak.
  std::jthread memo_disposer;  // joined when build() returns
  if (impl_->options.parallel_build) {
    try {
      memo_disposer = std::jthread([memo = std::move(impl_->string_checks)]() mutable { memo = {}; });
    } catch (const std::system_error&) {
      // No thread to be had: the memo is freed below, on this one.
    }
  }
  impl_->string_checks = {};
  // The rules are final: drop the vectors' growth slack before the matcher's memory peak.
  out.specs.shrink_to_fit();
  out.strings.shrink_to_fit();
  out.nodes.shrink_to_fit();
  out.kids.shrink_to_fit();
  out.rules.shrink_to_fit();
  out.infos.shrink_to_fit();
  // What the building thread does once the literals are collected and while Vectorscan
  // compiles (BuildOptions::specs_done, beside_databases).
  struct BesideDatabases {
    detail::CompiledRules* rules;
    std::vector<std::shared_ptr<const match::CheckedSpec>>* checked;
    bool prefilter_built = false;
    bool drop_specs = false;
    void (*before_databases)() = nullptr;
  } beside{&out, &impl_->checked, false, !impl_->options.keep_string_specs,
           impl_->options.before_databases};
  if (!out.specs.empty()) {
    detail::assign_partitions(out);  // perf: which strings a scan may skip, by file header
    match::BuildOptions build_options;
    build_options.background_database = impl_->options.parallel_build;
    build_options.max_database_patterns = impl_->options.max_database_patterns;
    // The strings' analyses and, unless kept, their specs are done with once the literals are
    // collected: freed then, they are not part of the peak, which comes as the largest
    // database compiles (signature-base: 3.5 MB).
    build_options.specs_done = [](void* context, bool databases_first) {
      auto& job = *static_cast<BesideDatabases*>(context);
      job.checked->clear();
      job.checked->shrink_to_fit();
      if (job.drop_specs) {
        job.rules->specs.clear();
        job.rules->specs.shrink_to_fit();
      }
      if (databases_first && job.before_databases != nullptr) job.before_databases();
    };
    // The rules' prefilter needs only the conditions: it is built while Vectorscan compiles.
    build_options.beside_databases = [](void* context) {
      auto& job = *static_cast<BesideDatabases*>(context);
      detail::build_prefilter(*job.rules);
      job.prefilter_built = true;
    };
    build_options.beside_context = &beside;
    std::vector<match::SpecDiagnostic> sdiags;
    out.patterns =
        match::PatternSet::build(out.specs, build_options, sdiags, impl_->checked);
    impl_->checked.clear();
    impl_->checked.shrink_to_fit();
    bool failed = false;
    for (const match::SpecDiagnostic& sd : sdiags) {
      if (!sd.is_error) continue;  // warnings were reported when the string was added
      Diagnostic d;
      if (sd.spec_index < impl_->spec_origin.size()) {
        const Impl::SpecOrigin& o = impl_->spec_origin[sd.spec_index];
        if (o.file < impl_->origin_files.size()) d.file = impl_->origin_files[o.file];
        d.line = o.line;
        d.column = o.column;
        d.rule = out.infos[o.rule].name;
      }
      d.code = "E230";
      d.message = sd.message;
      impl_->diags.push_back(std::move(d));
      failed = true;
    }
    if (failed || !out.patterns) {
      if (!failed) {
        Diagnostic d;
        d.code = "E235";
        d.message = "could not build the string matcher";
        impl_->diags.push_back(std::move(d));
      }
      impl_->failed = true;
      return nullptr;
    }
  }
  if (!beside.prefilter_built) detail::build_prefilter(out);  // perf: which rules a scan may skip
  return std::make_shared<const Rules>(std::move(impl_->out));
}

}  // namespace yarrow

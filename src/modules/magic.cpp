// The magic module: type() and mime_type() through libmagic, as yara 4.2.3.
//
// yara keeps one libmagic cookie per thread and caches each answer for the rest of the scan.
// Here the cookie is thread-local too (libmagic cookies are not thread-safe), and the cache is
// thread-local, reset by the loader (which runs once per scan, in the scanning thread, before
// any call) and tied to the scanned buffer, so a stale answer can never leak into another scan.
// The module has no data fields: `yara -D` prints only its name.
#include <magic.h>

#include <optional>
#include <string>

#include "modules/modules_internal.h"
#include "util/lazy_library.h"

namespace yarrow::modules {
namespace {

class Cookie {
 public:
  Cookie() {
    cookie_ = YARROW_LAZY_SYMBOL(util::libmagic(), magic_open)(0);
    if (cookie_ && YARROW_LAZY_SYMBOL(util::libmagic(), magic_load)(cookie_, nullptr) != 0) {
      close();
      cookie_ = nullptr;
    }
  }
  ~Cookie() {
    if (cookie_) close();
  }
  Cookie(const Cookie&) = delete;
  Cookie& operator=(const Cookie&) = delete;

  // libmagic's description of the buffer with `flags`, or nullopt when it fails.
  std::optional<std::string> describe(std::span<const uint8_t> data, int flags) {
    // yara maps an empty file to no data at all and answers undefined.
    if (!cookie_ || data.empty()) return std::nullopt;
    YARROW_LAZY_SYMBOL(util::libmagic(), magic_setflags)(cookie_, flags);
    const char* text =
        YARROW_LAZY_SYMBOL(util::libmagic(), magic_buffer)(cookie_, data.data(), data.size());
    if (!text) return std::nullopt;
    return std::string(text);
  }

 private:
  void close() { YARROW_LAZY_SYMBOL(util::libmagic(), magic_close)(cookie_); }

  magic_t cookie_ = nullptr;
};

struct ScanCache {
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool have_type = false, have_mime = false;
  std::optional<std::string> type, mime;
};

Cookie& cookie() {
  thread_local Cookie c;
  return c;
}

ScanCache& cache() {
  thread_local ScanCache c;
  return c;
}

Result lookup(const CallContext& ctx, bool mime) {
  ScanCache& c = cache();
  if (c.data != ctx.data.data() || c.size != ctx.data.size()) {
    c = ScanCache{};
    c.data = ctx.data.data();
    c.size = ctx.data.size();
  }
  bool& have = mime ? c.have_mime : c.have_type;
  std::optional<std::string>& value = mime ? c.mime : c.type;
  if (!have) {
    value = cookie().describe(ctx.data, mime ? MAGIC_MIME_TYPE : MAGIC_NONE);
    have = true;
  }
  if (!value) return std::monostate{};
  return *value;
}

Result magic_type(const CallContext& ctx, std::span<const Arg>) { return lookup(ctx, false); }
Result magic_mime_type(const CallContext& ctx, std::span<const Arg>) { return lookup(ctx, true); }

}  // namespace

const Schema& magic_schema() {
  static const Schema schema = SchemaBuilder("magic")
                                   .function("mime_type", "", 's', &magic_mime_type)
                                   .function("type", "", 's', &magic_type)
                                   .build();
  return schema;
}

void magic_load(ValueTreeBuilder&, std::span<const uint8_t>) { cache() = ScanCache{}; }

}  // namespace yarrow::modules

// The math module, with yara 4.2.3's quirks kept on purpose: string variants of mean,
// deviation, serial_correlation and monte_carlo_pi read bytes as signed char; min/max compare
// as unsigned; percentage divides in single precision.
#include <array>
#include <cmath>
#include <cstdlib>

#include "modules/modules_internal.h"

namespace yarrow::modules {
namespace {

constexpr double kPi = 3.141592653589793;
using Histogram = std::array<uint64_t, 256>;

int64_t int_arg(std::span<const Arg> a, size_t i) { return std::get<int64_t>(a[i]); }
double float_arg(std::span<const Arg> a, size_t i) { return std::get<double>(a[i]); }
std::string_view str_arg(std::span<const Arg> a, size_t i) { return std::get<std::string_view>(a[i]); }

// The bytes [offset, offset + length) clamped to the data, or nullopt where yara is undefined.
std::optional<std::span<const uint8_t>> range(std::span<const uint8_t> data, int64_t offset,
                                              int64_t length) {
  if (offset < 0 || length < 0) return std::nullopt;
  uint64_t off = static_cast<uint64_t>(offset);
  if (off >= data.size()) return std::nullopt;
  uint64_t len = std::min<uint64_t>(static_cast<uint64_t>(length), data.size() - off);
  return data.subspan(off, len);
}

Histogram histogram(std::span<const uint8_t> bytes) {
  Histogram h{};
  for (uint8_t c : bytes) ++h[c];
  return h;
}

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

double entropy(std::span<const uint8_t> bytes) {
  Histogram h = histogram(bytes);
  double e = 0;
  for (uint64_t n : h) {
    if (n == 0) continue;
    double x = static_cast<double>(n) / static_cast<double>(bytes.size());
    e -= x * std::log2(x);
  }
  return e;
}

template <class Byte>
double serial_correlation(std::span<const uint8_t> bytes) {
  double un = 0, last = 0, t1 = 0, t2 = 0, t3 = 0;
  for (uint8_t c : bytes) {
    un = static_cast<double>(static_cast<Byte>(c));
    t1 += last * un;
    t2 += un;
    t3 += un * un;
    last = un;
  }
  t1 += last * un;
  t2 *= t2;
  double n = static_cast<double>(bytes.size());
  double scc = n * t3 - t2;
  return scc == 0 ? -100000 : (n * t1 - t2) / scc;
}

template <class Word>
Result monte_carlo_pi(std::span<const uint8_t> bytes) {
  const double incirc = std::pow(std::pow(256.0, 3.0) - 1, 2.0);
  unsigned int monte[6] = {};
  uint64_t count = 0, inside = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    monte[i % 6] = static_cast<unsigned int>(static_cast<Word>(bytes[i]));
    if (i % 6 != 5) continue;
    double mx = 0, my = 0;
    for (int j = 0; j < 3; ++j) {
      mx = mx * 256.0 + monte[j];
      my = my * 256.0 + monte[j + 3];
    }
    ++count;
    if (mx * mx + my * my <= incirc) ++inside;
  }
  if (count == 0) return {};
  double mpi = 4.0 * (static_cast<double>(static_cast<int>(inside)) / static_cast<int>(count));
  return float_result(std::fabs((mpi - kPi) / kPi));
}

Result data_entropy(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, int_arg(a, 0), int_arg(a, 1));
  if (!r) return {};
  return float_result(entropy(*r));
}
Result string_entropy(const CallContext&, std::span<const Arg> a) {
  return float_result(entropy(bytes_of(str_arg(a, 0))));
}

Result data_mean(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, int_arg(a, 0), int_arg(a, 1));
  if (!r) return {};
  Histogram h = histogram(*r);
  double sum = 0;
  for (int i = 0; i < 256; ++i) sum += static_cast<double>(i) * static_cast<double>(h[i]);
  return float_result(sum / static_cast<double>(r->size()));
}
Result string_mean(const CallContext&, std::span<const Arg> a) {
  std::string_view s = str_arg(a, 0);
  double sum = 0;
  for (char ch : s) sum += static_cast<double>(static_cast<signed char>(ch));
  return float_result(sum / static_cast<double>(s.size()));
}

Result data_deviation(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, int_arg(a, 0), int_arg(a, 1));
  if (!r) return {};
  double mean = float_arg(a, 2);
  Histogram h = histogram(*r);
  double sum = 0;
  for (int i = 0; i < 256; ++i) sum += std::fabs(static_cast<double>(i) - mean) * static_cast<double>(h[i]);
  return float_result(sum / static_cast<double>(r->size()));
}
Result string_deviation(const CallContext&, std::span<const Arg> a) {
  std::string_view s = str_arg(a, 0);
  double mean = float_arg(a, 1);
  double sum = 0;
  for (char ch : s) sum += std::fabs(static_cast<double>(static_cast<signed char>(ch)) - mean);
  return float_result(sum / static_cast<double>(s.size()));
}

Result data_serial_correlation(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, int_arg(a, 0), int_arg(a, 1));
  if (!r) return {};
  return float_result(serial_correlation<uint8_t>(*r));
}
Result string_serial_correlation(const CallContext&, std::span<const Arg> a) {
  return float_result(serial_correlation<signed char>(bytes_of(str_arg(a, 0))));
}

Result data_monte_carlo_pi(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, int_arg(a, 0), int_arg(a, 1));
  if (!r) return {};
  return monte_carlo_pi<uint8_t>(*r);
}
Result string_monte_carlo_pi(const CallContext&, std::span<const Arg> a) {
  return monte_carlo_pi<signed char>(bytes_of(str_arg(a, 0)));
}

Result in_range(const CallContext&, std::span<const Arg> a) {
  double v = float_arg(a, 0), lo = float_arg(a, 1), hi = float_arg(a, 2);
  return int64_t{lo <= v && v <= hi ? 1 : 0};
}
Result min_fn(const CallContext&, std::span<const Arg> a) {
  uint64_t x = static_cast<uint64_t>(int_arg(a, 0)), y = static_cast<uint64_t>(int_arg(a, 1));
  return static_cast<int64_t>(x < y ? x : y);
}
Result max_fn(const CallContext&, std::span<const Arg> a) {
  uint64_t x = static_cast<uint64_t>(int_arg(a, 0)), y = static_cast<uint64_t>(int_arg(a, 1));
  return static_cast<int64_t>(x > y ? x : y);
}
Result to_number(const CallContext&, std::span<const Arg> a) {
  return int64_t{int_arg(a, 0) ? 1 : 0};
}
Result abs_fn(const CallContext&, std::span<const Arg> a) {
  int64_t v = int_arg(a, 0);
  // llabs(INT64_MIN) is undefined in C; yara on x86-64 yields INT64_MIN back.
  return v == INT64_MIN ? v : std::llabs(v);
}

// yara has no memory block for empty data, so whole-data statistics are undefined there.
std::optional<Histogram> whole(const CallContext& c) {
  if (c.data.empty()) return std::nullopt;
  return histogram(c.data);
}

Result count_range(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, int_arg(a, 1), int_arg(a, 2));
  if (!r) return {};
  return static_cast<int64_t>(histogram(*r)[static_cast<uint8_t>(int_arg(a, 0))]);
}
Result count_global(const CallContext& c, std::span<const Arg> a) {
  auto h = whole(c);
  if (!h) return {};
  return static_cast<int64_t>((*h)[static_cast<uint8_t>(int_arg(a, 0))]);
}
double percentage(const Histogram& h, uint8_t byte) {
  uint64_t total = 0;
  for (uint64_t n : h) total += n;
  return static_cast<double>(static_cast<float>(h[byte]) / static_cast<float>(total));
}
Result percentage_range(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, int_arg(a, 1), int_arg(a, 2));
  if (!r) return {};
  return float_result(percentage(histogram(*r), static_cast<uint8_t>(int_arg(a, 0))));
}
Result percentage_global(const CallContext& c, std::span<const Arg> a) {
  auto h = whole(c);
  if (!h) return {};
  return float_result(percentage(*h, static_cast<uint8_t>(int_arg(a, 0))));
}
int64_t mode(const Histogram& h) {
  int64_t best = 0;
  for (int i = 0; i < 256; ++i)
    if (h[i] > h[best]) best = i;
  return best;
}
Result mode_range(const CallContext& c, std::span<const Arg> a) {
  auto r = range(c.data, int_arg(a, 0), int_arg(a, 1));
  if (!r) return {};
  return mode(histogram(*r));
}
Result mode_global(const CallContext& c, std::span<const Arg>) {
  auto h = whole(c);
  if (!h) return {};
  return mode(*h);
}

Schema make_schema() {
  SchemaBuilder b("math");
  b.floating("MEAN_BYTES");
  b.function("in_range", "fff", 'i', in_range);
  b.data_function("deviation", "iif", 'f', data_deviation);
  b.function("deviation", "sf", 'f', string_deviation);
  b.data_function("mean", "ii", 'f', data_mean);
  b.function("mean", "s", 'f', string_mean);
  b.data_function("serial_correlation", "ii", 'f', data_serial_correlation);
  b.function("serial_correlation", "s", 'f', string_serial_correlation);
  b.data_function("monte_carlo_pi", "ii", 'f', data_monte_carlo_pi);
  b.function("monte_carlo_pi", "s", 'f', string_monte_carlo_pi);
  b.data_function("entropy", "ii", 'f', data_entropy);
  b.function("entropy", "s", 'f', string_entropy);
  b.function("min", "ii", 'i', min_fn);
  b.function("max", "ii", 'i', max_fn);
  b.function("to_number", "b", 'i', to_number);
  b.function("abs", "i", 'i', abs_fn);
  b.data_function("count", "iii", 'i', count_range);
  b.function("count", "i", 'i', count_global);
  b.data_function("percentage", "iii", 'f', percentage_range);
  b.function("percentage", "i", 'f', percentage_global);
  b.data_function("mode", "ii", 'i', mode_range);
  b.function("mode", "", 'i', mode_global);
  return b.build();
}

}  // namespace

const Schema& math_schema() {
  static const Schema schema = make_schema();
  return schema;
}

void math_load(ValueTreeBuilder& b, std::span<const uint8_t>) {
  b.set_float(ValueTreeBuilder::kRoot, "MEAN_BYTES", 127.5);
}

}  // namespace yarrow::modules

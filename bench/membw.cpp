// Single-core memory read bandwidth: sums a buffer much larger than the caches, several times,
// and prints the best rate in bytes per second. The benchmark reports scan throughput as a
// fraction of this number.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const size_t bytes = (argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024) << 20;
  std::vector<uint64_t> buffer(bytes / sizeof(uint64_t));
  for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = i * 0x9E3779B97F4A7C15ull;
  double best = 0;
  uint64_t sink = 0;
  for (int round = 0; round < 5; ++round) {
    const auto start = std::chrono::steady_clock::now();
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i + 4 <= buffer.size(); i += 4) {
      a += buffer[i];
      b += buffer[i + 1];
      c += buffer[i + 2];
      d += buffer[i + 3];
    }
    sink += a ^ b ^ c ^ d;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (bytes / seconds > best) best = bytes / seconds;
  }
  std::printf("%.0f\n", best);
  return sink == 42 ? 1 : 0;  // keeps the loop from being optimised away
}

// Reading the memory of a Linux process for Scanner::scan_blocks: the regions listed in
// /proc/PID/smaps, in address order, each read through /proc/PID/mem in chunks of at most
// `max_chunk` bytes (yara's --max-process-memory-chunk). A region that can't be read ([vvar],
// guard pages, a region unmapped meanwhile) is skipped and recorded in skipped(); the scan of the
// other regions goes on. Reading another user's process needs the same rights as ptrace.
//
// Two departures from yara, which reads every listed region: anonymous regions with nothing
// resident or swapped (never written: zero pages) are left out silently, and regions larger than
// kMaxRegionBytes (sanitizer shadow memory and similar sparse reservations of terabytes) are
// skipped and recorded, since reading them would take hours. File-backed regions are always
// read: their pages hold the file's bytes even when never touched.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "yarrow/scanner.h"

namespace yarrow::procmem {

struct SkippedRegion {
  uint64_t begin = 0;
  uint64_t end = 0;
  std::string name;    // mapped file or [heap]/[stack]/..., may be empty
  std::string reason;  // strerror text
};

inline constexpr uint64_t kMaxRegionBytes = uint64_t{64} << 30;

class ProcessMemoryReader final : public BlockReader {
 public:
  // Opens /proc/PID/maps and /proc/PID/mem. nullptr with `error` set (strerror text) when the
  // process doesn't exist or can't be read.
  static std::unique_ptr<ProcessMemoryReader> open(int64_t pid, uint64_t max_chunk,
                                                   std::string& error);
  ~ProcessMemoryReader() override;

  bool next(uint64_t& base, std::span<const uint8_t>& bytes) override;

  const std::vector<SkippedRegion>& skipped() const { return skipped_; }
  uint64_t bytes_read() const { return bytes_read_; }

  // Caps the bytes read over the whole process (0: no cap, the default). Reading stops once the
  // cap is reached, mid-region if need be; what was left is counted below, not in skipped(),
  // since it was readable. Regions go in address order, so the cap drops the highest addresses
  // (libraries, stack) first. Call before the first next().
  void set_max_bytes(uint64_t limit) { max_bytes_ = limit; }
  bool capped() const { return capped_regions_ > 0; }
  uint64_t capped_regions() const { return capped_regions_; }  // regions not read in full
  uint64_t capped_bytes() const { return capped_bytes_; }      // bytes left unread

 private:
  struct Region {
    uint64_t begin = 0;
    uint64_t end = 0;
    std::string name;
  };
  ProcessMemoryReader(int mem_fd, std::vector<Region> regions, uint64_t max_chunk);

  int mem_fd_ = -1;
  std::vector<Region> regions_;
  uint64_t max_chunk_;
  size_t region_ = 0;
  uint64_t cursor_ = 0;  // next address to read inside regions_[region_]
  std::vector<uint8_t> buffer_;
  std::vector<SkippedRegion> skipped_;
  uint64_t bytes_read_ = 0;
  uint64_t max_bytes_ = 0;
  uint64_t capped_regions_ = 0;
  uint64_t capped_bytes_ = 0;

  void stop_at_cap();
};

}  // namespace yarrow::procmem

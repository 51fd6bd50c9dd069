#include "procmem/process_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "procmem/process_info.h"

namespace yarrow::procmem {

std::unique_ptr<ProcessMemoryReader> ProcessMemoryReader::open(int64_t pid, uint64_t max_chunk,
                                                               std::string& error) {
  const std::string dir = "/proc/" + std::to_string(pid);
  if (!process_exists(pid)) {
    error = std::strerror(ESRCH);
    return nullptr;
  }
  const int fd = ::open((dir + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return nullptr;
  }
  // smaps rather than maps: it tells which anonymous regions were never touched (see header).
  std::ifstream maps(dir + "/smaps");
  if (!maps) {
    ::close(fd);
    error = std::strerror(ESRCH);
    return nullptr;
  }
  // The region list is a snapshot taken up front; the process goes on changing meanwhile, which
  // is why reads of listed regions may fail later.
  std::vector<Region> regions;
  std::vector<SkippedRegion> skipped;
  struct Pending {
    Region region;
    bool anonymous = false;
    uint64_t resident = 0;  // Rss + Swap, kB
  };
  std::optional<Pending> pending;
  auto flush = [&] {
    if (!pending) return;
    Region& r = pending->region;
    if (pending->anonymous && pending->resident == 0) {
      // Never touched: reads would only return zero pages. Not worth a warning.
    } else if (r.end - r.begin > kMaxRegionBytes) {
      skipped.push_back(SkippedRegion{r.begin, r.end, r.name,
                                      "larger than " + std::to_string(kMaxRegionBytes >> 30) +
                                          " GiB (a sparse reservation)"});
    } else {
      regions.push_back(std::move(r));
    }
    pending.reset();
  };
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string first;
    if (!(in >> first) || first.empty()) continue;
    if (first.back() == ':') {  // "Rss:       12 kB"
      uint64_t kb = 0;
      if (pending && (first == "Rss:" || first == "Swap:") && (in >> kb)) pending->resident += kb;
      continue;
    }
    // begin-end perms offset dev inode [name]
    flush();
    std::string perms, offset, dev, inode;
    if (!(in >> perms >> offset >> dev >> inode)) continue;
    const size_t dash = first.find('-');
    if (dash == std::string::npos) continue;
    Pending p;
    try {
      p.region.begin = std::stoull(first.substr(0, dash), nullptr, 16);
      p.region.end = std::stoull(first.substr(dash + 1), nullptr, 16);
    } catch (const std::exception&) {
      continue;
    }
    std::getline(in >> std::ws, p.region.name);
    p.anonymous = inode == "0";
    // No read permission (guard pages, reservations): /proc/PID/mem refuses them anyway.
    if (perms.empty() || perms[0] != 'r') continue;
    if (p.region.end > p.region.begin) pending = std::move(p);
  }
  flush();
  std::sort(regions.begin(), regions.end(),
            [](const Region& a, const Region& b) { return a.begin < b.begin; });
  auto reader = std::unique_ptr<ProcessMemoryReader>(
      new ProcessMemoryReader(fd, std::move(regions), std::max<uint64_t>(max_chunk, 4096)));
  reader->skipped_ = std::move(skipped);
  return reader;
}

ProcessMemoryReader::ProcessMemoryReader(int mem_fd, std::vector<Region> regions,
                                         uint64_t max_chunk)
    : mem_fd_(mem_fd), regions_(std::move(regions)), max_chunk_(max_chunk) {
  if (!regions_.empty()) cursor_ = regions_[0].begin;
}

ProcessMemoryReader::~ProcessMemoryReader() {
  if (mem_fd_ >= 0) ::close(mem_fd_);
}

// Counts everything from the cursor on as left out by the cap and ends the region walk.
void ProcessMemoryReader::stop_at_cap() {
  for (; region_ < regions_.size(); ++region_) {
    const Region& r = regions_[region_];
    const uint64_t from = std::max(cursor_, r.begin);
    if (from >= r.end) continue;
    ++capped_regions_;
    capped_bytes_ += r.end - from;
  }
}

bool ProcessMemoryReader::next(uint64_t& base, std::span<const uint8_t>& bytes) {
  while (region_ < regions_.size()) {
    const Region& r = regions_[region_];
    if (cursor_ < r.begin) cursor_ = r.begin;
    if (cursor_ >= r.end) {
      if (++region_ < regions_.size()) cursor_ = regions_[region_].begin;
      continue;
    }
    if (max_bytes_ > 0 && bytes_read_ >= max_bytes_) {
      stop_at_cap();
      return false;
    }
    uint64_t want = std::min<uint64_t>(r.end - cursor_, max_chunk_);
    if (max_bytes_ > 0) want = std::min(want, max_bytes_ - bytes_read_);
    buffer_.resize(static_cast<size_t>(want));
    uint64_t got = 0;
    int error = 0;
    while (got < want) {
      const ssize_t n = ::pread(mem_fd_, buffer_.data() + got, static_cast<size_t>(want - got),
                                static_cast<off_t>(cursor_ + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n < 0 ? errno : EIO;
        break;
      }
      got += static_cast<uint64_t>(n);
    }
    if (got < want) {
      // The rest of the region is unreadable (no access, guard pages, unmapped meanwhile).
      skipped_.push_back(SkippedRegion{cursor_ + got, r.end, r.name, std::strerror(error)});
      if (got == 0) {
        if (++region_ < regions_.size()) cursor_ = regions_[region_].begin;
        continue;
      }
      base = cursor_;
      bytes = std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(got));
      bytes_read_ += got;
      cursor_ = r.end;
      return true;
    }
    base = cursor_;
    bytes = std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(want));
    bytes_read_ += want;
    cursor_ += want;
    return true;
  }
  return false;
}

}  // namespace yarrow::procmem

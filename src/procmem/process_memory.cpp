#include "procmem/process_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
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
  std::ifstream maps(dir + "/maps");
  if (!maps) {
    ::close(fd);
    error = std::strerror(ESRCH);
    return nullptr;
  }
  // The region list is a snapshot taken up front; the process goes on changing meanwhile, which
  // is why reads of listed regions may fail later.
  std::vector<Region> regions;
  std::string line;
  while (std::getline(maps, line)) {
    // begin-end perms offset dev inode [name]
    std::istringstream in(line);
    std::string range, perms, offset, dev, inode;
    if (!(in >> range >> perms >> offset >> dev >> inode)) continue;
    const size_t dash = range.find('-');
    if (dash == std::string::npos) continue;
    Region r;
    try {
      r.begin = std::stoull(range.substr(0, dash), nullptr, 16);
      r.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    } catch (const std::exception&) {
      continue;
    }
    std::getline(in >> std::ws, r.name);
    if (r.end > r.begin) regions.push_back(std::move(r));
  }
  std::sort(regions.begin(), regions.end(),
            [](const Region& a, const Region& b) { return a.begin < b.begin; });
  return std::unique_ptr<ProcessMemoryReader>(
      new ProcessMemoryReader(fd, std::move(regions), std::max<uint64_t>(max_chunk, 4096)));
}

ProcessMemoryReader::ProcessMemoryReader(int mem_fd, std::vector<Region> regions,
                                         uint64_t max_chunk)
    : mem_fd_(mem_fd), regions_(std::move(regions)), max_chunk_(max_chunk) {
  if (!regions_.empty()) cursor_ = regions_[0].begin;
}

ProcessMemoryReader::~ProcessMemoryReader() {
  if (mem_fd_ >= 0) ::close(mem_fd_);
}

bool ProcessMemoryReader::next(uint64_t& base, std::span<const uint8_t>& bytes) {
  while (region_ < regions_.size()) {
    const Region& r = regions_[region_];
    if (cursor_ < r.begin) cursor_ = r.begin;
    if (cursor_ >= r.end) {
      if (++region_ < regions_.size()) cursor_ = regions_[region_].begin;
      continue;
    }
    const uint64_t want = std::min<uint64_t>(r.end - cursor_, max_chunk_);
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

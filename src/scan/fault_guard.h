// Guards reads of a memory-mapped file against the file shrinking under us. Reading a mapped
// page beyond the new end of file raises SIGBUS, which would kill the whole process (and every
// other scan in it). While a MappedGuard is alive on a thread, a SIGBUS at an address inside its
// range replaces the rest of the mapping with zero pages and lets the scan go on; the caller
// then checks faulted() and reports the file as unreadable (yara reports an error too). A SIGBUS
// anywhere else gets the previous disposition.
#pragma once

#include <cstddef>

namespace yarrow::scan {

class MappedGuard {
 public:
  MappedGuard(const void* begin, size_t size);
  ~MappedGuard();
  MappedGuard(const MappedGuard&) = delete;
  MappedGuard& operator=(const MappedGuard&) = delete;

  bool faulted() const;
};

}  // namespace yarrow::scan

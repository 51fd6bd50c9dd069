// Pages of a private, read-only file mapping may leave a process's memory at any time: the
// kernel reads them back from the page cache if they are touched again. Dropping the ones a
// reader is done with keeps its resident memory bounded by what it still reads, not by the size
// of the file (a rules file being loaded, a large file being scanned).
#pragma once

#include <cstdint>
#include <span>

namespace yarrow::util {

// Drops the whole pages inside `bytes`, which must lie in such a mapping (never in memory the
// process wrote: its contents would be lost).
void drop_mapped_pages(std::span<const uint8_t> bytes);

}  // namespace yarrow::util

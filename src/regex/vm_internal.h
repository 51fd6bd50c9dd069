// The Pike VM's thread closure, shared by the VM (program.cpp) and the lazy DFA built from it
// (lazy_dfa.cpp): both must follow exactly the same thread order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "regex/program.h"

namespace yarrow::regex::detail {

// What an assertion needs to know about the run, following yara's engine: direction, how much
// was consumed, how much may be consumed, and the bytes available before the start.
struct RunContext {
  std::span<const uint8_t> data;
  size_t origin = 0;  // where the run started
  size_t limit = 0;   // max bytes consumable
  bool wide = false;
  bool backward = false;
};

// Adds the thread at `pc` (and everything reachable without consuming) to `list`, in priority
// order, after `consumed` bytes of the run. Instructions already marked with the scratch's
// current generation are not added again.
void add_thread(const Program& prog, const RunContext& rc, size_t consumed, uint32_t pc,
                VmScratch& s, std::vector<uint32_t>& list);

}  // namespace yarrow::regex::detail

// `yarrow hunt`: applies YARA rules (and optionally an exclusion policy) to event logs.
// Usage and output formats: docs/hunt.md, or `yarrow hunt --help`.
#pragma once

namespace yarrow::cli {

// argv[0] is "hunt". Returns the process exit status:
// 0 every input was read; 1 usage, rule or policy error (nothing hunted);
// 2 some input could not be opened or read to the end (the others were hunted).
int run_hunt_command(int argc, char** argv);

}  // namespace yarrow::cli

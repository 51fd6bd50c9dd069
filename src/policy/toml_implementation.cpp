// toml++'s compiled part, built into yarrow instead of linked from libtomlplusplus.so: only
// policy files need it, and loading the shared library cost every start of the CLI (a C++
// library with its own relocations) whether a policy was given or not.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>

// Stand-in for `yarrow` until the lead wires run_hunt_command into tools/yarrow/main.cpp:
// `yarrow_hunt_cli hunt ARGS...` behaves as `yarrow hunt ARGS...`.
#include <cstdio>
#include <string>

#include "hunt_command.h"

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != "hunt") {
    std::fprintf(stderr, "usage: %s hunt [ARGS]...\n", argv[0]);
    return 1;
  }
  return yarrow::cli::run_hunt_command(argc - 1, argv + 1);
}

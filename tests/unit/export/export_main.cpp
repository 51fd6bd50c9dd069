// Stand-alone `yarrow export` for the validators, until main.cpp dispatches `export` itself:
// yarrow_export_tool kql|sigma [options] == yarrow export kql|sigma [options].
#include "export_command.h"

int main(int argc, char** argv) {
  argv[0] = const_cast<char*>("export");
  return yarrow::cli::run_export_command(argc, argv);
}

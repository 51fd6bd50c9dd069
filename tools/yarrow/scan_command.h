// `yarrow scan`: yara 4.2.3's command line (same options, same stdout, same exit status).
#pragma once

#include <string>
#include <vector>

namespace yarrow::cli {

// argv excludes the program and subcommand names. Returns the process exit status.
int run_scan_command(const std::vector<std::string>& argv);

}  // namespace yarrow::cli

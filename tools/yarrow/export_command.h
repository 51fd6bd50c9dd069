// `yarrow export`: YARA rules (and an exclusion policy) as Microsoft Sentinel / Defender KQL
// hunting queries or as Sigma rules. Usage and mapping: docs/export.md.
#pragma once

namespace yarrow::cli {

// argv[0] is "export". Writes the export to stdout, diagnostics to stderr; returns the exit
// status (0 success, 1 usage error or invalid rules/policy).
int run_export_command(int argc, char** argv);

}  // namespace yarrow::cli

// Unqualified alias, the entry point named in the integration brief.
int run_export_command(int argc, char** argv);

// Finding the files to scan under a directory or in a scan list, with yara 4.2.3's rules:
// entries in readdir order, `dir + "/" + name` paths (capped at yara's 255 characters), symlinks
// followed unless -N (a link to "." is never followed), `.`/`..` skipped, subdirectories entered
// only with -r, regular files only, -z size limit. Directory loops end the way they end in yara:
// the growing path hits the length cap and stops resolving.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace yarrow::cli {

struct WalkOptions {
  bool recursive = false;
  bool follow_symlinks = true;
  int64_t skip_larger = 0;  // > 0: skip regular files of at least this many bytes
};

// Return false to stop the walk.
using VisitFile = std::function<bool(const std::string& path)>;
using Note = std::function<void(const std::string& line)>;

bool is_directory(const std::string& path);  // follows symlinks

// Returns false if the walk was stopped by `visit`.
bool walk_directory(const std::string& dir, const WalkOptions& options, const VisitFile& visit,
                    const Note& note);

// Each line of the list (a trailing '\n' removed, nothing else) is a file, or a directory to
// walk. Returns false if the list cannot be opened.
bool read_scan_list(const std::string& list_path, const VisitFile& visit_line);
// The same, with each line stat'ed: directories walked, anything else visited.
bool walk_scan_list(const std::string& list_path, const WalkOptions& options,
                    const VisitFile& visit, const Note& note);

}  // namespace yarrow::cli

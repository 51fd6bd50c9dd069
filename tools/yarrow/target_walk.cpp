#include "target_walk.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace yarrow::cli {
namespace {

// yara builds entry paths in a 256-byte buffer; longer ones are cut, which is also what ends
// symlink loops. Kept for identical output.
constexpr size_t kMaxPathChars = 255;

class DirCloser {
 public:
  explicit DirCloser(DIR* dir) : dir_(dir) {}
  ~DirCloser() {
    if (dir_) closedir(dir_);
  }
  DirCloser(const DirCloser&) = delete;
  DirCloser& operator=(const DirCloser&) = delete;

 private:
  DIR* dir_;
};

}  // namespace

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool walk_directory(const std::string& dir, const WalkOptions& options, const VisitFile& visit,
                    const Note& note) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return true;
  DirCloser closer(handle);
  while (struct dirent* entry = ::readdir(handle)) {
    std::string path = dir + "/" + entry->d_name;
    const bool cut = path.size() > kMaxPathChars;
    if (cut) path.resize(kMaxPathChars);

    // readdir's type answers what yara's lstat and stat ask, without two path lookups per
    // entry, when it is known, not a link, and the path is whole (a cut path names another
    // entry). -z needs the size: a stat then.
    if (!cut && entry->d_type == DT_REG && options.skip_larger <= 0) {
      if (!visit(path)) return false;
      continue;
    }
    if (!cut && entry->d_type == DT_DIR) {
      if (options.recursive && std::strcmp(entry->d_name, ".") != 0 &&
          std::strcmp(entry->d_name, "..") != 0 && !walk_directory(path, options, visit, note))
        return false;
      continue;
    }

    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      if (!options.follow_symlinks) continue;
      char target[2];
      if (::readlink(path.c_str(), target, sizeof(target)) == 1 && target[0] == '.') continue;
    }
    if (::stat(path.c_str(), &st) != 0) continue;

    if (S_ISREG(st.st_mode)) {
      if (options.skip_larger > 0 && st.st_size >= options.skip_larger) {
        note("skipping " + path + " (" + std::to_string(st.st_size) +
             " bytes) because it's larger than " + std::to_string(options.skip_larger) + " bytes.");
        continue;
      }
      if (!visit(path)) return false;
    } else if (options.recursive && S_ISDIR(st.st_mode) && std::strcmp(entry->d_name, ".") != 0 &&
               std::strcmp(entry->d_name, "..") != 0) {
      if (!walk_directory(path, options, visit, note)) return false;
    }
  }
  return true;
}

bool read_scan_list(const std::string& list_path, const VisitFile& visit_line) {
  std::FILE* list = std::fopen(list_path.c_str(), "r");
  if (list == nullptr) return false;
  char* line = nullptr;
  size_t capacity = 0;
  ssize_t n;
  while ((n = ::getline(&line, &capacity, list)) != -1) {
    std::string path(line, static_cast<size_t>(n));
    if (!path.empty() && path.back() == '\n') path.pop_back();
    if (!visit_line(path)) break;
  }
  std::free(line);
  std::fclose(list);
  return true;
}

bool walk_scan_list(const std::string& list_path, const WalkOptions& options,
                    const VisitFile& visit, const Note& note) {
  return read_scan_list(list_path, [&](const std::string& path) {
    return is_directory(path) ? walk_directory(path, options, visit, note) : visit(path);
  });
}

}  // namespace yarrow::cli

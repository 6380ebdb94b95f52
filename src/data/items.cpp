#include "strata/data/items.h"

#include <algorithm>

#include "strata/core/error.h"

namespace strata {
namespace fs = std::filesystem;

const std::set<std::string>& image_extensions() {
  static const std::set<std::string> exts{".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".ppm",
                                          ".pgm", ".jp2"};
  return exts;
}

namespace {

std::string lower_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

void walk(const fs::path& dir, const GetFilesOptions& o, bool top, std::set<fs::path>& visited, Paths& out) {
  std::error_code ec;
  const fs::path canonical = fs::canonical(dir, ec);
  if (ec || !visited.insert(canonical).second) return;  // unreadable, or a symlink loop
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return;
  for (const auto& entry : it) {
    const fs::path& p = entry.path();
    if (hidden(p)) continue;
    std::error_code sec;
    const bool is_dir = o.follow_symlinks ? entry.is_directory(sec) : (entry.is_directory(sec) && !entry.is_symlink(sec));
    if (is_dir) {
      if (top && !o.folders.empty() &&
          std::find(o.folders.begin(), o.folders.end(), p.filename().string()) == o.folders.end())
        continue;
      if (o.recurse || (top && !o.folders.empty())) walk(p, o, false, visited, out);
      continue;
    }
    if (!entry.is_regular_file(sec)) continue;
    if (!o.extensions.empty() && !o.extensions.count(lower_extension(p))) continue;
    out.push_back(p);
  }
}

}  // namespace

Paths get_files(const fs::path& path, const GetFilesOptions& options) {
  std::error_code ec;
  STRATA_CHECK_IO(fs::is_directory(path, ec), "get_files: '{}' is not a folder", path.string());
  Paths out;
  std::set<fs::path> visited;
  walk(path, options, true, visited, out);
  std::sort(out.begin(), out.end());
  return out;
}

Paths get_image_files(const fs::path& path, bool recurse, std::vector<std::string> folders) {
  GetFilesOptions o;
  o.extensions = image_extensions();
  o.recurse = recurse;
  o.folders = std::move(folders);
  return get_files(path, o);
}

}  // namespace strata

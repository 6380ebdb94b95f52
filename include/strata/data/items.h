#pragma once
/// Finding items on disk (fastai get_files / get_image_files). Results are sorted for determinism.

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace strata {

using Paths = std::vector<std::filesystem::path>;

/// The image extensions get_image_files looks for (lower case, with the dot).
const std::set<std::string>& image_extensions();

struct GetFilesOptions {
  /// only these extensions (lower case, with the dot; empty: every file)
  std::set<std::string> extensions;
  /// descend into sub-folders (fastai recurse=True)
  bool recurse = true;
  /// only these top-level sub-folders of `path` (empty: all)
  std::vector<std::string> folders;
  /// follow symbolic links to folders (loops are detected and skipped)
  bool follow_symlinks = true;
};

/// Files under `path` (fastai get_files), sorted. Hidden files and folders (".name") are skipped.
/// IOError naming the folder when it does not exist.
Paths get_files(const std::filesystem::path& path, const GetFilesOptions& options = {});

/// Image files under `path` (fastai get_image_files): get_files with image_extensions().
Paths get_image_files(const std::filesystem::path& path, bool recurse = true, std::vector<std::string> folders = {});

}  // namespace strata

#pragma once
// Shared test helpers: real data locations, temporary folders, the Python reference tool.

#include <filesystem>
#include <optional>
#include <string>

namespace strata_test {

/// OpenCV's sample photos (Debian package opencv-doc).
std::filesystem::path opencv_samples();

/// A fresh, empty temporary folder removed when the object goes out of scope.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "strata");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Sets or unsets an environment variable for a scope; its previous value comes back at the end,
/// also when an assertion throws.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::string name);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  void set(const std::string& value) const;
  void unset() const;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

/// Runs `script` with Debian's /usr/bin/python3 (python3-torch, python3-pil); returns its stdout.
/// Throws with the script's stderr when it fails.
std::string run_python(const std::string& script);

/// Writes `text` to `path`.
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace strata_test

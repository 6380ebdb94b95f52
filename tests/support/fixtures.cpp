#include "fixtures.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <sys/wait.h>

namespace strata_test {
namespace fs = std::filesystem;

fs::path opencv_samples() { return "/usr/share/doc/opencv-doc/examples/data"; }

TempDir::TempDir(const std::string& tag) {
  std::random_device rd;
  path_ = fs::temp_directory_path() / (tag + "-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string run_python(const std::string& script) {
  TempDir dir("strata-py");
  write_text(dir / "script.py", script);
  const std::string command = "/usr/bin/python3 " + (dir / "script.py").string() + " 2>" + (dir / "err.txt").string();
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot start /usr/bin/python3");
  std::string out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  const int status = pclose(pipe);
  if (status != 0) {
    std::ifstream err(dir / "err.txt");
    std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    throw std::runtime_error("python reference script failed: " + text);
  }
  return out;
}

ScopedEnv::ScopedEnv(std::string name) : name_(std::move(name)) {
  if (const char* v = std::getenv(name_.c_str())) previous_ = v;
}
ScopedEnv::~ScopedEnv() {
  if (previous_) ::setenv(name_.c_str(), previous_->c_str(), 1);
  else ::unsetenv(name_.c_str());
}
void ScopedEnv::set(const std::string& value) const { ::setenv(name_.c_str(), value.c_str(), 1); }
void ScopedEnv::unset() const { ::unsetenv(name_.c_str()); }

}  // namespace strata_test

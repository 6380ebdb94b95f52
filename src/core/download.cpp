#include "strata/core/download.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <regex>

#include <unistd.h>

#if STRATA_HAS_CURL
#include <curl/curl.h>
#endif

#include "strata/core/error.h"
#include "strata/core/sha256.h"

namespace strata {
namespace fs = std::filesystem;

namespace {

struct Transfer {
  std::FILE* file = nullptr;
  Sha256 sha;
  std::ostream* progress = nullptr;
  std::string label;
  std::chrono::steady_clock::time_point last_print{};
  bool write_failed = false;
};

#if STRATA_HAS_CURL
std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t bytes = size * n;
  if (std::fwrite(data, 1, bytes, t->file) != bytes) {
    t->write_failed = true;
    return 0;  // makes curl abort
  }
  t->sha.update(data, bytes);
  return bytes;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->progress) return 0;
  const auto clock = std::chrono::steady_clock::now();
  if (clock - t->last_print < std::chrono::milliseconds(200) && now != total) return 0;
  t->last_print = clock;
  const double mb = static_cast<double>(now) / 1e6;
  if (total > 0)
    *t->progress << fmt::format("\r{}: {:.1f}/{:.1f} MB ({:.0f}%)", t->label, mb, static_cast<double>(total) / 1e6,
                                100.0 * static_cast<double>(now) / static_cast<double>(total))
                 << std::flush;
  else
    *t->progress << fmt::format("\r{}: {:.1f} MB", t->label, mb) << std::flush;
  return 0;
}

// Runs the transfer into t.file; returns why it failed, or "".
std::string transfer(const std::string& url, Transfer& t, const DownloadOptions& options) {
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  CURL* curl = curl_ready ? curl_easy_init() : nullptr;
  CURLcode code = CURLE_FAILED_INIT;
  long status = 0;
  char error[CURL_ERROR_SIZE] = {0};
  if (curl) {
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    if (options.stall_timeout_s > 0) {
      curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options.stall_timeout_s);
    }
    code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
  }
  if (code == CURLE_OK) return "";
  return fmt::format("{} (HTTP status {})", error[0] ? error : curl_easy_strerror(code), status);
}
#else
std::string transfer(const std::string&, Transfer&, const DownloadOptions&) {
  return "this strata was built without libcurl (STRATA_WITH_CURL=OFF); fetch the file another way";
}
#endif

std::string file_name_of(const std::string& url) {
  auto path = url.substr(0, url.find_first_of("?#"));
  return path.substr(path.find_last_of('/') + 1);
}

}  // namespace

fs::path torch_hub_checkpoints() {
  if (const char* torch_home = std::getenv("TORCH_HOME"); torch_home && *torch_home)
    return fs::path(torch_home) / "hub" / "checkpoints";
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "torch" / "hub" / "checkpoints";
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : ".") / ".cache" / "torch" / "hub" / "checkpoints";
}

std::string hash_prefix(const std::string& file_name) {
  static const std::regex hash("-([a-f0-9]*)\\.");
  std::smatch m;
  return std::regex_search(file_name, m, hash) ? m[1].str() : std::string();
}

void download_url_to_file(const std::string& url, const fs::path& destination, const std::string& expected,
                          const DownloadOptions& options) {
  std::error_code ec;
  if (destination.has_parent_path()) fs::create_directories(destination.parent_path(), ec);
  std::random_device rd;
  const fs::path tmp = destination.string() + ".partial" + std::to_string(rd() % 1000000) + "." + std::to_string(getpid());
  Transfer t;
  t.file = std::fopen(tmp.c_str(), "wb");
  STRATA_CHECK_IO(t.file != nullptr, "download: cannot write '{}'", tmp.string());
  t.progress = options.progress ? (options.progress_stream ? options.progress_stream : &std::cerr) : nullptr;
  t.label = "Downloading " + url;

  const std::string transfer_error = transfer(url, t, options);
  const bool closed = std::fclose(t.file) == 0;
  if (t.progress) *t.progress << "\n";
  auto fail = [&](const std::string& why) {
    fs::remove(tmp, ec);
    STRATA_FAIL(IOError, "download of '{}' failed: {}", url, why);
  };
  if (t.write_failed || !closed) fail("cannot write '" + tmp.string() + "'");
  if (!transfer_error.empty()) fail(transfer_error);
  const std::string digest = t.sha.hex_digest();
  if (!expected.empty() && digest.compare(0, expected.size(), expected) != 0)
    fail(fmt::format("invalid hash value (expected prefix '{}', got '{}')", expected, digest));
  fs::rename(tmp, destination, ec);
  if (ec) fail("cannot move it to '" + destination.string() + "': " + ec.message());
}

fs::path cached_download(const std::string& url, const DownloadOptions& options) {
  const std::string name = file_name_of(url);
  STRATA_CHECK(!name.empty(), "cached_download: '{}' names no file", url);
  const fs::path cached = torch_hub_checkpoints() / name;
  if (fs::exists(cached)) return cached;
  const char* offline = std::getenv("STRATA_OFFLINE");
  STRATA_CHECK_IO(!(offline && std::string(offline) == "1"),
                  "'{}' is not in the PyTorch cache and STRATA_OFFLINE=1 forbids downloading it from '{}'",
                  cached.string(), url);
  download_url_to_file(url, cached, options.check_hash ? hash_prefix(name) : std::string(), options);
  return cached;
}

}  // namespace strata

#pragma once
/// Downloading pretrained weights into the cache PyTorch uses, so a machine that already has
/// PyTorch's cache needs no download and PyTorch reuses what strata fetched.

#include <filesystem>
#include <iosfwd>
#include <string>

namespace strata {

struct DownloadOptions {
  /// print a progress line to `progress_stream` (default std::cerr)
  bool progress = true;
  std::ostream* progress_stream = nullptr;
  /// check the sha256 prefix in the file name ("resnet34-b627a593.pth"), as torch.hub does
  bool check_hash = true;
  /// seconds without any data before giving up (0: never)
  long stall_timeout_s = 60;
};

/// PyTorch's checkpoint cache: $TORCH_HOME/hub/checkpoints, else $XDG_CACHE_HOME/torch/hub/
/// checkpoints, else ~/.cache/torch/hub/checkpoints.
std::filesystem::path torch_hub_checkpoints();

/// The hex prefix torch.hub reads from a file name: "resnet34-b627a593.pth" -> "b627a593"
/// ("" when the name has none).
std::string hash_prefix(const std::string& file_name);

/// Downloads `url` to `destination` atomically: data goes to a temporary file in the same folder,
/// is checked against `expected_sha256_prefix` (when not empty), then renamed. A failed or
/// interrupted download leaves no file at `destination`. IOError with the URL and reason.
void download_url_to_file(const std::string& url, const std::filesystem::path& destination,
                          const std::string& expected_sha256_prefix, const DownloadOptions& options = {});

/// The cached copy of `url` in torch_hub_checkpoints(), downloaded first when missing. Setting the
/// environment variable STRATA_OFFLINE=1 forbids downloading (an IOError names the missing file).
std::filesystem::path cached_download(const std::string& url, const DownloadOptions& options = {});

}  // namespace strata

// Downloading weights into PyTorch's cache, against a local HTTP server on 127.0.0.1.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <torch/torch.h>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/download.h"
#include "strata/core/error.h"
#include "strata/core/file_io.h"
#include "strata/core/sha256.h"
#include "strata/core/weights.h"

using strata_test::Contains;
namespace fs = std::filesystem;

namespace {

// Serves `root` on 127.0.0.1 (a free port) and truncates any file named "cut-*" halfway through
// its declared length, like a dropped connection. Stopped at destruction.
class LocalServer {
 public:
  explicit LocalServer(const fs::path& root) : dir_("strata-http") {
    strata_test::write_text(dir_ / "server.py",
                            "import http.server, os, sys, socketserver\n"
                            "root, port_file = sys.argv[1], sys.argv[2]\n"
                            "class H(http.server.SimpleHTTPRequestHandler):\n"
                            "    def __init__(self, *a, **k): super().__init__(*a, directory=root, **k)\n"
                            "    def log_message(self, *a): pass\n"
                            "    def do_GET(self):\n"
                            "        name = self.path.strip('/')\n"
                            "        if name.startswith('cut-'):\n"
                            "            data = open(os.path.join(root, name), 'rb').read()\n"
                            "            self.send_response(200); self.send_header('Content-Length', str(len(data)))\n"
                            "            self.end_headers(); self.wfile.write(data[:len(data)//2]); self.wfile.flush()\n"
                            "            self.close_connection = True; return\n"
                            "        super().do_GET()\n"
                            "s = socketserver.TCPServer(('127.0.0.1', 0), H)\n"
                            "open(port_file + '.tmp', 'w').write(str(s.server_address[1]))\n"
                            "os.rename(port_file + '.tmp', port_file)\n"
                            "s.serve_forever()\n");
    const auto port_file = dir_ / "port";
    const std::string cmd = "/usr/bin/python3 " + (dir_ / "server.py").string() + " " + root.string() + " " +
                            port_file.string() + " >/dev/null 2>&1 & echo $! > " + (dir_ / "pid").string();
    REQUIRE(std::system(cmd.c_str()) == 0);
    for (int i = 0; i < 200 && !fs::exists(port_file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(fs::exists(port_file));
    std::ifstream(port_file) >> port_;
    std::ifstream(dir_ / "pid") >> pid_;
  }
  ~LocalServer() { std::system(("kill " + std::to_string(pid_) + " 2>/dev/null").c_str()); }
  std::string url(const std::string& name) const { return "http://127.0.0.1:" + std::to_string(port_) + "/" + name; }

 private:
  strata_test::TempDir dir_;
  int port_ = 0;
  int pid_ = 0;
};

std::string write_weights(const fs::path& dir, const std::string& stem, bool right_hash) {
  strata::StateDict sd;
  sd.insert("w", torch::arange(20000, torch::kFloat));
  const auto tmp = dir / "tmp.pth";
  strata::save_pth(sd, tmp);
  const std::string hash = right_hash ? strata::sha256_file(tmp).substr(0, 8) : "deadbeef";
  const std::string name = stem + "-" + hash + ".pth";
  fs::rename(tmp, dir / name);
  return name;
}

}  // namespace

TEST_CASE("Sha256: known digests", "[core]") {
  strata::Sha256 empty;
  CHECK(empty.hex_digest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  strata::Sha256 abc;
  abc.update("abc", 3);
  CHECK(abc.hex_digest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  strata::Sha256 long_input;
  const std::string million(1000000, 'a');
  long_input.update(million.data(), million.size());
  CHECK(long_input.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("hash_prefix and torch_hub_checkpoints follow torch.hub", "[core]") {
  CHECK(strata::hash_prefix("resnet34-b627a593.pth") == "b627a593");
  CHECK(strata::hash_prefix("model.pth").empty());
  strata_test::TempDir home;
  const strata_test::ScopedEnv torch_home("TORCH_HOME");
  torch_home.set(home.path());
  CHECK(strata::torch_hub_checkpoints() == home.path() / "hub" / "checkpoints");
}

TEST_CASE("cached_download: downloads, checks the hash, reuses the cache, never leaves a torn file", "[core]") {
  strata_test::TempDir served, home;
  const std::string good = write_weights(served.path(), "tiny", true);
  const std::string bad = write_weights(served.path(), "bad", false);
  const std::string cut = write_weights(served.path(), "cut", true);
  const strata_test::ScopedEnv torch_home("TORCH_HOME"), offline("STRATA_OFFLINE");
  torch_home.set(home.path());
  offline.unset();
  const fs::path cache = home.path() / "hub" / "checkpoints";
  strata::DownloadOptions quiet;
  quiet.progress = false;
  {
    LocalServer server(served.path());
    SECTION("a good file lands in the cache and loads") {
      const auto path = strata::cached_download(server.url(good), quiet);
      CHECK(path == cache / good);
      CHECK(strata::read_state_dict(path)["w"].sum().item<float>() == Approx(19999.0 * 20000 / 2));
    }
    SECTION("a wrong hash is refused and nothing is cached") {
      CHECK_THROWS_WITH(strata::cached_download(server.url(bad), quiet), Contains("invalid hash value"));
      CHECK_FALSE(fs::exists(cache / bad));
      CHECK(fs::is_empty(cache));
    }
    SECTION("an interrupted transfer leaves no cache entry") {
      CHECK_THROWS_AS(strata::cached_download(server.url(cut), quiet), strata::IOError);
      CHECK_FALSE(fs::exists(cache / cut));
      CHECK(fs::is_empty(cache));
    }
    SECTION("a missing file reports the HTTP status") {
      CHECK_THROWS_WITH(strata::cached_download(server.url("nothing-12345678.pth"), quiet), Contains("404"));
    }
  }
  // The server is gone: a cached file is still found, an uncached one cannot be fetched.
  if (fs::exists(cache / good)) CHECK(strata::cached_download("http://127.0.0.1:9/" + good, quiet) == cache / good);
  offline.set("1");
  CHECK_THROWS_WITH(strata::cached_download("http://127.0.0.1:9/other-12345678.pth", quiet),
                    Contains("STRATA_OFFLINE=1 forbids downloading"));
}

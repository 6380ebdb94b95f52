#include <filesystem>

#include "catch.h"
#include "fixtures.h"
#include "strata/core/error.h"
#include "strata/core/file_io.h"

using strata_test::Contains;

TEST_CASE("write_file_atomic: writes, replaces and leaves no temporary file", "[core]") {
  strata_test::TempDir dir;
  const auto file = dir / "sub/out.bin";
  strata::write_file_atomic(file, std::vector<uint8_t>{1, 2, 3});
  CHECK(strata::read_file_bytes(file) == std::vector<uint8_t>{1, 2, 3});
  strata::write_file_atomic(file, std::vector<uint8_t>{9});
  CHECK(strata::read_file_bytes(file) == std::vector<uint8_t>{9});
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "sub")) entries += e.is_regular_file();
  CHECK(entries == 1);
}

TEST_CASE("read_file_bytes: a missing file or a folder is an IOError naming it", "[core]") {
  strata_test::TempDir dir;
  CHECK_THROWS_AS(strata::read_file_bytes(dir / "nope.jpg"), strata::IOError);
  CHECK_THROWS_WITH(strata::read_file_bytes(dir / "nope.jpg"), Contains("nope.jpg' does not exist"));
  CHECK_THROWS_WITH(strata::read_file_bytes(dir.path()), Contains("is a folder"));
}

TEST_CASE("write_file_atomic: an unwritable target keeps the old file and names the path", "[core]") {
  strata_test::TempDir dir;
  const auto file = dir / "keep.bin";
  strata::write_file_atomic(file, std::vector<uint8_t>{7});
  // A folder where the file should go cannot be replaced by rename.
  std::filesystem::create_directories(dir / "blocked");
  CHECK_THROWS_WITH(strata::write_file_atomic(dir / "blocked", std::vector<uint8_t>{1}), Contains("blocked"));
  CHECK(strata::read_file_bytes(file) == std::vector<uint8_t>{7});
}

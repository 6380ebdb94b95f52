# Third-party packages. Debian's libtorch-dev (1.13, CPU) is found by default; an official
# LibTorch 2.x (CUDA) through CMAKE_PREFIX_PATH or Torch_DIR.

find_package(Torch REQUIRED)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CURL REQUIRED)
find_package(ZLIB REQUIRED)

message(STATUS "strata: LibTorch ${Torch_VERSION} (${TORCH_INSTALL_PREFIX}), OpenCV ${OpenCV_VERSION}, "
               "fmt ${fmt_VERSION}, spdlog ${spdlog_VERSION}")
include(StrataOfficialLibTorch)
include(StrataDistributed)

# Third-party packages. Debian's libtorch-dev (1.13, CPU) is found by default; an official
# LibTorch 2.x (CUDA) through CMAKE_PREFIX_PATH or Torch_DIR.

find_package(Torch REQUIRED)
if(STRATA_WITH_OPENCV)
  find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
endif()
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
if(STRATA_WITH_CURL)
  find_package(CURL REQUIRED)
endif()
find_package(ZLIB REQUIRED)
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)

if(STRATA_WITH_OPENCV)
  set(_strata_opencv "OpenCV ${OpenCV_VERSION}")
else()
  set(_strata_opencv "no OpenCV (JPEG and PNG only, no drawing)")
endif()
if(NOT STRATA_WITH_CURL)
  string(APPEND _strata_opencv ", no libcurl (no downloads)")
endif()
message(STATUS "strata: LibTorch ${Torch_VERSION} (${TORCH_INSTALL_PREFIX}), ${_strata_opencv}, "
               "libjpeg ${JPEG_VERSION}, libpng ${PNG_VERSION_STRING}, fmt ${fmt_VERSION}, spdlog ${spdlog_VERSION}")
include(StrataOfficialLibTorch)
include(StrataDistributed)

#!/usr/bin/env bash
# Assembles what scripts/gpu-check.sh needs on a GPU machine that has CUDA, Python's torch and a
# compiler but none of strata's C/C++ dependencies: Debian's headers of fmt, spdlog (both used
# header-only there), nlohmann-json, Catch2 and CLI11, and Debian's static libjpeg, libpng and zlib
# (linked into a static strata and its executables). About 7 MB, into one prefix folder that
# travels with the working tree. Usage: scripts/gpu-deps.sh [prefix]   (default: .gpu-deps)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:-$root/.gpu-deps}"
multiarch="$(gcc -print-multiarch)"
lib="/usr/lib/$multiarch"

for f in /usr/include/fmt/format.h /usr/include/spdlog/spdlog.h /usr/include/nlohmann/json.hpp \
         /usr/include/catch2/catch.hpp /usr/include/CLI/CLI.hpp /usr/include/jpeglib.h \
         /usr/include/libpng16/png.h /usr/include/zlib.h "$lib/libjpeg.a" "$lib/libpng16.a" "$lib/libz.a"; do
  [[ -e "$f" ]] || { echo "gpu-deps: $f is missing (run scripts/install-deps.sh --tests)" >&2; exit 1; }
done

rm -rf "$prefix"
mkdir -p "$prefix/include" "$prefix/lib/cmake" "$prefix/share/cmake"
cp -r /usr/include/fmt /usr/include/spdlog /usr/include/nlohmann /usr/include/catch2 /usr/include/CLI "$prefix/include/"
cp /usr/include/jpeglib.h /usr/include/jmorecfg.h /usr/include/jerror.h "/usr/include/$multiarch/jconfig.h" \
   /usr/include/libpng16/png.h /usr/include/libpng16/pngconf.h /usr/include/libpng16/pnglibconf.h \
   /usr/include/zlib.h /usr/include/zconf.h "$prefix/include/"
cp "$lib/libjpeg.a" "$lib/libz.a" "$prefix/lib/"
cp "$lib/libpng16.a" "$prefix/lib/libpng16.a"
ln -s libpng16.a "$prefix/lib/libpng.a"
# Catch2's, nlohmann_json's and CLI11's package files locate their headers relative to themselves.
cp -r /usr/lib/cmake/Catch2 "$prefix/lib/cmake/"
cp /usr/lib/libCatch2WithMain.a "$prefix/lib/"  # named by Catch2's package file (strata has its own main)
cp -r /usr/share/cmake/nlohmann_json "$prefix/share/cmake/"
cp -r /usr/share/cmake/CLI11 "$prefix/share/cmake/" 2>/dev/null || cp -r "$lib/cmake/CLI11" "$prefix/lib/cmake/"

# fmt and spdlog header-only: the machine has neither libfmt.so nor libspdlog.so.
mkdir -p "$prefix/lib/cmake/fmt" "$prefix/lib/cmake/spdlog"
fmt_version="$(awk '/define FMT_VERSION/ {print $3; exit}' /usr/include/fmt/core.h)"
cat > "$prefix/lib/cmake/fmt/fmt-config.cmake" <<CMAKE
# Debian's fmt headers, header-only (assembled by strata's scripts/gpu-deps.sh).
get_filename_component(_fmt_prefix "\${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET fmt::fmt)
  add_library(fmt::fmt INTERFACE IMPORTED)
  set_target_properties(fmt::fmt PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "\${_fmt_prefix}/include"
                                            INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
endif()
set(fmt_VERSION $fmt_version)
set(fmt_FOUND TRUE)
CMAKE
cat > "$prefix/lib/cmake/spdlog/spdlog-config.cmake" <<'CMAKE'
# Debian's spdlog headers, header-only over the fmt above (assembled by scripts/gpu-deps.sh).
include(CMakeFindDependencyMacro)
find_dependency(fmt)
find_dependency(Threads)
get_filename_component(_spdlog_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET spdlog::spdlog)
  add_library(spdlog::spdlog INTERFACE IMPORTED)
  set_target_properties(spdlog::spdlog PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_spdlog_prefix}/include"
                                                  INTERFACE_COMPILE_DEFINITIONS SPDLOG_FMT_EXTERNAL=1
                                                  INTERFACE_LINK_LIBRARIES "fmt::fmt;Threads::Threads")
endif()
set(spdlog_VERSION header-only)
set(spdlog_FOUND TRUE)
CMAKE
du -sh "$prefix" | awk '{print "gpu-deps: " $1 " in '"$prefix"'"}'

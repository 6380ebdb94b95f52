# Two fixes needed with the official LibTorch 2.x (PyPI's torch wheel or the download from
# pytorch.org), both no-ops with Debian's LibTorch:
#
# 1. It bundles {fmt} 11 headers in its include folder. Added with -isystem ahead of /usr/include,
#    they shadow the system {fmt} that libfmt.so and spdlog were built with (spdlog 1.10 does not
#    even compile against fmt 11). strata_fmt_first_folder(<var> <folder>) makes <folder> hold only
#    a link to the system fmt/ headers and sets <var> to it, for a caller to put first on the
#    include path; <var> is empty when LibTorch's fmt is the system one.
#
# 2. libtorch.so carries (and exports, unversioned) copies of newer libstdc++ functions, e.g.
#    std::filesystem::remove_all, from the toolchain it was built with. An executable that lists
#    libtorch.so before libstdc++.so.6 binds its own std::filesystem calls to those copies, which
#    crash (a call through a null pointer). STRATA_LIBSTDCXX_FIRST is the link option that makes
#    libstdc++.so.6 the first library the executable needs, so the system copies win.
set(STRATA_LIBSTDCXX_FIRST "SHELL:-Wl,--push-state,--no-as-needed -lstdc++ -Wl,--pop-state")

function(strata_fmt_first_folder var folder)
  set(${var} "" PARENT_SCOPE)
  if(NOT TORCH_INSTALL_PREFIX OR NOT EXISTS "${TORCH_INSTALL_PREFIX}/include/fmt")
    return()
  endif()
  get_target_property(fmt_includes fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
  foreach(dir IN LISTS fmt_includes)
    if(EXISTS "${dir}/fmt/format.h")
      set(system_fmt "${dir}/fmt")
    endif()
  endforeach()
  if(NOT system_fmt)
    message(FATAL_ERROR "strata: LibTorch bundles fmt headers, and the system fmt headers were not found in "
                        "'${fmt_includes}'")
  endif()
  file(REAL_PATH "${system_fmt}" system_real)
  file(REAL_PATH "${TORCH_INSTALL_PREFIX}/include/fmt" torch_real)
  if(system_real STREQUAL torch_real)  # Debian's LibTorch in /usr: its fmt is the system one
    return()
  endif()
  file(MAKE_DIRECTORY "${folder}")
  file(CREATE_LINK "${system_fmt}" "${folder}/fmt" SYMBOLIC)
  message(STATUS "strata: official LibTorch: ${system_fmt} ahead of its bundled fmt headers, libstdc++ linked first")
  set(${var} "${folder}" PARENT_SCOPE)
endfunction()

# Compiler launcher and warning flags shared by every strata target.

find_program(STRATA_CCACHE ccache)
if(STRATA_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${STRATA_CCACHE}")
  message(STATUS "strata: using ccache (${STRATA_CCACHE})")
endif()

# Applied to strata's own targets only (never exported to consumers).
add_library(strata_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(strata_warnings INTERFACE -Wall -Wextra -Wpedantic)
  if(STRATA_WERROR)
    target_compile_options(strata_warnings INTERFACE -Werror)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
      # GCC 12's -O2/-O3 flow analysis reports bogus array-bounds/stringop errors inside libstdc++'s
      # std::string when inlined (GCC bugs 105329, 105651): still shown, not fatal.
      target_compile_options(strata_warnings INTERFACE -Wno-error=array-bounds -Wno-error=stringop-overflow
                                                       -Wno-error=stringop-overread -Wno-error=restrict)
    endif()
  endif()
endif()

# A sanitizer build of everything (library, tests, examples): -DSTRATA_SANITIZE=address,undefined.
# UBSan findings abort (no recovery) so a test fails on the first one.
set(STRATA_SANITIZE "" CACHE STRING "sanitizers for every target, e.g. address,undefined (empty: none)")
if(STRATA_SANITIZE)
  add_compile_options(-fsanitize=${STRATA_SANITIZE} -fno-omit-frame-pointer)
  if(STRATA_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  add_link_options(-fsanitize=${STRATA_SANITIZE})
  # The instrumentation defeats GCC 12's flow analysis: dozens of bogus maybe-uninitialized reports
  # inside libstdc++ and LibTorch's headers. The normal build keeps the warning.
  target_compile_options(strata_warnings INTERFACE -Wno-maybe-uninitialized)
  message(STATUS "strata: sanitizers ${STRATA_SANITIZE}")
endif()

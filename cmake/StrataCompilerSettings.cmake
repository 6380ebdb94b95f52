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
  endif()
endif()

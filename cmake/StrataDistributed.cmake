# Data-parallel training on PyTorch's c10d (src/distributed). Compiled in when the LibTorch in use
# ships c10d's Gloo header (Debian's 1.13 and the official 2.x both do) and gloo's own headers are
# found (Debian: libgloo-dev; the official LibTorch ships none, and Debian's fit it). NCCL is added
# for a CUDA LibTorch when nccl.h is found (the pip wheel's nvidia/nccl, or the CUDA toolkit).
# Only process_group_c10d.cpp sees these headers, so users of strata need none of them.

set(STRATA_DISTRIBUTED AUTO CACHE STRING "c10d data-parallel training: AUTO, ON (required) or OFF")
set_property(CACHE STRATA_DISTRIBUTED PROPERTY STRINGS AUTO ON OFF)

set(STRATA_HAVE_C10D OFF)
set(STRATA_HAVE_NCCL OFF)
set(_strata_dist_why "")
if(NOT STRATA_DISTRIBUTED STREQUAL "OFF")
  find_path(STRATA_C10D_INCLUDE_DIR torch/csrc/distributed/c10d/ProcessGroupGloo.hpp
            PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
  find_path(STRATA_GLOO_INCLUDE_DIR gloo/algorithm.h)
  if(NOT STRATA_C10D_INCLUDE_DIR)
    set(_strata_dist_why "LibTorch (${TORCH_INCLUDE_DIRS}) has no c10d/ProcessGroupGloo.hpp")
  elseif(NOT STRATA_GLOO_INCLUDE_DIR)
    set(_strata_dist_why "gloo's headers are missing (apt install libgloo-dev)")
  else()
    set(STRATA_HAVE_C10D ON)
  endif()
  if(STRATA_HAVE_C10D AND (TARGET torch_cuda OR C10_CUDA_LIBRARY))
    get_filename_component(_strata_torch_parent "${TORCH_INSTALL_PREFIX}" DIRECTORY)
    find_path(STRATA_NCCL_INCLUDE_DIR nccl.h
              HINTS "${_strata_torch_parent}/nvidia/nccl/include" ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include)
    find_path(STRATA_C10D_NCCL_HEADER torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp
              PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
    if(STRATA_NCCL_INCLUDE_DIR AND STRATA_C10D_NCCL_HEADER)
      set(STRATA_HAVE_NCCL ON)
    endif()
  endif()
endif()

if(STRATA_DISTRIBUTED STREQUAL "ON" AND NOT STRATA_HAVE_C10D)
  message(FATAL_ERROR "strata: STRATA_DISTRIBUTED=ON but ${_strata_dist_why}")
endif()
if(STRATA_HAVE_C10D)
  set(_strata_backends "gloo")
  if(STRATA_HAVE_NCCL)
    set(_strata_backends "gloo, nccl (${STRATA_NCCL_INCLUDE_DIR})")
  endif()
  message(STATUS "strata: distributed: c10d with ${_strata_backends}; gloo headers ${STRATA_GLOO_INCLUDE_DIR}")
elseif(STRATA_DISTRIBUTED STREQUAL "OFF")
  message(STATUS "strata: distributed: off (STRATA_DISTRIBUTED=OFF)")
else()
  message(STATUS "strata: distributed: not built: ${_strata_dist_why}")
endif()

# Adds the c10d sources (or the stand-in that explains why they are missing) to `target`.
function(strata_add_distributed_sources target)
  if(STRATA_HAVE_C10D)
    set(_src ${PROJECT_SOURCE_DIR}/src/distributed/process_group_c10d.cpp)
    target_sources(${target} PRIVATE ${_src})
    set(_defs USE_C10D_GLOO USE_DISTRIBUTED)
    set(_dirs ${STRATA_GLOO_INCLUDE_DIR})
    if(STRATA_HAVE_NCCL)
      list(APPEND _defs USE_C10D_NCCL)
      list(APPEND _dirs ${STRATA_NCCL_INCLUDE_DIR})
    endif()
    # The compiler searches its own folders (/usr/include) last anyway; naming one breaks
    # libstdc++'s #include_next.
    list(REMOVE_ITEM _dirs ${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES})
    # After LibTorch's own include folders, so /usr/include never shadows the official headers.
    set_source_files_properties(${_src} PROPERTIES COMPILE_DEFINITIONS "${_defs}" INCLUDE_DIRECTORIES "${_dirs}"
                                                   SKIP_PRECOMPILE_HEADERS ON)
  else()
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src/distributed/process_group_unavailable.cpp)
  endif()
endfunction()

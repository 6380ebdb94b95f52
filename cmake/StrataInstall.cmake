# Install rules, exported targets, strataConfig.cmake and a build-tree export.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(STRATA_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/strata")

# A static build installs the archive and the interface target that links it whole (src/CMakeLists.txt).
set(_strata_targets strata ${STRATA_LIBRARY})
list(REMOVE_DUPLICATES _strata_targets)
install(TARGETS ${_strata_targets} EXPORT strataTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/strata DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES "${PROJECT_BINARY_DIR}/include/strata/version.h" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/strata)
install(EXPORT strataTargets NAMESPACE strata:: DESTINATION ${STRATA_CMAKE_DIR})

configure_package_config_file(cmake/strataConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/strataConfig.cmake" INSTALL_DESTINATION ${STRATA_CMAKE_DIR})
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/strataConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/strataConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/strataConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/StrataOfficialLibTorch.cmake"
        DESTINATION ${STRATA_CMAKE_DIR})

# Build-tree export: find_package(strata) works against the build folder without installing.
export(EXPORT strataTargets NAMESPACE strata:: FILE "${CMAKE_CURRENT_BINARY_DIR}/strataTargets.cmake")
configure_file(cmake/StrataOfficialLibTorch.cmake "${CMAKE_CURRENT_BINARY_DIR}/StrataOfficialLibTorch.cmake" COPYONLY)

# cmake/miniter_package.cmake: installs the CMake package "miniter", so other
# projects can find_package(miniter CONFIG REQUIRED) and link miniter::client.
#
# The export set miniterTargets is filled by the install(TARGETS … EXPORT)
# rules next to each library (proto/, client/). The libraries are static, so
# their dependencies (gRPC, protobuf, Abseil) must be found again by the
# consumer; miniterConfig.cmake does that with find_dependency.
include(CMakePackageConfigHelpers)

set(MINITER_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/miniter")

install(EXPORT miniterTargets
  NAMESPACE miniter::
  FILE miniterTargets.cmake
  DESTINATION "${MINITER_INSTALL_CMAKEDIR}"
  COMPONENT development)

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/miniterConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/miniterConfig.cmake"
  INSTALL_DESTINATION "${MINITER_INSTALL_CMAKEDIR}"
  PATH_VARS MINITER_INSTALL_PROTODIR)
# Before 1.0 a minor release may change the API, so only 0.1.x satisfies a
# request for 0.1.
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/miniterConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)

install(FILES
    "${CMAKE_CURRENT_BINARY_DIR}/miniterConfig.cmake"
    "${CMAKE_CURRENT_BINARY_DIR}/miniterConfigVersion.cmake"
  DESTINATION "${MINITER_INSTALL_CMAKEDIR}"
  COMPONENT development)

# cmake/miniter_deb.cmake: `cpack` (in the build tree) makes the Debian
# package "miniter": miniter-server, the miniter CLI, the systemd unit and
# its environment file /etc/miniter/miniter.env (a conffile), all from
# packaging/. docs/operations.md says how to install and run it;
# tests/package checks it.
#
# The package holds the install component "server" only: the binaries
# (install rules in server/ and client/) and the two files below. The static
# libraries, headers and CMake package (component "development") are for
# building against miniter and stay out of it.
set(MINITER_PACKAGING_DIR "${PROJECT_SOURCE_DIR}/packaging")

# EXCLUDE_FROM_ALL: a plain `cmake --install` (into a user's prefix, as
# tests/install does) leaves these out; they belong to a system install,
# and /etc/miniter is absolute on purpose (not under the /usr prefix).
install(FILES "${MINITER_PACKAGING_DIR}/miniter.service"
  DESTINATION lib/systemd/system
  COMPONENT server EXCLUDE_FROM_ALL)
# Root-only: an operator may add secrets to it.
install(FILES "${MINITER_PACKAGING_DIR}/miniter.env"
  DESTINATION /etc/miniter
  PERMISSIONS OWNER_READ OWNER_WRITE
  COMPONENT server EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME miniter)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "miniter: a small Twitter-like gRPC service on MariaDB")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "miniter-server serves the miniter.v1.Miniter gRPC API (sign up, log in,
tweet, follow, timelines) on MariaDB, with an optional Redis memory tier.
This package holds the server, the miniter command-line client and a
hardened systemd unit; configure it in /etc/miniter.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER
  "miniter maintainers <maintainers@users.noreply.r-seed-42f87a85.example>"
  CACHE STRING "Maintainer field of the .deb")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends: from the libraries the binaries link (dpkg-shlibdeps, in
# dpkg-dev). The database and Redis may live on other machines.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mariadb-server, redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${MINITER_PACKAGING_DIR}/deb/conffiles"
  "${MINITER_PACKAGING_DIR}/deb/postinst"
  "${MINITER_PACKAGING_DIR}/deb/prerm"
  "${MINITER_PACKAGING_DIR}/deb/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# RelWithDebInfo binaries carry their debug information; the package does not.
set(CPACK_STRIP_FILES ON)
# DESTDIR staging, so that /etc/miniter lands in the package, never on this
# machine; with it, CPACK_INSTALL_PREFIX is the prefix inside the package.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};miniter;server;/")
include(CPack)

# CPack: two .deb files, milvus-refreshd_<version>-<release>_<arch>.deb and
# milvus-refresh-sim_<version>-<release>_<arch>.deb. Build them with scripts/package.sh or
# `cpack --config <build>/CPackConfig.cmake`.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME milvus-refreshd)
set(CPACK_PACKAGE_VENDOR "milvus-refreshd")
set(CPACK_PACKAGE_CONTACT "milvus-refreshd maintainers <milvus-refreshd@example.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_THREADS 2)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL daemon sim)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# Library dependencies come from dpkg-shlibdeps (dpkg-dev and `file` must be installed), so the
# Depends line always matches what the binaries link; the rest is listed by hand.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME milvus-refreshd)
# tzdata: cron schedules are evaluated with the system tz database (/usr/share/zoneinfo).
set(CPACK_DEBIAN_DAEMON_PACKAGE_DEPENDS "tzdata")
# ca-certificates: the system trust store for https:// endpoints; systemd runs the service.
set(CPACK_DEBIAN_DAEMON_PACKAGE_RECOMMENDS "ca-certificates, systemd")
set(CPACK_DEBIAN_DAEMON_PACKAGE_SUGGESTS "prometheus, milvus-refresh-sim")
set(CPACK_DEBIAN_DAEMON_DESCRIPTION
    "keeps Milvus / Zilliz Cloud external collections fresh
milvus-refreshd is a daemon that triggers refresh jobs of Milvus and Zilliz Cloud external
collections on YAML schedules (cron, fixed interval, or a delay after the last run), never
starts a refresh while one is running, follows every job to its end and exports job state
to Prometheus. It runs as a systemd service (Type=notify, watchdog, reload) and doubles as
a one-shot command line tool for operators.")

# Maintainer scripts, and conffiles (written at packaging time by conffiles.cmake: every file the
# package installs below /etc, as debhelper does).
set(refreshd_conffiles "${CMAKE_CURRENT_BINARY_DIR}/deb-control/conffiles")
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_EXTRA
    "${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst;${CMAKE_CURRENT_SOURCE_DIR}/debian/prerm;${CMAKE_CURRENT_SOURCE_DIR}/debian/postrm;${refreshd_conffiles}")
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_REFRESHD_CONFFILES "${refreshd_conffiles}")
set(CPACK_PRE_BUILD_SCRIPTS "${CMAKE_CURRENT_SOURCE_DIR}/conffiles.cmake")

set(CPACK_DEBIAN_SIM_PACKAGE_NAME milvus-refresh-sim)
set(CPACK_DEBIAN_SIM_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_SIM_DESCRIPTION
    "simulator of the Milvus refresh-job REST API
milvus-refresh-sim serves the three refresh-job endpoints of Milvus (trigger, describe,
list) with configurable job durations, duplicate policies, authentication, rate limits and
injected faults, plus a control API. It is meant for demos, tests and benchmarks of
milvus-refreshd, never for production hosts.")

include(CPack)

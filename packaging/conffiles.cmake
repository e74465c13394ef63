# CPack pre-build script (CPACK_PRE_BUILD_SCRIPTS): runs after CPack has installed every component
# into its staging directory and before the .deb files are made. Writes the DEBIAN/conffiles of
# the milvus-refreshd package (the file named by CPACK_REFRESHD_CONFFILES, which
# CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_EXTRA ships): every file the package installs below /etc,
# as debhelper does. dpkg then keeps local edits on upgrade and asks before replacing them.
set(_staging "${CPACK_TEMPORARY_DIRECTORY}/daemon")
if(NOT IS_DIRECTORY "${_staging}")
  message(FATAL_ERROR "conffiles.cmake: no staging directory ${_staging}")
endif()
file(GLOB_RECURSE _conffiles LIST_DIRECTORIES false RELATIVE "${_staging}" "${_staging}/etc/*")
list(SORT _conffiles)
if(NOT _conffiles)
  message(FATAL_ERROR "conffiles.cmake: the daemon package installs nothing below /etc")
endif()
list(TRANSFORM _conffiles PREPEND "/")
list(JOIN _conffiles "\n" _text)
file(WRITE "${CPACK_REFRESHD_CONFFILES}" "${_text}\n")
message(STATUS "conffiles of milvus-refreshd: ${_conffiles}")

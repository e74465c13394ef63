# The git revision is baked into build_info; "unknown" outside a git checkout.
find_package(Git QUIET)
set(REFRESHD_GIT_REVISION "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
  execute_process(
    COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
    WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
    OUTPUT_VARIABLE REFRESHD_GIT_REVISION
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT REFRESHD_GIT_REVISION)
    set(REFRESHD_GIT_REVISION "unknown")
  endif()
endif()

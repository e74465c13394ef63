# refreshd_install_sysconf(DESTINATION <dir below etc> FILES <file>... [RENAME <name>]
#                          [KEEP_EXISTING] [PERMISSIONS <perm>...] [COMPONENT <component>])
#
# Installs configuration files below the system configuration directory, chosen at INSTALL time
# from the install prefix with the rules of GNUInstallDirs: prefix "/" or "/usr" -> /etc,
# "/opt/<pkg>" -> /etc/opt/<pkg>, anything else -> <prefix>/etc. So `cmake --install build
# --prefix /tmp/x` stays inside /tmp/x, `--prefix /usr` and the CPack .deb (which installs with
# prefix /usr into a DESTDIR) write /etc. CMAKE_INSTALL_FULL_SYSCONFDIR cannot do this: it is
# fixed when the tree is configured.
#
# DESTINATION is relative ("milvus-refreshd", "default"). KEEP_EXISTING leaves a file that is
# already installed alone (an edited /etc/milvus-refreshd/config.yaml survives `cmake --install`).
# PERMISSIONS takes install()'s keywords (OWNER_READ OWNER_WRITE ...; default 0644), e.g. for a
# file that may hold secrets. DESTDIR is honoured (file(INSTALL) prepends it).
function(refreshd_install_sysconf)
  cmake_parse_arguments(arg "KEEP_EXISTING" "DESTINATION;RENAME;COMPONENT" "FILES;PERMISSIONS"
                        ${ARGN})
  if(NOT arg_FILES)
    message(FATAL_ERROR "refreshd_install_sysconf: FILES is required")
  endif()
  if(arg_RENAME AND NOT arg_FILES MATCHES "^[^;]+$")
    message(FATAL_ERROR "refreshd_install_sysconf: RENAME needs exactly one file")
  endif()
  if(NOT arg_COMPONENT)
    set(arg_COMPONENT "${CMAKE_INSTALL_DEFAULT_COMPONENT_NAME}")
  endif()
  set(permissions "")
  if(arg_PERMISSIONS)
    list(JOIN arg_PERMISSIONS " " permissions)
    set(permissions "PERMISSIONS ${permissions}")
  endif()
  foreach(file IN LISTS arg_FILES)
    cmake_path(ABSOLUTE_PATH file BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}")
    cmake_path(GET file FILENAME name)
    if(arg_RENAME)
      set(name "${arg_RENAME}")
    endif()
    # KEEP_EXISTING is decided here, not in the install script (cmake_install.cmake sets no
    # policies: an if(TRUE AND ...) there warns about CMP0012).
    set(copy "file(INSTALL DESTINATION \"\${_refreshd_dir}\" TYPE FILE RENAME \"${name}\"
                   ${permissions} FILES \"${file}\")")
    if(arg_KEEP_EXISTING)
      set(copy "if(EXISTS \"\$ENV{DESTDIR}\${_refreshd_dir}/${name}\")
          message(STATUS \"Keeping existing: \$ENV{DESTDIR}\${_refreshd_dir}/${name}\")
        else()
          ${copy}
        endif()")
    endif()
    install(
      CODE "
        string(REGEX REPLACE \"/+$\" \"\" _refreshd_prefix \"\${CMAKE_INSTALL_PREFIX}\")
        if(_refreshd_prefix STREQUAL \"\" OR _refreshd_prefix STREQUAL \"/usr\")
          set(_refreshd_etc \"/etc\")
        elseif(_refreshd_prefix MATCHES \"^/opt/\")
          set(_refreshd_etc \"/etc\${_refreshd_prefix}\")
        else()
          set(_refreshd_etc \"\${_refreshd_prefix}/etc\")
        endif()
        set(_refreshd_dir \"\${_refreshd_etc}/${arg_DESTINATION}\")
        ${copy}"
      COMPONENT "${arg_COMPONENT}")
  endforeach()
endfunction()

# `make install` (cmake --install): what goes where, under CMAKE_INSTALL_PREFIX
# in the GNU directories. Components, for packages:
#   tool  bin/pgotool, its man pages and its bash and zsh completion
#   lib   the shared libpgo (libpgo.so.SOVERSION)
#   dev   include/pgo.h, libpgo.a, the libpgo.so link and libpgo.pc
include(GNUInstallDirs)

# pgo.h's PGO_VERSION is the version the library reports; the project's
# names the shared library and libpgo.pc. They must be one.
file(STRINGS ${PROJECT_SOURCE_DIR}/include/pgo.h PGO_H_VERSION REGEX "^#define PGO_VERSION ")
string(REGEX REPLACE "^#define PGO_VERSION \"([^\"]*)\".*" "\\1" PGO_H_VERSION "${PGO_H_VERSION}")
if(NOT PGO_H_VERSION STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "include/pgo.h defines PGO_VERSION \"${PGO_H_VERSION}\" but CMakeLists.txt's project() "
          "says ${PROJECT_VERSION}: set both to the release's version.")
endif()

# ---- The shared libpgo ----
# The same sources, include directories and libraries as the static libpgo,
# which the tool and the tests keep linking: its code need not be
# position-independent, and the tests wrap its internal functions.
get_target_property(PGO_LIB_SOURCES pgo SOURCES)
get_target_property(PGO_LIB_INCLUDES pgo INCLUDE_DIRECTORIES)
get_target_property(PGO_LIB_LIBRARIES pgo LINK_LIBRARIES)
set(PGO_LIB_MAP ${CMAKE_BINARY_DIR}/generated/libpgo.map)
add_custom_command(OUTPUT ${PGO_LIB_MAP}
  COMMAND ${CMAKE_COMMAND} -DHEADER=${PROJECT_SOURCE_DIR}/include/pgo.h -DOUT=${PGO_LIB_MAP}
          -P ${PROJECT_SOURCE_DIR}/cmake/libpgo-map.cmake
  DEPENDS ${PROJECT_SOURCE_DIR}/include/pgo.h ${PROJECT_SOURCE_DIR}/cmake/libpgo-map.cmake
  COMMENT "Listing libpgo's interface from pgo.h")
add_library(pgo_shared SHARED ${PGO_LIB_SOURCES} ${PGO_LIB_MAP})
target_include_directories(pgo_shared PRIVATE ${PGO_LIB_INCLUDES})
target_include_directories(pgo_shared INTERFACE include)
target_link_libraries(pgo_shared PRIVATE ${PGO_LIB_LIBRARIES})
# While the major version is 0 every minor release may change the ABI.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(PGO_SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
else()
  set(PGO_SOVERSION ${PROJECT_VERSION_MAJOR})
endif()
set_target_properties(pgo_shared PROPERTIES OUTPUT_NAME pgo VERSION ${PROJECT_VERSION} SOVERSION ${PGO_SOVERSION}
                      LINK_DEPENDS ${PGO_LIB_MAP})
target_link_options(pgo_shared PRIVATE "LINKER:--version-script=${PGO_LIB_MAP}")
# Every library it needs is linked in; the sanitizers' runtimes are the
# executable's, so those builds leave their symbols undefined.
if(NOT PGO_SANITIZE AND NOT PGO_TSAN AND NOT PGO_FUZZ)
  target_link_options(pgo_shared PRIVATE "LINKER:-z,defs")
endif()

# ---- libpgo.pc ----
# Requires.private and Libs.private from the libraries libpgo links, for
# `pkg-config --static`; the prefix is the one installed to, which
# `cmake --install --prefix` may change after the build.
set(PGO_PC_REQUIRES "")
set(PGO_PC_LIBS "")
foreach(lib IN LISTS PGO_LIB_LIBRARIES)
  if(lib MATCHES "^PkgConfig::(.+)$")
    list(APPEND PGO_PC_REQUIRES ${${CMAKE_MATCH_1}_MODULE_NAME})
  elseif(lib STREQUAL "Threads::Threads")
    if(CMAKE_THREAD_LIBS_INIT)
      list(APPEND PGO_PC_LIBS ${CMAKE_THREAD_LIBS_INIT})
    endif()
  elseif(lib MATCHES "^[A-Za-z0-9_+.-]+$")
    list(APPEND PGO_PC_LIBS -l${lib})
  else()
    message(FATAL_ERROR "libpgo links ${lib}, which cmake/install.cmake cannot write into libpgo.pc: "
            "name it there for pkg-config.")
  endif()
endforeach()
list(JOIN PGO_PC_REQUIRES ", " PGO_PC_REQUIRES)
list(JOIN PGO_PC_LIBS " " PGO_PC_LIBS)
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(PGO_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(PGO_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(PGO_PC_DEST "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
else()
  set(PGO_PC_DEST "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endif()
set(PGO_PC_PREFIX "@PGO_PC_PREFIX@")
configure_file(${PROJECT_SOURCE_DIR}/cmake/libpgo.pc.in ${CMAKE_BINARY_DIR}/generated/libpgo.pc.in @ONLY)

# ---- Man pages and completion, from the built pgotool's --help ----
option(PGO_CLI_DOCS "Write pgotool's man pages and shell completion from its --help (runs the built pgotool)" ON)
set(PGO_BASH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/bash-completion/completions CACHE STRING
    "Where bash completion goes, relative to the prefix (bash-completion's completionsdir)")
set(PGO_ZSH_FUNCTIONS_DIR "" CACHE STRING
    "Where zsh completion goes, relative to the prefix (empty: share/zsh/vendor-completions under /usr on Debian, else share/zsh/site-functions)")
# Debian's zsh reads /usr/local/share/zsh/site-functions, and for packages
# /usr/share/zsh/vendor-completions, not /usr/share/zsh/site-functions. The
# prefix is known only at install time (cmake --install --prefix, cpack's
# /usr), so the directory is chosen then; PGO_ZSH_DIR_USR is the choice for
# /usr, for the tests.
if(PGO_ZSH_FUNCTIONS_DIR)
  set(PGO_ZSH_DIR_USR ${PGO_ZSH_FUNCTIONS_DIR})
elseif(EXISTS /etc/debian_version)
  set(PGO_ZSH_DIR_USR ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
else()
  set(PGO_ZSH_DIR_USR ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
endif()
set(PGO_ZSH_DIR_USR ${PGO_ZSH_DIR_USR} CACHE INTERNAL "where the zsh completion goes under the prefix /usr")
set(PGO_CLI_DOCS_BUILT ${PGO_CLI_DOCS})
if(PGO_CLI_DOCS AND CMAKE_CROSSCOMPILING AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
  message(WARNING "Cross-compiling without CMAKE_CROSSCOMPILING_EMULATOR: the man pages and shell completion, "
          "which the built pgotool writes, are neither built nor installed.")
  set(PGO_CLI_DOCS_BUILT OFF)
endif()
set(PGO_CLI_DOCS_DIR ${CMAKE_BINARY_DIR}/cli-docs)
if(PGO_CLI_DOCS_BUILT)
  add_custom_command(OUTPUT ${PGO_CLI_DOCS_DIR}/stamp
    COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/cli-docs.sh ${PGO_CLI_DOCS_DIR} ${CMAKE_CROSSCOMPILING_EMULATOR}
            $<TARGET_FILE:pgotool>
    COMMAND ${CMAKE_COMMAND} -E touch ${PGO_CLI_DOCS_DIR}/stamp
    DEPENDS pgotool ${PROJECT_SOURCE_DIR}/cmake/cli-docs.sh ${PROJECT_SOURCE_DIR}/cmake/cli-docs.awk
    COMMENT "Writing pgotool's man pages and completion from its --help"
    VERBATIM)
  add_custom_target(cli-docs ALL DEPENDS ${PGO_CLI_DOCS_DIR}/stamp)
endif()

# ---- Install rules ----
install(TARGETS pgotool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tool)
if(PGO_CLI_DOCS_BUILT)
  install(DIRECTORY ${PGO_CLI_DOCS_DIR}/man1 DESTINATION ${CMAKE_INSTALL_MANDIR} COMPONENT tool)
  install(FILES ${PGO_CLI_DOCS_DIR}/completion/pgotool DESTINATION ${PGO_BASH_COMPLETION_DIR} COMPONENT tool)
  if(PGO_ZSH_FUNCTIONS_DIR)
    install(FILES ${PGO_CLI_DOCS_DIR}/completion/_pgotool DESTINATION ${PGO_ZSH_FUNCTIONS_DIR} COMPONENT tool)
  else()
    install(CODE "
      if(\"\${CMAKE_INSTALL_PREFIX}\" MATCHES \"^/usr/?$\")
        set(pgo_zsh_dir \"${PGO_ZSH_DIR_USR}\")
      else()
        set(pgo_zsh_dir \"${CMAKE_INSTALL_DATADIR}/zsh/site-functions\")
      endif()
      file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/\${pgo_zsh_dir}\" TYPE FILE
           FILES \"${PGO_CLI_DOCS_DIR}/completion/_pgotool\")" COMPONENT tool)
  endif()
endif()
install(TARGETS pgo_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
install(TARGETS pgo ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(FILES ${PROJECT_SOURCE_DIR}/include/pgo.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
# (Written in a directory of its own: installs to two prefixes may run at once.)
install(CODE "
  file(READ \"${CMAKE_BINARY_DIR}/generated/libpgo.pc.in\" pc)
  string(REPLACE \"@PGO_PC_PREFIX@\" \"\${CMAKE_INSTALL_PREFIX}\" pc \"\${pc}\")
  string(RANDOM LENGTH 12 tag)
  set(dir \"${CMAKE_BINARY_DIR}/generated/pc-\${tag}\")
  file(WRITE \"\${dir}/libpgo.pc\" \"\${pc}\")
  file(INSTALL DESTINATION \"${PGO_PC_DEST}\" TYPE FILE FILES \"\${dir}/libpgo.pc\")
  file(REMOVE_RECURSE \"\${dir}\")" COMPONENT dev)

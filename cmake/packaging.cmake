# Packaging: `make deb` runs cpack, which builds a Debian package of each
# install component (cmake/install.cmake):
#   pgotool_VERSION_ARCH.deb        the tool (bin/pgotool, man pages, completion),
#                                   the systemd unit for `pgotool serve` and a README
#   libpgoSOVERSION_VERSION_ARCH.deb the shared libpgo
#   libpgo-dev_VERSION_ARCH.deb     pgo.h, libpgo.a, the libpgo.so link, libpgo.pc
# Their run-time dependencies come from dpkg-shlibdeps, which reads them from
# the ELF files (so they name exactly the libraries the binaries link, at the
# versions they need). Each package gets Debian's copyright and changelog.gz
# in /usr/share/doc/PACKAGE, and its man pages gzipped
# (cmake/deb-prebuild.cmake, run on cpack's staging tree).
include(GNUInstallDirs)

# The unit names /usr/bin/pgotool; the installed copy names the binary where
# this install puts it. The prefix is read when the install runs: cpack
# installs with prefix /usr under a DESTDIR, `make install` with its own. The
# copy is made in a directory of its own, so that installs at once (a test's
# cpack during a build) cannot mix their copies.
set(PGO_UNIT_SRC ${PROJECT_SOURCE_DIR}/packaging/pgotool-serve.service)
install(CODE "
  file(READ \"${PGO_UNIT_SRC}\" unit)
  string(REPLACE \"/usr/bin/pgotool\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/pgotool\" unit \"\${unit}\")
  string(RANDOM LENGTH 12 tag)
  set(dir \"${PROJECT_BINARY_DIR}/packaging/unit-\${tag}\")
  file(WRITE \"\${dir}/pgotool-serve.service\" \"\${unit}\")
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\" TYPE FILE
       FILES \"\${dir}/pgotool-serve.service\")
  file(REMOVE_RECURSE \"\${dir}\")
" COMPONENT tool)
install(FILES README.md packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT tool)

set(PGO_PACKAGE_MAINTAINER "pgotool maintainers <maintainers@pgotool.invalid>" CACHE STRING
    "The Maintainer field of the Debian package")

# Debian wants a changelog in every package, changelog.gz for a native one;
# the changes themselves are in the git history. SOURCE_DATE_EPOCH, when
# set, fixes its date.
find_program(PGO_GZIP gzip)
if(PGO_GZIP)
  string(TIMESTAMP PGO_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
  file(WRITE ${PROJECT_BINARY_DIR}/packaging/changelog
    "pgotool (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
    "  * pgotool ${PROJECT_VERSION}.\n\n"
    " -- ${PGO_PACKAGE_MAINTAINER}  ${PGO_CHANGELOG_DATE}\n")
  execute_process(COMMAND ${PGO_GZIP} -9nf ${PROJECT_BINARY_DIR}/packaging/changelog RESULT_VARIABLE PGO_GZIP_RC)
  if(NOT PGO_GZIP_RC EQUAL 0)
    message(FATAL_ERROR "${PGO_GZIP} -9nf ${PROJECT_BINARY_DIR}/packaging/changelog failed (${PGO_GZIP_RC})")
  endif()
else()
  message(WARNING "no gzip: the packages will have no changelog.gz and uncompressed man pages (apt-get install gzip)")
endif()

if(NOT DEFINED PGO_SOVERSION)
  message(FATAL_ERROR "cmake/packaging.cmake needs PGO_SOVERSION: include it after cmake/install.cmake")
endif()
set(PGO_LIB_PACKAGE libpgo${PGO_SOVERSION})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pgotool)
set(CPACK_PACKAGE_VENDOR "the pgotool authors")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL tool lib dev)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PGO_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# While the major version is 0 every minor release may change the ABI: a
# program built against this libpgo needs this version exactly.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY "=")

set(CPACK_DEBIAN_TOOL_PACKAGE_NAME pgotool)
set(CPACK_DEBIAN_TOOL_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_TOOL_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_TOOL_DESCRIPTION "continuous profile-guided optimization for Go
pgotool turns production CPU profiles into the default.pgo that
go build uses to inline and devirtualize hot code. It fetches and merges
profiles from Datadog or from its own store, and pgotool serve is that
store: it takes dd-trace-go's uploads, Pyroscope's pushes and scrapes of
net/http/pprof, answers Datadog's profile query API and serves a web UI.
The package ships a sandboxed systemd unit for it, pgotool-serve.service.")
# fetch and the scraper speak HTTPS with the system's certificate authorities.
set(CPACK_DEBIAN_TOOL_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_DEBIAN_TOOL_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_TOOL_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_LIB_PACKAGE_NAME ${PGO_LIB_PACKAGE})
set(CPACK_DEBIAN_LIB_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
# An ldconfig trigger, as Debian wants, rather than cpack's postinst and
# postrm that run ldconfig themselves (which these, doing nothing, replace).
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/libpgo/triggers
    ${PROJECT_SOURCE_DIR}/packaging/debian/libpgo/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/libpgo/postrm)
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_LIB_DESCRIPTION "pprof profiles for Go's PGO: the shared library
libpgo decodes, validates, merges and encodes pprof CPU profiles, and
computes what the Go compiler does with them (hot call sites, the
comparison of two profiles, staleness), with no I/O of its own.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libpgo-dev)
set(CPACK_DEBIAN_DEV_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# libpgo.pc's Requires.private (libdeflate, zlib, libzstd): pkg-config
# --cflags --libs libpgo needs their .pc files, which their -dev packages hold.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "${PGO_LIB_PACKAGE} (= ${PROJECT_VERSION}), libdeflate-dev, zlib1g-dev, libzstd-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION "pprof profiles for Go's PGO: development files
pgo.h, the static libpgo.a, the libpgo.so link and libpgo.pc
(pkg-config --cflags --libs libpgo) for programs built with libpgo.")

# Run on cpack's staging tree: what every package needs in
# /usr/share/doc/PACKAGE, and man pages gzipped as Debian wants them.
set(CPACK_PGO_COPYRIGHT ${PROJECT_SOURCE_DIR}/packaging/copyright)
set(CPACK_PGO_CHANGELOG ${PROJECT_BINARY_DIR}/packaging/changelog.gz)
set(CPACK_PGO_GZIP "${PGO_GZIP}")
set(CPACK_PRE_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/cmake/deb-prebuild.cmake)
include(CPack)

# Run by cpack (CPACK_PRE_BUILD_SCRIPTS) once the components are installed in
# its staging tree, one directory each, before the packages are made: each
# package gets Debian's copyright and changelog.gz in /usr/share/doc/PACKAGE,
# and its man pages gzipped (gzip -9n: no name or time stamp, so that the
# bytes depend only on the page).
foreach(comp IN LISTS CPACK_COMPONENTS_ALL)
  string(TOUPPER ${comp} COMP)
  set(top "${CPACK_TEMPORARY_DIRECTORY}/${comp}")
  if(NOT IS_DIRECTORY "${top}")
    message(FATAL_ERROR "cpack's staging tree has no ${top} for the component ${comp}")
  endif()
  set(doc "${top}${CPACK_PACKAGING_INSTALL_PREFIX}/share/doc/${CPACK_DEBIAN_${COMP}_PACKAGE_NAME}")
  file(MAKE_DIRECTORY "${doc}")
  file(COPY "${CPACK_PGO_COPYRIGHT}" DESTINATION "${doc}")
  if(CPACK_PGO_GZIP)
    file(COPY "${CPACK_PGO_CHANGELOG}" DESTINATION "${doc}")
    file(GLOB_RECURSE pages "${top}${CPACK_PACKAGING_INSTALL_PREFIX}/share/man/*")
    foreach(page IN LISTS pages)
      if(NOT page MATCHES "\\.gz$" AND NOT IS_SYMLINK "${page}")
        execute_process(COMMAND "${CPACK_PGO_GZIP}" -9nf "${page}" RESULT_VARIABLE rc)
        if(NOT rc EQUAL 0)
          message(FATAL_ERROR "gzip -9nf ${page} failed (${rc})")
        endif()
      endif()
    endforeach()
  endif()
endforeach()

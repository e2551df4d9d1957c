# The linker version script of the shared libpgo: the functions and data
# include/pgo.h declares are its interface, and every other symbol of lib/
# (lib/internal.h's) stays inside it.
#   cmake -DHEADER=include/pgo.h -DOUT=libpgo.map -P cmake/libpgo-map.cmake
file(READ "${HEADER}" text)
# Comments name functions too, and would export names that do not exist.
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
# A declaration's name is followed by "(" (a function) or "[" (an array).
# (Marked first: a "[" in a list item would join it to the next ones.)
string(REGEX REPLACE "(pgo_[a-z0-9_]+)[ \t]*[[(]" "\\1 @decl@" text "${text}")
string(REGEX MATCHALL "pgo_[a-z0-9_]+ @decl@" names "${text}")
list(TRANSFORM names REPLACE " @decl@$" "")
list(REMOVE_DUPLICATES names)
list(SORT names)
if(NOT names)
  message(FATAL_ERROR "${HEADER} declares no pgo_ function: the shared libpgo would export nothing")
endif()
list(JOIN names ";\n\t\t" body)
set(map "/* Generated from ${HEADER} by cmake/libpgo-map.cmake. */\n{\n\tglobal:\n\t\t${body};\n\tlocal:\n\t\t*;\n};\n")
# Unchanged text leaves the file, and the link, alone.
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT "${old}" STREQUAL "${map}")
  file(WRITE "${OUT}" "${map}")
endif()

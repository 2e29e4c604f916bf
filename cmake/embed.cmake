# Turns a text file into a C source file holding it as a char array:
#   cmake -DINPUT=file.html -DOUTPUT=file.c -DNAME=symbol -P embed.cmake
# defines `const char NAME[]` (NUL-terminated) and `const size_t NAME_len`.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "(char)0x\\1," bytes "${hex}")
file(WRITE ${OUTPUT}
  "/* Generated from ${INPUT} by cmake/embed.cmake. Do not edit. */\n"
  "#include <stddef.h>\n"
  "const char ${NAME}[] = {${bytes}0x00};\n"
  "const size_t ${NAME}_len = ${len};\n")

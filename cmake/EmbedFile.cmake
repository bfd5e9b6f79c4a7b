# Turns a data file into C source: cmake -DIN=file -DOUT=file.c -DNAME=id -P
# Kata programs run from a scratch folder as an unprivileged user who may
# not be able to read the learner's folder, so the learner's data files
# (predictions, inputs) travel inside the programs instead.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n  " bytes "${bytes}")
file(WRITE "${OUT}"
  "/* Generated from ${IN} by cmake/EmbedFile.cmake. */\n"
  "#include <stddef.h>\n"
  "extern const unsigned char ${NAME}[];\n"
  "extern const size_t ${NAME}_size;\n"
  "const unsigned char ${NAME}[] = {\n  ${bytes}0x00};\n"
  "const size_t ${NAME}_size = ${size};\n")

# senior_kata(): the one way a kata is built.
#
# Every kata's CMakeLists.txt is the same three lines; what differs between
# katas lives in the manifest beside it, kata.json, read here with CMake's
# own JSON parser and by the grader with jansson. The grader configures each
# kata on its own build tree, with:
#
#   SENIOR_EDITABLE_DIR  where the learner-editable files are taken from
#                        (the kata itself, or solutions/<id> for --solutions,
#                        or the working tree when the kata comes from a
#                        trusted git ref); defaults to the kata's folder.
#
# Targets, each a variant of the same sources:
#   suite            the kata's cmocka suite over the learner's code (-O1 -g:
#                    fast enough for valgrind, precise enough for its lines)
#   bench            the kata's benchmark, if it has one (-O2 -g)
#   suite_cov        the suite with gcov instrumentation (-O0)
#   learner_tests_cov  the learner's own tests, if the file exists
#   suite_san        the suite under AddressSanitizer and UBSan
#   strict_warnings  always out of date: compiles each learner C file with
#                    the strict warning set and prints gcc's JSON diagnostics
#
# Editable files that are neither C nor Markdown (predictions, inputs) are
# data: each is compiled into every program as senior_data_<identifier>
# (e.g. senior_data_predictions_txt) with senior_data_<identifier>_size, so
# that programs never depend on reading the learner's folder at run time.
#
# It also writes suite-tests.txt, the names in the suite's table of tests,
# taken from the trusted suite source (never from running learner code), so
# the grader can tell a suite that stopped early from one that passed.
include_guard(GLOBAL)
set(SENIOR_KATA_MODULE_DIR ${CMAKE_CURRENT_LIST_DIR})

set(SENIOR_STRICT_FLAGS
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wcast-qual -Wstrict-prototypes -Wmissing-prototypes -Wswitch-enum
    -Wcast-align=strict -Wnull-dereference -Wformat=2 -Wvla
    -Wdouble-promotion -Wundef
    CACHE STRING "The strict gate's warning set")

function(senior_kata_json_list out json key)
  set(items "")
  string(JSON type ERROR_VARIABLE missing TYPE "${json}" ${key})
  if(NOT missing)
    if(NOT type STREQUAL "ARRAY")
      message(FATAL_ERROR "kata.json: '${key}' must be an array of strings")
    endif()
    string(JSON count LENGTH "${json}" ${key})
    if(count GREATER 0)
      math(EXPR last "${count} - 1")
      foreach(i RANGE ${last})
        string(JSON item GET "${json}" ${key} ${i})
        list(APPEND items "${item}")
      endforeach()
    endif()
  endif()
  set(${out} "${items}" PARENT_SCOPE)
endfunction()

function(senior_kata_json_string out json key)
  string(JSON value ERROR_VARIABLE missing GET "${json}" ${key})
  if(missing)
    set(value "")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

function(senior_kata)
  set(kata_dir ${CMAKE_CURRENT_SOURCE_DIR})
  if(NOT SENIOR_EDITABLE_DIR)
    set(SENIOR_EDITABLE_DIR ${kata_dir})
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${kata_dir}/kata.json)
  file(READ ${kata_dir}/kata.json manifest)

  senior_kata_json_list(editable "${manifest}" editable)
  senior_kata_json_list(support "${manifest}" sources)
  senior_kata_json_list(libraries "${manifest}" libraries)
  senior_kata_json_string(suite "${manifest}" suite)
  senior_kata_json_string(benchmark "${manifest}" benchmark)
  senior_kata_json_string(learner_tests "${manifest}" learner_tests)

  set(learner_c "")
  set(embedded "")
  foreach(file ${editable})
    if(file MATCHES "\\.c$" AND NOT file STREQUAL learner_tests)
      list(APPEND learner_c ${SENIOR_EDITABLE_DIR}/${file})
    elseif(NOT file MATCHES "\\.(c|h|md)$")
      # Data the learner edits (predictions, inputs) is compiled in as
      # senior_data_<file name as a C identifier> and its _size.
      string(MAKE_C_IDENTIFIER "senior_data_${file}" name)
      set(out ${CMAKE_BINARY_DIR}/embedded/${name}.c)
      add_custom_command(
        OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -DIN=${SENIOR_EDITABLE_DIR}/${file}
                -DOUT=${out} -DNAME=${name} -P ${SENIOR_KATA_MODULE_DIR}/EmbedFile.cmake
        DEPENDS ${SENIOR_EDITABLE_DIR}/${file}
                ${SENIOR_KATA_MODULE_DIR}/EmbedFile.cmake
        VERBATIM)
      list(APPEND embedded ${out})
    endif()
  endforeach()
  list(TRANSFORM support PREPEND ${kata_dir}/)
  set(code ${learner_c} ${support} ${embedded})

  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  set(deps PkgConfig::CMOCKA)
  set(dep_cflags "")
  foreach(lib ${libraries})
    string(MAKE_C_IDENTIFIER "${lib}" var)
    pkg_check_modules(${var} REQUIRED IMPORTED_TARGET ${lib})
    list(APPEND deps PkgConfig::${var})
    list(APPEND dep_cflags ${${var}_CFLAGS})
  endforeach()
  find_package(Threads REQUIRED)
  list(APPEND deps Threads::Threads m)

  # The learner's folder comes first, so a header the learner edits wins.
  set(includes ${SENIOR_EDITABLE_DIR} ${kata_dir})

  function(senior_kata_variant name)
    cmake_parse_arguments(V "" "" "SOURCES;OPTIONS;LINK" ${ARGN})
    add_executable(${name} ${V_SOURCES})
    target_include_directories(${name} PRIVATE ${includes})
    target_compile_definitions(${name} PRIVATE _GNU_SOURCE
      SENIOR_EDITABLE_DIR="${SENIOR_EDITABLE_DIR}"
      SENIOR_KATA_DIR="${kata_dir}")
    target_compile_options(${name} PRIVATE ${V_OPTIONS})
    target_link_options(${name} PRIVATE ${V_LINK})
    target_link_libraries(${name} PRIVATE ${deps})
  endfunction()

  senior_kata_variant(suite SOURCES ${code} ${kata_dir}/${suite}
                      OPTIONS -g -O1)
  if(benchmark)
    senior_kata_variant(bench SOURCES ${code} ${kata_dir}/${benchmark}
                        OPTIONS -g -O2)
  endif()
  set(cov -O0 -g --coverage -fprofile-update=atomic)
  senior_kata_variant(suite_cov SOURCES ${code} ${kata_dir}/${suite}
                      OPTIONS ${cov} LINK --coverage)
  if(learner_tests AND EXISTS ${SENIOR_EDITABLE_DIR}/${learner_tests})
    senior_kata_variant(learner_tests_cov
                        SOURCES ${code} ${SENIOR_EDITABLE_DIR}/${learner_tests}
                        OPTIONS ${cov} LINK --coverage)
  endif()
  set(san -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
      -fno-sanitize-recover=all)
  senior_kata_variant(suite_san SOURCES ${code} ${kata_dir}/${suite}
                      OPTIONS ${san} LINK -fsanitize=address,undefined)
  string(JSON tsan ERROR_VARIABLE no_tsan GET "${manifest}" strict
         thread_sanitizer)
  if(NOT no_tsan AND tsan)
    senior_kata_variant(suite_tsan SOURCES ${code} ${kata_dir}/${suite}
                        OPTIONS -g -O1 -fsanitize=thread LINK -fsanitize=thread)
  endif()

  # A kata author's check of the kata itself (e.g. the reference answers
  # against what libuv really does): trusted sources only, no learner code.
  string(JSON selfcheck_json ERROR_VARIABLE no_selfcheck GET "${manifest}"
         selfcheck)
  if(NOT no_selfcheck)
    senior_kata_json_list(selfcheck_sources "${selfcheck_json}" sources)
    list(TRANSFORM selfcheck_sources PREPEND ${kata_dir}/)
    add_executable(selfcheck ${selfcheck_sources})
    target_include_directories(selfcheck PRIVATE ${kata_dir})
    target_compile_definitions(selfcheck PRIVATE _GNU_SOURCE)
    target_compile_options(selfcheck PRIVATE -g -O1)
    target_link_libraries(selfcheck PRIVATE ${deps})
  endif()

  set(strict_commands "")
  foreach(file ${learner_c})
    list(APPEND strict_commands
         COMMAND ${CMAKE_C_COMPILER} -std=c11 -D_GNU_SOURCE -O2
                 ${SENIOR_STRICT_FLAGS} -fdiagnostics-format=json
                 -I${SENIOR_EDITABLE_DIR} -I${kata_dir} ${dep_cflags}
                 -c ${file} -o ${CMAKE_BINARY_DIR}/strict.o)
  endforeach()
  add_custom_target(strict_warnings ${strict_commands} VERBATIM
                    COMMAND_EXPAND_LISTS)

  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${kata_dir}/${suite})
  # The whole file, not line by line: a formatter may put a long test's
  # name on the line after "cmocka_unit_test(".
  file(READ ${kata_dir}/${suite} source)
  string(REGEX MATCHALL "cmocka_unit_test[a-z_]*\\([ \t\r\n]*[A-Za-z0-9_]+"
         table "${source}")
  set(names "")
  foreach(entry ${table})
    string(REGEX MATCH "([A-Za-z0-9_]+)$" _ "${entry}")
    list(APPEND names "${CMAKE_MATCH_1}")
  endforeach()
  list(JOIN names "\n" names)
  file(WRITE ${CMAKE_BINARY_DIR}/suite-tests.txt "${names}\n")
endfunction()

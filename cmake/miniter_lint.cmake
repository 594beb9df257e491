# cmake/miniter_lint.cmake: the lint tests (label "lint"), so scripts/test.sh
# and CI fail on C++ that clang-format (.clang-format) would change and on any
# clang-tidy (.clang-tidy) finding. Both read the sources; the tidy test also
# reads this tree's compile_commands.json and the headers the build generates,
# so it runs after the build, as every test does.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(MINITER_LINT_CHECK "${PROJECT_SOURCE_DIR}/tests/lint/lint_check.py")

add_test(NAME lint_format
  COMMAND Python3::Interpreter "${MINITER_LINT_CHECK}" format "${PROJECT_SOURCE_DIR}")
set_tests_properties(lint_format PROPERTIES LABELS "lint" TIMEOUT 120)

# Two clang-tidy processes, and PROCESSORS 2 so that `ctest -j2` runs nothing
# beside it (timing-sensitive suites would otherwise share the cores).
add_test(NAME lint_tidy
  COMMAND Python3::Interpreter "${MINITER_LINT_CHECK}" tidy -j 2
          "${PROJECT_SOURCE_DIR}" "${CMAKE_BINARY_DIR}")
set_tests_properties(lint_tidy PROPERTIES LABELS "lint" PROCESSORS 2 TIMEOUT 1800)

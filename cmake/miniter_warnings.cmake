# cmake/miniter_warnings.cmake: the compiler warnings for miniter's own code,
# and -Werror so that a warning fails the build (MINITER_WERROR, on by
# default; turn it off to try a compiler the project has not been built with).
#
# Included before the subdirectories, so every target gets these options.
# What is not ours stays quiet without exceptions here: the protoc-generated
# code is compiled with -w and its headers are SYSTEM includes
# (proto/CMakeLists.txt), and the Debian libraries' headers are under
# /usr/include, which both compilers treat as system headers.
option(MINITER_WERROR "Fail the build on any compiler warning in miniter's code" ON)

# Unused parameters are how an override says it does not need an argument
# (gRPC handlers, storage fakes); naming each one away would be noise.
add_compile_options(-Wall -Wextra -Wno-unused-parameter)
if(MINITER_WERROR)
  add_compile_options(-Werror)
endif()

# GCC's -Wmaybe-uninitialized runs after optimisation, and the sanitizers'
# instrumentation at -O2 makes it report paths that cannot happen, inside
# libstdc++'s inlined code (std::regex, std::optional, std::function) but
# attributed to the line of ours that called it. The normal build keeps it.
if(MINITER_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-maybe-uninitialized)
endif()

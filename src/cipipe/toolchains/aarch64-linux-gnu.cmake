# cipipe's toolchain for the built-in "arm" platform: Linux on 64-bit ARM, cross-compiled on a
# Linux agent with Debian's g++-aarch64-linux-gnu; test binaries run under qemu-user.
#   cmake -S . -B build/arm -DCMAKE_TOOLCHAIN_FILE=<this file>
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

# cipipe build passes the locked compilers in CC and CXX (CMake reads them when no compiler is
# set); without them, the Debian names.
if(NOT CMAKE_C_COMPILER AND "$ENV{CC}" STREQUAL "")
  set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
endif()
if(NOT CMAKE_CXX_COMPILER AND "$ENV{CXX}" STREQUAL "")
  set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
endif()

# Libraries, headers and packages come from the target's root only; programs (code generators,
# protoc, ...) from the host, since they run during the build.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest, gtest_discover_tests and add_custom_command start target binaries through this, with
# the target's dynamic loader and libraries (-L). Left unset when qemu-user is not installed.
find_program(CIPIPE_QEMU_AARCH64 qemu-aarch64)
if(CIPIPE_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${CIPIPE_QEMU_AARCH64};-L;/usr/aarch64-linux-gnu")
endif()

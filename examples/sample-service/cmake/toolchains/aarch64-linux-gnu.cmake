# Cross toolchain: Linux on 64-bit ARM (Debian/Ubuntu g++-aarch64-linux-gnu).
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Run target binaries (gtest discovery, ctest) through qemu user emulation if available.
find_program(SAMPLE_QEMU_AARCH64 qemu-aarch64)
if(SAMPLE_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${SAMPLE_QEMU_AARCH64};-L;/usr/aarch64-linux-gnu")
endif()

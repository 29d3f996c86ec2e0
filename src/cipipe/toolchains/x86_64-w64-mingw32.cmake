# cipipe's toolchain for the built-in "windows" platform: 64-bit Windows, cross-compiled on a
# Linux agent with Debian's mingw-w64 (posix threads); test binaries run under wine.
#   cmake -S . -B build/windows -DCMAKE_TOOLCHAIN_FILE=<this file>
# With CMAKE_SYSTEM_NAME Windows, CMake sets WIN32 and MINGW, so a project's if(WIN32) branches
# (spdlog's ws2_32, for one) apply.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

# cipipe build passes the locked compilers in CC and CXX (CMake reads them when no compiler is
# set); without them, the posix-threads flavour: with GCC < 13 only it has std::thread and
# std::mutex.
if(NOT CMAKE_C_COMPILER AND "$ENV{CC}" STREQUAL "")
  set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
endif()
if(NOT CMAKE_CXX_COMPILER AND "$ENV{CXX}" STREQUAL "")
  set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
endif()
if(NOT CMAKE_RC_COMPILER)
  set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
endif()

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The GCC runtime (libstdc++, libgcc, winpthread) is linked in, so a shipped .exe or .dll runs
# on a Windows host (or under wine) without mingw's DLLs beside it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

# ctest starts target binaries through wine when it is installed; otherwise this stays unset
# and cipipe reports the platform's tests as not run.
find_program(CIPIPE_WINE wine)
if(CIPIPE_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${CIPIPE_WINE}")
endif()

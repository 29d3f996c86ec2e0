# Cross toolchain: 64-bit Windows via mingw-w64 (Debian/Ubuntu package mingw-w64).
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/x86_64-w64-mingw32.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

# Debian/Ubuntu ship two flavours of mingw-w64 GCC: "-win32" (what the plain
# x86_64-w64-mingw32-g++ name points to by default) and "-posix". With GCC < 13 only the posix
# thread model provides std::mutex / std::thread, which googletest >= 1.12 requires, so prefer
# the -posix flavour when it is installed. Override with -DCMAKE_CXX_COMPILER=... if needed.
if(NOT CMAKE_CXX_COMPILER)
  find_program(SAMPLE_MINGW_POSIX_CXX x86_64-w64-mingw32-g++-posix)
  if(SAMPLE_MINGW_POSIX_CXX)
    set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
    set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
  else()
    set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
    set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++)
  endif()
endif()
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Link the runtime statically so the .exe runs (e.g. under wine) without extra DLLs.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# Run target binaries (ctest, gtest discovery) through wine if it is installed.
find_program(SAMPLE_WINE wine)
if(SAMPLE_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${SAMPLE_WINE}")
endif()

"""What a built file is for, read from its headers: ELF machine, PE machine, COFF objects in an
ar archive, and the DLLs a PE file imports. Enough for the cross-build tests to tell an aarch64
or Windows artifact from a host one without `file` or objdump."""

from __future__ import annotations

import re
import struct
from pathlib import Path

ELF_MACHINES = {0x3E: "x86_64", 0xB7: "aarch64"}
COFF_MACHINES = {0x8664: "x86_64", 0xAA64: "aarch64"}


def elf_machine(path: Path) -> str | None:
    """``aarch64`` / ``x86_64`` for a little-endian ELF file, None for anything else."""
    head = path.read_bytes()[:20]
    if len(head) < 20 or head[:4] != b"\x7fELF" or head[5] != 1:
        return None
    (machine,) = struct.unpack_from("<H", head, 18)
    return ELF_MACHINES.get(machine, hex(machine))


def pe_machine(path: Path) -> str | None:
    """The machine of a Windows PE image (.exe, .dll), None when it is not one."""
    data = path.read_bytes()
    if data[:2] != b"MZ" or len(data) < 0x40:
        return None
    (offset,) = struct.unpack_from("<I", data, 0x3C)
    if data[offset : offset + 4] != b"PE\0\0":
        return None
    (machine,) = struct.unpack_from("<H", data, offset + 4)
    return COFF_MACHINES.get(machine, hex(machine))


def archive_object_machines(path: Path) -> set[str]:
    """The COFF or ELF machines of the object files in an ``ar`` archive (a static library)."""
    data = path.read_bytes()
    if data[:8] != b"!<arch>\n":
        return set()
    machines: set[str] = set()
    position = 8
    while position + 60 <= len(data):
        header = data[position : position + 60]
        name = header[:16].decode("ascii", "replace").strip()
        size = int(header[48:58].decode("ascii").strip())
        member = data[position + 60 : position + 60 + size]
        if not name.startswith("/") and name.endswith((".o/", ".obj/", ".o", ".obj")):
            machines.add(_object_machine(member))
        position += 60 + size + (size % 2)
    return machines


def _object_machine(member: bytes) -> str:
    if member[:4] == b"\x7fELF":
        (machine,) = struct.unpack_from("<H", member, 18)
        return "elf-" + ELF_MACHINES.get(machine, hex(machine))
    (machine,) = struct.unpack_from("<H", member, 0)
    return "coff-" + COFF_MACHINES.get(machine, hex(machine))


def imports_dll(path: Path, dll: str) -> bool:
    """Whether a PE image names ``dll`` in its import table (the name is stored as text)."""
    return dll.lower().encode() in path.read_bytes().lower()


def cmake_system(build_dir: Path) -> dict[str, str]:
    """What CMake decided about the target system, from CMakeFiles/<version>/CMakeSystem.cmake
    (CMAKE_CROSSCOMPILING, CMAKE_SYSTEM_NAME, CMAKE_SYSTEM_PROCESSOR...): CMakeCache.txt does
    not hold these, they are set anew from this file on every run."""
    [system_file] = build_dir.glob("CMakeFiles/*/CMakeSystem.cmake")
    pattern = re.compile(r'^set\((\w+) "([^"]*)"\)$', re.MULTILINE)
    return dict(pattern.findall(system_file.read_text()))

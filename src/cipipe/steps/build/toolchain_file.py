"""The CMake toolchain file a lock names, checked on the agent before it builds."""

from __future__ import annotations

from cipipe import toolchains
from cipipe.contracts.matrix import ToolchainLock
from cipipe.errors import InputError


def check_toolchain_file(lock: ToolchainLock, field_name: str) -> None:
    """A ``cipipe:`` toolchain file must be the one the matrix was planned with: another
    cipipe version on the agent could ship another file under the same name."""
    ref = lock.cmake_toolchain_file
    if ref is None or not toolchains.is_builtin(ref):
        return
    try:
        installed = toolchains.sha256(ref)
    except ValueError:
        installed = None
    if installed is None or installed != lock.cmake_toolchain_sha256:
        found = f"has sha256 {installed}" if installed else "is not shipped by this cipipe"
        raise InputError(
            f"toolchain file {ref} {found}",
            file="matrix.json",
            field=f"{field_name}.cmake_toolchain_sha256",
            expected=f"{lock.cmake_toolchain_sha256} as locked (plan and build with one cipipe "
            "version)",
        )

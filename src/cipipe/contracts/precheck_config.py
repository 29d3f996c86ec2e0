"""The ``precheck`` section of ``.cipipe.yaml``: which files are analysed, and each check's
policy (whether it runs, blocks, and when it fails or is stopped)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from cipipe.contracts.base import Strict
from cipipe.contracts.numbers import Timeout
from cipipe.contracts.precheck import Severity


class CheckPolicy(Strict):
    """One pre-check: whether it runs, whether its tool must exist, and when it fails."""

    enabled: bool = True
    required: bool = Field(default=True, description="A missing tool fails the check")
    blocking: bool = Field(default=False, description="A failure fails the precheck (exit 1)")
    fail_on: Severity = Field(default="error", description="Lowest severity that fails it")
    executable: str | None = None
    args: list[str] = Field(default_factory=list, description="Extra arguments for the tool")
    timeout_seconds: Timeout = Field(
        default=1800,
        description="The tool is stopped after this long; its findings so far are kept and the "
        "check is incomplete",
    )
    file_timeout_seconds: Timeout = Field(
        default=300,
        description="One file's analysis is stopped after this long: the file is reported as "
        "timed out (the check incomplete) and the other files are still analysed",
    )


# cppcheck checks up to 12 preprocessor configurations per file by default: on a library with
# many #ifdef variants (spdlog's bundled fmt) that multiplies its time by ten. One is the
# configuration the compilation database (or precheck.std and include_dirs) describes.
DEFAULT_MAX_CONFIGS = 1


class CppcheckPolicy(CheckPolicy):
    max_configs: int = Field(
        default=DEFAULT_MAX_CONFIGS,
        ge=1,
        le=100,
        description="cppcheck --max-configs: preprocessor configurations checked per file",
    )


def _formatting_policy() -> CheckPolicy:
    # Seed 2.2: fail the PR on formatting issues, so any violation blocks by default.
    return CheckPolicy(blocking=True, fail_on="note")


class ContractFile(Strict):
    path: str
    keys: list[str] = Field(
        default_factory=list, description="Dotted key paths that must exist (JSON/YAML files)"
    )


class TelemetryConfig(Strict):
    blocking: bool = True
    required: list[ContractFile] = Field(default_factory=list)


def _check_extension(value: str) -> str:
    if not re.fullmatch(r"\.[A-Za-z0-9_+.-]{1,15}", value):
        raise ValueError(f"{value!r} is not a file name ending such as '.cu'")
    return value


Extension = Annotated[str, AfterValidator(_check_extension)]


class PrecheckConfig(Strict):
    scope: Literal["all", "changed"] = "all"
    include: list[str] = Field(
        default_factory=lambda: [
            "**/*.c",
            "**/*.cc",
            "**/*.cpp",
            "**/*.cxx",
            "**/*.h",
            "**/*.hh",
            "**/*.hpp",
            "**/*.hxx",
        ]
    )
    exclude: list[str] = Field(default_factory=list)
    extra_extensions: list[Extension] = Field(
        default_factory=list,
        description="File name endings analysed besides the C/C++ ones (.c .cc .cpp .cxx .c++ "
        ".h .hh .hpp .hxx .h++ .ipp .inl .tpp), e.g. ['.cu']: a file an include glob matches "
        "is analysed only when its name ends with one of them",
    )
    include_dirs: list[str] = Field(
        default_factory=list, description="-I folders when no compile_commands.json exists"
    )
    std: str = "c++17"
    compile_commands: str | None = Field(
        default=None, description="Folder holding compile_commands.json (default: found)"
    )
    clang_format: CheckPolicy = Field(default_factory=_formatting_policy, alias="clang-format")
    cppcheck: CppcheckPolicy = Field(default_factory=CppcheckPolicy)
    clang_tidy: CheckPolicy = Field(default_factory=CheckPolicy, alias="clang-tidy")
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)

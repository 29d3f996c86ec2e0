"""The repository's ``.cipipe.yaml``: what the repo is, what it supports, and its policies."""

from __future__ import annotations

import re
import shlex
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field

from cipipe.contracts.base import Strict
from cipipe.contracts.numbers import TIMEOUT_MINUTES, Timeout
from cipipe.contracts.precheck_config import PrecheckConfig
from cipipe.errors import InputError
from cipipe.identifiers import AgentLabel, Name

# Platform names also make folders (build/<platform>) and artifact names: kept short.
PlatformName = Annotated[Name, Field(max_length=40)]
# {report} is where a coverage command writes its report; {cipipe_toolchains} the folder of the
# CMake toolchain files cipipe ships; the others name folders and the platform.
PLACEHOLDERS = frozenset({"source_dir", "build_dir", "platform", "report", "cipipe_toolchains"})
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


def _split_command(value: Any) -> Any:
    # YAML authors write commands as one string; we keep argv lists so nothing is re-parsed
    # by a shell later.
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"cannot split command {value!r}: {exc}") from None
    return value


def _check_placeholders(text: str) -> str:
    for name in _PLACEHOLDER_RE.findall(text):
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            raise ValueError(f"unknown placeholder {{{name}}} in {text!r} (known: {known})")
    return text


def _check_argv(argv: list[str]) -> list[str]:
    for arg in argv:
        _check_placeholders(arg)
    return argv


def _stay_inside(path: str) -> str:
    # Build folders and artifact globs are joined to the repository: none may leave it.
    parts = path.replace("\\", "/").split("/")
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":") or ".." in parts:
        raise ValueError(f"{path!r} leaves the repository")
    return _check_placeholders(path)


# A command as argv; a YAML string is split like a shell would, once, here.
Command = Annotated[list[str], BeforeValidator(_split_command), AfterValidator(_check_argv)]
Emulator = Annotated[list[str], BeforeValidator(_split_command)]
RepoPath = Annotated[str, AfterValidator(_stay_inside)]


class ToolchainConfig(Strict):
    compiler: str | None = Field(default=None, description="Default depends on the platform")
    version: str | None = Field(
        default=None,
        description="Exact version string the compiler reports; pins it (default: detected)",
    )
    c_compiler: str | None = None
    compile_flags: list[str] = Field(default_factory=list)
    linker_flags: list[str] = Field(default_factory=list)
    cmake_toolchain_file: str | None = None
    package: str | None = None


class SmokeConfig(Strict):
    """An integration smoke test (seed 5.2): start the built program, ask it one thing."""

    command: Command
    expect_exit: int = 0
    expect_output: str | None = Field(default=None, description="Text stdout must contain")
    timeout_seconds: Timeout = 60


class CoverageConfig(Strict):
    """An instrumented build of the same sources whose test run yields the coverage report."""

    build_dir: RepoPath = "build/coverage"
    compile_flags: list[str] = Field(default_factory=lambda: ["--coverage", "-O0"])
    linker_flags: list[str] = Field(default_factory=lambda: ["--coverage"])
    command: Command = Field(
        default_factory=lambda: [
            "gcovr",
            "--xml",
            "{report}",
            "--root",
            "{source_dir}",
            "{build_dir}",
        ],
        description="Writes a Cobertura XML or lcov report to {report}",
    )


class TestConfig(Strict):
    __test__ = False  # not a pytest test class

    runner: Literal["native", "emulator", "none"] | None = None
    emulator: Emulator | None = None
    commands: list[Command] | None = None
    smoke: SmokeConfig | None = None
    coverage: CoverageConfig | None = None


class BuildPolicy(Strict):
    commit: Literal["short", "full"] = Field(
        default="short", description="Commit form in artifact names"
    )
    short_length: int = Field(default=12, ge=7, le=40)
    require_reproducible: bool = Field(
        default=False, description="--check-reproducible exits 1 when an artifact differs"
    )
    timeout_minutes: float = Field(
        default=60, gt=0, le=TIMEOUT_MINUTES, description="Per build command"
    )
    compiler_cache: bool = Field(
        default=True,
        description="Compile through ccache when it is installed (never the reproducibility "
        "rebuild); false: every build compiles everything",
    )
    optional_platforms: list[PlatformName] = Field(
        default_factory=list,
        description="Platforms (from supports) whose failed, skipped or missing build only needs "
        "attention: the build gate passes without them and publish records them as missing",
    )


class TestPolicy(Strict):
    __test__ = False

    flaky_reruns: int = Field(default=2, ge=0, le=10, description="Reruns of failed tests")
    critical: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Globs over Suite.name; a failing test that matches fails the step",
    )
    timeout_minutes: float = Field(
        default=30, gt=0, le=TIMEOUT_MINUTES, description="Per test command"
    )


class PlatformConfig(Strict):
    os: str | None = None
    arch: str | None = None
    agent: AgentLabel | None = None
    toolchain: ToolchainConfig | None = None
    build_dir: RepoPath | None = None
    build: list[Command] | None = None
    tests: TestConfig = Field(default_factory=TestConfig)
    artifacts: list[RepoPath] | None = None


class SbomPolicy(Strict):
    vendored: RepoPath = Field(
        default="third_party/components.yaml",
        description="Declared vendored components (name, version, path, licence, purl, hash)",
    )
    fail_on_drift: bool = Field(
        default=False, description="Exit 1 when a vendored folder no longer matches its hash"
    )
    exclude: list[str] = Field(
        default_factory=list, description="Globs of manifests not to read (e.g. test fixtures)"
    )


class IgnoredVulnerability(Strict):
    """An accepted risk: explicit, explained and time-limited."""

    id: str
    reason: str = Field(min_length=1)
    expires: date
    package: str | None = Field(default=None, description="Only for this package")


SeverityName = Literal["critical", "high", "medium", "low", "unknown"]


def _critical_only() -> list[SeverityName]:
    return ["critical"]


class ScanPolicy(Strict):
    block_on: list[SeverityName] = Field(
        default_factory=_critical_only, description="Severities that fail the scan"
    )
    ignore: list[IgnoredVulnerability] = Field(default_factory=list)
    osv_db: str | None = Field(default=None, description="Offline OSV folder (or --osv-db)")


class ModuleRule(Strict):
    glob: str = Field(description="Path glob, e.g. 'src/net/**'")
    module: str


class HistoryPolicy(Strict):
    modules: list[ModuleRule] = Field(
        default_factory=list,
        description="First matching glob names a file's module; default: its top-level folder",
    )
    failure_window_days: int | None = Field(
        default=180, ge=1, description="Past builds counted for the failure rate; null: all"
    )


GateName = Literal[
    "build",
    "unit-tests",
    "integration-smoke",
    "static-analysis",
    "formatting",
    "security",
    "coverage",
    "reproducibility",
]
GATE_NAMES: tuple[GateName, ...] = get_args(GateName)


def _all_gates() -> list[GateName]:
    return list(GATE_NAMES)


class GatePolicy(Strict):
    """Which gates block integration (seed 11); a failing gate that is not mandatory only makes
    the verdict needs-attention."""

    mandatory: list[GateName] = Field(
        default_factory=_all_gates, description="Gates whose failure (or missing report) rejects"
    )
    coverage_max_drop: float = Field(
        default=1.0,
        ge=0,
        le=100,
        description="Line coverage may drop this many points before the coverage gate fails; "
        "a smaller drop needs attention",
    )


class NotifyConfig(Strict):
    channel: str | None = Field(
        default=None, description="Slack channel for build messages (or --channel / SLACK_CHANNEL)"
    )


class RepoConfig(Strict):
    """``.cipipe.yaml``. Unknown keys are errors: a misspelt policy must not be ignored."""

    SCHEMA_NAME: ClassVar[str] = "config"
    FILE_NAME: ClassVar[str] = ".cipipe.yaml"
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    version: Literal[1] = 1
    service: Name
    kind: Literal["service", "user-space", "firmware", "driver"] = "service"
    criticality: Literal["low", "normal", "high", "critical"] = "normal"
    default_branch: str = "main"
    supports: list[PlatformName] = Field(min_length=1)
    # additionalProperties: a JSON Schema validator would let a key the pattern refuses pass.
    agents: dict[PlatformName, AgentLabel] = Field(
        default_factory=dict,
        description="platform -> agent label",
        json_schema_extra={"additionalProperties": False},
    )
    platforms: dict[PlatformName, PlatformConfig] = Field(
        default_factory=dict, json_schema_extra={"additionalProperties": False}
    )
    precheck: PrecheckConfig = Field(default_factory=PrecheckConfig)
    build: BuildPolicy = Field(default_factory=BuildPolicy)
    test: TestPolicy = Field(default_factory=TestPolicy)
    sbom: SbomPolicy = Field(default_factory=SbomPolicy)
    scan: ScanPolicy = Field(default_factory=ScanPolicy)
    history: HistoryPolicy = Field(default_factory=HistoryPolicy)
    gate: GatePolicy = Field(default_factory=GatePolicy)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)


def load_repo_config(path: Path) -> RepoConfig:
    from cipipe.contracts.loading import load_yaml, validate_data

    if not path.is_file():
        raise InputError(
            "file not found",
            file=str(path),
            expected="a .cipipe.yaml naming the service and the platforms it supports",
        )
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(
            f"top level is {type(data).__name__}", file=str(path), expected="a mapping of settings"
        )
    config = validate_data(RepoConfig, data, str(path))
    _check_optional_platforms(config, str(path))
    return config


def _check_optional_platforms(config: RepoConfig, file: str) -> None:
    # An optional platform the repository does not support is a typo that would silently
    # make nothing optional.
    for index, name in enumerate(config.build.optional_platforms):
        if name not in config.supports:
            raise InputError(
                f"{name!r} is not a supported platform",
                file=file,
                field=f"build.optional_platforms[{index}]",
                expected="a platform listed under supports: " + ", ".join(config.supports),
            )

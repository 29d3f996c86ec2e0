"""artifacts.json: what each platform build produced, its checksums and environment (seed 4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Amount, Count
from cipipe.identifiers import ArtifactName, BuildIdText, Name


class CompilerFound(Strict):
    executable: str
    path: str
    version: str


class BuildEnvironment(Strict):
    """Enough to rebuild the artifact, and nothing secret (environment from an allow-list)."""

    os: str
    machine: str
    cipipe_version: str
    compiler: CompilerFound
    compile_flags: list[str]
    linker_flags: list[str]
    source_date_epoch: int
    env: dict[str, str] = Field(description="Allow-listed environment variables only")


class CompilerCacheUse(Strict):
    """What the compiler cache did for this platform's build (not its reproducibility rebuild,
    which never uses it): counted from a stats log of this build alone."""

    tool: Literal["ccache"]
    cache_dir: str | None = Field(
        default=None, description="$CIPIPE_CACHE_DIR/ccache; null: the tool's own default"
    )
    hits: Count = Field(description="Compilations answered from the cache")
    misses: Count = Field(description="Compilations that ran the compiler (and filled the cache)")
    uncacheable: Count = Field(
        default=0, description="Calls the cache cannot answer: links, unsupported options"
    )


class PlatformBuild(Strict):
    platform: Name
    status: Literal["built", "failed", "skipped"]
    reason: str | None = None
    duration_seconds: Amount = 0.0
    build_dir: str | None = None
    log: str | None = Field(default=None, description="Build log, relative to the work folder")
    environment: BuildEnvironment | None = None
    compiler_cache: CompilerCacheUse | None = Field(
        default=None,
        description="null: compiled without a cache (ccache not installed, or "
        ".cipipe.yaml build.compiler_cache false)",
    )


class Artifact(Strict):
    name: ArtifactName = Field(description="<service>-<platform>-<commit>-<buildId>[.ext]")
    platform: Name
    path: str = Field(description="Relative to the work folder")
    built_as: str = Field(description="The file the build produced, relative to the repository")
    size: Count
    sha256: str
    sha1: str
    md5: str
    mtime_ns: int | None = Field(
        default=None,
        ge=0,
        description="The file's modification time (ns since the epoch) when it was hashed: "
        "publish reuses the digests above while size and mtime are unchanged. Compared exactly "
        "by cipipe only (above 2**53: a JavaScript reader may round it)",
    )


class Reproducibility(Strict):
    checked: bool
    required: bool
    differing: list[str] = Field(
        default_factory=list, description="Artifacts whose second build gave other bytes"
    )


class Artifacts(Contract):
    SCHEMA_NAME = "artifacts"
    FILE_NAME = "artifacts.json"

    service: Name
    commit: str
    build_id: BuildIdText
    build_id_source: Literal["flag", "jenkins", "counter"]
    platforms: list[PlatformBuild]
    artifacts: list[Artifact]
    reproducibility: Reproducibility
    checksums_file: str = "SHA256SUMS"

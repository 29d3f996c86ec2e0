"""The bundle spec (``bundle.yaml``) and the manifest of a resolved bundle (seed 9)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Count, Timeout
from cipipe.contracts.repo_config import Command
from cipipe.identifiers import BuildIdText, Name


class MemberSpec(Strict):
    service: Name
    platform: Name | None = Field(default=None, description="Only this platform's artifacts")
    branch: str | None = Field(default=None, description="Built from this branch")
    min_build: Count | None = Field(default=None, description="Build number at least this")
    properties: dict[str, str] = Field(
        default_factory=dict, description="Store properties that must match, e.g. compat.abi: '3'"
    )


class BundleSpec(Strict):
    SCHEMA_NAME: ClassVar[str] = "bundle-spec"

    bundle: Name
    members: list[MemberSpec] = Field(min_length=1)
    smoke: Command | None = Field(
        default=None, description="Integration smoke test, run in the folder of the members"
    )
    smoke_timeout_seconds: Timeout = 300


class BundleMember(Strict):
    service: Name
    build_id: BuildIdText
    platform: Name | None
    path: str = Field(description="Path in the store's repository")
    sha256: str


class SmokeReport(Strict):
    command: list[str]
    exit_code: int | None
    passed: bool
    output: str


class BundleManifest(Contract):
    SCHEMA_NAME = "bundle-manifest"
    FILE_NAME = "manifest.json"

    bundle: Name
    build_id: BuildIdText
    members: list[BundleMember]
    verified: Literal[True] = Field(description="Every member's sha256 checked after download")
    smoke: SmokeReport | None
    store_path: str = Field(description="<bundle>/<buildId>/manifest.json in the store")

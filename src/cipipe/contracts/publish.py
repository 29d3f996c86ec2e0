"""publish.json: what went to the artifact store, and in which state it ended (seed 8)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Count
from cipipe.identifiers import BuildIdText, Name


class PublishedFile(Strict):
    path: str = Field(description="Path in the repository")
    url: str
    platform: Name | None = Field(description="null for the build's attachments")
    sha256: str
    size: Count
    bytes_sent: Count
    skipped_by_checksum: bool = Field(description="The store had the content: no byte sent")
    attempts: Count


class PublishReport(Contract):
    SCHEMA_NAME = "publish"
    FILE_NAME = "publish.json"

    store: str = Field(description="Where the store is (no credentials)")
    service: Name
    build_id: BuildIdText
    state: Literal["candidate"] = Field(
        description="Set on every file only after all were uploaded and verified"
    )
    files: list[PublishedFile]
    missing_platforms: list[Name] = Field(
        default_factory=list,
        description="Optional platforms (build.optional_platforms) that did not build: the "
        "candidate was published without them (also cipipe.missing_platforms on build-info.json)",
    )
    bytes_sent: Count
    files_skipped: Count

"""deps_changed.json: dependencies added, removed or updated against a baseline SBOM (seed 6.2)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cipipe.contracts.base import Contract, Strict
from cipipe.contracts.numbers import Count


class ChangedDependency(Strict):
    key: str = Field(description="purl without version (or the name), what identifies it")
    name: str
    purl: str | None = None
    version: str | None = None
    previous_version: str | None = None


class VendoredDrift(Strict):
    name: str
    path: str
    recorded: str = Field(description="The hash the components file records")
    actual: str | None = Field(
        description="The hash now (a folder's tree hash, a file's sha256); null only in files "
        "of versions that accepted a missing path, which is now an error"
    )


class DepsChanged(Contract):
    SCHEMA_NAME = "deps-changed"
    FILE_NAME = "deps_changed.json"

    baseline: str | None = Field(description="The baseline SBOM compared with; null: none")
    status: Literal["compared", "no-baseline"] = Field(
        description="no-baseline means unknown, never 'nothing changed'"
    )
    added: list[ChangedDependency] = Field(default_factory=list)
    removed: list[ChangedDependency] = Field(default_factory=list)
    updated: list[ChangedDependency] = Field(default_factory=list)
    components: Count = Field(description="Components in the new SBOM")
    vendored_drift: list[VendoredDrift] = Field(default_factory=list)

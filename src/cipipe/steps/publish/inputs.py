"""What publish reads from the work folder, every part checked before the store is contacted.

A publish that fails on its inputs must fail before its first request, so that it never leaves
files behind in the store; the names that become store paths and properties (service, build id,
platforms) are held to ``cipipe.identifiers`` here even when the contract admits more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import BuildInfo
from cipipe.contracts.loading import load_json
from cipipe.errors import InputError
from cipipe.identifiers import check_build_id, check_name
from cipipe.workdir import WorkDir

JFROG_FILE = "build-info.jfrog.json"


@dataclass(frozen=True)
class PublishInputs:
    info: BuildInfo
    artifacts: Artifacts | None
    jfrog_build_info: dict[str, Any] | None  # None when build-info wrote none


def read_inputs(work: WorkDir) -> PublishInputs:
    """build-info.json, artifacts.json and build-info.jfrog.json, checked against each other."""
    info = work.read(BuildInfo, produced_by="build-info")
    where = str(work.file(BuildInfo.FILE_NAME))
    check_name(info.service, file=where, field="service")
    check_build_id(info.build_id, file=where, field="build_id")
    artifacts = work.read_optional(Artifacts)
    if artifacts is not None:
        _check_artifacts(artifacts, info, str(work.file(Artifacts.FILE_NAME)))
    jfrog = work.file(JFROG_FILE)
    # lexists: a folder or FIFO in its place is an error (load_json says so), not "none".
    document = _jfrog_document(jfrog, info) if os.path.lexists(jfrog) else None
    return PublishInputs(info, artifacts, document)


def _check_artifacts(artifacts: Artifacts, info: BuildInfo, where: str) -> None:
    for field, value, wanted in (
        ("service", artifacts.service, info.service),
        ("build_id", artifacts.build_id, info.build_id),
    ):
        if value != wanted:
            raise InputError(
                f"got {value!r}",
                file=where,
                field=field,
                expected=f"{wanted!r} as in build-info.json (both from the same build)",
            )
    for index, artifact in enumerate(artifacts.artifacts):
        check_name(artifact.platform, file=where, field=f"artifacts[{index}].platform")


def _jfrog_document(path: Path, info: BuildInfo) -> dict[str, Any]:
    """The JFrog build-info document, naming this build: it is sent as it is."""
    document = load_json(path)
    if not isinstance(document, dict):
        raise InputError(
            f"top level is {type(document).__name__}", file=str(path), expected="a JSON object"
        )
    for field, wanted in (("name", info.service), ("number", info.build_id)):
        if document.get(field) != wanted:
            raise InputError(
                f"got {document.get(field)!r}",
                file=str(path),
                field=field,
                expected=f"{wanted!r} as in build-info.json",
            )
    return document

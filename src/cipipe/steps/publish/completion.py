"""The completion marker: how a reader proves that a build in the store is whole.

A publish can stop anywhere: a store error, a SIGTERM from Jenkins, a SIGKILL, a power cut. So
``state=candidate`` on a file says nothing about its siblings, and a reader must not trust it
alone. Instead every file of a publish carries the same *file-set digest* from its upload on,
and the last request of a publish writes that digest once more as the completion marker:

``cipipe.fileset=<D>``
    on every file the publish uploaded (set with the upload itself, so it costs nothing).
``cipipe.complete=<D>``
    on ``<service>/<buildId>/build-info.json``, set in the very last request of the publish,
    together with that file's ``state=candidate``: nothing is written after it.

``D`` is the sha256 (hex) of the lines ``<path> <sha256>\\n`` of every file of the build, sorted
by byte value (``LC_ALL=C sort``), paths relative to the repository, so anyone can recompute it
with a shell. A reader (``require_complete``, the one reader bundle, checklist and
decide-strategy share) asks the store for the build's folder in one search and accepts the
build only when:

- the marker is there,
- the files tagged with its digest are exactly a set whose digest it is (one missing, added or
  changed file changes the digest),
- none of them is still ``state=uploading`` (a rerun in progress, or a marking that failed), and
- when the reader has ``publish.json``, the files it lists give the same digest too (the work
  folder and the store describe the same build).

Files a later step attaches beside the build (``risk-decision.json``) carry no file-set tag and
are not part of it. The marker proves completeness against accidents and interruptions, not
against someone with write access to the store: they can set any property (the audit chain,
not this marker, is what proves who decided what).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from cipipe.adapters.artifact_store.interface import (
    ArtifactStore,
    StoredFile,
    StorePathError,
    join_path,
)
from cipipe.errors import RefusedError

FILESET_PROPERTY = "cipipe.fileset"
COMPLETE_PROPERTY = "cipipe.complete"
MARKER_NAME = "build-info.json"
UPLOADING = "uploading"


class IncompleteCandidate(RefusedError):
    """The store does not prove the build complete: the answer is no (exit 1)."""


def fileset_digest(files: Iterable[tuple[str, str]]) -> str:
    """sha256 of the sorted ``<path> <sha256>`` lines of ``files`` (path, sha256 pairs)."""
    lines = []
    for path, sha256 in files:
        if "\n" in path or "\r" in path:
            # One line per file is what makes the digest unambiguous.
            raise StorePathError(f"store path {path!r} has a line break")
        lines.append(f"{path} {sha256}\n".encode())
    return hashlib.sha256(b"".join(sorted(lines))).hexdigest()


def marker_path(service: str, build_id: str) -> str:
    return join_path(service, build_id, MARKER_NAME)


def _one(stored: StoredFile, key: str) -> str | None:
    values = stored.properties.get(key, ())
    return values[0] if len(values) == 1 else None


def require_complete(
    store: ArtifactStore,
    service: str,
    build_id: str,
    expected: Sequence[tuple[str, str]] | None = None,
) -> list[StoredFile]:
    """The files of build ``service``/``build_id`` when the store proves it complete (see the
    module docstring); ``expected``: the (path, sha256) pairs publish.json lists, when the
    caller has it. Raises ``IncompleteCandidate`` naming what is wrong, ``StoreError`` when the
    store cannot be asked."""
    build = f"{service}/{build_id} in {store.location}"
    rerun = "rerun `cipipe publish` to finish it"
    marker = marker_path(service, build_id)
    found = store.search({}, join_path(service, build_id) + "/")
    carrier = next((f for f in found if f.path == marker), None)
    digest = _one(carrier, COMPLETE_PROPERTY) if carrier is not None else None
    if not digest:  # absent, or cleared (a store interface cannot delete a property)
        raise IncompleteCandidate(
            f"{build} is not a complete candidate: no completion marker "
            f"({COMPLETE_PROPERTY} on {marker}), so its publish did not finish; {rerun}"
        )
    members = sorted(
        (f for f in found if _one(f, FILESET_PROPERTY) == digest), key=lambda f: f.path
    )
    if fileset_digest((f.path, f.sha256) for f in members) != digest:
        raise IncompleteCandidate(
            f"{build} is not a complete candidate: the {len(members)} file(s) tagged with its "
            f"completion marker {digest[:12]}… are not the file set it names (a file is "
            f"missing, added or changed); {rerun}"
        )
    uploading = [f.path for f in members if UPLOADING in f.properties.get("state", ())]
    if uploading:
        more = f" and {len(uploading) - 1} more file(s) are" if len(uploading) > 1 else " is"
        raise IncompleteCandidate(
            f"{build} is not a complete candidate: {uploading[0]}{more} still "
            f"state={UPLOADING}; {rerun}"
        )
    if expected is not None and fileset_digest(expected) != digest:
        raise IncompleteCandidate(
            f"{build}: publish.json lists other files than the store's completion marker names "
            f"(publish.json is from another publish of this build); {rerun}"
        )
    return members

"""The SHA256SUMS publish attaches to a candidate: it names each artifact as the candidate's
folder holds it, ``<platform>/<name>``, so ``sha256sum -c SHA256SUMS`` checks out in
``<repository>/<service>/<buildId>/`` of the store, or of a download of it (``jf rt download``
keeps the paths below the folder it is given). The work folder's own SHA256SUMS (`cipipe build`,
`cipipe collect`) names ``artifacts/<platform>/<name>`` and checks out in the work folder; it
is never uploaded. Lines are GNU sha256sum's own (``cipipe.digests.sha256sums_line``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from cipipe.adapters.artifact_store.interface import LocalFile
from cipipe.contracts.artifacts import Artifact
from cipipe.digests import HASH_NAMES, sha256sums_line
from cipipe.fileio import atomic_write_bytes

CHECKSUMS = "SHA256SUMS"
# The candidate's SHA256SUMS, staged in the work folder: the file uploaded.
CANDIDATE_CHECKSUMS = f"publish/{CHECKSUMS}"


def candidate_checksums(artifacts: Sequence[Artifact]) -> str:
    """The candidate's SHA256SUMS: one line per artifact, ``<platform>/<name>``."""
    return "".join(sha256sums_line(a.sha256, f"{a.platform}/{a.name}") for a in artifacts)


def stage_candidate_checksums(
    workdir: Path, artifacts: Sequence[Artifact], *, write: bool
) -> LocalFile:
    """The candidate's SHA256SUMS as the file to upload, written into the work folder when
    ``write`` (the same bytes on a rerun, so the store's checksum deploy sends nothing again)."""
    data = candidate_checksums(artifacts).encode("utf-8")
    path = workdir / CANDIDATE_CHECKSUMS
    if write:
        atomic_write_bytes(path, data, root=workdir)
    # As digest_file: md5 and sha1 identify the file and sign nothing (FIPS machines allow it).
    digests = [hashlib.new(n, data, usedforsecurity=False).hexdigest() for n in HASH_NAMES]
    return LocalFile(path, len(data), *digests)


def candidate_checksums_sha256(artifacts: Sequence[Artifact]) -> str:
    """The sha256 of the candidate's SHA256SUMS for ``artifacts``: what the store must hold."""
    return hashlib.sha256(candidate_checksums(artifacts).encode("utf-8")).hexdigest()

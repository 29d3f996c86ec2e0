"""Each file's digests for the publish: artifacts.json's own, while the file is the one built.

`cipipe build` hashed every artifact when it wrote it (size, sha256, sha1, md5) and recorded
its size and mtime (``mtime_ns``) beside the digests. Hashing gigabytes again at publish would
double that cost for nothing, so an artifact whose size and mtime are still those recorded is
published with the recorded digests. One whose mtime changed (touched, copied, rewritten) is
hashed again: the same bytes are published as they are, other bytes are a different artifact
from the one the build, its tests and its scan described, and the publish is refused (exit 1,
naming the file), as it is at once for another size. An artifacts.json without ``mtime_ns``
(an older cipipe) gets every artifact hashed and compared the same way.

Size and mtime catch a file changed by accident or by a later step, as make and rsync do; they
do not prove the bytes against someone who rewrites a file and resets its mtime. The store's
checksum deploy and the verify phase of ``upload`` compare what the store holds with these
digests, and the audit chain, not this check, is what proves who decided what.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cipipe.adapters.artifact_store.interface import LocalFile
from cipipe.contracts.artifacts import Artifact
from cipipe.digests import digest_file
from cipipe.errors import InputError, RefusedError

log = logging.getLogger("cipipe.publish")


def local_path(workdir: Path, relative: str) -> Path:
    """The file ``relative`` names in the work folder; InputError when it leaves the folder or
    is not a file."""
    path = (workdir / relative).resolve()
    if not path.is_relative_to(workdir.resolve()):
        raise InputError(
            f"{relative!r} is outside the work folder",
            file="artifacts.json",
            expected="artifacts under the work folder",
        )
    if not path.is_file():
        raise InputError(
            "file not found",
            file=str(workdir / relative),
            expected="the artifact `cipipe build` wrote",
        )
    return path


def hashed_file(workdir: Path, relative: str) -> LocalFile:
    """A file artifacts.json does not describe (build-info.json, the reports): hashed now."""
    path = local_path(workdir, relative)
    digests = digest_file(path)
    return LocalFile(path, digests.size, digests.sha256, digests.sha1, digests.md5)


def artifact_file(workdir: Path, artifact: Artifact) -> LocalFile:
    """The artifact with artifacts.json's digests, hashed again only when its mtime (or an
    older artifacts.json) gives reason to; RefusedError when its bytes are not the ones built."""
    path = local_path(workdir, artifact.path)
    recorded = LocalFile(path, artifact.size, artifact.sha256, artifact.sha1, artifact.md5)
    found = path.stat()
    if found.st_size != artifact.size:
        raise _changed(path, f"{found.st_size} bytes where the build wrote {artifact.size}")
    if artifact.mtime_ns is not None and found.st_mtime_ns == artifact.mtime_ns:
        return recorded
    digests = digest_file(path)
    now = LocalFile(path, digests.size, digests.sha256, digests.sha1, digests.md5)
    if now != recorded:
        raise _changed(path, f"sha256 {digests.sha256} where the build wrote {artifact.sha256}")
    log.info("%s: modified since the build but the same bytes (hashed again)", path)
    return recorded


def _changed(path: Path, what: str) -> RefusedError:
    return RefusedError(
        f"{path} changed after the build ({what}): it is not the artifact artifacts.json, the "
        "tests and the scan describe, so it is not published; rebuild to publish new bytes"
    )

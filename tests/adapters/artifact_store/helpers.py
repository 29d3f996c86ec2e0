"""What the artifact store tests share: the token the fake jf is given, a local file to upload."""

from __future__ import annotations

from pathlib import Path

from cipipe.adapters.artifact_store.interface import LocalFile
from cipipe.digests import digest_file

SECRET = "s3cr3t-token-value"


def local_file(path: Path, content: bytes) -> LocalFile:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    d = digest_file(path)
    return LocalFile(path=path, size=d.size, sha256=d.sha256, sha1=d.sha1, md5=d.md5)

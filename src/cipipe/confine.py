"""Where a path really leads: the repository's files are read only when they lie inside it.

A commit can hold a symbolic link to anywhere on the agent (``go.mod -> /etc/shadow``). A step
that read it would quote the target's bytes in a parse error or a finding, in a build log that
the commit's author can read. A link that stays inside the repository is fine: what it reaches
is the repository's own content.
"""

from __future__ import annotations

import os
from pathlib import Path

from cipipe.errors import LinkRefusedError


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, every link followed, is ``folder`` or lies below it."""
    real = Path(os.path.realpath(path))
    return real == Path(os.path.realpath(folder)) or real.is_relative_to(os.path.realpath(folder))


def repository_file(repo: Path, relative: str, *, leave_out: str) -> Path:
    """``repo/relative``, refused (exit 2) when a link takes it outside the repository.

    ``leave_out`` says how to skip the file instead (the setting that excludes it)."""
    path = repo / relative
    if not inside(path, repo):
        raise LinkRefusedError(
            "is a symbolic link that leads outside the repository",
            file=relative,
            expected=f"a file inside the repository, or the file left out with {leave_out}",
        )
    return path

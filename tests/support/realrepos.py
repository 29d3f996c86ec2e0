"""Where the real C++ repositories are (git bundles of yaml-cpp and spdlog; tests/real reads them).

``CIPIPE_REAL_REPOS`` if set, else the first ``shared/repos`` in a folder above the checkout
(beside it on a developer's machine; CI clones the repository deeper, so the walk goes on up
to /), as `.ci/find-jit-data` does for the JIT data.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
BUNDLES = {"yaml-cpp": "master", "spdlog": "main"}


def real_repos_dir(env: Mapping[str, str] = os.environ) -> Path | None:
    if env.get("CIPIPE_REAL_REPOS"):
        return Path(env["CIPIPE_REAL_REPOS"])
    for folder in REPO_ROOT.parents:  # bounded: one step per path component
        candidate = folder / "shared" / "repos"
        if candidate.is_dir():
            return candidate
    return None


def missing_reason(*names: str, env: Mapping[str, str] = os.environ) -> str | None:
    """Why the bundles of ``names`` cannot be read here, or None when all are there."""
    folder = real_repos_dir(env)
    if folder is None:
        return "no shared/repos above the checkout and CIPIPE_REAL_REPOS is unset"
    absent = [n for n in names if not (folder / f"{n}.bundle").is_file()]
    if absent:
        return f"{', '.join(a + '.bundle' for a in absent)} not in {folder} (set CIPIPE_REAL_REPOS)"
    return None


def clone(name: str, dest: Path) -> Path:
    """A working copy of bundle ``name`` at ``dest`` (the bundle itself is never changed)."""
    folder = real_repos_dir()
    assert folder is not None, missing_reason(name)
    subprocess.run(
        ["git", "clone", "--quiet", "-b", BUNDLES[name], str(folder / f"{name}.bundle"), str(dest)],
        check=True,
        timeout=300,
    )
    return dest

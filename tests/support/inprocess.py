"""cipipe run in this process, for the tests that need only its exit code (the files it wrote
are what they check)."""

from __future__ import annotations

import os

from cipipe.cli import run


def cipipe(*argv: str | os.PathLike[str]) -> int:
    return run([os.fspath(a) for a in argv])

"""The command line: ``main()`` for the console script, ``run(argv) -> int`` for tests."""

from __future__ import annotations

import sys

# Not typing.TYPE_CHECKING: importing typing would double the start-up of `cipipe --help`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def run(argv: Sequence[str]) -> int:
    """Run cipipe with ``argv`` (without the program name) and return its exit code."""
    args = list(argv)
    if args in ([], ["--help"], ["-h"]):
        from cipipe.cli.help import render_help

        # No command at all is bad usage (exit 2), but the help is still what a person wants.
        (sys.stdout if args else sys.stderr).write(render_help())
        return 0 if args else 2
    from cipipe.cli.app import invoke

    return invoke(args)


def main() -> int:
    return run(sys.argv[1:])

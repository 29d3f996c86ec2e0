"""The documented exit codes and what each means: the one table ``ExitCode``, ``cipipe --help``
and the README's "Exit codes" section are held to (tests/cli/test_exit_code_table.py).

Plain data with no imports, because ``cipipe --help`` renders it and must start as fast as
Python does (importing ``enum`` alone would cost more than rendering the whole help).
"""

from __future__ import annotations

# code -> (the ExitCode member's name, its meaning as the help and the README show it)
EXIT_CODE_TABLE: dict[int, tuple[str, str]] = {
    0: (
        "OK",
        "the step did its work (for gate: the verdict is passed or needs-attention)",
    ),
    1: (
        "REJECTED",
        "the step did its work and the answer is no: a gate rejected, a blocking finding,"
        " a platform that did not build (publish), a build the gate rejected"
        " (publish, decide-strategy)",
    ),
    2: (
        "BAD_INPUT",
        "bad usage or bad input: the message names the file, the field and what was expected",
    ),
    3: (
        "OUTSIDE_FAILURE",
        "an outside system failed after retries (Artifactory, Slack, GitHub, database),"
        " or the disk is full (disk full writing PATH)",
    ),
    4: (
        "BUG",
        "a bug in cipipe (the only case that may print a traceback, and only with --debug)",
    ),
}

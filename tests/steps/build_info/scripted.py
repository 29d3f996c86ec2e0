"""A small scripted history shared by the change-metrics tests: three authors, a rename, a
binary file, a deletion and a merged side branch, every commit an hour after the last."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.gitrepo import BASE_TIME, GitRepoBuilder

ADA = ("Ada Lovelace", "ada@example.com")
BOB = ("Bob Kahn", "bob@example.com")
CY = ("Cy Young", "Cy@Example.com")  # mixed case: emails are matched case-insensitively
HOUR = 3600
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01"


def t(tick: int) -> int:
    """The time of the tick-th commit, as GitRepoBuilder stamps it."""
    return BASE_TIME + tick * HOUR


@dataclass(frozen=True)
class History:
    repo: Path
    c: dict[int, str]  # commit number (= tick) -> sha; 9 is the merge


def build(builder: GitRepoBuilder) -> History:
    c: dict[int, str] = {}
    c[1] = builder.commit(
        "Initial import",
        {
            "src/app.c": "a1\na2\na3\na4\n",
            "src/util.c": "u1\nu2\n",
            "docs/guide.md": "g1\ng2\ng3\n",
            "README": "readme\n",
        },
        author=ADA,
    )
    c[2] = builder.commit(
        "Add parser",
        {"src/parse.c": "p1\np2\np3\n", "src/app.c": "a1\na2\na3\na4\na5\n"},
        author=BOB,
    )
    c[3] = builder.commit("Fix crash in util", {"src/util.c": "u1\nU2\n"}, author=ADA)
    c[4] = builder.commit("Document parser", {"docs/guide.md": "g1\ng2\ng3\ng4\ng5\n"}, author=BOB)
    (builder.root / "src/util.c").unlink()
    (builder.root / "docs/guide.md").unlink()
    c[5] = builder.commit(
        "Rework app and move util",
        {"src/app.c": "a1\nA2\na3\na4\na5\na6\n", "lib/util.c": "u1\nU2\n", "logo.png": PNG},
        author=CY,
    )
    c[6] = builder.commit(
        "Fix off-by-one in parser (issue #12)",
        {"src/parse.c": "p1\np2\np3\np4\n", "lib/util.c": "u1\nU2\nu3"},
        author=ADA,
    )
    builder.git("checkout", "-q", "-b", "side")
    c[7] = builder.commit("Speed up parse", {"src/parse.c": "p1\np2\nP3\np4\n"}, author=BOB)
    c[8] = builder.commit("bugfix: logo colours", {"logo.png": PNG + b"\x01"}, author=BOB)
    builder.git("checkout", "-q", "main")
    stamp = f"{t(9)} +0000"
    env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    builder.git("merge", "-q", "--no-ff", "side", "-m", "Merge side", env=env)
    c[9] = builder.head()
    return History(builder.root, c)

"""docs/ARCHITECTURE.md stays true: every path it names exists, and the README links it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO_ROOT

DOC = REPO_ROOT / "docs" / "ARCHITECTURE.md"

# A path is a backquoted run of path characters holding a slash or ending in a file suffix;
# commands (`cipipe schema --write schemas`) and names (`atomic_write_*`) hold other characters.
_PATH = re.compile(r"`([\w.-]+/[\w./-]*|[\w.-]+\.(?:py|md|yaml))`")


def named_paths(text: str) -> list[str]:
    return sorted(set(_PATH.findall(text)))


def test_the_document_names_the_files_to_copy() -> None:
    paths = named_paths(DOC.read_text(encoding="utf-8"))
    # So that a pattern matching nothing cannot make the next test pass on an empty list.
    for expected in (
        "src/cipipe/cli/spec.py",
        "tests/support/slackserver.py",
        "src/cipipe/formats/",
    ):
        assert expected in paths


@pytest.mark.parametrize("path", named_paths(DOC.read_text(encoding="utf-8")))
def test_every_named_path_exists(path: str) -> None:
    target = REPO_ROOT / path
    assert target.is_dir() if path.endswith("/") else target.is_file(), (
        f"docs/ARCHITECTURE.md names {path}, which is not in the repository"
    )


def test_the_readme_links_the_document() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    development = readme.split("\n## Development\n", 1)[1]
    assert "(docs/ARCHITECTURE.md)" in development.split("\n## ", 1)[0]

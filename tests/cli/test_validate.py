"""cipipe validate: every file given is checked and gets its line; JFrog's build-info too."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from tests.contracts.samples import sample_source

Cli = Callable[..., CliResult]


def jfrog_document() -> dict[str, Any]:
    """What build-info writes for one platform with one artifact (steps/build_info/jfrog.py)."""
    from cipipe.steps.build_info.jfrog import jfrog_time

    return {
        "version": "1.0.1",
        "name": "svc",
        "number": "12",
        "started": jfrog_time(datetime(2026, 1, 2, 10, 0).astimezone()),
        "durationMillis": 1500,
        "agent": {"name": "Jenkins", "version": "2.440"},
        "buildAgent": {"name": "cipipe", "version": "1.0"},
        "vcs": [{"url": "", "revision": "a" * 40, "branch": "main", "message": "fix"}],
        "modules": [
            {
                "id": "svc:linux",
                "type": "generic",
                "artifacts": [
                    {
                        "name": "svc-linux-abc-12.tar.gz",
                        "type": "gz",
                        "path": "candidates/svc/12/linux/svc-linux-abc-12.tar.gz",
                        "sha1": "b" * 40,
                        "sha256": "c" * 64,
                        "md5": "d" * 32,
                    }
                ],
            }
        ],
        "properties": {"buildInfo.env.BUILD_NUMBER": "12"},
        "url": "https://ci.example.com/job/svc/12/",
    }


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def test_every_file_is_checked_and_reported_in_order(cli: Cli, tmp_path: Path) -> None:
    good = tmp_path / "source.json"
    good.write_text(sample_source().to_json())
    broken = write_json(tmp_path / "precheck.json", {"schema": "cipipe.precheck/1", "x": 1})
    missing = tmp_path / "matrix.json"
    jfrog = write_json(tmp_path / "build-info.jfrog.json", jfrog_document())
    result = cli("validate", good, broken, missing, jfrog)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{good}: valid cipipe.source/1",
        f"{jfrog}: valid JFrog build-info 1.0.1",
    ]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and "Traceback" not in result.stderr
    assert errors[0].startswith(f"cipipe: error: {broken}: ")
    assert errors[1] == f"cipipe: error: {missing}: file not found"


def test_all_valid_is_exit_0(cli: Cli, tmp_path: Path) -> None:
    one = write_json(tmp_path / "build-info.jfrog.json", jfrog_document())
    renamed = write_json(tmp_path / "jfrog-12.json", jfrog_document())  # known by its shape
    result = cli("validate", one, renamed)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("valid JFrog build-info 1.0.1\n") == 2 and result.stderr == ""


def _set(document: dict[str, Any], dotted: str, value: object) -> dict[str, Any]:
    target: Any = document
    *path, last = dotted.split(".")
    for key in path:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return document


DELETE = object()


@pytest.mark.parametrize(
    ("dotted", "value", "needles"),
    [
        ("started", "2026-01-02 10:00:00", ["started:", "pattern"]),
        ("durationMillis", -1, ["durationMillis:", "greater than or equal to 0"]),
        ("number", DELETE, ["number: required field is missing"]),
        ("version", "2.0.0", ["version:"]),
        ("name", "svc/../x", ["name:"]),  # the service: a store path is made of it
        ("number", "12 13", ["number:"]),
        ("modules.0.artifacts.0.sha1", "B" * 40, ["modules[0].artifacts[0].sha1:"]),
        ("modules.0.artifacts.0.md5", DELETE, ["modules[0].artifacts[0].md5: required"]),
        ("modules.0.artifact", [], ["modules[0].artifact: unknown field"]),
        ("durationMilis", 3, ["durationMilis: unknown field"]),
        ("properties", {"a": 1}, ["properties.a:", "expected a valid string"]),
    ],
)
def test_jfrog_build_info_errors_name_the_field(
    cli: Cli, tmp_path: Path, dotted: str, value: object, needles: list[str]
) -> None:
    path = write_json(tmp_path / "build-info.jfrog.json", _set(jfrog_document(), dotted, value))
    result = cli("validate", path)
    assert result.exit_code == 2, result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"cipipe: error: {path}: ")
    for needle in needles:
        assert needle in line, (needle, line)


def test_a_jfrog_file_that_is_not_an_object(cli: Cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "build-info.jfrog.json", [1])
    result = cli("validate", path)
    assert result.exit_code == 2
    assert "top level is list (expected a JSON object)" in result.stderr

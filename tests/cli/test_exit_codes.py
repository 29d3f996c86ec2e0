from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.cli.commands import validate
from cipipe.errors import OutsideSystemError
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def _explode(path: Path) -> str:
    raise ZeroDivisionError("boom")


def test_a_bug_is_exit_4_without_traceback(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "validate_file", _explode)
    result = cli("validate", "x.json")
    assert result.exit_code == 4
    [line] = result.stderr.strip().splitlines()
    assert "internal error: ZeroDivisionError: boom" in line and "--debug" in line
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "validate_file", _explode)
    result = cli("--debug", "validate", "x.json")
    assert result.exit_code == 4
    assert "Traceback (most recent call last)" in result.stderr
    assert "_explode" in result.stderr


def test_outside_system_failure_is_exit_3(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(path: Path) -> str:
        raise OutsideSystemError("artifactory: 503 after 5 attempts")

    monkeypatch.setattr(validate, "validate_file", unreachable)
    result = cli("validate", "x.json")
    assert result.exit_code == 3
    assert result.stderr.strip() == "cipipe: error: artifactory: 503 after 5 attempts"


def test_secrets_are_masked_in_error_lines(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARTIFACTORY_TOKEN", "s3cr3t-value")
    result = cli("validate", tmp_path / "s3cr3t-value.json")
    assert result.exit_code == 2
    assert "s3cr3t-value" not in result.stderr and "****" in result.stderr

"""A full disk is exit 3 (the machine failed, not cipipe) with one line naming the file, never
exit 4 with "internal error"; the file being written is left as it was, with no temp file.

One test fills a real 256 KiB tmpfs (it needs root, as `make test` runs in CI); the others
inject ENOSPC and EDQUOT into the write, so the mapping is tested everywhere."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cipipe.cli.app import disk_full
from cipipe.errors import ExitCode
from tests.conftest import CliResult
from tests.risk.riskinputs import write_workdir
from tests.steps.decide_strategy.conftest import POLICIES

Cli = Callable[..., CliResult]


def test_disk_full_names_the_file_and_reason() -> None:
    exc = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/w/scan.json")
    assert disk_full(exc) == "disk full writing /w/scan.json: No space left on device"
    quota = OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))
    assert disk_full(quota) == f"disk full: {os.strerror(errno.EDQUOT)}"


def test_disk_full_is_found_behind_a_wrapping_error() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device", "/w/x")
        except OSError as inner:
            raise RuntimeError("while writing the report") from inner
    except RuntimeError as outer:
        assert disk_full(outer) == "disk full writing /w/x: No space left on device"


@pytest.mark.parametrize(
    "exc",
    [OSError(errno.EACCES, "Permission denied", "/w/x"), ValueError("no"), OSError("plain")],
)
def test_other_errors_are_not_disk_full(exc: BaseException) -> None:
    assert disk_full(exc) is None


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_failing_write_is_exit_3_and_leaves_the_old_file(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    out = tmp_path / "schemas"
    assert cli("schema", "--write", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full(fd: int) -> None:
        # The bytes went to the page cache; the disk refuses them when they are flushed, as
        # it does on a filesystem with delayed allocation. The OS error names no file.
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", full)
    result = cli("schema", "--write", out)
    assert result.exit_code == ExitCode.OUTSIDE_FAILURE, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"cipipe: error: disk full writing {out}/"), line
    assert line.endswith(os.strerror(code))
    assert "internal error" not in line and "Traceback" not in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temp file either


@contextlib.contextmanager
def tiny_tmpfs(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root (make test runs as root in CI)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Write a file until the file system says it is full (unbuffered: nothing left to flush)."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for _ in range(1024):  # far more than the tmpfs holds; bounded all the same
            try:
                os.write(fd, b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                return
    finally:
        os.close(fd)
    raise AssertionError("the tmpfs never filled up")


def test_a_really_full_disk_is_exit_3(cli: Cli, tmp_path: Path) -> None:
    with tiny_tmpfs(tmp_path / "disk", "256k") as disk:
        work = write_workdir(disk / "work").path
        (work / ".lock").write_text("1\n")  # as the step before left it: its page is reused
        before = files_of(work)
        fill(disk)
        result = cli(
            "--workdir",
            work,
            "decide-strategy",
            "--policy",
            POLICIES,
            "--db",
            tmp_path / "history.sqlite3",  # the audit log is elsewhere: the work folder is full
        )
        assert result.exit_code == ExitCode.OUTSIDE_FAILURE, result.stderr
        [line] = [x for x in result.stderr.splitlines() if "error" in x]
        decision_inputs = work / "risk-inputs-for-decision.json"
        assert (
            line == f"cipipe: error: disk full writing {decision_inputs}: No space left on device"
        )
        assert files_of(work) == before


def files_of(work: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in work.iterdir() if p.name != ".lock"}

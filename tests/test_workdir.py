from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cipipe.contracts.source import Source
from cipipe.errors import InputError, WorkdirBusyError
from cipipe.fileio import atomic_write_text
from cipipe.workdir import WorkDir
from tests.contracts.samples import sample_source


def build_matrix_process(
    work: Path, repo: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`cipipe build-matrix` as its own process: the lock is per process, as in Jenkins."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cipipe",
            "--workdir",
            str(work),
            "build-matrix",
            "--repo",
            str(repo),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    work = WorkDir(tmp_path / "w")
    path = work.write(sample_source())
    assert path == tmp_path / "w" / "source.json"
    assert work.read(Source) == sample_source()
    assert path.read_text().startswith('{\n  "schema": "cipipe.source/1",')


def test_failed_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.json"
    atomic_write_text(target, "old\n")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]  # no temp file left behind


def test_names_cannot_leave_the_folder(tmp_path: Path) -> None:
    work = WorkDir(tmp_path)
    for name in ("../x.json", "a/b.json", "..", ""):
        with pytest.raises(InputError):
            work.file(name)


def test_missing_input_says_which_step_makes_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"source.json: missing; run `cipipe precheck` first"):
        WorkDir(tmp_path).read(Source, produced_by="precheck")


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cipipe.workdir import WorkDir
    with WorkDir(Path(sys.argv[1])).locked(timeout=5):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_second_process_waits_then_gives_up(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path), "3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        start = time.monotonic()
        with pytest.raises(WorkdirBusyError) as info, WorkDir(tmp_path).locked(timeout=0.3):
            pass
        assert 0.3 <= time.monotonic() - start < 2.5
        assert f"pid {holder.pid}" in str(info.value)
        assert info.value.exit_code == 2
    finally:
        holder.wait(timeout=10)


def test_lock_is_free_after_the_holder_ends(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path), "0"], check=True, capture_output=True
    )
    with WorkDir(tmp_path).locked(timeout=0):
        pass


def test_cli_reports_busy_workdir_as_exit_2(tmp_path: Path) -> None:
    from tests.contracts.samples import sample_source as make

    work = tmp_path / "w"
    WorkDir(work).write(make())
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / ".cipipe.yaml").write_text(
        "service: s\nsupports: [linux]\nplatforms: {linux: {toolchain: {version: '1'}}}\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(work), "3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        env = {**os.environ, "CIPIPE_LOCK_TIMEOUT": "0.2"}
        result = build_matrix_process(work, repo, env)
    finally:
        holder.wait(timeout=10)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()[-1:]
    assert "locked by another cipipe process" in line and "CIPIPE_LOCK_TIMEOUT" in line
    assert not (work / "matrix.json").exists()


def test_lock_is_reentrant_within_one_process(tmp_path: Path) -> None:
    work = WorkDir(tmp_path)
    with work.locked(timeout=0), work.locked(timeout=0):
        pass
    with work.locked(timeout=0):  # released after the outer block
        pass


# -- nothing in the work folder is followed through a link --------------------------------------

SECRET = "root:$6$TOPSECRET-HASH:19000:0:99999:7:::\n"


def secret_file(tmp_path: Path) -> Path:
    """Stands for /etc/shadow or ~/.ssh/authorized_keys: outside, and not to be touched."""
    path = tmp_path / "outside" / "shadow"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def test_a_linked_lock_is_refused_not_truncated(tmp_path: Path) -> None:
    secret = secret_file(tmp_path)
    work = tmp_path / "w"
    work.mkdir()
    (work / ".lock").symlink_to(secret)
    with pytest.raises(InputError) as info, WorkDir(work).locked(timeout=0):
        pass
    assert info.value.exit_code == 2 and ".lock: is a symbolic link" in str(info.value)
    assert secret.read_text() == SECRET  # the old open(O_CREAT) truncated it to a pid


def test_a_lock_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    os.mkfifo(work / ".lock")
    with pytest.raises(InputError, match="not a regular file"), WorkDir(work).locked(timeout=0):
        pass


def test_a_linked_work_folder_is_refused(tmp_path: Path) -> None:
    secret = secret_file(tmp_path)
    link = tmp_path / ".cipipe"
    link.symlink_to(secret.parent)
    work = WorkDir(link)
    with pytest.raises(InputError, match="--workdir: is a symbolic link"):
        work.write(sample_source())
    with pytest.raises(InputError, match="--workdir: is a symbolic link"), work.locked(timeout=0):
        pass
    assert sorted(p.name for p in secret.parent.iterdir()) == ["shadow"]


def test_linked_files_are_neither_read_nor_written(tmp_path: Path) -> None:
    secret = secret_file(tmp_path)
    work = WorkDir(tmp_path / "w")
    work.write(sample_source())
    (tmp_path / "w" / "source.json").unlink()
    (tmp_path / "w" / "source.json").symlink_to(secret)
    for action in (
        lambda: work.read(Source),
        lambda: work.exists(Source),
        lambda: work.write(sample_source()),
    ):
        with pytest.raises(InputError) as info:
            action()
        assert "source.json: is a symbolic link" in str(info.value)
        assert "TOPSECRET" not in str(info.value)
    assert secret.read_text() == SECRET
    (tmp_path / "w" / ".build-counter").symlink_to(secret)
    with pytest.raises(InputError, match="is a symbolic link"):
        work.next_build_number()
    assert secret.read_text() == SECRET


def test_cli_refuses_a_planted_link_and_writes_nothing(tmp_path: Path) -> None:
    secret = secret_file(tmp_path)
    work = tmp_path / "w"
    WorkDir(work).write(sample_source())
    (work / "matrix.json").symlink_to(secret)
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / ".cipipe.yaml").write_text(
        "service: s\nsupports: [linux]\nplatforms: {linux: {toolchain: {version: '1'}}}\n"
    )
    result = build_matrix_process(work, repo, dict(os.environ))
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "matrix.json: is a symbolic link" in line
    assert secret.read_text() == SECRET and (work / "matrix.json").is_symlink()

"""Writes never go through a symbolic link: not at the file's name, not in a folder on the way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cipipe.errors import InputError, LinkRefusedError
from cipipe.fileio import (
    _atomically,
    atomic_copy,
    atomic_write_text,
    fresh_output,
    open_append,
    read_unfollowed,
)

PRECIOUS = "precious: must survive\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the work folder, holding a file an attacker would like overwritten."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "precious.txt").write_text(PRECIOUS)
    return folder


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def untouched(outside: Path) -> bool:
    return (
        sorted(p.name for p in outside.iterdir()) == ["precious.txt"]
        and (outside / "precious.txt").read_text() == PRECIOUS
    )


def test_a_link_at_the_name_is_refused_not_written_through(work: Path, outside: Path) -> None:
    (work / "matrix.json").symlink_to(outside / "precious.txt")
    for root in (None, work):
        with pytest.raises(LinkRefusedError) as info:
            atomic_write_text(work / "matrix.json", "{}\n", root=root)
        assert info.value.exit_code == 2
        assert str(work / "matrix.json") in str(info.value)
    assert untouched(outside)
    assert sorted(p.name for p in work.iterdir()) == ["matrix.json"]  # no temp file left
    assert (work / "matrix.json").is_symlink()  # left for someone to look at


def test_a_linked_folder_below_the_root_is_refused(work: Path, outside: Path) -> None:
    (work / "reports").symlink_to(outside)
    with pytest.raises(LinkRefusedError, match="reports: is a symbolic link"):
        atomic_write_text(work / "reports" / "junit-linux.xml", "<x/>", root=work)
    with pytest.raises(LinkRefusedError):
        atomic_write_text(work / "reports" / "precious.txt", "overwritten", root=work)
    assert untouched(outside)


def test_a_deeper_linked_folder_is_refused_and_missing_ones_are_made(
    work: Path, outside: Path
) -> None:
    atomic_write_text(work / "reports" / "linux" / "run0.xml", "<a/>", root=work)
    assert (work / "reports" / "linux" / "run0.xml").read_text() == "<a/>"
    (work / "reports" / "arm").symlink_to(outside)
    with pytest.raises(LinkRefusedError, match=r"reports/arm: is a symbolic link"):
        atomic_write_text(work / "reports" / "arm" / "run0.xml", "<a/>", root=work)
    assert untouched(outside)


def test_a_file_in_place_of_a_folder_is_bad_input(work: Path) -> None:
    (work / "logs").write_text("not a folder")
    with pytest.raises(InputError, match="logs: is not a folder"):
        atomic_write_text(work / "logs" / "build.log", "x", root=work)


def test_the_root_itself_is_reached_as_given(tmp_path: Path, outside: Path) -> None:
    # The caller's starting point may sit behind a link (/tmp is one on some systems).
    alias = tmp_path / "alias"
    alias.symlink_to(outside)
    atomic_write_text(alias / "new.txt", "fine\n", root=alias)
    assert (outside / "new.txt").read_text() == "fine\n"


def test_copy_from_a_part_never_reads_a_link(work: Path, outside: Path, tmp_path: Path) -> None:
    part = tmp_path / "part"
    (part / "logs").mkdir(parents=True)
    (part / "logs" / "build.log").symlink_to(outside / "precious.txt")
    with pytest.raises(LinkRefusedError):
        atomic_copy(
            part / "logs" / "build.log", work / "logs" / "build.log", root=work, source_root=part
        )
    assert not (work / "logs" / "build.log").exists()


def test_copy_keeps_mode_and_bytes(work: Path, tmp_path: Path) -> None:
    source = tmp_path / "tool"
    source.write_bytes(b"\x7fELF" + bytes(range(256)) * 5000)
    source.chmod(0o755)
    atomic_copy(source, work / "artifacts" / "linux" / "tool", root=work, source_root=tmp_path)
    copied = work / "artifacts" / "linux" / "tool"
    assert copied.read_bytes() == source.read_bytes()
    assert copied.stat().st_mode & 0o777 == 0o755


def test_fresh_output_removes_a_stale_file_but_refuses_a_link(work: Path, outside: Path) -> None:
    stale = work / "reports" / "coverage-linux.xml"
    atomic_write_text(stale, "old", root=work)
    assert fresh_output(stale, root=work) == stale and not stale.exists()
    stale.symlink_to(outside / "precious.txt")
    with pytest.raises(LinkRefusedError):
        fresh_output(stale, root=work)
    assert stale.is_symlink() and untouched(outside)


def test_a_log_is_never_appended_through_a_link(work: Path, outside: Path) -> None:
    log = work / "build-linux.log"
    with open_append(log) as handle:
        handle.write(b"one\n")
    with open_append(log) as handle:
        handle.write(b"two\n")
    assert log.read_text() == "one\ntwo\n"
    log.unlink()
    log.symlink_to(outside / "precious.txt")
    with pytest.raises(LinkRefusedError):
        open_append(log)
    assert untouched(outside)


def test_read_unfollowed_refuses_links_special_files_and_excess(work: Path, outside: Path) -> None:
    (work / "a.yaml").write_text("a: 1\n")
    assert read_unfollowed(work / "a.yaml", limit=5, root=work) == b"a: 1\n"
    with pytest.raises(InputError, match="too big"):
        read_unfollowed(work / "a.yaml", limit=4, root=work)
    (work / "b.yaml").symlink_to(outside / "precious.txt")
    with pytest.raises(LinkRefusedError):
        read_unfollowed(work / "b.yaml", limit=100, root=work)
    os.mkfifo(work / "fifo.yaml")
    with pytest.raises(InputError, match="not a regular file"):
        read_unfollowed(work / "fifo.yaml", limit=100, root=work)  # must not block either


def test_writers_that_need_a_file_name_get_the_same_guard(work: Path, outside: Path) -> None:
    def fill(tmp: Path) -> None:
        tmp.write_text("downloaded")

    _atomically(work / "blob", fill)
    assert (work / "blob").read_text() == "downloaded"
    (work / "other").symlink_to(outside / "precious.txt")
    with pytest.raises(LinkRefusedError):
        _atomically(work / "other", fill)
    assert untouched(outside)


def test_a_program_log_is_never_appended_through_a_link(work: Path, outside: Path) -> None:
    from cipipe.adapters.process import run_logged

    log = work / "logs" / "build-linux.log"
    assert run_logged(["true"], cwd=work, env=dict(os.environ), log_path=log, timeout=60) == 0
    assert log.read_text() == "$ true\n"
    log.unlink()
    log.symlink_to(outside / "precious.txt")
    with pytest.raises(LinkRefusedError):
        run_logged(["true"], cwd=work, env=dict(os.environ), log_path=log, timeout=60)
    assert untouched(outside)

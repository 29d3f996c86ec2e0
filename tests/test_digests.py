"""Artifact digests agree with coreutils, and SHA256SUMS lines pass `sha256sum -c`.

The threaded path is where the bugs would hide (a slot overwritten before every hash read it, a
lost last chunk, a reader waiting forever), so each case runs sequentially and threaded, with
chunk sizes that put file ends on, just past and far from chunk and ring boundaries.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipipe import digests
from cipipe.digests import FileDigests, digest_file, plan_threads, sha256sums_line
from tests.conftest import require_or_skip

SMALL_CHUNK = 4096
TOOLS = ("sha256sum", "sha1sum", "md5sum")


def coreutils_digests(path: Path) -> FileDigests:
    """What the real sha256sum, sha1sum and md5sum say about ``path``."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        require_or_skip(f"coreutils not installed: {', '.join(missing)}")
    sha256, sha1, md5 = (
        subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
        .stdout.split()[0]
        .lstrip("\\")
        for tool in TOOLS
    )
    return FileDigests(size=path.stat().st_size, sha256=sha256, sha1=sha1, md5=md5)


@pytest.fixture
def threaded_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take the threaded path even for tiny files, so their edge cases reach the ring."""
    monkeypatch.setattr(digests, "THREADED_MIN_SIZE", 0)


# (chunk_size, threads): one thread is the sequential path; 2 packs two hashes into one worker;
# 3 gives each hash its own worker.
MODES = [(SMALL_CHUNK, 1), (SMALL_CHUNK, 2), (SMALL_CHUNK, 3), (digests.DEFAULT_CHUNK_SIZE, 2)]
SIZES = {
    "empty": 0,
    "one byte": 1,
    "one chunk": SMALL_CHUNK,
    "chunk plus one": SMALL_CHUNK + 1,
    "calibration plus one": SMALL_CHUNK * digests.CALIBRATION_CHUNKS + 1,
    "ring wraps": SMALL_CHUNK * (digests.CALIBRATION_CHUNKS + 3 * digests.RING_SIZE) - 1,
}


@pytest.mark.usefixtures("threaded_always")
@pytest.mark.parametrize(("chunk_size", "threads"), MODES)
@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_small_files_match_coreutils(
    tmp_path: Path, size: int, chunk_size: int, threads: int
) -> None:
    path = tmp_path / "artifact.bin"
    path.write_bytes(os.urandom(size))
    assert digest_file(path, chunk_size=chunk_size, threads=threads) == coreutils_digests(path)


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, FileDigests]]:
    # Not a multiple of any chunk size, and larger than THREADED_MIN_SIZE, so the real default
    # path (calibration, then the ring) runs without any patching.
    path = tmp_path_factory.mktemp("large") / "artifact.bin"
    path.write_bytes(os.urandom(20 * (1 << 20) + 12345))
    yield path, coreutils_digests(path)
    path.unlink()


@pytest.mark.parametrize(
    ("chunk_size", "threads"),
    [(digests.DEFAULT_CHUNK_SIZE, None), (64 << 10, 2), (64 << 10, 3), (1 << 20, 1)],
)
def test_large_file_matches_coreutils(
    large_file: tuple[Path, FileDigests], chunk_size: int, threads: int | None
) -> None:
    path, expected = large_file
    assert digest_file(path, chunk_size=chunk_size, threads=threads) == expected


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=40_000),
    chunk_size=st.integers(min_value=1, max_value=5000),
    threads=st.integers(min_value=1, max_value=4),
)
def test_matches_hashlib_one_shot(data: bytes, chunk_size: int, threads: int) -> None:
    expected = FileDigests(
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        sha1=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
    )
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(digests, "THREADED_MIN_SIZE", 0)
        path = Path(tmp) / "artifact.bin"
        path.write_bytes(data)
        assert digest_file(path, chunk_size=chunk_size, threads=threads) == expected


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    path = tmp_path / "artifact.bin"
    path.write_bytes(b"x")
    with pytest.raises(ValueError, match="chunk_size"):
        digest_file(path, chunk_size=0)
    with pytest.raises(ValueError, match="threads"):
        digest_file(path, threads=0)
    with pytest.raises(FileNotFoundError):
        digest_file(tmp_path / "missing.bin")


def test_plan_puts_the_slowest_hash_alone_on_two_threads() -> None:
    assert plan_threads([0.5, 0.45, 1.2], 2) == [[2], [0, 1]]
    assert plan_threads([2.5, 1.5, 1.3], 2) == [[0], [1, 2]]
    assert plan_threads([0.5, 0.45, 1.2], 3) == [[2], [0], [1]]
    assert plan_threads([0.5, 0.45, 1.2], 8) == [[2], [0], [1]]
    assert plan_threads([0.5, 0.45, 1.2], 1) == [[2, 0, 1]]


class _Chunks:
    """A reader of ``count`` full chunks that raises ``error`` instead of the last one."""

    def __init__(self, count: int, error: BaseException | None = None) -> None:
        self.left = count
        self.error = error

    def readinto(self, buffer: bytearray | memoryview) -> int:
        self.left -= 1
        if self.left < 0:
            return 0
        if self.left == 0 and self.error is not None:
            raise self.error
        buffer[:] = b"\x5a" * len(buffer)
        return len(buffer)


class _FailingHash:
    def __init__(self, fail_after: int) -> None:
        self.calls = 0
        self.fail_after = fail_after

    def update(self, data: bytes | bytearray | memoryview, /) -> None:
        self.calls += 1
        if self.calls > self.fail_after:
            raise RuntimeError("hash broke")

    def hexdigest(self) -> str:
        return ""


def run_with_timeout(reader: _Chunks, hashes: list[digests._Hash]) -> BaseException | None:
    """Run the threaded path in a thread of its own, so that a deadlock fails instead of hangs."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            digests._hash_threaded(reader, hashes, SMALL_CHUNK, threads=3)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    before = threading.active_count()
    runner = threading.Thread(target=target, daemon=True)
    runner.start()
    runner.join(timeout=30)
    assert not runner.is_alive(), "threaded digest deadlocked"
    assert threading.active_count() == before, "worker threads left running"
    return outcome[0]


def test_read_error_stops_the_workers_and_propagates() -> None:
    hashes: list[digests._Hash] = [hashlib.sha256(), hashlib.sha1(), hashlib.md5()]
    error = run_with_timeout(_Chunks(5 * digests.RING_SIZE, OSError("disk gone")), hashes)
    assert isinstance(error, OSError)


def test_hash_error_in_a_worker_propagates_without_deadlock() -> None:
    # Fails after calibration, inside a worker, while the reader still has many chunks to give.
    failing = _FailingHash(fail_after=digests.CALIBRATION_CHUNKS + 2)
    hashes: list[digests._Hash] = [hashlib.sha256(), failing, hashlib.md5()]
    error = run_with_timeout(_Chunks(10 * digests.RING_SIZE), hashes)
    assert isinstance(error, RuntimeError)


NAMES = {
    "plain": "artifact.tar.gz",
    "in a folder": "dist/app-1.0.whl",
    "spaces": "my artifact  v2 .bin",
    "leading space": " lead.bin",
    "backslash": "back\\slash.bin",
    "newline": "new\nline.bin",
    "carriage return": "car\rret.bin",
    "all three": "a\\b\nc\rd.bin",
}


def write_artifacts(folder: Path) -> str:
    """Create one small file per name; return the SHA256SUMS text for them."""
    lines = []
    for index, name in enumerate(NAMES.values()):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"content {index}\n".encode())
        lines.append(sha256sums_line(digest_file(path).sha256, name))
    return "".join(lines)


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_line_is_what_sha256sum_writes(tmp_path: Path, name: str) -> None:
    if shutil.which("sha256sum") is None:
        require_or_skip("coreutils not installed")
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"payload")
    written = subprocess.run(
        ["sha256sum", "--", name], cwd=tmp_path, capture_output=True, check=True
    ).stdout
    assert sha256sums_line(digest_file(path).sha256, name).encode() == written


def test_sha256sum_check_accepts_every_name(tmp_path: Path) -> None:
    if shutil.which("sha256sum") is None:
        require_or_skip("coreutils not installed")
    (tmp_path / "SHA256SUMS").write_text(write_artifacts(tmp_path))
    result = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=tmp_path, capture_output=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(b": OK\n") == len(NAMES)


def test_sha256sum_check_notices_a_changed_file(tmp_path: Path) -> None:
    # Proves the check above is not vacuous: the lines really name the files and digests.
    if shutil.which("sha256sum") is None:
        require_or_skip("coreutils not installed")
    (tmp_path / "SHA256SUMS").write_text(write_artifacts(tmp_path))
    (tmp_path / NAMES["all three"]).write_bytes(b"tampered")
    result = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=tmp_path, capture_output=True
    )
    assert result.returncode == 1
    assert result.stdout.count(b": OK\n") == len(NAMES) - 1


def test_line_rejects_what_is_not_a_sha256_digest() -> None:
    with pytest.raises(ValueError, match="digest"):
        sha256sums_line("ABC", "x")
    with pytest.raises(ValueError, match="digest"):
        sha256sums_line("A" * 64, "x")
    with pytest.raises(ValueError, match="empty"):
        sha256sums_line("a" * 64, "")

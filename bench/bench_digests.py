"""Artifact digests: `digest_file` (sha256 + sha1 + md5, one read) against `md5sum` on 1 GiB.

md5 alone is the floor for any tool that reads the file once and computes md5 among others, so
`md5sum` is the baseline. Both read the file from the page cache (warmed first), so the figures
compare hashing, not the disk. Peak memory is the cipipe process's own, read from the rusage
that wait4 returns for that one child; see `_run_with_peak_rss` for why it is started by fork.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness import Command, Comparison, measure, report

FILE_SIZE = 1 << 30
BLOCK_SIZE = 64 << 20
MAX_RATIO = 1.15
MAX_PEAK_RSS = 64 << 20

DIGEST_SCRIPT = (
    "import sys; from pathlib import Path; from cipipe.digests import digest_file; "
    "d = digest_file(Path(sys.argv[1])); print(d.md5, d.sha1, d.sha256, d.size)"
)


def run(rounds: int) -> bool:
    # Each run reads 1 GiB per command: a sixth of the usual rounds still gives a stable median.
    rounds = max(3, rounds // 6)
    with tempfile.TemporaryDirectory(prefix="cipipe-bench-digests-") as tmp:
        data = Path(tmp) / "artifact.bin"
        _write_file(data)
        _warm_page_cache(data)
        md5sum = Command("md5sum FILE", ["md5sum", str(data)])
        cipipe = Command(
            "cipipe digest_file FILE", [sys.executable, "-c", DIGEST_SCRIPT, str(data)]
        )
        # One run of each outside the timings: warms up both, checks that cipipe's md5 is right
        # (a fast wrong answer would pass otherwise), and gives each child's own peak RSS.
        md5sum_out, _ = _run_with_peak_rss(md5sum.argv)
        cipipe_out, cipipe_rss = _run_with_peak_rss(cipipe.argv)
        correct = cipipe_out.split()[:1] == md5sum_out.split()[:1]
        medians = measure([md5sum, cipipe], rounds=rounds, warmup=0)
    ok = report(
        f"Digests of a 1 GiB file from the page cache ({rounds} rounds)",
        medians,
        [Comparison(cipipe.name, md5sum.name, max_ratio=MAX_RATIO)],
    )
    memory_ok = cipipe_rss < MAX_PEAK_RSS
    print(
        f"  peak RSS {cipipe.name} = {cipipe_rss / (1 << 20):.1f} MiB"
        f"  target < {MAX_PEAK_RSS >> 20} MiB: {'PASS' if memory_ok else 'FAIL'}"
    )
    print(f"  md5 matches md5sum: {'PASS' if correct else 'FAIL'}")
    return ok and memory_ok and correct


def _write_file(path: Path) -> None:
    # One random block written over and over: fast to make, and nothing a hash could shortcut.
    block = os.urandom(BLOCK_SIZE)
    with path.open("wb") as handle:
        for _ in range(FILE_SIZE // BLOCK_SIZE):
            handle.write(block)
        handle.flush()
        # Written back now, not by the kernel in the middle of a timed run.
        os.fsync(handle.fileno())


def _warm_page_cache(path: Path) -> None:
    buffer = bytearray(BLOCK_SIZE)
    with path.open("rb", buffering=0) as handle:
        while handle.readinto(buffer):
            pass


def _run_with_peak_rss(argv: Sequence[str]) -> tuple[str, int]:
    """Stdout and peak RSS in bytes of one run of ``argv``, from that child's rusage alone.

    The kernel keeps a process's peak RSS across exec, and a child started by vfork (what
    subprocess does by default) shares this process's memory until it execs, so it would report
    this process's peak: 64 MiB and more after writing the file. A ``preexec_fn`` makes
    subprocess fork instead; the child then starts from a copy of what this process holds right
    now (a few MiB, freed blocks gone), so the figure can only err high, never low.
    """
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=_no_vfork
    ) as process:
        assert process.stdout is not None
        out = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        # wait4 reaped the child; tell Popen so it does not wait for it again.
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, list(argv), out)
    return out, usage.ru_maxrss * 1024  # kilobytes on Linux


def _no_vfork() -> None:
    """Does nothing in the child; its presence alone makes subprocess fork rather than vfork."""

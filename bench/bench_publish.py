"""Publishing 20 artifacts of 32 MiB to the loopback Artifactory: 4 threads vs 1, and again;
and the plan's digests taken from artifacts.json against hashing every artifact again.

The server is the test suite's fake (tests/support/artifactoryserver.py) on 127.0.0.1; each
measurement is a whole `cipipe publish`-equivalent call in this process, timed per round.
The plan (``steps.publish.upload.plan``) is timed with artifacts.json as `cipipe build`
writes it (each file's mtime recorded: its digests are reused) and as an older cipipe wrote
it (no mtime: every artifact hashed again, as every publish did before); the page cache is
warm for both, so the rehash is the CPU floor of hashing, not a disk read.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cipipe.contracts.build_info import BuildInfo
    from cipipe.steps.publish.upload import Planned

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = 20
SIZE = 32 * 1024 * 1024


def _publish_once(
    url: str, items: Sequence[Planned], info: BuildInfo, threads: int
) -> tuple[float, int]:
    from cipipe.adapters.artifact_store.rest import ArtifactoryRestStore
    from cipipe.steps.publish.upload import publish

    store = ArtifactoryRestStore(url, timeout=60, max_attempts=3)
    start = time.perf_counter()
    report = publish(store, items, info, threads=threads)
    return time.perf_counter() - start, report.bytes_sent


def run(rounds: int) -> bool:
    sys.path.insert(0, str(REPO_ROOT))
    from tests.steps.publish.conftest import make_workdir
    from tests.support.artifactoryserver import FakeArtifactory, serve

    from cipipe.contracts.artifacts import Artifacts
    from cipipe.contracts.build_info import BuildInfo
    from cipipe.steps.publish.upload import plan

    rounds = max(3, rounds // 10)
    with tempfile.TemporaryDirectory() as tmp:
        work = make_workdir(Path(tmp) / "w", sizes={"linux": 1})
        info = work.read(BuildInfo)
        artifacts = work.read(Artifacts)
        block = os.urandom(1024 * 1024)
        for index in range(ARTIFACTS):
            # Distinct content per file, so nothing is skipped by checksum on the first upload.
            path = work.path / "artifacts" / "linux" / f"big-{index}"
            with path.open("wb") as handle:
                handle.write(index.to_bytes(4, "big"))
                for _ in range(SIZE // len(block)):
                    handle.write(block)
        from cipipe.contracts.artifacts import Artifact
        from cipipe.digests import digest_file

        big = []
        for index in range(ARTIFACTS):
            file = work.path / "artifacts" / "linux" / f"big-{index}"
            d = digest_file(file)
            big.append(
                Artifact(
                    name=f"big-{index}",
                    platform="linux",
                    path=f"artifacts/linux/big-{index}",
                    built_as="x",
                    size=d.size,
                    sha256=d.sha256,
                    sha1=d.sha1,
                    md5=d.md5,
                    mtime_ns=file.stat().st_mtime_ns,  # as `cipipe build` records it
                )
            )
        artifacts = artifacts.model_copy(update={"artifacts": big})
        old_style = artifacts.model_copy(
            update={"artifacts": [a.model_copy(update={"mtime_ns": None}) for a in big]}
        )
        timings: dict[str, list[float]] = {"threads 1": [], "threads 4": [], "republish": []}
        plans: dict[str, list[float]] = {"plan, digests reused": [], "plan, rehashing": []}
        sent: dict[str, int] = {}
        for number in range(rounds):
            for label, described in (
                ("plan, digests reused", artifacts),
                ("plan, rehashing", old_style),
            ):
                start = time.perf_counter()
                plan(work.path, info, described)
                plans[label].append(time.perf_counter() - start)
            for label, threads in (("threads 1", 1), ("threads 4", 4)):
                with serve(FakeArtifactory()) as fake:
                    run_info = info.model_copy(
                        update={"build_id": f"{label.replace(' ', '')}-{number}"}
                    )
                    items = plan(work.path, run_info, artifacts)
                    seconds, sent[label] = _publish_once(fake.url, items, run_info, threads)
                    timings[label].append(seconds)
                    if threads == 4:
                        seconds, sent["republish"] = _publish_once(fake.url, items, run_info, 4)
                        timings["republish"].append(seconds)
    medians = {k: statistics.median(v) for k, v in timings.items()}
    print(f"\nPublish {ARTIFACTS} x 32 MiB to a loopback Artifactory ({rounds} rounds)")
    for label, median in medians.items():
        print(f"  {label:<12} median {median * 1000:9.1f} ms, {sent[label]:>12,} bytes sent")
    ratio = medians["threads 4"] / medians["threads 1"]
    print(f"  ratio threads 4 / threads 1 = {ratio:.2f}x")
    ok = sent["republish"] < SIZE  # no artifact re-sent
    print(f"  republish sends no artifact bytes: {'PASS' if ok else 'FAIL'}")
    return _report_plans(plans) and ok


def _report_plans(plans: dict[str, list[float]]) -> bool:
    """The digests' share of a publish: reused from artifacts.json vs hashed again."""
    medians = {k: statistics.median(v) for k, v in plans.items()}
    for label, median in medians.items():
        print(f"  {label:<22} median {median * 1000:9.1f} ms")
    ratio = medians["plan, digests reused"] / medians["plan, rehashing"]
    ok = ratio <= MAX_REUSED_RATIO
    verdict = "PASS" if ok else "FAIL"
    print(f"  ratio reused / rehashing = {ratio:.2g}x  target <= {MAX_REUSED_RATIO}x: {verdict}")
    return ok


# Reusing the digests costs a stat per artifact: far below hashing 640 MiB.
MAX_REUSED_RATIO = 0.05

"""Publishing over real HTTP to a loopback Artifactory that fails at random, 200 times.

Each publish ends either with every file present, verified and a candidate, or with exit 3
(StoreError) and no file a candidate; a rerun after a failure completes it; no stored file ever
holds other bytes than the local one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.interface import StoreError
from cipipe.adapters.artifact_store.rest import ArtifactoryRestStore
from cipipe.adapters.artifact_store.rest_http import auth_from_env
from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import BuildInfo
from cipipe.steps.publish.completion import fileset_digest
from cipipe.steps.publish.upload import Planned, plan, publish
from tests.steps.publish.conftest import make_workdir
from tests.support.artifactoryserver import FakeArtifactory, serve

TOKEN = "publish-token-0123456789"
PUBLISHES = int(os.environ.get("CIPIPE_FAULT_PUBLISHES", "200"))


@pytest.fixture
def fake() -> Iterator[FakeArtifactory]:
    with serve(FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})) as server:
        yield server


def rest_store(fake: FakeArtifactory, attempts: int) -> ArtifactoryRestStore:
    return ArtifactoryRestStore(
        fake.url,
        auth=auth_from_env({"CIPIPE_ARTIFACTORY_TOKEN": TOKEN}),
        timeout=5.0,
        max_attempts=attempts,
        max_total_seconds=30.0,
        sleep=lambda _: None,
    )


def check(fake: FakeArtifactory, items: list[Planned], *, candidate: bool) -> int:
    """Stored files never differ from the local ones; all or none are candidates, and the
    completion marker is there exactly when all are."""
    states = set()
    for item in items:
        stored = fake.items.get(("candidates", item.path))
        if stored is not None:
            assert stored.sha256 == item.file.sha256, item.path
        states.add(stored.properties.get("state", ["absent"])[0] if stored else "absent")
    build = items[0].path.split("/")[1]
    carrier = fake.items.get(("candidates", f"svc/{build}/build-info.json"))
    marker = carrier.properties.get("cipipe.complete") if carrier else None
    if candidate:
        assert states == {"candidate"}
        assert marker == [fileset_digest((i.path, i.file.sha256) for i in items)]
    else:
        assert "candidate" not in states
        assert marker is None
    return len(items)


def test_random_faults_never_leave_a_half_candidate(fake: FakeArtifactory, tmp_path: Path) -> None:
    counts = {"published": 0, "failed_then_completed": 0, "files_checked": 0}
    for seed in range(PUBLISHES):
        work = make_workdir(tmp_path / f"w{seed}", sizes={"linux": 10_000 + seed * 7})
        info = work.read(BuildInfo).model_copy(update={"build_id": str(seed)})
        items = plan(work.path, info, work.read(Artifacts))
        fake.random_faults(seed, rate=0.12)
        try:
            publish(rest_store(fake, attempts=3), items, info, threads=2)
        except StoreError:
            counts["files_checked"] += check(fake, items, candidate=False)
            fake.random_faults(seed, rate=0.0)
            publish(rest_store(fake, attempts=3), items, info, threads=2)
            counts["failed_then_completed"] += 1
        else:
            counts["published"] += 1
        counts["files_checked"] += check(fake, items, candidate=True)
    assert counts["published"] + counts["failed_then_completed"] == PUBLISHES
    assert counts["failed_then_completed"] > 0  # the faults did bite
    if report := os.environ.get("CIPIPE_FAULT_REPORT"):
        Path(report).write_text(json.dumps(counts))


def test_republishing_sends_no_artifact_bytes(fake: FakeArtifactory, tmp_path: Path) -> None:
    work = make_workdir(tmp_path / "w", sizes={"linux": 200_000, "arm": 300_000})
    info = work.read(BuildInfo)
    items = plan(work.path, info, work.read(Artifacts))
    first = publish(rest_store(fake, attempts=3), items, info)
    sent = fake.bytes_received
    assert first.bytes_sent == sent > 500_000
    again = publish(rest_store(fake, attempts=3), items, info)
    # Files under 10 KiB are deployed whole (Artifactory's checksum deploy is for larger
    # ones); every artifact byte is skipped.
    small = sum(i.file.size for i in items if i.file.size < 10 * 1024)
    assert fake.bytes_received - sent == again.bytes_sent == small
    assert all(f.bytes_sent == 0 and f.skipped_by_checksum for f in again.files if f.platform)

"""What the publish fault tests look at in the loopback Artifactory, and a lock held by another
process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import BuildInfo
from cipipe.steps.publish.upload import Planned, plan
from cipipe.workdir import LOCK_NAME, WorkDir
from tests.support.artifactoryserver import FakeArtifactory

REPO = "candidates"
MARKER = "svc/7/build-info.json"
TOKEN = "publish-token-0123456789"


def planned(workdir: WorkDir) -> list[Planned]:
    return plan(workdir.path, workdir.read(BuildInfo), workdir.read(Artifacts))


def states(fake: FakeArtifactory, items: list[Planned]) -> dict[str, str]:
    """Each planned file's state in the store ("absent" when it is not there)."""
    found = {}
    for item in items:
        stored = fake.items.get((REPO, item.path))
        found[item.path] = stored.properties.get("state", ["none"])[0] if stored else "absent"
    return found


def marker(fake: FakeArtifactory) -> str | None:
    stored = fake.items.get((REPO, MARKER))
    values = stored.properties.get("cipipe.complete") if stored else None
    return values[0] if values else None


def stored_as_built(fake: FakeArtifactory, item: Planned) -> bool:
    stored = fake.items.get((REPO, item.path))
    return stored is not None and stored.sha256 == item.file.sha256


@contextmanager
def lock_held_elsewhere(work: Path) -> Iterator[int]:
    """The work folder's lock, held by another process for the ``with`` block; yields its pid."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n",
            str(work / LOCK_NAME),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait(timeout=30)

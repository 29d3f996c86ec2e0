"""The fault suite of `cipipe publish`: each fault leaves no candidate and no completion marker,
with the exit code the README documents, and a rerun finishes the job sending only what the
store lacks; a publish whose inputs or work folder are wrong never contacts the store."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.interface import LocalFile, StoreError, UploadResult
from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.adapters.artifact_store.rest import CHECKSUM_DEPLOY_MIN_BYTES, ArtifactoryRestStore
from cipipe.adapters.artifact_store.rest_http import auth_from_env
from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import BuildInfo
from cipipe.digests import digest_file
from cipipe.steps.publish.completion import fileset_digest, require_complete
from cipipe.steps.publish.upload import Planned, publish
from cipipe.workdir import WorkDir
from tests.conftest import CliResult
from tests.steps.publish.helpers import (
    MARKER,
    TOKEN,
    lock_held_elsewhere,
    marker,
    planned,
    states,
    stored_as_built,
)
from tests.support.artifactoryserver import FakeArtifactory, serve

Cli = Callable[..., CliResult]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArtifactory]:
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    monkeypatch.delenv("CIPIPE_ARTIFACTORY_URL", raising=False)
    monkeypatch.setattr(random, "uniform", lambda a, b: 0.0)  # retries without the backoff wait
    with serve(FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})) as server:
        yield server


def holds_other_bytes(fake: FakeArtifactory, item: Planned) -> bool:
    """The store holds other bytes than the local file at the item's path."""
    return ("candidates", item.path) in fake.items and not stored_as_built(fake, item)


def rest_store(fake: FakeArtifactory) -> ArtifactoryRestStore:
    return ArtifactoryRestStore(fake.url, auth=auth_from_env({"CIPIPE_ARTIFACTORY_TOKEN": TOKEN}))


def publish_cli(cli: Cli, workdir: WorkDir, target: str, *args: str) -> CliResult:
    return cli("--workdir", workdir.path, "publish", "--target", target, *args)


def assert_no_candidate(fake: FakeArtifactory, workdir: WorkDir, items: list[Planned]) -> None:
    assert "candidate" not in states(fake, items).values()
    assert marker(fake) is None
    assert not (workdir.path / "publish.json").exists()


def rerun_completes(cli: Cli, fake: FakeArtifactory, workdir: WorkDir) -> None:
    """The rerun sends the files the store lacks or holds wrongly, and the small ones Artifactory
    deploys whole: nothing else. Then the store proves the build complete."""
    items = planned(workdir)
    lacking = sum(
        i.file.size
        for i in items
        if i.file.size < CHECKSUM_DEPLOY_MIN_BYTES or not stored_as_built(fake, i)
    )
    before = fake.bytes_received
    fake.faults.clear()
    result = publish_cli(cli, workdir, fake.url)
    assert result.exit_code == 0, result.stderr
    assert fake.bytes_received - before == lacking
    assert set(states(fake, items).values()) == {"candidate"}
    assert marker(fake) == fileset_digest((i.path, i.file.sha256) for i in items)
    report = json.loads((workdir.path / "publish.json").read_text())
    expected = [(f["path"], f["sha256"]) for f in report["files"]]
    assert len(require_complete(rest_store(fake), "svc", "7", expected)) == len(items)


def test_mangled_bytes_never_become_a_candidate(
    cli: Cli, fake: FakeArtifactory, workdir: WorkDir
) -> None:
    """A proxy flips a byte of the first deploy and the store keeps it (reporting the real
    checksums of what it kept): exit 3, the mangled file stays "uploading", no marker."""
    items = planned(workdir)
    fake.fail("deploy", "mangle")
    result = publish_cli(cli, workdir, fake.url, "--threads", "1")
    assert result.exit_code == 3, result.stderr
    assert "is not the local" in result.stderr
    mangled = [i for i in items if holds_other_bytes(fake, i)]
    assert len(mangled) == 1
    assert states(fake, items)[mangled[0].path] == "uploading"
    assert_no_candidate(fake, workdir, items)
    rerun_completes(cli, fake, workdir)


class ManglingStore(LocalFolderStore):
    """A local store that keeps other bytes than it is given for one path and reports their
    real checksums, as a broken disk or a store-side bug would: only the publish's own check
    of every stored sha256 stands between it and a candidate."""

    def __init__(self, root: Path, mangle: str, scratch: Path) -> None:
        super().__init__(root)
        self.mangle, self.scratch = mangle, scratch

    def upload(self, file: LocalFile, path: str, properties: Mapping[str, str]) -> UploadResult:
        if path != self.mangle:
            return super().upload(file, path, properties)
        data = bytearray(file.path.read_bytes())
        data[len(data) // 2] ^= 0x01
        kept = self.scratch / "mangled"
        kept.write_bytes(bytes(data))
        d = digest_file(kept)
        super().upload(LocalFile(kept, d.size, d.sha256, d.sha1, d.md5), path, properties)
        return UploadResult(path, (self.root / path).as_uri(), file.size, False, 1)


def test_the_local_store_is_checked_after_upload(workdir: WorkDir, tmp_path: Path) -> None:
    info = workdir.read(BuildInfo)
    items = planned(workdir)
    arm = next(i for i in items if i.platform == "arm")
    flaky = ManglingStore(tmp_path / "store", arm.path, tmp_path)
    with pytest.raises(StoreError, match=f"{arm.path} holds .* expected sha256 {arm.file.sha256}"):
        publish(flaky, items, info, threads=2)
    good = LocalFolderStore(tmp_path / "store")
    found = {i.path: good.stat(i.path) for i in items}
    assert "candidate" not in {f.properties["state"][0] for f in found.values() if f}
    marker_file = good.stat(MARKER)
    assert marker_file is None or "cipipe.complete" not in marker_file.properties
    report = publish(good, items, info, threads=2)
    assert (good.root / "candidates" / arm.path).read_bytes() == arm.file.path.read_bytes()
    assert len(require_complete(good, "svc", "7", [(f.path, f.sha256) for f in report.files]))


def test_build_info_refused(cli: Cli, fake: FakeArtifactory, workdir: WorkDir) -> None:
    """PUT /api/build answers 500 on every attempt: exit 3 after the retries, before any file
    is marked; the rerun completes without sending an artifact byte again."""
    (workdir.path / "build-info.jfrog.json").write_text(
        json.dumps(
            {
                "version": "1.0.1",
                "name": "svc",
                "number": "7",
                "started": "2026-01-02T10:00:00.000+0000",
                "modules": [],
            }
        )
    )
    items = planned(workdir)
    fake.fail("build", *["500"] * 5)
    result = publish_cli(cli, workdir, fake.url)
    assert result.exit_code == 3, result.stderr
    assert "api/build: HTTP 500 after 5 attempts" in result.stderr
    assert all(stored_as_built(fake, i) for i in items)  # uploaded and verified, not marked
    assert set(states(fake, items).values()) == {"uploading"}
    assert "set_properties" not in fake.kinds()
    assert_no_candidate(fake, workdir, items)
    rerun_completes(cli, fake, workdir)
    assert fake.builds[-1]["number"] == "7"


def test_marking_refused_half_way(cli: Cli, fake: FakeArtifactory, workdir: WorkDir) -> None:
    """The store fails the third mark for good: exit 3; the two files marked are taken back
    and the marker is never written."""
    items = planned(workdir)
    fake.fail("set_properties", "pass", "pass", *["503"] * 5)
    result = publish_cli(cli, workdir, fake.url)
    assert result.exit_code == 3, result.stderr
    assert_no_candidate(fake, workdir, items)
    rerun_completes(cli, fake, workdir)


def test_lock_held_by_another_process(
    cli: Cli, fake: FakeArtifactory, workdir: WorkDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPIPE_LOCK_TIMEOUT", "0.3")
    with lock_held_elsewhere(workdir.path):
        result = publish_cli(cli, workdir, fake.url)
    assert result.exit_code == 2, result.stderr
    assert "locked by another cipipe process" in result.stderr
    assert fake.seen == []  # the store was not contacted
    rerun_completes(cli, fake, workdir)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("build id", "build-info.json: build_id: got '$(touch x)'"),
        ("service", "build-info.json: service: got 'svc;rm'"),
        ("platform", "artifacts.json: artifacts[1].platform: got 'arm\\n'"),
        ("artifacts of another build", "artifacts.json: build_id: got '8'"),
        ("jfrog build info of another build", "build-info.jfrog.json: number: got '8'"),
        ("jfrog build info not JSON", "build-info.jfrog.json: invalid JSON"),
    ],
)
def test_bad_inputs_fail_before_the_store_is_contacted(
    cli: Cli, fake: FakeArtifactory, workdir: WorkDir, tmp_path: Path, broken: str, message: str
) -> None:
    info, artifacts = workdir.read(BuildInfo), workdir.read(Artifacts)
    jfrog = workdir.path / "build-info.jfrog.json"
    if broken == "build id":
        workdir.write(info.model_copy(update={"build_id": "$(touch x)"}))
    elif broken == "service":
        workdir.write(info.model_copy(update={"service": "svc;rm"}))
    elif broken == "platform":
        bad = artifacts.model_copy(deep=True)
        bad.artifacts[1].platform = "arm\n"
        workdir.write(bad)
    elif broken == "artifacts of another build":
        workdir.write(artifacts.model_copy(update={"build_id": "8"}))
    elif broken == "jfrog build info of another build":
        jfrog.write_text(json.dumps({"name": "svc", "number": "8"}))
    else:
        jfrog.write_text('{"name": "svc", ')
    local = tmp_path / "local-store"
    for target in (fake.url, f"file://{local}"):
        result = publish_cli(cli, workdir, target)
        assert result.exit_code == 2, result.stderr
        assert message in result.stderr
    assert fake.seen == [] and not local.exists()
    assert not (workdir.path / "publish.json").exists()

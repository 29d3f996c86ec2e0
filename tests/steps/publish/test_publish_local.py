"""cipipe publish to the local folder store: layout, properties, all or nothing, idempotence."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.interface import LocalFile, StoreError, UploadResult
from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import BuildInfo
from cipipe.steps.publish.completion import fileset_digest, require_complete
from cipipe.steps.publish.upload import plan, publish
from cipipe.workdir import WorkDir
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def states(store: LocalFolderStore, paths: list[str]) -> set[str]:
    found = set()
    for path in paths:
        stored = store.stat(path)
        found.add(stored.properties.get("state", ("absent",))[0] if stored else "absent")
    return found


def test_publish_then_republish_sends_no_bytes(cli: Cli, workdir: WorkDir, tmp_path: Path) -> None:
    target = f"file://{tmp_path / 'store'}"
    result = cli("--workdir", workdir.path, "publish", "--target", target)
    assert result.exit_code == 0, result.stderr
    report = json.loads((workdir.path / "publish.json").read_text())
    assert report["state"] == "candidate" and report["bytes_sent"] > 60_000
    paths = [f["path"] for f in report["files"]]
    assert "svc/7/linux/svc-linux-abc-7" in paths and "svc/7/SHA256SUMS" in paths
    store = LocalFolderStore(tmp_path / "store")
    assert states(store, paths) == {"candidate"}
    linux = store.stat("svc/7/linux/svc-linux-abc-7")
    fileset = fileset_digest((f["path"], f["sha256"]) for f in report["files"])
    assert linux is not None and dict(linux.properties) == {
        "build.name": ("svc",),
        "build.number": ("7",),
        "build.timestamp": ("1767348000000",),
        "vcs.revision": ("c" * 40,),
        "service": ("svc",),
        "state": ("candidate",),
        "platform": ("linux",),
        "vcs.branch": ("main",),
        "cipipe.fileset": (fileset,),
    }
    marker = store.stat("svc/7/build-info.json")
    assert marker is not None and marker.properties["cipipe.complete"] == (fileset,)
    assert len(require_complete(store, "svc", "7")) == len(paths)
    again = cli("--workdir", workdir.path, "publish", "--target", target)
    assert again.exit_code == 0
    report = json.loads((workdir.path / "publish.json").read_text())
    assert report["bytes_sent"] == 0 and report["files_skipped"] == len(paths)


class FailingStore(LocalFolderStore):
    """The real local store, with one operation failing once, as a flaky network would."""

    def __init__(self, root: Path, fail_on: str, after: int) -> None:
        super().__init__(root)
        self.fail_on, self.after, self.calls = fail_on, after, 0

    def _maybe_fail(self, operation: str) -> None:
        if operation == self.fail_on:
            self.calls += 1
            if self.calls == self.after:
                raise StoreError(f"injected {operation} failure")

    def upload(self, file: LocalFile, path: str, properties: Mapping[str, str]) -> UploadResult:
        self._maybe_fail("upload")
        return super().upload(file, path, properties)

    def set_properties(self, path: str, properties: Mapping[str, str]) -> None:
        if properties.get("state") == "candidate":
            self._maybe_fail("mark")
        super().set_properties(path, properties)


@pytest.mark.parametrize(("fail_on", "after"), [("upload", 2), ("upload", 5), ("mark", 3)])
def test_a_failure_leaves_no_candidate_and_a_rerun_completes(
    workdir: WorkDir, tmp_path: Path, fail_on: str, after: int
) -> None:
    info = workdir.read(BuildInfo)
    items = plan(workdir.path, info, workdir.read(Artifacts))
    flaky = FailingStore(tmp_path / "store", fail_on, after)
    with pytest.raises(StoreError):
        publish(flaky, items, info, threads=1)
    paths = [i.path for i in items]
    assert "candidate" not in states(flaky, paths)
    report = publish(LocalFolderStore(tmp_path / "store"), items, info, threads=2)
    assert states(LocalFolderStore(tmp_path / "store"), paths) == {"candidate"}
    assert report.files_skipped >= 1  # what the first attempt uploaded is not sent again


class SlowStore(FailingStore):
    """Each upload takes a while, so that a publish that carried on after a failure would
    visibly start the uploads still queued."""

    def upload(self, file: LocalFile, path: str, properties: Mapping[str, str]) -> UploadResult:
        if self.calls:
            time.sleep(0.5)
        return super().upload(file, path, properties)


def test_after_a_failed_upload_no_queued_upload_starts(workdir: WorkDir, tmp_path: Path) -> None:
    info = workdir.read(BuildInfo)
    items = plan(workdir.path, info, workdir.read(Artifacts))
    slow = SlowStore(tmp_path / "store", "upload", after=1)
    with pytest.raises(StoreError, match="injected upload failure"):
        publish(slow, items, info, threads=1)
    started = [i.path for i in items if (slow.root / "candidates" / i.path).exists()]
    assert len(started) < len(items) - 1, started  # the one worker did not run the queue dry


def test_bad_inputs(cli: Cli, workdir: WorkDir, tmp_path: Path) -> None:
    result = cli(
        "--workdir",
        workdir.path,
        "publish",
        "--target",
        "https://bot:secret-token@artifactory.example.com/artifactory",
    )
    assert result.exit_code == 2 and "secret-token" not in result.stderr
    assert "credentials" in result.stderr
    artifacts = workdir.read(Artifacts)
    escaped = artifacts.model_copy(deep=True)
    escaped.artifacts[0].path = "../outside/svc-linux-abc-7"
    workdir.write(escaped)
    result = cli("--workdir", workdir.path, "publish", "--target", f"file://{tmp_path / 's'}")
    assert result.exit_code == 2 and "outside the work folder" in result.stderr
    (workdir.path / artifacts.artifacts[1].path).unlink()
    workdir.write(artifacts)
    result = cli("--workdir", workdir.path, "publish", "--target", f"file://{tmp_path / 's'}")
    assert result.exit_code == 2 and "file not found" in result.stderr
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").rglob("svc-*"))


def test_dry_run_contacts_no_store(cli: Cli, workdir: WorkDir, tmp_path: Path) -> None:
    result = cli(
        "--workdir", workdir.path, "publish", "--target", f"file://{tmp_path / 's'}", "--dry-run"
    )
    assert result.exit_code == 0 and "candidates/svc/7/arm/svc-arm-abc-7" in result.stdout
    assert not (tmp_path / "s").exists()


def test_build_info_learns_where_each_artifact_went(workdir: WorkDir, tmp_path: Path) -> None:
    from cipipe.contracts.build_info import PlatformInfo, StoredArtifact
    from cipipe.steps.publish.upload import with_store_urls

    info = workdir.read(BuildInfo)
    linux = PlatformInfo(
        platform="linux",
        build="built",
        artifacts=[
            StoredArtifact(
                name="svc-linux-abc-7",
                size=1,
                sha256="0" * 64,
                sha1="0" * 40,
                md5="0" * 32,
                store_path="candidates/svc/7/linux/svc-linux-abc-7",
            )
        ],
    )
    info = info.model_copy(update={"platforms": [linux]})
    store = LocalFolderStore(tmp_path / "store")
    report = publish(store, plan(workdir.path, info, workdir.read(Artifacts)), info)
    [artifact] = with_store_urls(info, report).platforms[0].artifacts
    assert artifact.url == f"file://{tmp_path / 'store'}/candidates/svc/7/linux/svc-linux-abc-7"

"""The completion marker and its one reader, over a real publish to the local store and to the
fake jf CLI: a finished publish is accepted; a missing, wrong or stale marker, a changed, lost
or added file and a file still uploading are each refused, naming what is wrong."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.interface import ArtifactStore, LocalFile
from cipipe.adapters.artifact_store.jf import JfCliStore
from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import BuildInfo
from cipipe.contracts.publish import PublishReport
from cipipe.digests import digest_file
from cipipe.steps.publish.completion import (
    IncompleteCandidate,
    fileset_digest,
    require_complete,
)
from cipipe.steps.publish.upload import Planned, plan, publish
from cipipe.workdir import WorkDir
from tests.support.jfcli import FAKE_JF

ARM = "svc/7/arm/svc-arm-abc-7"
MARKER = "svc/7/build-info.json"


def published(workdir: WorkDir, store: ArtifactStore) -> tuple[list[Planned], PublishReport]:
    info = workdir.read(BuildInfo)
    items = plan(workdir.path, info, workdir.read(Artifacts))
    return items, publish(store, items, info, threads=2)


def expected(report: PublishReport) -> list[tuple[str, str]]:
    return [(f.path, f.sha256) for f in report.files]


def refused(store: ArtifactStore, report: PublishReport | None = None) -> str:
    with pytest.raises(IncompleteCandidate) as caught:
        require_complete(store, "svc", "7", expected(report) if report else None)
    assert caught.value.exit_code == 1
    return str(caught.value)


def other_bytes(tmp_path: Path, name: str) -> LocalFile:
    path = tmp_path / name
    path.write_bytes(b"not what the build published")
    d = digest_file(path)
    return LocalFile(path, d.size, d.sha256, d.sha1, d.md5)


@pytest.fixture
def store(tmp_path: Path) -> LocalFolderStore:
    return LocalFolderStore(tmp_path / "store")


def test_a_finished_publish_is_complete(workdir: WorkDir, store: LocalFolderStore) -> None:
    items, report = published(workdir, store)
    files = require_complete(store, "svc", "7", expected(report))
    assert sorted(f.path for f in files) == sorted(i.path for i in items)
    assert len(files) == 5  # three platforms, build-info.json and SHA256SUMS


def test_no_marker(workdir: WorkDir, store: LocalFolderStore) -> None:
    _, report = published(workdir, store)
    store.set_properties(MARKER, {"cipipe.complete": ""})
    assert "no completion marker (cipipe.complete on svc/7/build-info.json)" in refused(store)
    assert "rerun `cipipe publish`" in refused(store, report)


def test_a_marker_naming_other_files(workdir: WorkDir, store: LocalFolderStore) -> None:
    published(workdir, store)
    store.set_properties(MARKER, {"cipipe.complete": "0" * 64})
    assert "are not the file set it names" in refused(store)


def test_a_changed_file(workdir: WorkDir, store: LocalFolderStore, tmp_path: Path) -> None:
    _, report = published(workdir, store)
    props = store.stat(ARM)
    assert props is not None
    store.upload(other_bytes(tmp_path, "arm"), ARM, {k: v[0] for k, v in props.properties.items()})
    assert "the 5 file(s) tagged with its completion marker" in refused(store, report)


def test_a_lost_file(workdir: WorkDir, store: LocalFolderStore) -> None:
    published(workdir, store)
    (store.root / "candidates" / ARM).unlink()
    assert "the 4 file(s) tagged" in refused(store)


def test_an_added_file(workdir: WorkDir, store: LocalFolderStore, tmp_path: Path) -> None:
    """Someone puts a file into the build's folder with the build's tag: not what was built."""
    published(workdir, store)
    tag = store.stat(ARM)
    assert tag is not None
    props = {k: v[0] for k, v in tag.properties.items()}
    store.upload(other_bytes(tmp_path, "extra"), "svc/7/arm/extra", props)
    assert "the 6 file(s) tagged" in refused(store)


def test_a_file_still_uploading(workdir: WorkDir, store: LocalFolderStore) -> None:
    """A rerun in progress on a store that keeps properties across a redeploy: the marker is
    still there, but the rerun has put a file back to uploading."""
    published(workdir, store)
    store.set_properties(ARM, {"state": "uploading"})
    assert f"{ARM} is still state=uploading" in refused(store)


def test_publish_json_of_another_publish(workdir: WorkDir, store: LocalFolderStore) -> None:
    _, report = published(workdir, store)
    stale = report.model_copy(update={"files": report.files[1:]})
    require_complete(store, "svc", "7")  # the store alone is fine
    assert "publish.json lists other files" in refused(store, stale)


def test_files_attached_later_are_not_part_of_the_build(
    workdir: WorkDir, store: LocalFolderStore, tmp_path: Path
) -> None:
    """decide-strategy uploads risk-decision.json beside the build, without the build's tag."""
    _, report = published(workdir, store)
    extra = other_bytes(tmp_path, "risk-decision.json")
    store.upload(extra, "svc/7/risk-decision.json", {"build.number": "7", "state": "candidate"})
    assert len(require_complete(store, "svc", "7", expected(report))) == 5


def test_the_digest_is_what_a_shell_computes(tmp_path: Path) -> None:
    """Anyone can recompute the marker: `LC_ALL=C sort` of "<path> <sha256>" lines, sha256."""
    files = [("svc/7/b", "2" * 64), ("svc/7/a b", "1" * 64), ("svc/7/Z", "3" * 64)]
    listing = tmp_path / "listing"
    listing.write_text("".join(f"{p} {s}\n" for p, s in files))
    shell = subprocess.run(
        ["sh", "-c", 'LC_ALL=C sort "$1" | sha256sum', "sh", str(listing)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout.split()[0] == fileset_digest(files)


def test_jf_store(workdir: WorkDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_JF_ROOT", str(tmp_path / "server"))
    monkeypatch.delenv("FAKE_JF_FAIL", raising=False)
    monkeypatch.setenv("PATH", f"{FAKE_JF.parent}{os.pathsep}{os.environ['PATH']}")
    store = JfCliStore("candidates", build_name="svc", build_number="7")
    _, report = published(workdir, store)
    assert len(require_complete(store, "svc", "7", expected(report))) == 5
    store.set_properties(ARM, {"state": "uploading"})
    assert "still state=uploading" in refused(store, report)

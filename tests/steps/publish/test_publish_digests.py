"""publish takes each artifact's digests from artifacts.json while its size and mtime are those
the build recorded, hashes it again when its mtime changed, and refuses (exit 1) an artifact
whose bytes are not the ones built."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.contracts.artifacts import Artifact, Artifacts
from cipipe.contracts.build_info import BuildInfo
from cipipe.errors import RefusedError
from cipipe.steps.publish.upload import plan
from cipipe.workdir import WorkDir
from tests.conftest import CliResult, requires
from tests.steps.build.rerun import built_once, outcome
from tests.steps.buildflow import GXX
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
LINUX = "artifacts/linux/svc-linux-abc-7"


def rewrite_artifacts(workdir: WorkDir, **update: object) -> Artifact:
    """Change the linux artifact's record in artifacts.json; returns the new record."""
    artifacts = workdir.read(Artifacts)
    records = [a.model_copy(update=update) if a.path == LINUX else a for a in artifacts.artifacts]
    workdir.write(artifacts.model_copy(update={"artifacts": records}))
    return next(a for a in records if a.path == LINUX)


def planned_linux(workdir: WorkDir) -> tuple[int, str, str, str]:
    items = plan(workdir.path, workdir.read(BuildInfo), workdir.read(Artifacts))
    item = next(i for i in items if i.platform == "linux")
    return item.file.size, item.file.sha256, item.file.sha1, item.file.md5


def flip_one_byte(path: Path) -> None:
    """Other bytes, same size, same mtime: only hashing could tell."""
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_an_unchanged_artifact_is_published_with_the_recorded_digests(workdir: WorkDir) -> None:
    # Digests that hashing would never give: seeing them in the plan proves nothing was hashed.
    record = rewrite_artifacts(workdir, sha256="a" * 64, sha1="b" * 40, md5="c" * 32)
    assert planned_linux(workdir) == (record.size, "a" * 64, "b" * 40, "c" * 32)


def test_a_touched_artifact_with_the_same_bytes_is_hashed_again_and_published(
    workdir: WorkDir,
) -> None:
    record = workdir.read(Artifacts).artifacts[0]
    path = workdir.path / record.path
    os.utime(path, ns=(1, 1_000_000_000))
    assert planned_linux(workdir) == (record.size, record.sha256, record.sha1, record.md5)


def test_other_bytes_behind_a_new_mtime_are_refused_naming_the_file(workdir: WorkDir) -> None:
    path = workdir.path / LINUX
    flip_one_byte(path)
    os.utime(path, ns=(1, 1_000_000_000))
    with pytest.raises(RefusedError, match=r"svc-linux-abc-7 changed after the build \(sha256"):
        planned_linux(workdir)


def test_another_size_is_refused(workdir: WorkDir) -> None:
    path = workdir.path / LINUX
    with path.open("ab") as handle:
        handle.write(b"appended after the build")
    with pytest.raises(RefusedError, match=r"svc-linux-abc-7 changed after the build \(\d+ bytes"):
        planned_linux(workdir)


def test_without_a_recorded_mtime_every_artifact_is_hashed_and_compared(
    workdir: WorkDir,
) -> None:
    """An artifacts.json of an older cipipe: nothing to trust, so the bytes decide."""
    record = rewrite_artifacts(workdir, mtime_ns=None)
    assert planned_linux(workdir) == (record.size, record.sha256, record.sha1, record.md5)
    flip_one_byte(workdir.path / LINUX)
    with pytest.raises(RefusedError, match="svc-linux-abc-7 changed after the build"):
        planned_linux(workdir)


def test_the_cli_refuses_a_changed_artifact_with_exit_1_and_sends_nothing(
    cli: Cli, workdir: WorkDir, tmp_path: Path
) -> None:
    path = workdir.path / LINUX
    flip_one_byte(path)
    os.utime(path, ns=(1, 1_000_000_000))
    store = tmp_path / "store"
    result = cli("--workdir", workdir.path, "publish", "--target", f"file://{store}")
    assert result.exit_code == 1, result.stderr
    assert f"{path} changed after the build" in result.stderr
    assert not workdir.path.joinpath("publish.json").exists()
    assert not store.exists() or not any(p.is_file() for p in store.rglob("*"))


@requires(GXX is not None, "g++ is not installed")
def test_the_build_records_each_artifacts_mtime_for_publish(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    """A real build of a tiny program: what publish trusts is the file as the build left it."""
    _, work = built_once(make_repo, tmp_path, "--jobs", "1")
    artifacts = outcome(work).artifacts
    assert len(artifacts) == 2
    for artifact in artifacts:
        found = (work / artifact.path).stat()
        assert (artifact.size, artifact.mtime_ns) == (found.st_size, found.st_mtime_ns)

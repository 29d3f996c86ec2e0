"""The artifact paths of build-info.json and build-info.jfrog.json are repository-relative, and
publish records the repository it used (--repository) on the JFrog build-info it sends, so that
`originalDeploymentRepo/path` is where each artifact really is, in the loopback Artifactory and
in the local store alike."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.artifact_store.local import BUILDS_DIR, LocalFolderStore
from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.build_info import BuildInfo, PlatformInfo, StoredArtifact
from cipipe.contracts.jfrog_build_info import JfrogBuildInfo
from cipipe.errors import InputError
from cipipe.logs import SecretMasker
from cipipe.steps.build_info.assemble import store_path
from cipipe.steps.build_info.jfrog import jfrog_build_info
from cipipe.steps.publish.jfrog_build_info import as_deployed
from cipipe.workdir import WorkDir
from tests.conftest import CliResult
from tests.steps.publish.conftest import make_workdir
from tests.support.artifactoryserver import FakeArtifactory, serve

Cli = Callable[..., CliResult]
TOKEN = "paths-token-0123456789"
JFROG = "build-info.jfrog.json"


def with_build_info(work: Path) -> WorkDir:
    """A work folder as `cipipe build-info` leaves it: each artifact's store path and the
    JFrog document made from them by the step's own functions."""
    workdir = make_workdir(work)
    info = workdir.read(BuildInfo)
    platforms = [
        PlatformInfo(
            platform=a.platform,
            build="built",
            artifacts=[
                StoredArtifact(
                    name=a.name,
                    size=a.size,
                    sha256=a.sha256,
                    sha1=a.sha1,
                    md5=a.md5,
                    store_path=store_path(info.service, info.build_id, a.platform, a.name),
                )
            ],
        )
        for a in workdir.read(Artifacts).artifacts
    ]
    info = info.model_copy(update={"platforms": platforms})
    workdir.write(info)
    document = jfrog_build_info(
        info, duration=timedelta(seconds=3), env={}, masker=SecretMasker({}), message=None
    )
    (work / JFROG).write_text(json.dumps(document))
    return workdir


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArtifactory]:
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    monkeypatch.delenv("CIPIPE_ARTIFACTORY_URL", raising=False)
    monkeypatch.setattr(random, "uniform", lambda a, b: 0.0)
    with serve(FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})) as server:
        yield server


def artifacts_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for module in document["modules"] for a in module["artifacts"]]


def test_the_paths_hold_no_repository_key(tmp_path: Path) -> None:
    assert store_path("svc", "7", "linux", "svc-linux-abc-7") == "svc/7/linux/svc-linux-abc-7"
    workdir = with_build_info(tmp_path / "w")
    info = workdir.read(BuildInfo)
    document = json.loads((workdir.path / JFROG).read_text())
    JfrogBuildInfo.model_validate(document)
    paths = {a["name"]: a["path"] for a in artifacts_of(document)}
    assert (
        paths
        == {a.name: a.store_path for p in info.platforms for a in p.artifacts}
        == {f"svc-{p}-abc-7": f"svc/7/{p}/svc-{p}-abc-7" for p in ("linux", "arm", "windows")}
    )
    assert all("originalDeploymentRepo" not in a for a in artifacts_of(document))


def test_publish_to_another_repository_records_it_on_the_build_info(
    cli: Cli, fake: FakeArtifactory, tmp_path: Path
) -> None:
    workdir = with_build_info(tmp_path / "w")
    result = cli("--workdir", workdir.path, "publish", "--target", fake.url, "--repository", "rc")
    assert result.exit_code == 0, result.stderr
    assert {repo for repo, _ in fake.items} == {"rc"}
    [sent] = fake.builds
    artifacts = artifacts_of(sent)
    assert len(artifacts) == 3
    for artifact in artifacts:
        # Where Artifactory's Builds view and jf look: the repository, then the path in it.
        stored = fake.items[(artifact["originalDeploymentRepo"], artifact["path"])]
        assert artifact["originalDeploymentRepo"] == "rc"
        assert stored.sha256 == artifact["sha256"]
    # The work folder keeps what was sent, and build-info.json where each file went.
    assert json.loads((workdir.path / JFROG).read_text()) == sent
    JfrogBuildInfo.model_validate(sent)
    info = workdir.read(BuildInfo)
    for platform in info.platforms:
        for a in platform.artifacts:
            assert a.url == f"{fake.url}/rc/{a.store_path}"


def test_the_local_store_and_a_rerun_in_the_default_repository(cli: Cli, tmp_path: Path) -> None:
    workdir = with_build_info(tmp_path / "w")
    target = f"file://{tmp_path / 'store'}"
    for repository in ("other", "candidates"):
        args = ("--workdir", workdir.path, "publish", "--target", target)
        result = cli(*args, "--repository", repository)
        assert result.exit_code == 0, result.stderr
        store = LocalFolderStore(tmp_path / "store", repository)
        sent = json.loads((tmp_path / "store" / BUILDS_DIR / "svc" / "7.json").read_text())
        for artifact in artifacts_of(sent):
            assert artifact["originalDeploymentRepo"] == repository
            stored = store.stat(artifact["path"])
            assert stored is not None and stored.sha256 == artifact["sha256"]


def test_a_path_with_the_repository_key_is_refused_before_sending(tmp_path: Path) -> None:
    document: dict[str, Any] = {
        "name": "svc",
        "number": "7",
        "modules": [{"id": "svc:linux", "artifacts": [{"name": "a", "path": "svc/7/linux/a"}]}],
    }
    assert artifacts_of(as_deployed(document, "candidates", file=JFROG)) == [
        {"name": "a", "path": "svc/7/linux/a", "originalDeploymentRepo": "candidates"}
    ]
    assert "originalDeploymentRepo" not in artifacts_of(document)[0]  # not changed in place
    document["modules"][0]["artifacts"][0]["path"] = "candidates/svc/7/linux/a"
    with pytest.raises(InputError, match=r"modules\[0\]\.artifacts\[0\]\.path.*repository key"):
        as_deployed(document, "candidates", file=JFROG)
    # A service named like the repository is not mistaken for it.
    named = {"modules": [{"artifacts": [{"name": "a", "path": "candidates/7/linux/a"}]}]}
    assert artifacts_of(as_deployed(named, "candidates", file=JFROG))[0]["path"] == (
        "candidates/7/linux/a"
    )

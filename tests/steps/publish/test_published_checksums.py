"""The SHA256SUMS publish attaches checks out where the candidate is stored: GNU sha256sum -c
in the candidate's folder (the local store's, or one downloaded from Artifactory) finds every
artifact, while the work folder's SHA256SUMS keeps checking out in the work folder."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from cipipe.contracts.artifacts import Artifacts
from cipipe.contracts.publish import PublishReport
from cipipe.digests import sha256sums_line
from cipipe.steps.publish.checksums import CANDIDATE_CHECKSUMS, candidate_checksums
from cipipe.workdir import WorkDir
from tests.conftest import CliResult, have, requires
from tests.support.artifactoryserver import FakeArtifactory, serve

Cli = Callable[..., CliResult]
TOKEN = "checksums-token-0123456789"

pytestmark = requires(have("sha256sum"), "GNU coreutils' sha256sum is not installed")


def sha256sum_check(folder: Path) -> list[str]:
    """``sha256sum -c --strict SHA256SUMS`` run in ``folder``: its OK lines (fails otherwise)."""
    done = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return sorted(done.stdout.splitlines())


def expected_ok(workdir: WorkDir, prefix: str = "") -> list[str]:
    artifacts = workdir.read(Artifacts).artifacts
    return sorted(f"{prefix}{a.platform}/{a.name}: OK" for a in artifacts)


def test_the_candidates_sha256sums_checks_out_in_the_local_store(
    cli: Cli, workdir: WorkDir, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    work_sums = (workdir.path / "SHA256SUMS").read_bytes()
    result = cli("--workdir", workdir.path, "publish", "--target", f"file://{store}")
    assert result.exit_code == 0, result.stderr
    candidate = store / "candidates" / "svc" / "7"  # the repository, then the build
    assert sha256sum_check(candidate) == expected_ok(workdir)
    # The work folder's own file is untouched and still checks out where it is.
    assert (workdir.path / "SHA256SUMS").read_bytes() == work_sums
    assert sha256sum_check(workdir.path) == expected_ok(workdir, "artifacts/")
    published = {f.path: f for f in workdir.read(PublishReport).files}
    staged = (workdir.path / CANDIDATE_CHECKSUMS).read_bytes()
    assert (candidate / "SHA256SUMS").read_bytes() == staged
    assert published["svc/7/SHA256SUMS"].size == len(staged)


def test_the_lines_are_gnu_sha256sums_own(workdir: WorkDir) -> None:
    artifacts = workdir.read(Artifacts)
    text = candidate_checksums(artifacts.artifacts)
    assert text == "".join(f"{a.sha256}  {a.platform}/{a.name}\n" for a in artifacts.artifacts)
    assert text == "".join(
        sha256sums_line(a.sha256, f"{a.platform}/{a.name}") for a in artifacts.artifacts
    )


def test_a_rerun_sends_the_same_checksums_again_as_no_bytes(
    cli: Cli, workdir: WorkDir, tmp_path: Path
) -> None:
    target = f"file://{tmp_path / 'store'}"
    assert cli("--workdir", workdir.path, "publish", "--target", target).exit_code == 0
    assert cli("--workdir", workdir.path, "publish", "--target", target).exit_code == 0
    again = {f.path: f for f in workdir.read(PublishReport).files}
    assert again["svc/7/SHA256SUMS"].skipped_by_checksum


@pytest.fixture
def artifactory(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArtifactory]:
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    with serve(FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})) as server:
        yield server


def test_a_candidate_downloaded_from_artifactory_checks_out(
    cli: Cli, workdir: WorkDir, artifactory: FakeArtifactory, tmp_path: Path
) -> None:
    result = cli("--workdir", workdir.path, "publish", "--target", artifactory.url)
    assert result.exit_code == 0, result.stderr
    report = json.loads((workdir.path / "publish.json").read_text(encoding="utf-8"))
    # As `jf rt download candidates/svc/7/` lays it out: each file below the build's folder.
    downloaded = tmp_path / "downloaded"
    for file in report["files"]:
        answer = requests.get(
            f"{artifactory.url}/candidates/{file['path']}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        target = downloaded / file["path"].removeprefix("svc/7/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(answer.content)
    assert sha256sum_check(downloaded) == expected_ok(workdir)


def test_a_dry_run_writes_no_checksums_and_shows_what_would_go(
    cli: Cli, workdir: WorkDir, tmp_path: Path
) -> None:
    target = ("--target", f"file://{tmp_path / 'store'}")
    dry = cli("--workdir", workdir.path, "publish", *target, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert not (workdir.path / CANDIDATE_CHECKSUMS).exists()
    size = len(candidate_checksums(workdir.read(Artifacts).artifacts))
    line = f"{workdir.path / CANDIDATE_CHECKSUMS} -> candidates/svc/7/SHA256SUMS ({size} bytes)"
    assert line in dry.stdout.splitlines()
    assert cli("--workdir", workdir.path, "publish", *target).exit_code == 0
    assert (workdir.path / CANDIDATE_CHECKSUMS).stat().st_size == size

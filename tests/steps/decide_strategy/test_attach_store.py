"""The decision attached to a published candidate: risk-decision.json uploaded beside the build's
files and risk.* properties on each of them, on the local folder store, on a loopback
Artifactory over real HTTP, and through the jf CLI (the fake in tests/fakejf); a failing store
is exit 3 with a message that names it without its credentials."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.jf import JfCliStore
from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.contracts.loading import read_contract
from cipipe.contracts.publish import PublishReport
from cipipe.contracts.risk_decision import RiskDecision
from cipipe.digests import digest_file
from tests.steps.decide_strategy.candidates import DECISION_PATH, TOKEN, Cli, published
from tests.steps.decide_strategy.conftest import Decide
from tests.support.artifactoryserver import FakeArtifactory, serve
from tests.support.jfcli import FAKE_JF


def expected_properties(work: Path) -> dict[str, str]:
    d = read_contract(RiskDecision, work / RiskDecision.FILE_NAME)
    return {
        "risk.score": str(d.risk_score),
        "risk.strategy": d.recommended_strategy,
        "risk.policy_version": d.policy_version,
        "risk.policy_source": "folder",
        "risk.mode": d.mode,
    }


def check_attached(
    work: Path,
    report: PublishReport,
    properties_of: Callable[[str], Mapping[str, Sequence[str]] | None],
) -> None:
    want = expected_properties(work)
    assert len(report.files) >= 4
    for path in [DECISION_PATH, *(f.path for f in report.files)]:
        found = properties_of(path)
        assert found is not None, path
        for key, value in want.items():
            assert list(found[key]) == [value], (path, key)
        assert list(found["state"]) == ["candidate"], path


@pytest.mark.parametrize("where", ["file-url", "default-folder"])
def test_local_folder_store(cli: Cli, decide: Decide, tmp_path: Path, where: str) -> None:
    folder = tmp_path / ("store" if where == "file-url" else "cipipe-store")
    args = ("--target", f"file://{folder}") if where == "file-url" else ()
    work = tmp_path / "work"
    report = published(cli, work, *args)
    result = decide(work, *args)
    assert result.exit_code == 0, result.stderr
    assert "decision attached to" in result.stderr
    store = LocalFolderStore(folder)

    def properties_of(path: str) -> Mapping[str, Sequence[str]] | None:
        stored = store.stat(path)
        return stored.properties if stored else None

    check_attached(work, report, properties_of)
    stored = store.stat(DECISION_PATH)
    assert stored is not None
    assert stored.sha256 == read_digest(work / RiskDecision.FILE_NAME)


def read_digest(path: Path) -> str:
    return digest_file(path).sha256


@pytest.fixture
def fake() -> Iterator[FakeArtifactory]:
    with serve(FakeArtifactory(authorization={"Authorization": f"Bearer {TOKEN}"})) as server:
        yield server


def test_artifactory_over_http(
    cli: Cli, decide: Decide, tmp_path: Path, fake: FakeArtifactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    assert fake.url.startswith("http://127.0.0.1:")
    work = tmp_path / "work"
    report = published(cli, work, "--target", fake.url)
    result = decide(work, "--target", fake.url)
    assert result.exit_code == 0, result.stderr

    def properties_of(path: str) -> Mapping[str, Sequence[str]] | None:
        item = fake.items.get(("candidates", path))
        return item.properties if item else None

    check_attached(work, report, properties_of)
    item = fake.items[("candidates", DECISION_PATH)]
    assert fake.blobs[item.sha256] == (work / RiskDecision.FILE_NAME).read_bytes()


def test_artifactory_from_the_environment(
    cli: Cli, decide: Decide, tmp_path: Path, fake: FakeArtifactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_URL", fake.url)
    work = tmp_path / "work"
    published(cli, work)
    assert decide(work).exit_code == 0
    assert ("candidates", DECISION_PATH) in fake.items


def test_jf_cli(cli: Cli, decide: Decide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_JF_LOG", str(tmp_path / "jf.jsonl"))
    monkeypatch.setenv("FAKE_JF_ROOT", str(tmp_path / "server"))
    monkeypatch.setenv("JFROG_CLI_ACCESS_TOKEN", TOKEN)
    monkeypatch.delenv("FAKE_JF_FAIL", raising=False)
    monkeypatch.setenv("PATH", f"{FAKE_JF.parent}{os.pathsep}{os.environ['PATH']}")
    work = tmp_path / "work"
    report = published(cli, work, "--via", "jf")
    result = decide(work, "--via", "jf")
    assert result.exit_code == 0, result.stderr
    store = JfCliStore("candidates", build_name="svc", build_number="7")

    def properties_of(path: str) -> Mapping[str, Sequence[str]] | None:
        stored = store.stat(path)
        return stored.properties if stored else None

    check_attached(work, report, properties_of)
    calls = [json.loads(line) for line in (tmp_path / "jf.jsonl").read_text().splitlines()]
    assert all(TOKEN not in " ".join(c["argv"]) for c in calls)  # the token stays in the env


@pytest.mark.parametrize("kind", ["set_properties", "deploy"])
def test_a_failing_store_is_exit_3_and_a_rerun_completes(
    cli: Cli,
    decide: Decide,
    tmp_path: Path,
    fake: FakeArtifactory,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    work = tmp_path / "work"
    report = published(cli, work, "--target", fake.url)
    monkeypatch.setattr(random, "uniform", lambda a, b: 0.0)  # no backoff wait between retries
    fake.fail(kind, *["500"] * 10)
    if kind == "deploy":
        fake.fail("checksum_deploy", *["500"] * 10)
    result = decide(work, "--target", fake.url)
    assert result.exit_code == 3, result.stderr
    assert TOKEN not in result.stderr + result.stdout
    error = [line for line in result.stderr.splitlines() if "error" in line]
    assert error and "127.0.0.1" in error[-1] and "500" in error[-1], result.stderr
    # The decision itself stands: files written and audited before the store was contacted.
    assert (work / RiskDecision.FILE_NAME).is_file()
    fake.faults.clear()
    assert decide(work, "--target", fake.url).exit_code == 0

    def properties_of(path: str) -> Mapping[str, Sequence[str]] | None:
        item = fake.items.get(("candidates", path))
        return item.properties if item else None

    check_attached(work, report, properties_of)


@pytest.mark.parametrize("marker", ["absent", "wrong", "file uploading"])
def test_an_incomplete_candidate_gets_no_decision(
    cli: Cli,
    decide: Decide,
    history_db: Path,
    tmp_path: Path,
    fake: FakeArtifactory,
    monkeypatch: pytest.MonkeyPatch,
    marker: str,
) -> None:
    """publish.json says published, but the store does not prove the build complete (a publish
    that stopped while marking): exit 1, nothing audited, written or attached; once the publish
    is rerun, the decision goes through."""
    monkeypatch.setenv("CIPIPE_ARTIFACTORY_TOKEN", TOKEN)
    work = tmp_path / "work"
    report = published(cli, work, "--target", fake.url)
    carrier = fake.items[("candidates", "svc/7/build-info.json")].properties
    if marker == "absent":
        del carrier["cipipe.complete"]
    elif marker == "wrong":
        carrier["cipipe.complete"] = ["0" * 64]
    else:
        fake.items[("candidates", report.files[0].path)].properties["state"] = ["uploading"]
    result = decide(work, "--target", fake.url)
    assert result.exit_code == 1, result.stderr
    assert "svc/7 in http://127.0.0.1:" in result.stderr
    assert "is not a complete candidate" in result.stderr
    assert not (work / RiskDecision.FILE_NAME).exists()
    assert ("candidates", DECISION_PATH) not in fake.items
    assert not any(k.startswith("risk.") for i in fake.items.values() for k in i.properties)
    shown = cli("--workdir", work, "audit", "show", "--build", "7", "--db", history_db)
    assert shown.exit_code == 0 and shown.stdout == ""
    assert cli("--workdir", work, "publish", "--target", fake.url).exit_code == 0
    assert decide(work, "--target", fake.url).exit_code == 0
    assert ("candidates", DECISION_PATH) in fake.items

"""cipipe outcome sync end to end: documents from a file or stdin, a loopback Jenkins, the
local and the loopback Artifactory, outcome-sync.json, and every exit code."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.adapters.history.interface import BuildRecord
from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.contracts.loading import read_contract
from cipipe.contracts.outcome_sync import OutcomeSync
from tests.adapters.artifact_store.helpers import local_file
from tests.conftest import CliResult
from tests.steps.outcome_sync.helpers import annotated, upstream
from tests.support.artifactoryserver import FakeArtifactory
from tests.support.artifactoryserver import serve as serve_artifactory
from tests.support.jenkinsserver import FakeJenkins
from tests.support.jenkinsserver import serve as serve_jenkins

Cli = Callable[..., CliResult]
ABORTED_AT = datetime(2020, 9, 22, 9, 10, 5, tzinfo=UTC)
NOW = "2020-09-22T12:00:00+00:00"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Builds 41 and 42 of gateway, started the hour before the upstream rollout aborted."""
    for var in ("CIPIPE_DB", "CIPIPE_POLICY", "CIPIPE_ARTIFACTORY_URL", "JENKINS_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "history.sqlite3"
    with open_store(str(path), default_path=path) as store:
        for build in ("41", "42"):
            started = ABORTED_AT - timedelta(hours=1)
            store.record_build(BuildRecord("gateway", build, started, "success", "cipipe"))
    return path


def sync(cli: Cli, tmp_path: Path, *args: str | Path) -> CliResult:
    return cli(
        "--workdir", tmp_path / "work", "outcome", "sync", "--db", tmp_path / "history.sqlite3",
        "--now", NOW, *args,
    )  # fmt: skip


def outcomes(db: Path, build: str) -> list[str]:
    with open_store(str(db), default_path=db) as store:
        found = store.outcomes_of([("gateway", build)]).get(("gateway", build), [])
    return [o.result for o in found]


def report(tmp_path: Path) -> OutcomeSync:
    return read_contract(OutcomeSync, tmp_path / "work" / "outcome-sync.json")


def test_a_rollout_file_is_recorded_written_and_printed_then_known(
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    document = tmp_path / "rollouts.json"
    items = [
        annotated(upstream("rollout-aborted"), "gateway", "41"),
        annotated(upstream("bluegreen-paused"), "gateway", "42"),
    ]
    document.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    first = sync(cli, tmp_path, "--from", "argo-rollouts", document)
    assert first.exit_code == 0, first.stderr
    assert (
        "recorded: rollout/default/rollout-background-analysis -> gateway 41: rollback"
        in first.stdout
    )
    assert "pending: rollout/jesse-test/bluegreen-demo -> gateway 42" in first.stdout
    written = report(tmp_path)
    assert [e.build_id for e in written.recorded] == ["41"]
    assert written.windows.stable_for == 72 * 3600 and written.policy_version.startswith("sha256:")
    second = sync(cli, tmp_path, "--from", "argo-rollouts", document)
    assert second.exit_code == 0 and "already known: rollout/default" in second.stdout
    assert outcomes(db, "41") == ["rollback"] and outcomes(db, "42") == []


def test_a_document_on_stdin(
    cli: Cli, tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = json.dumps(annotated(upstream("rollout-aborted"), "gateway", "42"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    result = sync(cli, tmp_path, "--from", "argo-rollouts", "-")
    assert result.exit_code == 0, result.stderr
    assert outcomes(db, "42") == ["rollback"]
    assert report(tmp_path).read_from == "<stdin>"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{not json", "rollouts.json: not JSON"),
        ('{"kind": "Deployment", "metadata": {"name": "x"}}', "rollouts.json: kind: kind is"),
        ('{"kind": "List", "items": [{"kind": "Rollout"}]}', "items[0].metadata.name"),
    ],
)
def test_an_unreadable_document_is_exit_2_naming_file_and_field(
    cli: Cli, tmp_path: Path, db: Path, content: str, said: str
) -> None:
    (tmp_path / "rollouts.json").write_text(content)
    result = sync(cli, tmp_path, "--from", "argo-rollouts", tmp_path / "rollouts.json")
    assert result.exit_code == 2 and said in result.stderr
    assert not (tmp_path / "work" / "outcome-sync.json").exists()


def test_a_missing_document_or_job_is_exit_2(cli: Cli, tmp_path: Path, db: Path) -> None:
    assert sync(cli, tmp_path, "--from", "flagger").exit_code == 2
    assert sync(cli, tmp_path, "--from", "jenkins", "--url", "http://127.0.0.1:9").exit_code == 2
    result = sync(cli, tmp_path, "--from", "argo-rollouts", tmp_path / "absent.json")
    assert result.exit_code == 2 and "absent.json" in result.stderr


def run_entry(number: int, result: str | None, build: str, **params: str) -> dict[str, Any]:
    parameters = [
        {"_class": "hudson.model.StringParameterValue", "name": "BUILD_ID", "value": build}
    ]
    parameters += [{"name": k, "value": v} for k, v in params.items()]
    return {
        "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
        "number": number,
        "result": result,
        "timestamp": int(ABORTED_AT.timestamp() * 1000),
        "duration": 1000,
        "actions": [{"_class": "hudson.model.ParametersAction", "parameters": parameters}, {}],
    }


def test_a_rollback_job_labels_the_builds_its_runs_name(cli: Cli, tmp_path: Path, db: Path) -> None:
    runs = [
        run_entry(3, None, "42", SERVICE="gateway"),  # still running: pending
        run_entry(2, "FAILURE", "42", SERVICE="gateway"),  # rolled nothing back
        run_entry(1, "SUCCESS", "41", SERVICE="gateway"),
    ]
    fake = FakeJenkins({"job/ops/job/rollback": runs})
    with serve_jenkins(fake):
        args = ("--from", "jenkins", "--url", fake.url, "--job", "ops/rollback")
        first = sync(cli, tmp_path, *args)
        assert first.exit_code == 0, first.stderr
        assert sync(cli, tmp_path, *args).exit_code == 0
    assert outcomes(db, "41") == ["rollback"] and outcomes(db, "42") == []
    assert [e.subject for e in report(tmp_path).pending] == ["job/ops/rollback#3"]
    assert "actions[parameters[name,value]]" in (fake.seen[0].tree or "")


def test_a_hotfix_job_with_its_own_parameter_names(cli: Cli, tmp_path: Path, db: Path) -> None:
    entry = run_entry(9, "SUCCESS", "unused", TARGET_BUILD="42")
    fake = FakeJenkins({"job/hotfix": [entry]})
    with serve_jenkins(fake):
        result = sync(
            cli, tmp_path, "--from", "jenkins", "--url", fake.url, "--job", "hotfix",
            "--kind", "hotfix", "--build-param", "TARGET_BUILD", "--service", "gateway",
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert outcomes(db, "42") == ["hotfix"]


def test_jenkins_down_after_retries_is_exit_3_and_records_nothing(
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    down = [(503, {"Retry-After": "0"})] * 4
    fake = FakeJenkins(
        {"job/rollback": [run_entry(1, "SUCCESS", "41")]}, fail_first={"job/rollback": down}
    )
    with serve_jenkins(fake):
        result = sync(cli, tmp_path, "--from", "jenkins", "--url", fake.url, "--job", "rollback")
    assert result.exit_code == 3 and "after 4 attempts" in result.stderr
    assert outcomes(db, "41") == []


def publish(store: LocalFolderStore, tmp_path: Path, build: str, **props: str) -> None:
    file = local_file(tmp_path / "files" / build, b"binary " + build.encode())
    path = f"gateway/{build}/linux/gateway-linux-abc-{build}"
    store.upload(file, path, {"build.name": "gateway", "build.number": build, **props})


def test_the_release_outcome_property_in_the_local_store(
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    store = LocalFolderStore(tmp_path / "cipipe-store")
    publish(store, tmp_path, "41", **{"release.outcome": "slo-breach"})
    publish(store, tmp_path, "42")
    target = f"file://{tmp_path / 'cipipe-store'}"
    assert sync(cli, tmp_path, "--from", "artifactory", "--target", target).exit_code == 0
    assert sync(cli, tmp_path, "--from", "artifactory", "--target", target).exit_code == 0
    assert outcomes(db, "41") == ["slo-breach"] and outcomes(db, "42") == []
    assert [e.matched_by for e in report(tmp_path).known] == ["property"]


def test_the_release_outcome_property_in_artifactory_and_artifactory_down(
    cli: Cli, tmp_path: Path, db: Path
) -> None:
    fake = FakeArtifactory()
    fake.put_file(
        "candidates", "gateway/42/linux/gateway-linux-abc-42", b"x",
        **{"build.name": "gateway", "build.number": "42", "release.outcome": "rollback"},
    )  # fmt: skip
    with serve_artifactory(fake):
        result = sync(cli, tmp_path, "--from", "artifactory", "--target", fake.url)
        assert result.exit_code == 0, result.stderr
        assert outcomes(db, "42") == ["rollback"]
        fake.fail("aql", *["429:0"] * 5)
        down = sync(cli, tmp_path, "--from", "artifactory", "--target", fake.url)
    assert down.exit_code == 3, down.stderr

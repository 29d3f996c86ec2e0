"""cipipe policy diff in-process: files and golden files, --fail-if exits, the history store on
SQLite and PostgreSQL, a served policy with pins, bad input."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.adapters.history.interface import OutcomeResult
from cipipe.cli.commands.policy_diff import COMMENT_MARKER
from tests.conftest import REPO_ROOT, CliResult
from tests.risk.histories import fill_orders_store, generated_rows, write_csv
from tests.support.githubserver import FakeGitHub
from tests.support.githubserver import serve as serve_github
from tests.support.gitrepo import GitRepoBuilder
from tests.support.historydb import Backend
from tests.support.policyserver import running
from tests.support.snapshots import assert_snapshot, assert_snapshot_text

Cli = Callable[..., CliResult]
CSV_ARGS = ("--label", "failed", "--time", "time", "--id", "id")


@pytest.fixture
def old(tmp_path: Path) -> Path:
    folder = tmp_path / "old"
    shutil.copytree(REPO_ROOT / "policies", folder)
    return folder


@pytest.fixture
def new(tmp_path: Path, old: Path) -> Path:
    """The shipped policy with rolling up to 40 (canary from 41), approval at 36 and the
    enforcement FPR threshold at 5 %."""
    folder = tmp_path / "new"
    shutil.copytree(old, folder)
    mapping_file = folder / "strategy-mapping-policy.yaml"
    mapping = yaml.safe_load(mapping_file.read_text())
    mapping["buckets"][0]["max"], mapping["buckets"][1]["min"] = 40, 41
    mapping["manual_approval_at"] = 36
    mapping_file.write_text(yaml.safe_dump(mapping))
    thresholds_file = folder / "thresholds-and-windows.yaml"
    thresholds = yaml.safe_load(thresholds_file.read_text())
    thresholds["enforcement"]["max_false_positive_rate"] = 0.05
    thresholds_file.write_text(yaml.safe_dump(thresholds))
    return folder


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "history.csv", generated_rows(300))


def _diff(cli: Cli, work: Path, old: Path | str, new: Path | str, *args: str | Path) -> CliResult:
    return cli("--workdir", work, "policy", "diff", old, new, *args)


def _written(work: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((work / "policy-diff.json").read_text())
    return data


def _normalised(text: str, data: dict[str, Any], tmp_path: Path) -> str:
    """What the machine and the shipped policy decide, replaced by names."""
    for side in ("old", "new"):
        version = data[side]["version"]
        text = text.replace(version, f"sha256:<{side}>")
        text = text.replace(version.removeprefix("sha256:")[:12], f"<{side}>")
    return text.replace(str(tmp_path), "<tmp>").replace(data["cipipe_version"], "<version>")


def test_writes_the_json_the_markdown_and_a_summary(
    cli: Cli, tmp_path: Path, old: Path, new: Path, history: Path
) -> None:
    work = tmp_path / "work"
    result = _diff(cli, work, old, new, "--history", history, *CSV_ARGS, "--top", "5")
    assert result.exit_code == 0, result.stderr
    data = _written(work)
    assert data["schema"] == "cipipe.policy-diff/1"
    assert data["rows"] == 300 and data["top"] == 5 and len(data["largest_moves"]) == 5
    assert data["old"]["source"] == data["new"]["source"] == "folder"
    assert data["old"]["spec"] == str(old) and data["old"]["version"] != data["new"]["version"]
    assert sorted(data["by_service"]) == ["orders", "payments", "search"]
    assert sorted(data["by_platform"]) == ["arm", "linux"] and data["not_in_history"] == []
    assert sum(m["count"] for m in data["moves"]) == data["changed_decisions"] > 0
    assert f"policy diff over 300 releases from {history}" in result.stdout
    assert "wrote " in result.stdout and "policy-diff.md" in result.stdout
    text = (work / "policy-diff.md").read_text()
    assert text.startswith("### Policy diff: ")
    assert_snapshot_text("policy-diff.md", _normalised(text, data, tmp_path))
    normalised = json.loads(_normalised(json.dumps(data), data, tmp_path))
    assert_snapshot("policy-diff.json", normalised)
    again = _diff(cli, work, old, new, "--history", history, *CSV_ARGS, "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["overall"] == data["overall"]


def test_the_same_policy_twice_changes_nothing(
    cli: Cli, tmp_path: Path, old: Path, history: Path
) -> None:
    work = tmp_path / "work"
    args = ("--history", history, *CSV_ARGS, "--fail-if", "changed_decisions>0")
    result = _diff(cli, work, old, old, *args)
    assert result.exit_code == 0, result.stderr
    data = _written(work)
    assert data["changed_decisions"] == 0 and data["moves"] == []
    assert data["overall"]["before"] == data["overall"]["after"]
    assert data["fail_if"] == [{"expression": "changed_decisions>0", "value": 0.0, "held": False}]


def test_a_met_condition_is_exit_1_after_writing_both_files(
    cli: Cli, tmp_path: Path, old: Path, new: Path, history: Path
) -> None:
    work = tmp_path / "work"
    args = ("--history", history, *CSV_ARGS, "--fail-if", "fpr>0.9", "--fail-if", "tpr>=0")
    result = _diff(cli, work, old, new, *args, "--fail-if", "changed_fraction[orders]>0")
    assert result.exit_code == 1, result.stderr
    held = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(held) == 1
    assert held[0].startswith("cipipe: error: policy diff: --fail-if held: tpr>=0 (")
    assert "changed_fraction[orders]>0 (" in held[0] and "fpr>0.9" not in held[0]
    data = _written(work)
    assert [c["held"] for c in data["fail_if"]] == [False, True, True]
    assert "**--fail-if held:** `tpr>=0`" in (work / "policy-diff.md").read_text()


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("fpr>>0.1", "cannot read 'fpr>>0.1'"),
        ("auc>0.5", "unknown metric 'auc'"),
        ("fpr[billing]>0.1", "service 'billing' is not in the history"),
    ],
)
def test_a_bad_expression_is_exit_2_and_writes_nothing(
    cli: Cli, tmp_path: Path, old: Path, new: Path, history: Path, expression: str, named: str
) -> None:
    work = tmp_path / "work"
    result = _diff(cli, work, old, new, "--history", history, *CSV_ARGS, "--fail-if", expression)
    assert result.exit_code == 2
    assert "--fail-if" in result.stderr and named in result.stderr
    assert not (work / "policy-diff.json").exists() and not (work / "policy-diff.md").exists()


def test_a_bad_policy_or_no_history_is_exit_2(
    cli: Cli, tmp_path: Path, old: Path, history: Path
) -> None:
    result = _diff(cli, tmp_path / "w", old, tmp_path / "nowhere", "--history", history, *CSV_ARGS)
    assert result.exit_code == 2 and "nowhere" in result.stderr
    result = _diff(cli, tmp_path / "w", old, old, *CSV_ARGS)
    assert result.exit_code == 2 and "--history" in result.stderr


def test_a_served_policy_with_pins_as_decide_strategy_takes_it(
    cli: Cli, tmp_path: Path, old: Path, new: Path, history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPIPE_CACHE_DIR", str(tmp_path / "cache"))
    work = tmp_path / "work"
    args = ("--history", history, *CSV_ARGS)
    with running(new) as server:
        unpinned = _diff(cli, work, old, server.url, *args, "--policy-pin", "sha256:" + "0" * 64)
        assert unpinned.exit_code == 2 and "pin" in unpinned.stderr.lower()
        first = _diff(cli, work, old, new, *args)
        versions = _written(work)["old"]["version"], _written(work)["new"]["version"]
        pinned = _diff(cli, work, old, server.url, *args, "--policy-pin", ",".join(versions))
    assert first.exit_code == 0 and pinned.exit_code == 0, pinned.stderr
    data = _written(work)
    assert data["new"]["source"] == "url" and data["new"]["spec"] == server.url
    assert data["new"]["version"] == versions[1]


def _fill(url: str, tmp_path: Path) -> None:
    """Twelve orders builds, 400 lines apart; 10 labelled, 3 of them bad."""
    bad: dict[int, OutcomeResult] = {4: "rollback", 8: "rollback", 9: "rollback"}
    fill_orders_store(url, tmp_path / "unused.db", lines_step=400, bad=bad)


def test_from_db(cli: Cli, tmp_path: Path, backend: Backend, old: Path, new: Path) -> None:
    _fill(backend.url, tmp_path)
    work = tmp_path / "work"
    result = _diff(cli, work, old, new, "--from-db", "--db", backend.url, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rows"] == 10 and data["unlabelled_excluded"] == 2
    assert data["overall"]["releases"] == 10 and data["overall"]["before"]["failures"] == 3
    assert list(data["by_service"]) == ["orders"] and data["not_in_history"] == ["platform"]
    summary = _diff(cli, work, old, new, "--from-db", "--db", backend.url)
    assert "- per platform: not in the history" in summary.stdout
    assert cli("validate", work / "policy-diff.json").exit_code == 0
    assert all(m["build"].startswith("orders/") for m in data["largest_moves"])
    assert data["changed_decisions"] == sum(m["count"] for m in data["moves"]) > 0


PR_REPO = "acme/policies"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with serve_github(FakeGitHub()) as fake:
        fake.add_pr(PR_REPO, 7)
        fake.add_comment(PR_REPO, 7, "Please look at payments")  # someone else's, left alone
        monkeypatch.setenv("GITHUB_TOKEN", fake.token)
        monkeypatch.setenv("CIPIPE_GITHUB_API_URL", fake.url)
        monkeypatch.setenv("CHANGE_ID", "7")
        monkeypatch.setenv("CHANGE_URL", f"https://github.example/{PR_REPO}/pull/7")
        yield fake


def _ours(fake: FakeGitHub) -> list[dict[str, Any]]:
    return [c for c in fake.comments_of(PR_REPO, 7) if COMMENT_MARKER in str(c["body"])]


def test_the_markdown_is_posted_on_the_pull_request_and_edited_on_a_rerun(
    cli: Cli, tmp_path: Path, old: Path, new: Path, history: Path, github: FakeGitHub
) -> None:
    work = tmp_path / "work"
    args = ("--history", history, *CSV_ARGS, "--fail-if", "changed_decisions>0")
    first = _diff(cli, work, old, new, *args)
    assert first.exit_code == 1, first.stderr  # the gate still holds after the comment
    (comment,) = _ours(github)
    assert str(comment["body"]).endswith((work / "policy-diff.md").read_text())
    again = _diff(cli, work, old, old, "--history", history, *CSV_ARGS)
    assert again.exit_code == 0, again.stderr
    (edited,) = _ours(github)
    assert edited["id"] == comment["id"] and "No decision changes." in str(edited["body"])
    assert len(github.comments_of(PR_REPO, 7)) == 2


def test_a_github_outage_is_exit_3_after_the_files(
    cli: Cli, tmp_path: Path, old: Path, new: Path, history: Path, github: FakeGitHub
) -> None:
    github.fail("401")  # a refused token is final: no retries
    work = tmp_path / "work"
    result = _diff(cli, work, old, new, "--history", history, *CSV_ARGS)
    assert result.exit_code == 3, result.stderr
    assert (work / "policy-diff.json").is_file() and (work / "policy-diff.md").is_file()


def test_without_a_token_nothing_is_posted(
    cli: Cli, tmp_path: Path, old: Path, new: Path, history: Path, github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("GITHUB_TOKEN")
    result = _diff(cli, tmp_path / "work", old, new, "--history", history, *CSV_ARGS)
    assert result.exit_code == 0, result.stderr
    assert _ours(github) == [] and github.seen == []


def test_the_help_names_every_metric(cli: Cli) -> None:
    from cipipe.risk.policy.diff_gate import METRICS

    result = cli("policy", "diff", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert [m for m in METRICS if m not in text] == []


def test_a_token_without_a_pull_request_posts_nothing(
    cli: Cli, tmp_path: Path, old: Path, new: Path, history: Path, github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    monkeypatch.delenv("CHANGE_ID")
    monkeypatch.delenv("CHANGE_URL")
    result = _diff(cli, tmp_path / "work", old, new, "--history", history, *CSV_ARGS)
    assert result.exit_code == 0, result.stderr
    assert _ours(github) == [] and github.seen == []
    assert "no pull request is known" in caplog.text + result.stderr
    flagged = _diff(
        cli, tmp_path / "work", old, new, "--history", history, *CSV_ARGS,
        "--github-repo", PR_REPO, "--pr", "7",
    )  # fmt: skip
    assert flagged.exit_code == 0, flagged.stderr
    assert len(_ours(github)) == 1


def test_the_label_lag_leaves_out_the_newest_releases(
    cli: Cli, tmp_path: Path, old: Path, new: Path
) -> None:
    history = write_csv(tmp_path / "h.csv", generated_rows(200, groups=False))  # an hour apart
    work = tmp_path / "work"
    args = ("--history", history, "--label", "failed", "--time", "time", "--label-lag", "1d")
    result = _diff(cli, work, old, new, *args, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["excluded_by_label_lag"] == 24 and data["rows"] == 176
    assert data["rows_read"] == 200 and data["label_lag_seconds"] == 86400
    assert data["not_in_history"] == ["service", "platform"]
    assert data["by_service"] == {} and data["enforcement"]["services"] == []


def test_the_target_branchs_policy_from_a_git_worktree_names_its_commit(
    cli: Cli, tmp_path: Path, new: Path, history: Path
) -> None:
    """What Jenkinsfile.example's policy stage does: the change request's policies/ against
    the target branch's, checked out beside it with `git worktree add`."""
    repo = GitRepoBuilder(tmp_path / "repo")
    shutil.copytree(REPO_ROOT / "policies", repo.root / "policies")
    base = repo.commit("policy as merged")
    repo.git("checkout", "-q", "-b", "change")
    shutil.copy(new / "strategy-mapping-policy.yaml", repo.root / "policies")
    change = repo.commit("rolling up to 40")
    aside = tmp_path / "policy-base"
    repo.git("worktree", "add", "--detach", str(aside), "main")
    work = tmp_path / "work"
    args = ("--history", history, *CSV_ARGS, "--json")
    result = _diff(cli, work, aside / "policies", repo.root / "policies", *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["old"]["commit"], data["new"]["commit"]) == (base, change)
    assert data["changed_decisions"] > 0

"""cipipe scan end to end: OSV folder plus grype and trivy reports, merged, judged by policy."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from cipipe.readers.deps import Dependency
from cipipe.steps.sbom.bom import build_bom
from tests.conftest import DATA, CliResult
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
OSV = DATA / "osv"
GRYPE = DATA / "grype" / "grype-0.74-dir.json"
TRIVY = DATA / "trivy" / "trivy-0.50-fs.json"

COMPONENTS = [
    Dependency("elliptic", "6.5.3", "pkg:npm/elliptic@6.5.3", source="package-lock.json"),
    Dependency("pikepdf", "2.9.0", "pkg:pypi/pikepdf@2.9.0", source="requirements.txt"),
    Dependency("pikepdf-new", "9.0.0", "pkg:pypi/pikepdf@9.0.0", source="requirements.txt"),
]


def workspace(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, scan_policy: dict[str, Any]
) -> tuple[Path, Path]:
    repo = make_repo("svc")
    config = {"service": "svc", "supports": ["linux"], "scan": scan_policy}
    repo.commit("svc", {".cipipe.yaml": yaml.safe_dump(config, default_flow_style=False)})
    work = tmp_path / "work"
    work.mkdir()
    (work / "sbom.json").write_text(
        build_bom(
            service="svc",
            kind="service",
            commit="c" * 40,
            build_id="1",
            timestamp=datetime(2026, 1, 2, tzinfo=UTC),
            dependencies=COMPONENTS,
            artifacts=[],
        )
    )
    return repo.root, work


def scan(cli: Cli, repo: Path, work: Path, *extra: str | Path) -> tuple[CliResult, dict[str, Any]]:
    result = cli("--workdir", work, "scan", "--repo", repo, *extra)
    path = work / "scan.json"
    return result, (json.loads(path.read_text()) if path.exists() else {})


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in report["findings"]}


def test_sources_merge_and_only_affected_versions_match(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = workspace(make_repo, tmp_path, {})
    result, report = scan(cli, repo, work, "--osv-db", OSV, "--grype", GRYPE, "--trivy", TRIVY)
    found = by_id(report)
    # OSV's GHSA and grype's GHSA with its CVE alias are one finding, headed by the CVE.
    elliptic = found["CVE-2020-28498"]
    assert elliptic["sources"] == ["grype", "osv"]
    assert "GHSA-q7c5-h5vx-2wqh" in elliptic["aliases"]
    assert elliptic["fixed_version"] == "6.5.4"
    # pikepdf 2.9.0 is affected, 9.0.0 (the same package, fixed) is not.
    pikepdf = [f for f in report["findings"] if f["package"].startswith("pikepdf")]
    assert [(f["package"], f["installed_version"]) for f in pikepdf] == [("pikepdf", "2.9.0")]
    assert report["components"] == 3
    assert report["advisories"] >= 5
    # Reports' own findings (the agent's image) are kept too.
    assert {"CVE-2023-4911", "CVE-2021-3999", "CVE-2020-14155"} <= found.keys()
    assert result.exit_code == 0  # nothing critical; the default policy blocks on critical only
    assert report["outcome"] == "passed" and report["blocking"] == []
    assert sum(report["counts"].values()) == len(report["findings"])


def test_policy_blocks_and_exit_1(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = workspace(make_repo, tmp_path, {"block_on": ["critical", "high"]})
    result, report = scan(cli, repo, work, "--grype", GRYPE, "--trivy", TRIVY)
    assert result.exit_code == 1
    assert sorted(report["blocking"]) == ["CVE-2021-3999", "CVE-2023-4911"]
    assert "blocking findings: " in result.stderr


def test_accepted_risk_until_it_expires(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    today = datetime.now(UTC).date()
    policy = {
        "block_on": ["high"],
        "ignore": [
            {
                "id": "CVE-2023-4911",
                "reason": "not reachable: no setuid binaries",
                "expires": (today + timedelta(days=30)).isoformat(),
            },
            {
                "id": "CVE-2021-3999",
                "reason": "old waiver",
                "expires": (today - timedelta(days=1)).isoformat(),
            },
        ],
    }
    repo, work = workspace(make_repo, tmp_path, policy)
    result, report = scan(cli, repo, work, "--grype", GRYPE, "--trivy", TRIVY)
    found = by_id(report)
    assert found["CVE-2023-4911"]["ignored"]["reason"] == "not reachable: no setuid binaries"
    assert found["CVE-2023-4911"]["blocking"] is False
    assert found["CVE-2021-3999"]["ignored"] is None and found["CVE-2021-3999"]["blocking"]
    assert any("CVE-2021-3999" in w and "expired" in w for w in report["warnings"])
    assert report["counts"]["high"] == 1  # the accepted one is not counted
    assert result.exit_code == 1


def test_broken_advisories_and_reports_are_warnings_not_crashes(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = workspace(make_repo, tmp_path, {})
    truncated = DATA / "grype" / "grype-truncated.json"
    result, report = scan(cli, repo, work, "--osv-db", OSV, "--grype", truncated, "--trivy", TRIVY)
    assert result.exit_code == 0, result.stderr
    assert any(str(truncated) in w for w in report["warnings"])
    # The broken files of the OSV folder are named, and the good ones still count.
    assert by_id(report)["CVE-2020-28498"]["sources"] == ["osv"]  # grype's report was unreadable
    assert "CVE-2023-4911" in by_id(report)
    assert "Traceback" not in result.stderr


def test_missing_inputs(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = workspace(make_repo, tmp_path, {})
    result, report = scan(cli, repo, work)
    assert result.exit_code == 0
    assert any("no OSV folder" in w for w in report["warnings"])
    result, _ = scan(cli, repo, work, "--osv-db", tmp_path / "nope")
    assert result.exit_code == 2 and "nope" in result.stderr
    (work / "sbom.json").unlink()
    result, _ = scan(cli, repo, work)
    assert result.exit_code == 2 and "run `cipipe sbom` first" in result.stderr


@pytest.mark.parametrize("bad_expiry", ["tomorrow", "2026-13-40"])
def test_ignore_entries_are_validated(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, bad_expiry: str
) -> None:
    policy = {"ignore": [{"id": "CVE-1", "reason": "x", "expires": bad_expiry}]}
    repo, work = workspace(make_repo, tmp_path, policy)
    result, _ = scan(cli, repo, work)
    assert result.exit_code == 2 and "scan.ignore[0].expires" in result.stderr


def test_git_ranges_are_decided_in_the_submodule_history(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    from tests.steps.sbom.sources import write_source

    dep = make_repo("netstack")
    introduced = dep.commit("add parser", {"parser.c": "int parse;\n"})
    vulnerable = dep.commit("more features", {"extra.c": "int extra;\n"})
    fixed = dep.commit("fix overflow", {"parser.c": "int parse_fixed;\n"})
    advisory = {
        "id": "OSV-TEST-1",
        "modified": "2026-01-01T00:00:00Z",
        "affected": [
            {
                "ranges": [
                    {
                        "type": "GIT",
                        "repo": str(dep.root),
                        "events": [{"introduced": introduced}, {"fixed": fixed}],
                    }
                ]
            }
        ],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    }
    osv = tmp_path / "osv"
    osv.mkdir()
    (osv / "OSV-TEST-1.json").write_text(json.dumps(advisory))

    top = make_repo("fw")
    top.commit("fw", {".cipipe.yaml": "service: fw\nsupports: [linux]\n"})
    top.git("submodule", "add", "-q", str(dep.root), "ext/netstack")
    sub = GitRepoBuilder(top.root / "ext/netstack", init=False)
    results = {}
    for label, commit in (("vulnerable", vulnerable), ("fixed", fixed)):
        sub.git("checkout", "-q", commit)
        top.commit(f"pin {label}")
        work = tmp_path / f"work-{label}"
        write_source(top.root, work)
        assert cli("--workdir", work, "sbom", "--repo", top.root).exit_code == 0
        result, report = scan(cli, top.root, work, "--osv-db", osv)
        results[label] = (result.exit_code, [f["id"] for f in report["findings"]])
    assert results["vulnerable"] == (1, ["OSV-TEST-1"])  # critical blocks by default
    assert results["fixed"] == (0, [])

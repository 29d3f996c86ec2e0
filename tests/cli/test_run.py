"""cipipe run end to end on the sample service, in a tmp git repository with two commits.

One full run of the three platforms carries every end-to-end assertion (the demo's own run is
checked file by file in tests/conformance): it is a service repository as it is (no policies/)
publishing to a repository other than the default, so every step that touches the store is
seen to follow `--repository`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.local import BUILDS_DIR, LocalFolderStore
from tests.conftest import REPO_ROOT, CliResult, have, needs_tools, requires
from tests.support.gitrepo import GitRepoBuilder


@needs_tools
@requires(
    have("aarch64-linux-gnu-g++", "x86_64-w64-mingw32-g++-posix", "qemu-aarch64", "wine"),
    "the ARM and Windows cross toolchains, qemu-user and wine are not installed (make tools "
    "installs them): without them the build gate rejects the sample or its Windows tests do "
    "not run",
)
def test_run_on_the_sample_service(
    cli: Callable[..., CliResult],
    sample_repo: GitRepoBuilder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIPIPE_OSV_DB", str(REPO_ROOT / "examples" / "osv-db"))
    # A service repository as it is: no policies/ and no CIPIPE_POLICY, so the built-in bundle.
    monkeypatch.delenv("CIPIPE_POLICY", raising=False)
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "out"
    result = cli("--workdir", work, "run", "--repo", sample_repo.root, "--repository", "rc")
    assert result.exit_code == 0, result.stderr
    outputs = (
        "source.json",
        "precheck.json",
        "precheck.sarif",
        "matrix.json",
        "artifacts.json",
        "tests.json",
        "SHA256SUMS",
        "sbom.json",
        "deps_changed.json",
        "scan.json",
        "build-info.json",
        "risk-inputs.json",
        "publish.json",
        "gate.json",
        "risk-inputs-for-decision.json",
        "risk-decision.json",
        "notification.json",
    )
    for name in outputs:
        assert (work / name).is_file(), name
        if name.endswith(".json"):
            assert cli("validate", work / name).exit_code == 0
    source = json.loads((work / "source.json").read_text())
    assert source["commit"] == sample_repo.head()
    assert source["message"] == "Document the service"
    precheck = json.loads((work / "precheck.json").read_text())
    assert precheck["outcome"] == "passed", precheck["blocking_failures"]
    assert {c["name"]: c["status"] for c in precheck["checks"]} == {
        "clang-format": "ran",
        "cppcheck": "ran",
        "clang-tidy": "ran",
        "telemetry-contract": "ran",
    }
    matrix = json.loads((work / "matrix.json").read_text())
    assert [p["platform"] for p in matrix["platforms"]] == ["linux", "arm", "windows"]
    tests = json.loads((work / "tests.json").read_text())
    linux = next(p for p in tests["platforms"] if p["platform"] == "linux")
    assert linux["counts"]["passed"] == 17 and linux["coverage"]["line_percent"] > 50
    artifacts = json.loads((work / "artifacts.json").read_text())
    assert any(a["platform"] == "linux" for a in artifacts["artifacts"])
    scan = json.loads((work / "scan.json").read_text())
    assert {f["id"] for f in scan["findings"]} == {"CVE-2020-22283", "CVE-2020-22284"}
    sbom = json.loads((work / "sbom.json").read_text())
    assert any(c["name"].startswith("sample-service-linux-") for c in sbom["components"])
    risk = json.loads((work / "risk-inputs.json").read_text())
    assert risk["unit_tests_failed"] == {"value": 0.0, "status": "measured", "source": "tests.json"}
    assert risk["vulnerabilities_high"]["value"] == 2.0
    published = json.loads((work / "publish.json").read_text())
    root = tmp_path / "cipipe-store"
    assert published["store"].endswith("/rc")
    assert not (root / "candidates").exists()  # nothing went to the default repository
    store = LocalFolderStore(root, "rc")
    for entry in published["files"]:
        stored = store.stat(entry["path"])
        assert stored is not None and stored.properties["state"] == ("candidate",)
        assert stored.sha256 == entry["sha256"]
    gate = json.loads((work / "gate.json").read_text())
    # Every platform built and tested (Windows under wine): what a newcomer sees in the demo.
    assert gate["verdict"] == "passed", gate["summary"]
    assert [(p["platform"], p["runner"], p["status"]) for p in tests["platforms"]] == [
        ("linux", "native", "ran"),
        ("arm", "qemu", "ran"),
        ("windows", "wine", "ran"),
    ]
    assert all(p["counts"]["passed"] == 17 for p in tests["platforms"])
    notification = (work / "notification.json").read_text()
    assert "built for linux, arm, windows" in notification
    statuses = {g["name"]: g["status"] for g in gate["gates"]}
    assert statuses["reproducibility"] == "passed"
    # The demo's tools build every planned platform, so the build gate passes.
    assert statuses["build"] == "passed", gate["gates"][0]["reason"]
    assert [(p["platform"], p["status"]) for p in artifacts["platforms"]] == [
        ("linux", "built"),
        ("arm", "built"),
        ("windows", "built"),
    ]
    assert published["missing_platforms"] == []
    decision = json.loads((work / "risk-decision.json").read_text())
    # A user-space service built for ARM too: the conservative ARM shift is one contributor.
    assert any(c["feature"] == "firmware_arm_shift" for c in decision["top_contributors"])
    assert decision["mode"] == "shadow" and decision["apply"]["strategy"] == "rolling"
    assert decision["policy"]["policy_source"] == "builtin"
    assert result.stderr.count("using the policy built into cipipe") == 1
    for entry in published["files"]:
        stored = store.stat(entry["path"])
        assert stored is not None
        assert stored.properties["risk.score"] == (str(decision["risk_score"]),)
    assert store.stat("sample-service/" + decision["build_id"] + "/risk-decision.json")
    _assert_build_info_names_the_repository(work, root, store)
    # The audit log's heads, anchored beside the candidate and in the decision.
    assert store.stat("sample-service/" + decision["build_id"] + "/audit-anchor.json")
    assert decision["audit"]["heads"]["decisions"]["seq"] == 1
    steps = (
        "precheck",
        "build-matrix",
        "build",
        "test",
        "sbom",
        "scan",
        "build-info",
        "publish",
        "gate",
        "notify",
        "checklist",
        "decide-strategy",
    )
    for step in steps:
        assert f"\n{step} " in result.stdout
    assert f"outputs: {work.resolve()}" in result.stdout


def _assert_build_info_names_the_repository(
    work: Path, root: Path, store: LocalFolderStore
) -> None:
    """JFrog's build-info as publish sent it: repository-relative paths, the repository in
    originalDeploymentRepo, each path a stored file with the recorded digest."""
    info = json.loads((work / "build-info.json").read_text())
    jfrog = json.loads((work / "build-info.jfrog.json").read_text())
    sent = json.loads(
        (root / BUILDS_DIR / "sample-service" / f"{info['build_id']}.json").read_text()
    )
    assert sent == jfrog
    artifacts = [a for m in jfrog["modules"] for a in m["artifacts"]]
    paths = {a["store_path"] for p in info["platforms"] for a in p["artifacts"]}
    assert artifacts and {a["path"] for a in artifacts} == paths
    for artifact in artifacts:
        assert artifact["originalDeploymentRepo"] == "rc"
        stored = store.stat(artifact["path"])
        assert stored is not None and stored.sha256 == artifact["sha256"]
    for platform in info["platforms"]:
        for a in platform["artifacts"]:
            assert a["url"].endswith(f"/rc/{a['store_path']}")


def test_run_stops_at_the_first_failing_step(
    cli: Callable[..., CliResult], make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path
) -> None:
    repo = make_repo("r")
    repo.commit("no config", {"main.c": "int main(void) { return 0; }\n"})
    work = tmp_path / "out"
    result = cli("--workdir", work, "run", "--repo", repo.root)
    assert result.exit_code == 2
    assert "precheck" in result.stdout and "build-matrix" not in result.stdout
    assert ".cipipe.yaml: file not found" in result.stderr

"""cipipe run --repository: every step that touches the store uses that repository, and the
build-info records it consistently (the sample service, Linux only, to keep the run short)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from cipipe.adapters.artifact_store.local import BUILDS_DIR, LocalFolderStore
from tests.conftest import REPO_ROOT, CliResult, needs_tools
from tests.gitrepo import GitRepoBuilder


@needs_tools
def test_run_publishes_and_records_in_the_repository_given(
    cli: Callable[..., CliResult],
    sample_repo: GitRepoBuilder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIPIPE_OSV_DB", str(REPO_ROOT / "examples" / "osv-db"))
    monkeypatch.setenv("CIPIPE_POLICY", str(REPO_ROOT / "policies"))
    config = yaml.safe_load((sample_repo.root / ".cipipe.yaml").read_text())
    config["supports"] = ["linux"]
    for section in ("agents", "platforms"):
        config[section] = {"linux": config[section]["linux"]}
    sample_repo.commit("Build Linux only", {".cipipe.yaml": yaml.safe_dump(config)})
    work = tmp_path / "out"
    result = cli("--workdir", work, "run", "--repo", sample_repo.root, "--repository", "rc")
    assert result.exit_code == 0, result.stdout + result.stderr
    root = tmp_path / "cipipe-store"
    assert not (root / "candidates").exists()  # nothing went to the default repository
    store = LocalFolderStore(root, "rc")
    published = json.loads((work / "publish.json").read_text())
    assert published["store"].endswith("/rc")
    decision = json.loads((work / "risk-decision.json").read_text())
    for entry in published["files"]:
        stored = store.stat(entry["path"])
        assert stored is not None and stored.properties["state"] == ("candidate",)
        # decide-strategy found the candidate in the same repository and marked it.
        assert stored.properties["risk.score"] == (str(decision["risk_score"]),)
    assert store.stat(f"sample-service/{decision['build_id']}/risk-decision.json")
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
    gate = json.loads((work / "gate.json").read_text())
    assert gate["verdict"] in ("passed", "needs-attention"), gate["summary"]

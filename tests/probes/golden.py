"""One realistic, consistent work folder, made once per session by running the real steps on a
copy of the sample service (tool checks off, build and test results written as `cipipe build`
and `cipipe test` would write them, so no compiler is needed).

Every probe case copies this folder and breaks one file in the copy.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cipipe.cli import run
from cipipe.contracts.artifacts import Artifact, Artifacts, PlatformBuild, Reproducibility
from cipipe.contracts.loading import read_contract
from cipipe.contracts.matrix import Matrix, TestRunner
from cipipe.contracts.source import Source
from cipipe.contracts.testing import (
    CoverageResult,
    FailedTest,
    PlatformTests,
    SmokeResult,
    TestCounts,
    TestsReport,
)
from cipipe.digests import digest_file
from cipipe.workdir import WorkDir
from tests.conftest import JENKINS_VARS, REPO_ROOT, SAMPLE_SERVICE
from tests.risk.histories import generated_rows
from tests.support.gitrepo import GitRepoBuilder
from tests.support.outside import OUTSIDE_CONFIG

BUILD_ID = "7"
TOOL_CHECKS_OFF = """
precheck:
  scope: all
  exclude: ["third_party/**"]
  clang-format: {enabled: false}
  cppcheck: {enabled: false}
  clang-tidy: {enabled: false}
  telemetry:
    blocking: true
    required:
      - path: telemetry/contract.yaml
        keys: [service, version, metrics]
"""
CONTEXT = "deploy_at: 2026-03-04T10:00:00Z\nproduction_qps: 250\nlabels: [payments]\n"
BUNDLE_SPEC = "bundle: sample-bundle\nmembers:\n  - service: sample-service\n    min_build: 1\n"


@dataclass(frozen=True)
class Golden:
    """Where the session's valid files are; ``work`` is never changed after it is made."""

    root: Path
    repo: Path
    work: Path
    store: Path
    db: Path
    policy: Path
    osv_db: Path
    context: Path
    bundle_spec: Path
    history: Path

    @property
    def config(self) -> Path:
        return self.repo / ".cipipe.yaml"


@contextlib.contextmanager
def clean_environment() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for var in (*JENKINS_VARS, *OUTSIDE_CONFIG):
            patch.delenv(var, raising=False)
        patch.setenv("BUILD_TAG", "jenkins-sample-service-main-7")
        yield


def cipipe(*argv: str | os.PathLike[str]) -> tuple[int, str]:
    """Run a step in-process; its exit code and what it printed on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run([os.fspath(a) for a in argv])
    return code, err.getvalue()


def step(expect: set[int], *argv: str | os.PathLike[str]) -> None:
    code, err = cipipe(*argv)
    assert code in expect, (argv, code, err)


def make_golden(root: Path) -> Golden:
    repo = GitRepoBuilder(root / "repo")
    shutil.copytree(
        SAMPLE_SERVICE, repo.root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("build")
    )
    config = (repo.root / ".cipipe.yaml").read_text()
    config = config[: config.index("\nprecheck:")] + TOOL_CHECKS_OFF
    config = config.replace("require_reproducible: true", "require_reproducible: false")
    (repo.root / ".cipipe.yaml").write_text(config)
    repo.commit("Add sample service")
    readme = repo.root / "README.md"
    repo.commit("Document the service", {"README.md": readme.read_text() + "\nMore docs.\n"})
    golden = Golden(
        root=root,
        repo=repo.root,
        work=root / "work",
        store=root / "store",
        db=root / "history.sqlite3",
        policy=REPO_ROOT / "policies",
        osv_db=REPO_ROOT / "examples" / "osv-db",
        context=root / "context.yaml",
        bundle_spec=root / "bundle.yaml",
        history=root / "history.jsonl",
    )
    golden.context.write_text(CONTEXT)
    golden.bundle_spec.write_text(BUNDLE_SPEC)
    rows = generated_rows(60)
    golden.history.write_text("".join(json.dumps(row) + "\n" for row in rows))
    with clean_environment():
        _run_steps(golden)
    return golden


def _run_steps(g: Golden) -> None:
    work, store = ("--workdir", g.work), f"file://{g.store}"
    step({0}, *work, "precheck", "--repo", g.repo)
    step({0}, *work, "build-matrix", "--repo", g.repo)
    _write_build_and_tests(WorkDir(g.work))
    step({0}, *work, "sbom", "--repo", g.repo)
    step({0, 1}, *work, "scan", "--repo", g.repo, "--osv-db", g.osv_db)
    step({0}, *work, "build-info", "--repo", g.repo, "--db", g.db)
    step({0}, *work, "publish", "--target", store)
    step({0, 1}, *work, "gate", "--repo", g.repo, "--target", store)
    step(
        {0},
        *work,
        "decide-strategy",
        "--policy",
        g.policy,
        "--db",
        g.db,
        "--context",
        g.context,
        "--target",
        store,
    )
    step({0}, *work, "notify", "--repo", g.repo, "--db", g.db)
    step({0}, *work, "bundle", "--spec", g.bundle_spec, "--target", store, "--build-id", "3")
    step({0, 1}, *work, "checklist", "--repo", g.repo, "--target", store)
    step({0}, *work, "explain")
    step({0}, *work, "policy", "check", g.policy)
    history = ("--history", g.history, "--label", "failed", "--time", "time")
    step({0}, *work, "backtest", *history, "--policy", g.policy)


def _write_build_and_tests(work: WorkDir) -> None:
    """artifacts.json and tests.json as `cipipe build` and `cipipe test` leave them."""
    source = read_contract(Source, work.file(Source.FILE_NAME))
    matrix = read_contract(Matrix, work.file(Matrix.FILE_NAME))
    artifacts, builds, tests = [], [], []
    for index, plan in enumerate(matrix.platforms):
        name = f"{matrix.service}-{plan.platform}-{source.commit[:12]}-{BUILD_ID}"
        path = work.path / "artifacts" / plan.platform / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes((i * (index + 3)) % 251 for i in range(4096 + index)))
        digests = digest_file(path)
        artifacts.append(
            Artifact(
                name=name,
                platform=plan.platform,
                path=f"artifacts/{plan.platform}/{name}",
                built_as=f"{plan.build_dir}/sample-service",
                size=digests.size,
                sha256=digests.sha256,
                sha1=digests.sha1,
                md5=digests.md5,
            )
        )
        builds.append(PlatformBuild(platform=plan.platform, status="built", duration_seconds=3.5))
        tests.append(_platform_tests(plan.platform, plan.tests.runner))
    work.write(
        Artifacts(
            service=matrix.service,
            commit=source.commit,
            build_id=BUILD_ID,
            build_id_source="flag",
            platforms=builds,
            artifacts=artifacts,
            reproducibility=Reproducibility(checked=False, required=False),
        )
    )
    (work.path / "SHA256SUMS").write_text("".join(f"{a.sha256}  {a.path}\n" for a in artifacts))
    work.write(
        TestsReport(
            commit=source.commit,
            platforms=tests,
            critical_failures=[],
            outcome="passed",
        )
    )


def _platform_tests(platform: str, runner: TestRunner) -> PlatformTests:
    coverage = None
    if platform == "linux":
        coverage = CoverageResult(
            format="cobertura",
            line_percent=81.5,
            branch_percent=60.0,
            lines_covered=815,
            lines_valid=1000,
            branches_covered=60,
            branches_valid=100,
            report="reports/coverage-linux.xml",
            baseline="baseline/tests.json",
            line_delta=-0.5,
            branch_delta=1.0,
        )
    return PlatformTests(
        platform=platform,
        runner=runner,
        status="ran",
        counts=TestCounts(total=12, passed=11, failed=1, flaky=1),
        failures=[FailedTest(name="Suite.slow_one", message="timeout", critical=False)],
        flaky=["Suite.flaky_one"],
        junit=f"reports/junit-{platform}.xml",
        smoke=SmokeResult(
            command=["sample-service", "get", "/health"],
            passed=True,
            exit_code=0,
            output='{"status":"ok"}',
        ),
        coverage=coverage,
        duration_seconds=2.0,
    )

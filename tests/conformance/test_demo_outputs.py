"""Every file the demo writes, validated as its real consumer reads it.

The fixture runs examples/demo.sh (the sample service in a fresh repository, `cipipe run` on
the embedded defaults, the dashboard, a backtest and a model) into a tmp folder once for the
session, then exports the demo's decision for Argo Rollouts as a Jenkins stage would. Each test
below checks one kind of file against its upstream schema
(tests/support/conformance_schemas.py); the coverage test fails on any file the demo writes
that no rule here names, so a new output needs
a validator, or a line in NO_CONSUMER saying why it has none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from tests.conftest import JENKINS_VARS, REPO_ROOT, have, needs_tools, requires
from tests.support.conformance_schemas import (
    binary_errors,
    buildinfo_errors,
    cipipe_schema_errors,
    cyclonedx_errors,
    rollout_export_errors,
    sarif_errors,
    sha256sums_errors,
    slack_blocks_errors,
    surefire_errors,
)

pytestmark = [
    needs_tools,
    requires(
        have("aarch64-linux-gnu-g++", "x86_64-w64-mingw32-g++-posix", "qemu-aarch64", "cmake"),
        "the ARM and Windows cross toolchains, qemu-user and cmake are not installed (make tools "
        "installs them): the demo builds every platform",
    ),
]

DEMO_TIMEOUT_SECONDS = 1800  # the demo builds three platforms twice; bounded all the same
STORE = "cipipe-store/candidates/*/*"

# What the demo itself creates as input, not output: the service's repository (with the build
# trees cmake writes inside it), the synthetic labelled history the backtest reads, and the copy
# of the policy with one bucket edge moved that policy diff compares against.
INPUTS = ("sample-service/**", "history.csv", "synthetic/policy-edge-moved/**")

# Files with no consumer outside cipipe and people, and why.
NO_CONSUMER = {
    "out/.lock": "the work folder's lock file, empty",
    "out/.build-counter": "the local build-number counter cipipe keeps off Jenkins",
    "out/cache/**": "precheck's result cache, read only by cipipe",
    "out/logs/*": "build and test logs and ccache statistics, plain text for people",
    "out/reports/*/run*.xml": "googletest's own report, the input cipipe reads; Jenkins is "
    "handed reports/junit-<platform>.xml",
    "out/reports/coverage-*.xml": "written by gcovr (the repository's coverage command); cipipe "
    "only reads it",
    "out/notification.md": "the notification as Markdown, for the console and a PR comment body",
    "out/publish/SHA256SUMS": "the candidate's SHA256SUMS as publish uploads it (names relative "
    "to the candidate's folder): checked with sha256sum -c where the store keeps it",
    "cipipe-store/.blobs/**": "the local store's content-addressed blobs (Artifactory in "
    "production keeps its own)",
    "cipipe-store/.cipipe-props/**": "the local store's property sidecars, standing in for "
    "Artifactory's item properties",
    "cipipe-history.sqlite3": "the history and audit store, read by cipipe",
    "dashboard/index.html": "static HTML for people",
    "dashboard/builds/*/*.html": "static HTML for people",
    "backtest/**": "the backtest report for people (Markdown, PNG charts) and the proposed policy "
    "files a team reviews before they enter policies/",
    "models/approvals.jsonl": "the model registry's approval log, read by cipipe",
    "models/*/calibration.json": "the model's calibration, read by decide-strategy",
    "models/*/logistic.json": "the model's weights, read by decide-strategy",
    "models/*/lightgbm.txt": "the LightGBM booster, read by decide-strategy",
    "synthetic/history.sqlite3": "the demo's synthetic history store (cipipe history seed), "
    "read by cipipe",
    "synthetic/shadow-report.txt": "shadow report's tables, plain text for people",
    "synthetic/out/policy-diff.md": "policy diff as Markdown, the body of a PR comment",
    "synthetic/out/model-compare.md": "model compare as Markdown, for people and a PR comment",
    "synthetic/models/approvals.jsonl": "the model registry's approval log, read by cipipe",
    "synthetic/models/*/calibration.json": "the model's calibration, read by decide-strategy",
    "synthetic/models/*/logistic.json": "the model's weights, read by decide-strategy",
    "synthetic/models/*/lightgbm.txt": "the LightGBM booster, read by decide-strategy",
    "synthetic/backtest/**": "the backtest report for people (Markdown, PNG charts)",
    "synthetic/dashboard/index.html": "static HTML for people",
    "synthetic/dashboard/builds/*/*.html": "static HTML for people",
}


def _run(command: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        command,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        pytest.fail(f"{' '.join(command[:3])} exited {done.returncode}:\n{tail}", pytrace=False)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/demo.sh run once into a tmp folder, as `make demo` runs it; the folder it
    filled (out/ is the work folder)."""
    root = tmp_path_factory.mktemp("conformance") / "demo"
    cipipe = str(Path(sys.executable).parent / "cipipe")
    # A newcomer's shell: no Jenkins variables and no cipipe settings beyond the demo's own.
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in JENKINS_VARS and not name.startswith("CIPIPE_")
    }
    env |= {"CIPIPE_DEMO_DIR": str(root), "CIPIPE": cipipe}
    _run(["bash", str(REPO_ROOT / "examples" / "demo.sh")], env, REPO_ROOT)
    # The rollout a Jenkins stage hands to Argo CD: the demo's decision (rolling) exported as an
    # Argo Rollouts strategy. Flagger has no rolling mode, so it gets no export for it.
    env["CIPIPE_POLICY"] = str(REPO_ROOT / "policies")
    _run([cipipe, "--workdir", "out", "decide-strategy", "--export", "argo-rollouts"], env, root)
    return root


def _matches(relative: str, pattern: str) -> bool:
    if pattern.endswith("/**"):
        return relative.startswith(pattern[:-2])
    path = PurePosixPath(relative)
    return len(path.parts) == len(PurePosixPath(pattern).parts) and path.match(pattern)


def _files(demo: Path, pattern: str) -> list[Path]:
    found = [p for p in demo.rglob("*") if p.is_file()]
    return sorted(p for p in found if _matches(p.relative_to(demo).as_posix(), pattern))


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _assert_conform(files: list[Path], check: Callable[[Path], list[str]]) -> None:
    assert files, "the demo wrote none of these files"
    problems = {p.name: errors for p in files if (errors := check(p))}
    assert not problems, json.dumps(problems, indent=1)[:4000]


def _artifacts(demo: Path) -> Iterator[tuple[Path, str]]:
    for pattern in ("out/artifacts/*/*", f"{STORE}/*/*"):
        for path in _files(demo, pattern):
            yield path, path.parent.name


# Each rule: the files it names and the test that validates them (for the coverage test).
VALIDATED = {
    "out/precheck.sarif": "SARIF 2.1.0",
    "out/reports/junit-*.xml": "Surefire test-report 3.0 XSD",
    f"{STORE}/reports-junit-*.xml": "Surefire test-report 3.0 XSD",
    "out/build-info.jfrog.json": "build-info-go schema",
    "cipipe-store/.builds/*/*.json": "build-info-go schema",
    "out/sbom.json": "CycloneDX 1.6",
    f"{STORE}/sbom.json": "CycloneDX 1.6",
    "out/rollout-*.yaml": "Argo Rollouts / Flagger CRD key sets",
    "out/*.json": "cipipe's schemas/ (notification.json also slack_sdk's block models)",
    f"{STORE}/*.json": "cipipe's schemas/",
    "dashboard/builds/*/*.decision.json": "cipipe's schemas/",
    "synthetic/out/*.json": "cipipe's schemas/",
    "synthetic/dashboard/builds/*/*.decision.json": "cipipe's schemas/",
    "models/*/model.json": "cipipe's schemas/",
    "synthetic/models/*/model.json": "cipipe's schemas/",
    "out/SHA256SUMS": "sha256sum -c",
    f"{STORE}/SHA256SUMS": "sha256sum -c",
    "out/artifacts/*/*": "the platform's executable format",
    f"{STORE}/*/*": "the platform's executable format",
}


def test_every_file_the_demo_writes_has_a_validator(demo: Path) -> None:
    written = [p.relative_to(demo).as_posix() for p in demo.rglob("*") if p.is_file()]
    rules = [*INPUTS, *NO_CONSUMER, *VALIDATED]
    uncovered = [f for f in written if not any(_matches(f, rule) for rule in rules)]
    assert not uncovered, f"files with no validator and no reason in NO_CONSUMER: {uncovered}"
    unused = [rule for rule in VALIDATED if not any(_matches(f, rule) for f in written)]
    assert not unused, f"validated files the demo no longer writes: {unused}"


def test_precheck_sarif_is_sarif_2_1_0(demo: Path) -> None:
    _assert_conform(_files(demo, "out/precheck.sarif"), lambda p: sarif_errors(_json(p)))


def test_every_junit_report_is_a_surefire_report(demo: Path) -> None:
    reports = _files(demo, "out/reports/junit-*.xml") + _files(demo, f"{STORE}/reports-junit-*.xml")
    assert {"junit-linux.xml", "junit-arm.xml", "junit-gates.xml"} <= {p.name for p in reports}
    _assert_conform(reports, surefire_errors)


def test_jfrog_build_info_follows_build_info_go(demo: Path) -> None:
    sent = _files(demo, "out/build-info.jfrog.json") + _files(demo, "cipipe-store/.builds/*/*.json")

    def check(path: Path) -> list[str]:
        document = _json(path)
        return buildinfo_errors(document) + cipipe_schema_errors(document, "build-info-jfrog")

    _assert_conform(sent, check)


def test_sbom_is_cyclonedx_1_6(demo: Path) -> None:
    sboms = _files(demo, "out/sbom.json") + _files(demo, f"{STORE}/sbom.json")
    _assert_conform(sboms, lambda p: cyclonedx_errors(_json(p)))


def test_rollout_exports_use_only_keys_the_crds_accept(demo: Path) -> None:
    _assert_conform(_files(demo, "out/rollout-*.yaml"), rollout_export_errors)


def test_slack_payloads_are_block_kit_as_slack_sdk_models_it(demo: Path) -> None:
    messages = _json(demo / "out" / "notification.json")["messages"]
    assert messages, "the demo notified nothing"
    problems = {
        m["title"]: errors for m in messages if (errors := slack_blocks_errors(m["blocks"]))
    }
    assert not problems, problems


def test_cipipe_json_files_follow_schemas(demo: Path) -> None:
    own = [
        p
        for p in _files(demo, "out/*.json") + _files(demo, f"{STORE}/*.json")
        if p.name not in {"sbom.json", "build-info.jfrog.json"}  # upstream formats, above
    ]
    assert {p.name for p in own} >= {"source.json", "tests.json", "gate.json", "risk-decision.json"}
    _assert_conform(own, lambda p: cipipe_schema_errors(_json(p)))


def test_dashboard_decision_records_follow_schemas(demo: Path) -> None:
    def check(path: Path) -> list[str]:
        record = _json(path)
        return cipipe_schema_errors(record["decision"]) + cipipe_schema_errors(record["inputs"])

    _assert_conform(_files(demo, "dashboard/builds/*/*.decision.json"), check)


def test_synthetic_history_outputs_follow_schemas_and_say_they_are_synthetic(demo: Path) -> None:
    own = _files(demo, "synthetic/out/*.json")
    assert {p.name for p in own} == {"backtest.json", "policy-diff.json", "model-compare.json"}
    _assert_conform(own, lambda p: cipipe_schema_errors(_json(p)))

    def check(path: Path) -> list[str]:
        record = _json(path)
        return cipipe_schema_errors(record["decision"]) + cipipe_schema_errors(record["inputs"])

    _assert_conform(_files(demo, "synthetic/dashboard/builds/*/*.decision.json"), check)
    banner = "synthetic history (cipipe history seed): figures are illustrative"
    assert banner in (demo / "synthetic" / "dashboard" / "index.html").read_text()
    assert (demo / "synthetic" / "shadow-report.txt").read_text().startswith(banner)
    # The moved bucket edge moves decisions: the diff shows something to look at.
    assert _json(demo / "synthetic" / "out" / "policy-diff.json")["changed_decisions"] > 0
    # The model of every store feature against one that knew only the change's size.
    compared = _json(demo / "synthetic" / "out" / "model-compare.json")
    assert compared["rows"] > 0 and compared["changed_decisions"] > 0


def test_model_json_follows_its_schema(demo: Path) -> None:
    models = _files(demo, "models/*/model.json") + _files(demo, "synthetic/models/*/model.json")
    assert len(models) == 3  # the demo's model from history.csv, the two from its store
    _assert_conform(models, lambda p: cipipe_schema_errors(_json(p)))


def test_work_folder_sha256sums_checks_out(demo: Path) -> None:
    _assert_conform(_files(demo, "out/SHA256SUMS"), sha256sums_errors)


def test_published_sha256sums_checks_out_in_the_store(demo: Path) -> None:
    _assert_conform(_files(demo, f"{STORE}/SHA256SUMS"), sha256sums_errors)


def test_artifacts_are_executables_for_their_platform(demo: Path) -> None:
    artifacts = list(_artifacts(demo))
    assert {platform for _, platform in artifacts} >= {"linux", "arm", "windows"}
    problems = [e for path, platform in artifacts for e in binary_errors(path, platform)]
    assert not problems, problems

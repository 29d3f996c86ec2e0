"""Report combinations -> verdict, one row each, including missing reports (fail closed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from cipipe.contracts.gate import GateResult
from cipipe.contracts.repo_config import RepoConfig
from cipipe.steps.gate.evaluate import GateInputs, evaluate, verdict
from tests.steps.gate.tables import (
    artifacts,
    check,
    make_tests,
    matrix,
    platform,
    precheck,
    scan,
)


def config(**overrides: Any) -> RepoConfig:
    data: dict[str, Any] = {
        "service": "svc",
        "supports": ["linux", "arm"],
        "platforms": {
            "linux": {
                "tests": {
                    "smoke": {"command": "svc --health"},
                    "coverage": {"command": "gcovr --xml {report}"},
                }
            },
            "arm": {},
        },
        "build": {"require_reproducible": True},
    }
    data.update(overrides)
    return RepoConfig.model_validate(data)


ALL = object()


@dataclass
class Row:
    name: str
    verdict: str
    statuses: dict[str, str] = field(default_factory=dict)  # gate -> expected status
    config: dict[str, Any] = field(default_factory=dict)
    precheck: Any = ALL
    tests: Any = ALL
    scan: Any = ALL
    artifacts: Any = ALL


ROWS = [
    Row("all green", "passed"),
    Row(
        "no tests.json: fail closed",
        "rejected",
        {"unit-tests": "missing", "coverage": "missing"},
        tests=None,
    ),
    Row(
        "no precheck.json",
        "rejected",
        {"static-analysis": "missing", "formatting": "missing"},
        precheck=None,
    ),
    Row("no scan.json", "rejected", {"security": "missing"}, scan=None),
    Row(
        "no artifacts.json, reproducibility required",
        "rejected",
        {"reproducibility": "missing"},
        artifacts=None,
    ),
    Row(
        "reproducibility not required",
        "passed",
        {"reproducibility": "skipped"},
        config={"build": {}},
        artifacts=artifacts(checked=False),
    ),
    Row(
        "reproducibility not checked",
        "rejected",
        {"reproducibility": "missing"},
        artifacts=artifacts(checked=False),
    ),
    Row(
        "an artifact differs",
        "rejected",
        {"reproducibility": "failed"},
        artifacts=artifacts(differing=("svc-linux",)),
    ),
    Row(
        "critical test failure",
        "rejected",
        {"unit-tests": "failed"},
        tests=make_tests(platform("linux", failed=1), critical=("linux: A.b",)),
    ),
    Row(
        "smoke failed",
        "rejected",
        {"integration-smoke": "failed"},
        tests=make_tests(platform("linux", smoke=False)),
    ),
    Row(
        "smoke configured, no result",
        "rejected",
        {"integration-smoke": "missing"},
        tests=make_tests(platform("linux", smoke=None)),
    ),
    Row(
        "smoke passed where unit tests did not run",
        "needs-attention",
        {"integration-smoke": "passed", "unit-tests": "warning"},
        tests=make_tests(platform("linux", ran=False), platform("arm", smoke=None)),
    ),
    Row(
        "smoke failed where unit tests did not run",
        "rejected",
        {"integration-smoke": "failed"},
        tests=make_tests(platform("linux", ran=False, smoke=False), platform("arm", smoke=None)),
    ),
    Row(
        "no smoke configured",
        "passed",
        {"integration-smoke": "skipped"},
        config={
            "platforms": {"linux": {"tests": {"coverage": {"command": "gcovr --xml {report}"}}}}
        },
    ),
    Row(
        "cppcheck error",
        "rejected",
        {"static-analysis": "failed"},
        precheck=precheck(cppcheck=check("cppcheck", errors=2, passed=False)),
    ),
    Row(
        "required analyser not installed",
        "rejected",
        {"static-analysis": "failed"},
        precheck=precheck(clang_tidy=check("clang-tidy", status="not-installed", passed=False)),
    ),
    Row(
        "unformatted files",
        "rejected",
        {"formatting": "failed"},
        precheck=precheck(clang_format=check("clang-format", errors=3, passed=False)),
    ),
    Row("critical CVE", "rejected", {"security": "failed"}, scan=scan(blocking=("CVE-1",))),
    Row("high CVEs only", "passed", {"security": "passed"}, scan=scan(high=2)),
    Row(
        "coverage fell 2.5 points",
        "rejected",
        {"coverage": "failed"},
        tests=make_tests(platform("linux", delta=-2.5)),
    ),
    Row(
        "coverage fell 0.5 points",
        "needs-attention",
        {"coverage": "warning"},
        tests=make_tests(platform("linux", delta=-0.5)),
    ),
    Row(
        "coverage rose",
        "passed",
        {"coverage": "passed"},
        tests=make_tests(platform("linux", delta=1.0)),
    ),
    Row(
        "analyser warnings",
        "needs-attention",
        {"warnings": "warning"},
        precheck=precheck(cppcheck=check("cppcheck", warnings=3)),
    ),
    Row(
        "flaky test",
        "needs-attention",
        {"flaky-tests": "warning"},
        tests=make_tests(platform("linux", flaky=("A.b",))),
    ),
    Row(
        "tests not run on one platform",
        "needs-attention",
        {"unit-tests": "warning"},
        tests=make_tests(platform("linux"), platform("arm", ran=False, smoke=None)),
    ),
    Row(
        "tests ran nowhere",
        "rejected",
        {"unit-tests": "missing"},
        tests=make_tests(platform("linux", ran=False, smoke=None)),
    ),
    Row(
        "ctest found no test on any platform",
        "rejected",
        {"unit-tests": "missing"},
        tests=make_tests(platform("linux", total=0), platform("arm", total=0, smoke=None)),
    ),
    Row(
        "ctest found no test on one platform",
        "needs-attention",
        {"unit-tests": "warning"},
        tests=make_tests(platform("linux"), platform("arm", total=0, smoke=None)),
    ),
    Row(
        "a non-mandatory gate only needs attention",
        "needs-attention",
        {"security": "warning"},
        config={"gate": {"mandatory": ["unit-tests", "formatting"]}},
        scan=scan(blocking=("CVE-1",)),
    ),
    Row(
        "a missing report of a non-mandatory gate",
        "needs-attention",
        {"security": "warning"},
        config={"gate": {"mandatory": ["unit-tests"]}},
        scan=None,
    ),
    Row(
        "a looser coverage limit",
        "needs-attention",
        {"coverage": "warning"},
        config={"gate": {"coverage_max_drop": 5}},
        tests=make_tests(platform("linux", delta=-2.5)),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_verdict(row: Row) -> None:
    inputs = GateInputs(
        config=config(**row.config),
        precheck=precheck() if row.precheck is ALL else row.precheck,
        tests=make_tests() if row.tests is ALL else row.tests,
        scan=scan() if row.scan is ALL else row.scan,
        artifacts=artifacts() if row.artifacts is ALL else row.artifacts,
        matrix=matrix(),
    )
    gates = evaluate(inputs)
    result, summary = verdict(gates)
    by_name = {g.name: g for g in gates}
    assert result == row.verdict, summary
    for name, status in row.statuses.items():
        assert by_name[name].status == status, by_name[name].reason
    untouched = {g.name for g in gates} - set(row.statuses)
    if row.verdict == "passed":
        assert all(by_name[n].status in ("passed", "skipped") for n in untouched)
    assert summary.startswith(row.verdict.replace("-", " "))
    assert [g.name for g in gates][:8] == [
        "build",
        "unit-tests",
        "integration-smoke",
        "static-analysis",
        "formatting",
        "security",
        "coverage",
        "reproducibility",
    ]


def judged(name: str, **reports: Any) -> GateResult:
    """The gate ``name`` on the default reports, ``reports`` (precheck, tests, scan) replaced."""
    inputs = GateInputs(
        config=config(),
        precheck=reports.get("precheck", precheck()),
        tests=reports.get("tests", make_tests()),
        scan=reports.get("scan", scan()),
        artifacts=artifacts(),
        matrix=matrix(),
    )
    [gate] = [g for g in evaluate(inputs) if g.name == name]
    return gate


def test_a_security_warning_says_what_needs_attention() -> None:
    report = scan().model_copy(update={"warnings": ["no OSV folder given: advisories not checked"]})
    security = judged("security", scan=report)
    assert security.status == "warning"
    assert security.reason.endswith("no OSV folder given: advisories not checked")


def test_no_test_found_is_named_with_its_platform() -> None:
    tests = make_tests(platform("linux", total=0), platform("arm", total=0, smoke=None))
    assert judged("unit-tests", tests=tests).reason.startswith("no test found on linux, arm")


def test_no_analyser_ran_says_why() -> None:
    idle = {
        name.replace("-", "_"): check(name, status="skipped").model_copy(
            update={"reason": "no files to check"}
        )
        for name in ("cppcheck", "clang-tidy")
    }
    analysis = judged("static-analysis", precheck=precheck(**idle))
    assert analysis.status == "skipped"
    assert analysis.reason == (
        "no static analyser ran: cppcheck skipped (no files to check), "
        "clang-tidy skipped (no files to check)"
    )

"""precheck.sarif as GitHub code scanning reads it: rule texts, a location on every result, the
fingerprints, and the category."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cipipe.contracts.precheck import CheckResult, Finding, Precheck, ToolInfo
from cipipe.errors import InputError
from cipipe.formats.sarif import REPOSITORY_LEVEL_FILE, automation_id, precheck_sarif
from cipipe.formats.sarif_rules import clang_tidy_help_uri
from tests.contracts.samples import sample_source
from tests.support.sarif import assert_valid_sarif


def finding(rule: str, file: str | None, line: int | None = 1, **kw: Any) -> Finding:
    values: dict[str, Any] = {
        "message": f"{rule} here",
        "severity": "warning",
        "tool_severity": "warning",
        **kw,
    }
    return Finding(file=file, line=line, rule=rule, **values)


def check(name: str, *findings: Finding, status: str = "ran") -> CheckResult:
    return CheckResult(
        name=name,
        status=status,
        passed=not findings,
        blocking=True,
        required=False,
        tool=ToolInfo(executable=name, version="1.0"),
        findings=list(findings),
    )


def log_of(*checks: CheckResult, root: Path | None = None, **kw: Any) -> dict[str, Any]:
    precheck = Precheck(
        commit="a" * 40,
        scope="all",
        base=None,
        outcome="passed",
        blocking_failures=[],
        checks=list(checks),
    )
    log = precheck_sarif(precheck, sample_source(), root=root, **kw)
    assert_valid_sarif(log)
    return log


def rules(log: dict[str, Any], run: int = 0) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in log["runs"][run]["tool"]["driver"]["rules"]}


def test_every_rule_carries_descriptions_and_help() -> None:
    log = log_of(
        check(
            "cppcheck",
            finding("unreadVariable", "a.cpp", message="Variable 'x' is never read."),
            finding("unreadVariable", "b.cpp", message="Variable 'y' is never read."),
            finding("missingReturn", "a.cpp", message="Found an exit path without return."),
        ),
        check("clang-tidy", finding("bugprone-use-after-move", "a.cpp", message="'v' moved")),
        check("clang-format", finding("clang-format-violations", "a.cpp", severity="error")),
    )
    cppcheck, tidy, fmt = rules(log, 0), rules(log, 1), rules(log, 2)
    for found in (cppcheck, tidy, fmt):
        for rule in found.values():
            assert rule["shortDescription"]["text"]
            assert rule["fullDescription"]["text"]
            assert rule["help"]["text"] and rule["help"]["markdown"]
    # One message for every finding: the analyser's own words are the title.
    assert cppcheck["missingReturn"]["shortDescription"]["text"] == (
        "Found an exit path without return."
    )
    # Messages that name a variable differ: the checker id is the title, a message the example.
    assert cppcheck["unreadVariable"]["shortDescription"]["text"] == "cppcheck: unreadVariable"
    assert "Variable 'x' is never read." in cppcheck["unreadVariable"]["fullDescription"]["text"]
    assert "cppcheck-suppress unreadVariable" in cppcheck["unreadVariable"]["help"]["markdown"]
    assert tidy["bugprone-use-after-move"]["helpUri"] == (
        "https://clang.llvm.org/extra/clang-tidy/checks/bugprone/use-after-move.html"
    )
    assert "NOLINT(bugprone-use-after-move)" in tidy["bugprone-use-after-move"]["help"]["text"]
    assert fmt["clang-format-violations"]["defaultConfiguration"] == {"level": "error"}
    assert "clang-format -i" in fmt["clang-format-violations"]["help"]["text"]


@pytest.mark.parametrize(
    ("rule", "uri"),
    [
        ("bugprone-use-after-move", "checks/bugprone/use-after-move.html"),
        ("cppcoreguidelines-pro-type-cast", "checks/cppcoreguidelines/pro-type-cast.html"),
        ("clang-analyzer-core.NullDereference", "checks/clang-analyzer/core.NullDereference.html"),
        ("clang-diagnostic-unused-variable", "DiagnosticsReference.html#wunused-variable"),
        ("clang-diagnostic", None),
        ("clang-diagnostic-error", None),
    ],
)
def test_clang_tidy_help_pages(rule: str, uri: str | None) -> None:
    found = clang_tidy_help_uri(rule)
    assert (found is None) if uri is None else (found is not None and found.endswith(uri))


def test_markdown_quotes_backticks_in_a_message() -> None:
    log = log_of(check("clang-tidy", finding("misc-x", "a.cpp", message="use `auto` here")))
    assert "``use `auto` here``" in rules(log)["misc-x"]["help"]["markdown"]


def test_a_finding_without_a_file_is_placed_at_the_repository_level() -> None:
    log = log_of(
        check(
            "cppcheck",
            finding("missingInclude", None, line=None, message="Cppcheck cannot find includes"),
            finding("telemetry", "../outside.yaml", line=None),
            finding("telemetry", "/etc/passwd", line=None),
        )
    )
    for result in log["runs"][0]["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == REPOSITORY_LEVEL_FILE
        assert physical["region"] == {"startLine": 1}
        assert "reported for the repository" in location["message"]["text"]
    assert "../outside.yaml" in log["runs"][0]["results"][1]["locations"][0]["message"]["text"]


def test_every_result_has_a_location_with_a_uri() -> None:
    log = log_of(check("cppcheck", finding("a", None), finding("b", "src/x.cpp", line=None)))
    for result in log["runs"][0]["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_fingerprints_from_the_repository(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.cpp").write_text("var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n")
    (tmp_path / REPOSITORY_LEVEL_FILE).write_text("service: demo\n")
    log = log_of(
        check("cppcheck", finding("r", "src/a.cpp", 1), finding("s", None, line=None)),
        root=tmp_path,
    )
    first, repo_level = log["runs"][0]["results"]
    # github/codeql-action testdata: testFile1.js, line 1.
    assert first["partialFingerprints"] == {"primaryLocationLineHash": "5e4d5a9cf1294ad9:1"}
    assert repo_level["partialFingerprints"]["primaryLocationLineHash"].endswith(":1")
    assert (
        "partialFingerprints"
        not in log_of(check("cppcheck", finding("r", "src/a.cpp")))["runs"][0]["results"][0]
    )


def test_category_is_every_runs_automation_id() -> None:
    log = log_of(check("cppcheck"), check("clang-tidy"), category="precheck/linux")
    assert [r["automationDetails"]["id"] for r in log["runs"]] == ["precheck/linux/"] * 2
    default = log_of(check("cppcheck"), check("clang-tidy"))
    assert [r["automationDetails"]["id"] for r in default["runs"]] == [
        "cipipe/precheck/cppcheck/",
        "cipipe/precheck/clang-tidy/",
    ]


@pytest.mark.parametrize(("given", "expected"), [("cpp", "cpp/"), ("a/b/", "a/b/"), (" x ", "x/")])
def test_automation_id_as_the_upload_action_sets_it(given: str, expected: str) -> None:
    assert automation_id(given) == expected


@pytest.mark.parametrize("bad", ["", "   ", "a\nb", "x" * 300])
def test_a_bad_category_is_bad_input(bad: str) -> None:
    with pytest.raises(InputError, match="--sarif-category"):
        automation_id(bad)

"""SARIF 2.1.0 from precheck results: one run per tool, repository-relative URIs.

cppcheck 2.10 and clang-tidy 14 cannot write SARIF themselves, so cipipe converts their
findings; the result loads in GitHub code scanning and the Jenkins warnings-ng plugin.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from cipipe.contracts.precheck import NO_RESULT_STATUSES, CheckResult, Finding, Precheck
from cipipe.contracts.source import Source

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "SRCROOT"
INFORMATION_URI = {
    "clang-format": "https://clang.llvm.org/docs/ClangFormat.html",
    "clang-tidy": "https://clang.llvm.org/extra/clang-tidy/",
    "cppcheck": "https://cppcheck.sourceforge.io/",
}
_URI_SCHEMES = ("http://", "https://", "ssh://", "git://", "file://")


def _artifact(file: str) -> dict[str, Any]:
    return {"uri": quote(file, safe="/"), "uriBaseId": SRCROOT}


def _location(finding: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(finding.file or "")}
    region: dict[str, int] = {}
    if finding.line and finding.line >= 1:
        region["startLine"] = finding.line
        if finding.column and finding.column >= 1:
            region["startColumn"] = finding.column
    if region:
        physical["region"] = region
    return {"physicalLocation": physical}


def _invocation(check: CheckResult) -> dict[str, Any]:
    """A tool that did not finish is not a successful execution: one that was stopped at its
    time limit keeps the results it reported, and says so in a notification."""
    invocation: dict[str, Any] = {"executionSuccessful": check.status in {"ran", "skipped"}}
    if check.status == "incomplete" and check.timed_out_files:
        # One notification per file: each names the file that was not analysed.
        after = f" after {check.timed_out_after:g} s" if check.timed_out_after else ""
        invocation["toolExecutionNotifications"] = [
            {
                "level": "warning",
                "message": {"text": f"{check.name}: {file} timed out{after}; not analysed"},
                "locations": [{"physicalLocation": {"artifactLocation": _artifact(file)}}],
            }
            for file in check.timed_out_files
        ]
    elif check.status == "incomplete":
        after = f" after {check.timed_out_after:g} s" if check.timed_out_after else ""
        text = f"{check.name} timed out{after} and was stopped; results are those reported before"
        invocation["toolExecutionNotifications"] = [{"level": "warning", "message": {"text": text}}]
    elif check.status in NO_RESULT_STATUSES and check.reason:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": check.reason}}
        ]
    return invocation


def _run(check: CheckResult, source: Source) -> dict[str, Any]:
    rule_ids = sorted({f.rule for f in check.findings})
    driver: dict[str, Any] = {"name": check.tool.executable if check.tool else check.name}
    if check.tool and check.tool.version:
        driver["version"] = check.tool.version
    if check.name in INFORMATION_URI:
        driver["informationUri"] = INFORMATION_URI[check.name]
    driver["rules"] = [{"id": rule} for rule in rule_ids]
    results = []
    for finding in check.findings:
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": rule_ids.index(finding.rule),
            "level": finding.severity,
            "message": {"text": finding.message or finding.rule},
            "properties": {"toolSeverity": finding.tool_severity},
        }
        if finding.file:
            result["locations"] = [_location(finding)]
        results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"cipipe/precheck/{check.name}/"},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The repository root"}}},
        "invocations": [_invocation(check)],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if source.repo_url and source.repo_url.startswith(_URI_SCHEMES):
        provenance: dict[str, Any] = {"repositoryUri": source.repo_url, "revisionId": source.commit}
        if source.branch:
            provenance["branch"] = source.branch
        run["versionControlProvenance"] = [provenance]
    return run


def precheck_sarif(precheck: Precheck, source: Source) -> dict[str, Any]:
    runs = [_run(check, source) for check in precheck.checks if check.status != "disabled"]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}

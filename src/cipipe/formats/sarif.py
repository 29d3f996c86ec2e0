"""SARIF 2.1.0 from precheck results: one run per tool, repository-relative URIs.

cppcheck 2.10 and clang-tidy 14 cannot write SARIF themselves, so cipipe converts their
findings; the result loads in GitHub code scanning and the Jenkins warnings-ng plugin.

What GitHub code scanning needs beyond the schema: rules with descriptions (``sarif_rules``),
``partialFingerprints.primaryLocationLineHash`` on each result (``fingerprints``, as its upload
action computes them), and a location with a file URI on every result: GitHub refuses a log
with a result without one ("locationFromSarifResult: expected at least one location"). A
finding with no file (cppcheck's missingInclude, say: the analysis setup, not a line of code)
is placed at the repository level: ``.cipipe.yaml``, line 1, where the precheck is set up,
with a location message saying so; as OpenSSF Scorecard does for its repository-wide checks
(ossf/scorecard ``pkg/scorecard/sarif.go``, ``addDefaultLocation``), the file need not exist.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from cipipe.contracts.precheck import NO_RESULT_STATUSES, CheckResult, Finding, Precheck
from cipipe.contracts.source import Source
from cipipe.errors import InputError
from cipipe.formats.fingerprints import add_fingerprints
from cipipe.formats.sarif_rules import rule_descriptor

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "SRCROOT"
INFORMATION_URI = {
    "clang-format": "https://clang.llvm.org/docs/ClangFormat.html",
    "clang-tidy": "https://clang.llvm.org/extra/clang-tidy/",
    "cppcheck": "https://cppcheck.sourceforge.io/",
}
_URI_SCHEMES = ("http://", "https://", "ssh://", "git://", "file://")
# Where a finding with no file (or a path that is not the repository's) is placed.
REPOSITORY_LEVEL_FILE = ".cipipe.yaml"
REPOSITORY_LEVEL_NOTE = (
    "reported for the repository, not for a file: the analysis is set up in the precheck "
    "section of .cipipe.yaml"
)
CATEGORY_MAX = 256


def _artifact(file: str) -> dict[str, Any]:
    return {"uri": quote(file, safe="/"), "uriBaseId": SRCROOT}


def _in_repository(file: str | None) -> bool:
    """Whether ``file`` is a repository-relative path (a telemetry contract may name any)."""
    if not file:
        return False
    path = PurePosixPath(file)
    return not path.is_absolute() and ".." not in path.parts and "://" not in file


def _repository_location(finding: Finding) -> dict[str, Any]:
    note = REPOSITORY_LEVEL_NOTE
    if finding.file:
        note = f"{finding.file}: not a path inside the repository; {note}"
    return {
        "physicalLocation": {
            "artifactLocation": _artifact(REPOSITORY_LEVEL_FILE),
            "region": {"startLine": 1},
        },
        "message": {"text": note},
    }


def _location(finding: Finding) -> dict[str, Any]:
    if not _in_repository(finding.file):
        return _repository_location(finding)
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


def _run(check: CheckResult, source: Source, category: str | None) -> dict[str, Any]:
    rule_ids = sorted({f.rule for f in check.findings})
    tool = check.tool.executable if check.tool else check.name
    driver: dict[str, Any] = {"name": tool}
    if check.tool and check.tool.version:
        driver["version"] = check.tool.version
    if check.name in INFORMATION_URI:
        driver["informationUri"] = INFORMATION_URI[check.name]
    driver["rules"] = [
        rule_descriptor(check.name, tool, rule, [f for f in check.findings if f.rule == rule])
        for rule in rule_ids
    ]
    results = [
        {
            "ruleId": finding.rule,
            "ruleIndex": rule_ids.index(finding.rule),
            "level": finding.severity,
            "message": {"text": finding.message or finding.rule},
            "locations": [_location(finding)],
            "properties": {"toolSeverity": finding.tool_severity},
        }
        for finding in check.findings
    ]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": category or f"cipipe/precheck/{check.name}/"},
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


def automation_id(category: str) -> str:
    """``runAutomationDetails.id`` for a code-scanning category, as GitHub's upload action sets
    it (github/codeql-action ``src/upload-lib.ts``, ``getAutomationID``): the category with a
    trailing '/', so the whole of it is the category and no run id follows. GitHub keeps one
    analysis per tool and category: another category (another job, another configuration)
    does not replace this one's alerts."""
    name = category.strip()
    if not name or len(name) > CATEGORY_MAX or any(c.isspace() and c != " " for c in name):
        raise InputError(
            f"SARIF category {category!r}",
            field="--sarif-category",
            expected=f"a name of 1 to {CATEGORY_MAX} characters on one line, e.g. precheck/linux",
        )
    return name if name.endswith("/") else f"{name}/"


def precheck_sarif(
    precheck: Precheck, source: Source, *, root: Path | None = None, category: str | None = None
) -> dict[str, Any]:
    """The SARIF log of ``precheck``; with ``root`` (the repository) each result whose line can
    be read gets its ``primaryLocationLineHash``; with ``category`` every run carries it as
    its ``automationDetails.id`` (else ``cipipe/precheck/<check>/``, one category per check)."""
    automation = automation_id(category) if category is not None else None
    runs = [
        _run(check, source, automation) for check in precheck.checks if check.status != "disabled"
    ]
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}
    return add_fingerprints(log, root) if root is not None else log

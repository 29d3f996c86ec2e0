"""The analysers' own words taken out of precheck's outputs, so golden files hold what cipipe
decides and not what one cppcheck or clang-tidy release happens to say.

What stays exact: which checks ran, every finding's rule id, file, line, column and severity,
the counts, the SARIF structure (runs, results, locations, fingerprints, rule descriptors, the
help text cipipe writes around an example). What goes: the message texts cppcheck and clang-tidy
wrote (their wording changes between Debian releases), wherever cipipe copied them: a finding's
``message``, a SARIF result's ``message.text``, and the example inside a rule's descriptions.
clang-format's and the telemetry check's messages are cipipe's own words and stay.
"""

from __future__ import annotations

import copy
from typing import Any

TOOLS_WITH_THEIR_OWN_WORDING = ("cppcheck", "clang-tidy")


def placeholder(tool: str) -> str:
    return f"<{tool} message>"


def precheck_report(report: dict[str, Any]) -> dict[str, Any]:
    """precheck.json with the analysers' message texts replaced by a placeholder."""
    report = copy.deepcopy(report)
    for check in report["checks"]:
        if check["name"] in TOOLS_WITH_THEIR_OWN_WORDING:
            for finding in check["findings"]:
                finding["message"] = placeholder(check["name"])
    return report


def sarif_log(log: dict[str, Any]) -> dict[str, Any]:
    """precheck.sarif with the analysers' message texts replaced by a placeholder, in the
    results and in the rule descriptors that quote them."""
    log = copy.deepcopy(log)
    for run in log["runs"]:
        tool = run["tool"]["driver"]["name"]
        if tool not in TOOLS_WITH_THEIR_OWN_WORDING:
            continue
        messages = {result["message"]["text"] for result in run["results"]}
        for result in run["results"]:
            result["message"]["text"] = placeholder(tool)
        # Longest first: a message that contains another is replaced whole.
        wording = sorted(messages, key=len, reverse=True)
        run["tool"]["driver"]["rules"] = _replaced(
            run["tool"]["driver"].get("rules", []), wording, placeholder(tool)
        )
    return log


def _replaced(value: Any, wording: list[str], mark: str) -> Any:
    if isinstance(value, str):
        for text in wording:
            value = value.replace(text, mark)
        return value
    if isinstance(value, list):
        return [_replaced(item, wording, mark) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, wording, mark) for key, item in value.items()}
    return value

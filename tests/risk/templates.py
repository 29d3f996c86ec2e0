"""Every reference of an exported analysis template resolves (shared with the CLI export tests)."""

from __future__ import annotations

import re
from typing import Any

import yaml

ARG_USE = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+?)\s*\}\}")


def argo_analyses(strategy: dict[str, Any]) -> list[dict[str, Any]]:
    """Every analysis block of a strategy: canary steps' and blue-green's pre-promotion."""
    found = [s["analysis"] for s in strategy.get("canary", {}).get("steps", []) if "analysis" in s]
    blue_green = strategy.get("blueGreen", {})
    found += [
        blue_green[k] for k in ("prePromotionAnalysis", "postPromotionAnalysis") if k in blue_green
    ]
    return found


def assert_references_resolve(strategy: dict[str, Any], written: list[dict[str, Any]]) -> None:
    """What Argo's controller does: each templateName (clusterScope picks the kind) names a
    written template, every arg a step passes is declared, and every declared arg without a
    value is passed by every step."""
    defined = {(o["kind"], o["metadata"]["name"]): o for o in written}
    analyses = argo_analyses(strategy)
    assert analyses, "the strategy has no analysis to check"
    for analysis in analyses:
        for ref in analysis["templates"]:
            kind = "ClusterAnalysisTemplate" if ref.get("clusterScope") else "AnalysisTemplate"
            template = defined.get((kind, ref["templateName"]))
            assert template is not None, f"{kind} {ref['templateName']} is not written"
            declared = {a["name"]: a for a in template["spec"]["args"]}
            passed = [a["name"] for a in analysis["args"]]
            assert len(passed) == len(set(passed))
            assert set(passed) <= declared.keys(), set(passed) - declared.keys()
            without_value = {n for n, a in declared.items() if "value" not in a}
            assert without_value <= set(passed), without_value - set(passed)
            used = set(ARG_USE.findall(yaml.safe_dump(template["spec"]["metrics"])))
            assert used <= declared.keys(), used - declared.keys()
            assert used == declared.keys()  # nothing declared that no metric reads

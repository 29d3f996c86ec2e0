"""Rollout exports and the upstream CRD schemas they are checked against."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cipipe.contracts.risk_decision import (
    Application,
    BlueGreenPace,
    Bucket,
    CanaryPace,
    Pace,
    PolicyRef,
    RiskDecision,
    RollingPace,
    Strategy,
)

CRDS = Path(__file__).resolve().parents[1] / "data" / "crds"

SHA = "sha256:" + "0" * 64

SERVICES: dict[str, Any] = {"active_service": "shop-active", "preview_service": "shop-preview"}

GATE = "http://flagger-loadtester.test/gate/check"

GATES: dict[str, Any] = {
    "interval": "1m",
    "interval_seconds": 60,
    "failure_limit": 2,
    "metrics": [
        {"name": "request-success-rate", "min": 99.0},
        {"name": "request-duration", "max": 500.0},
    ],
}


def _seconds(window: str) -> int:
    return int(window[:-1]) * {"s": 1, "m": 60, "h": 3600}[window[-1]]


def canary(weights: list[int], windows: list[str]) -> CanaryPace:
    steps = [
        {"weight": w, "window": win, "window_seconds": _seconds(win)}
        for w, win in zip(weights, windows, strict=True)
    ]
    return CanaryPace.model_validate({"steps": steps, "analysis": GATES})


def blue_green(healthy_windows: int = 3, window: str = "2m") -> BlueGreenPace:
    return BlueGreenPace.model_validate(
        {
            "healthy_windows": healthy_windows,
            "window": window,
            "window_seconds": _seconds(window),
            "analysis": GATES,
        }
    )


def rolling(batch: int = 50) -> RollingPace:
    return RollingPace(batch_percent=batch, min_batch_percent=50, max_batch_percent=100)


def decision(
    recommended: Pace,
    *,
    manual: bool = False,
    applied: Pace | None = None,
    applied_manual: bool | None = None,
) -> RiskDecision:
    """A valid decision recommending ``recommended``; ``applied`` (default: the same) is what
    ``apply`` says, as in shadow mode when it differs."""
    mode = "enforce" if applied is None else "shadow"
    applied = recommended if applied is None else applied
    strategy: Strategy = recommended.strategy
    return RiskDecision(
        service="shop",
        build_id="b-42",
        commit="a" * 40,
        risk_score=50,
        score_before_clamp=50.0,
        top_contributors=[],
        missing_inputs=[],
        bucket=Bucket(strategy=strategy, min=31, max=70),
        buckets=[
            Bucket(strategy="rolling", min=0, max=30),
            Bucket(strategy="canary", min=31, max=70),
            Bucket(strategy="blue-green", min=71, max=100),
        ],
        manual_approval_at=85,
        recommended_strategy=strategy,
        suggested_pace=recommended,
        overrides_applied=[],
        manual_approval_required=manual,
        manual_approval_reasons=["test"] if manual else [],
        manual_override_allowed=False,
        mode=mode,
        mode_reason="test",
        apply=Application(
            strategy=applied.strategy,
            pace=applied,
            manual_approval_required=manual if applied_manual is None else applied_manual,
            reason="test",
        ),
        policy_version=SHA,
        policy=PolicyRef(version=SHA, git_commit=None, source="policies"),
        model_version=None,
        inputs_digest=SHA,
        decided_at="2026-11-27T12:00:00Z",
        decided_by="test",
    )


def _crd(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CRDS / name).read_text(encoding="utf-8"))
    return data


# Kubernetes' qualified name: an optional DNS-subdomain prefix and '/', then a name of at most
# 63 characters (k8s.io/apimachinery pkg/util/validation IsQualifiedName).
_QUALIFIED = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)


def _string_map_problems(node: Any, path: str) -> list[str]:
    if not isinstance(node, dict):
        return [f"{path}: not a map"]
    return [
        f"{path}: {k!r}: {v!r} is not a qualified name with a string value"
        for k, v in node.items()
        if not (isinstance(k, str) and _QUALIFIED.match(k) and isinstance(v, str))
    ]


def check_against_crd(document: dict[str, Any], crd: dict[str, Any]) -> list[str]:
    """Every mapping in ``document`` at a path the CRD extract lists, with allowed keys only."""
    allowed: dict[str, list[str]] = crd["properties"]
    problems: list[str] = []

    def walk(node: Any, path: str) -> None:
        if path in crd.get("string_maps", []):
            problems.extend(_string_map_problems(node, path))
            return
        if isinstance(node, list):
            for item in node:
                walk(item, path + "[]")
            return
        if path in crd.get("patterns", {}) and not re.match(crd["patterns"][path], str(node)):
            problems.append(f"{path}: {node!r} does not match {crd['patterns'][path]}")
        if path in crd.get("enums", {}) and node not in crd["enums"][path]:
            problems.append(f"{path}: {node!r} not in the enum")
        if not isinstance(node, dict):
            return
        if path not in allowed:
            problems.append(f"{path}: no key set in the CRD extract")
            return
        problems.extend(f"{path}: unknown key {k!r}" for k in node if k not in allowed[path])
        problems.extend(
            f"{path}: missing required {k!r}"
            for k in crd.get("required", {}).get(path, [])
            if k not in node
        )
        one_of = crd.get("one_of_required", {}).get(path)
        if one_of and sum(all(k in node for k in keys) for keys in one_of) != 1:
            problems.append(f"{path}: matches not exactly one of {one_of}")
        for key, value in node.items():
            if key in allowed[path]:
                walk(value, f"{path}.{key}")

    for key, value in document.items():
        walk(value, key)
    return problems

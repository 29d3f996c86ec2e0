"""Rollout-plan exports: Argo Rollouts `strategy:` and Flagger `analysis:` blocks, checked for
exact structure and against key sets taken from the upstream CRDs (tests/data/crds)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from cipipe.contracts.risk_decision import (
    Pace,
    RollingPace,
)
from cipipe.risk.exports import (
    ExportError,
    argo_rollouts_strategy,
    export,
    export_files,
    flagger_analysis,
    render_yaml,
)
from tests.risk.exports import (
    GATE,
    SERVICES,
    _crd,
    blue_green,
    canary,
    check_against_crd,
    decision,
    rolling,
)

# --- CRD key checks ---------------------------------------------------------------------------


def assert_argo_valid(strategy: dict[str, Any]) -> None:
    assert check_against_crd({"strategy": strategy}, _crd("argo-rollouts-strategy.json")) == []


def assert_flagger_valid(analysis: dict[str, Any]) -> None:
    assert check_against_crd({"analysis": analysis}, _crd("flagger-analysis.json")) == []


def test_the_key_check_catches_a_typo() -> None:
    bad = {"canary": {"steps": [{"setweight": 10}, {"pause": {"duraton": "1m"}}]}}
    problems = check_against_crd({"strategy": bad}, _crd("argo-rollouts-strategy.json"))
    assert problems == [
        "strategy.canary.steps[]: unknown key 'setweight'",
        "strategy.canary.steps[].pause: unknown key 'duraton'",
    ]
    flagger = {"interval": "1h", "threshold": 2, "metrics": [{"name": "x"}]}
    assert check_against_crd({"analysis": flagger}, _crd("flagger-analysis.json")) == [
        "analysis: matches not exactly one of "
        "[['interval', 'threshold', 'iterations'], ['interval', 'threshold', 'stepWeight'], "
        "['interval', 'threshold', 'stepWeights']]",
        "analysis.interval: '1h' does not match ^[0-9]+(m|s)",
    ]


# --- Argo Rollouts ----------------------------------------------------------------------------

ARGS = [
    {"name": "service", "value": "shop"},
    {"name": "interval", "value": "1m"},
    # Two checks per analysis; Argo fails past failureLimit, so the policy's 2 is 1 here.
    {"name": "count", "value": "2"},
    {"name": "failure-limit", "value": "1"},
    {"name": "request-success-rate-min", "value": "99"},
    {"name": "request-duration-max", "value": "500"},
]
ANALYSIS = {"templates": [{"templateName": "cipipe-health"}], "args": ARGS}


def _gated(weight: int, pause: str) -> list[dict[str, Any]]:
    return [{"setWeight": weight}, {"pause": {"duration": pause}}, {"analysis": ANALYSIS}]


def test_argo_canary() -> None:
    pace = canary([10, 25, 50, 100], ["2m", "5m", "10m", "15m"])
    got = argo_rollouts_strategy(decision(pace), **SERVICES)
    assert got == {
        "canary": {
            "steps": [*_gated(10, "2m"), *_gated(25, "5m"), *_gated(50, "10m"), {"setWeight": 100}]
        }
    }
    assert_argo_valid(got)


def test_argo_hotfix_canary_with_manual_approval_pauses_before_full_traffic() -> None:
    pace = canary([5, 25, 50, 100], ["30s", "90s", "1h", "2m"])
    got = argo_rollouts_strategy(
        decision(pace, manual=True), analysis_template="hotfix", **SERVICES
    )
    analysis = {"templates": [{"templateName": "hotfix"}], "args": ARGS}
    steps = got["canary"]["steps"]
    assert steps[:3] == [
        {"setWeight": 5},
        {"pause": {"duration": "30s"}},
        {"analysis": analysis},
    ]
    assert [s.get("pause") for s in steps if "pause" in s] == [
        {"duration": "30s"},
        {"duration": "90s"},
        {"duration": "1h"},
        {},
    ]
    assert steps[-2:] == [{"pause": {}}, {"setWeight": 100}]
    assert_argo_valid(got)


def test_argo_blue_green_auto_promotes_after_the_watch() -> None:
    got = argo_rollouts_strategy(decision(blue_green(3, "2m")), **SERVICES)
    assert got == {
        "blueGreen": {
            "activeService": "shop-active",
            "previewService": "shop-preview",
            "autoPromotionEnabled": True,
            "autoPromotionSeconds": 360,
            "prePromotionAnalysis": ANALYSIS,
            "scaleDownDelaySeconds": 360,
        }
    }
    assert_argo_valid(got)


def test_argo_blue_green_with_manual_approval_never_auto_promotes() -> None:
    got = argo_rollouts_strategy(decision(blue_green(1, "10s"), manual=True), **SERVICES)
    assert got == {
        "blueGreen": {
            "activeService": "shop-active",
            "previewService": "shop-preview",
            "autoPromotionEnabled": False,
            "prePromotionAnalysis": ANALYSIS,
            "scaleDownDelaySeconds": 30,
        }
    }
    assert_argo_valid(got)


def test_argo_rolling_is_a_canary_without_steps() -> None:
    got = argo_rollouts_strategy(decision(rolling(50)), **SERVICES)
    assert got == {"canary": {"maxSurge": "50%", "maxUnavailable": 0}}
    assert_argo_valid(got)
    held = argo_rollouts_strategy(decision(rolling(100), manual=True), **SERVICES)
    assert held == {"canary": {"maxSurge": "100%", "maxUnavailable": 0, "steps": [{"pause": {}}]}}
    assert_argo_valid(held)


# --- Flagger ----------------------------------------------------------------------------------

METRICS = [
    {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"},
    {"name": "request-duration", "thresholdRange": {"max": 500}, "interval": "1m"},
]


def test_flagger_canary() -> None:
    got = flagger_analysis(decision(canary([10, 25, 50, 100], ["2m", "5m", "10m", "15m"])))
    assert got == {
        "interval": "1m",
        "threshold": 2,
        "stepWeights": [10, 25, 50],
        "metrics": METRICS,
    }
    assert_flagger_valid(got)


def test_flagger_hotfix_canary_with_manual_approval() -> None:
    pace = canary([5, 25, 50, 100], ["1m", "1m", "2m", "2m"])
    got = flagger_analysis(decision(pace, manual=True), approval_url=GATE)
    assert got["stepWeights"] == [5, 25, 50]
    assert got["webhooks"] == [
        {"name": "manual-approval", "type": "confirm-promotion", "url": GATE}
    ]
    assert_flagger_valid(got)


def test_flagger_blue_green_runs_the_watch_as_iterations() -> None:
    got = flagger_analysis(decision(blue_green(3, "2m")))
    assert got == {"interval": "1m", "threshold": 2, "iterations": 6, "metrics": METRICS}
    assert_flagger_valid(got)
    gated = flagger_analysis(decision(blue_green(5, "90s"), manual=True), approval_url=GATE)
    assert gated["iterations"] == 8  # 450s of watching in 60s checks, rounded up
    assert gated["webhooks"][0]["type"] == "confirm-promotion"
    assert_flagger_valid(gated)


def test_flagger_manual_approval_needs_a_gate_url() -> None:
    with pytest.raises(ExportError, match="approval_url"):
        flagger_analysis(decision(blue_green(), manual=True))


def test_flagger_has_no_rolling_mode() -> None:
    with pytest.raises(ExportError, match="no rolling strategy"):
        flagger_analysis(decision(rolling()))


# --- apply vs recommended, YAML ---------------------------------------------------------------


def test_shadow_mode_apply_and_recommended_pick_their_own_plan() -> None:
    recommended = canary([10, 100], ["2m", "5m"])
    shadow = decision(recommended, manual=True, applied=rolling(50), applied_manual=False)
    assert argo_rollouts_strategy(shadow, **SERVICES) == {
        "canary": {"maxSurge": "50%", "maxUnavailable": 0}
    }
    assert argo_rollouts_strategy(shadow, use="recommended", **SERVICES) == {
        "canary": {"steps": [*_gated(10, "2m"), {"pause": {}}, {"setWeight": 100}]}
    }
    with pytest.raises(ExportError):
        flagger_analysis(shadow)
    assert flagger_analysis(shadow, use="recommended", approval_url=GATE)["stepWeights"] == [10]


def test_a_pace_that_contradicts_its_strategy_is_refused() -> None:
    bad = decision(rolling()).model_copy(update={"recommended_strategy": "canary"})
    with pytest.raises(ExportError, match="pace is for 'rolling'"):
        argo_rollouts_strategy(bad, use="recommended", **SERVICES)


@pytest.mark.parametrize(
    ("pace", "manual"),
    [
        (canary([10, 25, 50, 100], ["2m", "5m", "10m", "15m"]), False),
        (canary([5, 25, 50, 100], ["1m", "1m", "2m", "2m"]), True),
        (blue_green(), False),
        (blue_green(), True),
        (rolling(), False),
    ],
)
def test_export_yaml_round_trips_with_exactly_one_top_level_key(pace: Pace, manual: bool) -> None:
    d = decision(pace, manual=manual)
    argo_text = export(d, "argo-rollouts", **SERVICES)
    assert yaml.safe_load(argo_text) == {"strategy": argo_rollouts_strategy(d, **SERVICES)}
    assert argo_text.startswith("strategy:\n")
    assert "&id" not in argo_text  # repeated analysis steps are written out, not aliased
    if isinstance(pace, RollingPace):
        return
    flagger_text = export(d, "flagger", approval_url=GATE)
    assert yaml.safe_load(flagger_text) == {"analysis": flagger_analysis(d, approval_url=GATE)}
    assert flagger_text.startswith("analysis:\n")


def test_render_yaml_keeps_key_order_in_block_style_without_aliases() -> None:
    shared = {"k": "v"}
    text = render_yaml({"b": 1, "a": {"z": [1], "y": "2m"}, "s": [shared, shared]})
    assert text == "b: 1\na:\n  z:\n  - 1\n  y: 2m\ns:\n- k: v\n- k: v\n"


# --- the build's annotations (issue 19: outcome sync reads them back) -------------------------

REF = "ab" * 32
NOTES = {"cipipe.io/service": "shop", "cipipe.io/build-id": "b-42", "cipipe.io/decision": REF}


def test_argo_names_the_build_and_decision_in_the_pod_template() -> None:
    d = decision(canary([10, 100], ["2m", "5m"]))
    block = yaml.safe_load(export(d, "argo-rollouts", decision_ref=REF, **SERVICES))
    assert list(block) == ["strategy", "template"]
    assert block["template"] == {"metadata": {"annotations": NOTES}}
    assert check_against_crd(block, _crd("argo-rollouts-strategy.json")) == []
    # Without the decision's hash the block is the strategy alone, as before.
    assert list(yaml.safe_load(export(d, "argo-rollouts", **SERVICES))) == ["strategy"]


def test_flagger_names_them_in_the_canary_metadata_file() -> None:
    d = decision(canary([10, 100], ["2m", "5m"]))
    files = export_files(d, "flagger", decision_ref=REF)
    metadata = yaml.safe_load(files["rollout-flagger-metadata.yaml"])
    assert metadata == {"metadata": {"annotations": NOTES}}
    assert check_against_crd(metadata, _crd("flagger-analysis.json")) == []
    assert list(yaml.safe_load(files["rollout-flagger.yaml"])) == ["analysis"]
    assert "rollout-flagger-metadata.yaml" not in export_files(d, "flagger")


def test_the_crd_check_refuses_an_annotation_that_is_no_qualified_name() -> None:
    bad = {"template": {"metadata": {"annotations": {"cipipe.io/": "x", "ok": 1}}}}
    problems = check_against_crd(bad, _crd("argo-rollouts-strategy.json"))
    assert len(problems) == 2

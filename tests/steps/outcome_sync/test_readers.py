"""Rollout and Canary documents from the upstream projects read as signals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cipipe.errors import InputError
from cipipe.steps.outcome_sync.kubernetes import read_signals
from tests.steps.outcome_sync.helpers import annotated, canary, healthy, upstream


def test_an_aborted_rollout_with_a_failed_analysis_is_a_rollback_at_abortedat() -> None:
    [signal] = read_signals(upstream("rollout-aborted"), "argo-rollouts", "f.json")
    assert signal.result == "rollback"
    assert signal.since == datetime(2020, 9, 22, 9, 10, 5, tzinfo=UTC)
    assert "abort: true" in signal.evidence
    assert "rollout-background-analysis-db976bc44-2 Failed" in signal.evidence
    assert signal.subject == "rollout/default/rollout-background-analysis"
    assert signal.images == ("argoproj/rollouts-demo:yellow",)


def test_a_failed_analysis_alone_is_a_rollback() -> None:
    document = upstream("rollout-aborted")
    del document["status"]["abort"]
    [signal] = read_signals(document, "argo-rollouts", "f.json")
    assert signal.result == "rollback"
    assert "abort" not in signal.evidence


def test_a_progress_deadline_is_degraded_hence_a_rollback() -> None:
    [signal] = read_signals(upstream("canary-progress-deadline"), "argo-rollouts", "f.json")
    assert signal.result == "rollback"
    assert signal.since == datetime(2019, 10, 28, 4, 52, 55, tzinfo=UTC)
    assert "timed out progressing" in signal.evidence


def test_the_phase_degraded_is_a_rollback() -> None:
    document = upstream("bluegreen-paused")
    document["status"]["phase"] = "Degraded"
    [signal] = read_signals(document, "argo-rollouts", "f.json")
    assert signal.result == "rollback"


def test_a_paused_rollout_is_pending() -> None:
    document = upstream("bluegreen-paused")
    [signal] = read_signals(document, "argo-rollouts", "f.json")
    assert signal.result is None
    document["status"]["phase"] = "Paused"
    assert read_signals(document, "argo-rollouts", "f.json")[0].result is None


def test_a_healthy_rollout_is_ok_held_from_its_healthy_condition() -> None:
    document = healthy(upstream("bluegreen-paused"), "2019-10-29T00:00:00Z")
    [signal] = read_signals(document, "argo-rollouts", "f.json")
    assert (signal.result, signal.hold) == ("ok", True)
    assert signal.since == datetime(2019, 10, 29, tzinfo=UTC)


def test_annotations_name_the_build_and_a_list_holds_many() -> None:
    items = [
        annotated(upstream("rollout-aborted"), "gateway", "41"),
        annotated(upstream("bluegreen-paused"), "gateway", "42"),
    ]
    signals = read_signals({"kind": "List", "items": items}, "argo-rollouts", "f.json")
    assert [(s.service, s.build_id) for s in signals] == [("gateway", "41"), ("gateway", "42")]
    assert signals[0].key != signals[1].key


def test_flagger_docs_successful_status_is_ok_and_failed_is_a_rollback() -> None:
    status = upstream("flagger-succeeded-status")["status"]
    [ok] = read_signals(canary(status, "gateway", "7"), "flagger", "f.json")
    assert (ok.result, ok.hold, ok.build_id) == ("ok", True, "7")
    assert ok.since == datetime(2019, 7, 10, 8, 23, 18, tzinfo=UTC)
    failed = dict(status, phase="Failed", failedChecks=10)
    [bad] = read_signals(canary(failed, "gateway", "7"), "flagger", "f.json")
    assert bad.result == "rollback"
    assert "10 failed checks" in bad.evidence
    progressing = {"phase": "Progressing", "canaryWeight": 15}
    [pending] = read_signals(canary(progressing, "gateway", "7"), "flagger", "f.json")
    assert pending.result is None


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"kind": "Deployment", "metadata": {"name": "x"}}, "kind"),
        (
            {"kind": "List", "items": [{"kind": "Canary", "metadata": {"name": "x"}}]},
            "items[0].kind",
        ),
        ({"kind": "Rollout", "metadata": {}}, "metadata.name"),
        ({"kind": "List", "items": {}}, "items"),
    ],
)
def test_a_document_of_another_kind_names_the_field(document: object, field: str) -> None:
    with pytest.raises(InputError) as caught:
        read_signals(document, "argo-rollouts", "f.json")
    assert caught.value.field == field
    assert caught.value.file == "f.json"

"""The backtest's figures on hand-made and generated histories, and the tuning proposal."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from cipipe.risk.backtest.replay import Provenance, backtest, replay
from cipipe.risk.backtest.report import MAPPING_SNIPPET, SUMMARY, proposal_files
from cipipe.risk.backtest.tune import edge_for_fpr, edge_for_recall, tune
from cipipe.risk.history_table import apply_label_lag, load_history
from cipipe.risk.policy.bundle import load_policy_bundle
from tests.conftest import REPO_ROOT, requires_jit_data
from tests.risk.histories import SERVICES, generated_rows, scored_table, table_of
from tests.support.jitdata import project_file

BUNDLE = load_policy_bundle(REPO_ROOT / "policies")
# Shipped buckets: rolling 0-30, canary 31-70, blue-green 71-100; approval at 85.
SCORES = [0, 10, 40, 50, 75, 90, 95, 20]
LABELS = [0, 0, 1, 0, 1, 0, 1, 1]


def _run(table: Any) -> Any:
    return backtest(table, BUNDLE, Provenance("failed", "time", len(table)))


def test_exact_confusion_on_a_hand_made_history() -> None:
    result = _run(scored_table(SCORES, LABELS))
    assert replay(scored_table(SCORES, LABELS), BUNDLE).scores.tolist() == SCORES
    o = result.overall
    assert [(b.strategy, b.releases, b.failed, b.ok) for b in o.buckets] == [
        ("rolling", 3, 1, 2),
        ("canary", 2, 1, 1),
        ("blue-green", 3, 2, 1),
    ]
    assert (o.tp, o.fp, o.tn, o.fn) == (2, 1, 3, 2)
    assert (o.tpr, o.fpr, o.precision) == (0.5, 0.25, 2 / 3)
    assert o.weeks == 1.0  # eight seconds of history count as one week
    assert o.unnecessary_blue_green_per_week == 1.0  # the good release at 90
    assert o.unnecessary_manual_approvals_per_week == 1.0
    top = {t.fraction: t for t in o.at_top}
    assert (top[0.5].gated, top[0.5].precision, top[0.5].recall) == (4, 0.5, 0.5)
    assert (top[0.1].gated, top[0.1].precision, top[0.1].recall) == (1, 1.0, 0.25)
    assert o.auc == pytest.approx(0.6875)
    assert result.features_used == {"lines_changed": ["lines_added", "lines_deleted"]}
    assert "failed_unit_tests" in result.features_not_in_history


def test_manual_approval_alone_is_a_positive_call() -> None:
    table = scored_table([80, 80], [0, 1], service=["payments", "orders"])  # payments: 75
    result = _run(table)
    assert (result.overall.tp, result.overall.fp) == (1, 1)  # both blue-green anyway
    by = result.by_service
    assert by["payments"].unnecessary_manual_approvals_per_week == 1.0
    assert by["orders"].unnecessary_manual_approvals_per_week == 0.0


def test_tpr_and_fpr_of_a_generated_history() -> None:
    table = table_of(generated_rows(3000, groups=False))
    result = _run(table)
    run = replay(table, BUNDLE)
    called = run.scores >= 71
    failed = table.labels == 1
    assert result.overall.tp == int((called & failed).sum())
    assert result.overall.fpr == pytest.approx((called & ~failed).sum() / (~failed).sum())
    assert result.overall.tpr == pytest.approx((called & failed).sum() / failed.sum())
    assert result.overall.auc is not None and result.overall.auc > 0.6
    assert [t.fraction for t in result.overall.at_top] == [0.05, 0.1, 0.2, 0.5]
    recalls = [t.recall or 0.0 for t in result.overall.at_top]
    assert recalls == sorted(recalls)


def test_per_service_and_per_platform() -> None:
    table = table_of(generated_rows(3000))
    result = _run(table)
    assert sorted(result.by_service) == sorted(SERVICES)
    assert sorted(result.by_platform) == ["arm", "linux"]
    assert sum(p.releases for p in result.by_service.values()) == 3000
    assert sum(p.failures for p in result.by_platform.values()) == result.overall.failures
    # payments gets the policy's score_shift of 10: its scores are higher than the others'
    run = replay(table, BUNDLE)
    services = np.array(table.groups["service"])
    assert run.scores[services == "payments"].mean() > run.scores[services == "orders"].mean()


def test_tune_meets_the_target_fpr_and_the_proposal_is_a_valid_policy(tmp_path: Path) -> None:
    table = table_of(generated_rows(4000, groups=False))
    tuning = tune(table, BUNDLE, 0.1)
    assert tuning.met
    assert tuning.after.fpr is not None and tuning.after.fpr <= 0.1
    assert tuning.after_buckets_only == tuning.after  # no service column: no shift
    edge = tuning.buckets[-1].min
    run = replay(table, BUNDLE)
    failed = run.labels == 1
    below = ((run.scores >= edge - 1) & ~failed).sum() / (~failed).sum()
    assert edge == 2 or below > 0.1  # the smallest edge that meets it: the most recall
    assert tuning.manual_approval_at >= edge
    # Merged into a copy of the shipped policy, it loads through the validator.
    folder = tmp_path / "policies"
    shutil.copytree(REPO_ROOT / "policies", folder)
    files = proposal_files(tuning, BUNDLE.version_id)
    path = folder / MAPPING_SNIPPET
    mapping = yaml.safe_load(path.read_text())
    mapping.update(yaml.safe_load(files[MAPPING_SNIPPET]))
    path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    edited = load_policy_bundle(folder)
    assert [b.min for b in edited.mapping.buckets] == [b.min for b in tuning.buckets]
    assert "Sign-off" in files[SUMMARY]


def test_recall_target_for_the_services_the_policy_lists() -> None:
    table = table_of(generated_rows(4000))
    tuning = tune(table, BUNDLE, 0.1, target_recall=0.8)
    by = {s.service: s for s in tuning.services}
    payments = by["payments"]  # listed in thresholds-and-windows.yaml services
    assert payments.method == "recall" and payments.target == 0.8
    assert payments.tpr is not None and payments.tpr >= 0.8
    assert by["orders"].method == "fpr" and by["orders"].fpr is not None
    assert by["orders"].fpr <= 0.1
    only = tuning.after_buckets_only
    assert tuning.met and only.fpr is not None and only.fpr <= 0.1
    assert payments.proposed_score_shift == min(
        50, max(0, payments.current_score_shift + tuning.buckets[-1].min - payments.edge)
    )


def test_edge_searches() -> None:
    scores = np.array([10, 20, 30, 40, 50, 60])
    labels = np.array([0, 0, 1, 0, 1, 1], dtype=np.int8)
    none = np.full(6, 101)
    assert edge_for_fpr(scores, labels, 0.0, none) == (41, True)
    assert edge_for_fpr(scores, labels, 1 / 3, none) == (21, True)
    assert edge_for_recall(scores, labels, 1.0) == (30, True)
    assert edge_for_recall(scores, labels, 0.5) == (50, True)


def test_label_lag_leaves_out_the_newest_rows() -> None:
    table = table_of(generated_rows(100, groups=False))  # an hour apart
    kept, dropped = apply_label_lag(table, 10 * 3600)
    assert dropped == 10 and len(kept) == 90
    assert kept.times.max() == table.times[89]


@requires_jit_data("qt")
def test_real_qt_history_ranks_better_than_chance() -> None:
    table = load_history(project_file("qt"), label="bug", time="date")
    result = _run(table)
    assert result.features_used == {"lines_changed": ["la", "ld"], "files_changed": ["nf"]}
    assert result.overall.auc is not None and result.overall.auc > 0.6

"""backtest.json as a Markdown report, and a tuning proposal as files for governance sign-off.

Rendering only: every function returns the files' contents; the CLI writes them.
"""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from cipipe.contracts.backtest import Backtest, Performance, Tuning
from cipipe.risk.backtest.charts import CHARTS

MAPPING_SNIPPET = "strategy-mapping-policy.yaml"
THRESHOLDS_SNIPPET = "thresholds-and-windows.yaml"
SUMMARY = "thresholds-and-windows.md"
CHART_TITLES = dict(
    zip(CHARTS, ("ROC curve", "Score by outcome", "Reliability", "Recall vs % gated"), strict=True)
)


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def headline(p: Performance) -> list[str]:
    return [
        f"- releases: {p.releases}, failed: {p.failures}",
        f"- positive call (blue-green or manual approval): TPR {pct(p.tpr)}, "
        f"FPR {pct(p.fpr)}, precision {pct(p.precision)} "
        f"(TP {p.tp}, FP {p.fp}, TN {p.tn}, FN {p.fn})",
        f"- AUC of the risk score: {_num(p.auc)} (unclamped: {_num(p.auc_before_clamp)})",
        f"- cost per week ({p.weeks:g} weeks): {p.unnecessary_blue_green_per_week:g} unnecessary "
        f"blue-greens, {p.unnecessary_manual_approvals_per_week:g} unnecessary manual approvals",
    ]


def _performance(p: Performance) -> list[str]:
    lines = headline(p)
    lines += ["", "Predicted bucket against outcome:", ""]
    lines += _table(
        ["bucket", "scores", "releases", "failed", "ok"],
        (
            [b.strategy, f"{b.min}-{b.max}", str(b.releases), str(b.failed), str(b.ok)]
            for b in p.buckets
        ),
    )
    lines += ["", "Gating the riskiest K % of releases:", ""]
    lines += _table(
        ["gated", "releases", "precision", "recall"],
        (
            [f"{t.fraction * 100:g}%", str(t.gated), pct(t.precision), pct(t.recall)]
            for t in p.at_top
        ),
    )
    return lines


def _groups(title: str, groups: dict[str, Performance]) -> list[str]:
    if not groups:
        return []
    lines = ["", f"## By {title}", ""]
    return lines + _table(
        [title, "releases", "failed", "TPR", "FPR", "AUC", "unneeded blue-green/week"],
        (
            [
                name,
                str(p.releases),
                str(p.failures),
                pct(p.tpr),
                pct(p.fpr),
                _num(p.auc),
                f"{p.unnecessary_blue_green_per_week:g}",
            ]
            for name, p in groups.items()
        ),
    )


def report_markdown(result: Backtest) -> str:
    used = ", ".join(f"{k} <- {' + '.join(v)}" for k, v in result.features_used.items())
    lines = [
        "# Risk heuristic backtest",
        "",
        f"History `{result.source}` (label `{result.label}`, time `{result.time}`), "
        f"policy `{result.policy_version}`.",
        "",
        f"- rows read: {result.rows_read}; replayed: {result.rows}; bad rows: {result.bad_rows}; "
        f"excluded by the label lag ({result.label_lag_seconds} s): "
        f"{result.excluded_by_label_lag}; unlabelled builds excluded: "
        f"{result.unlabelled_excluded}",
        f"- features from the history: {used or 'none'}",
        "- not in the history (they contribute 0 here; the policy's missing_inputs points are "
        "for a report missing at decision time, not for a dataset without the column): "
        + (", ".join(result.features_not_in_history) or "none"),
        "- not replayed (they need a change's paths and platforms): "
        + ", ".join(result.modifiers_not_replayed),
        "",
        "## Overall",
        "",
        *_performance(result.overall),
        *_groups("service", result.by_service),
        *_groups("platform", result.by_platform),
        "",
        "## Charts",
        "",
    ]
    lines += [f"![{CHART_TITLES[name]}]({name})" for name in CHARTS]
    if result.bad_row_examples:
        lines += ["", "## Bad rows (first ones)", ""]
        lines += [f"- row {b.row}: {b.reason}" for b in result.bad_row_examples]
    if result.tuning is not None:
        lines += ["", "## Tuning proposal", "", *_tuning(result.tuning)]
    return "\n".join(lines) + "\n"


def _tuning(t: Tuning) -> list[str]:
    buckets = ", ".join(f"{b.strategy} {b.min}-{b.max}" for b in t.buckets)
    met = "met" if t.met else "NOT met (even an edge of 100 is above it)"
    lines = [
        f"Target FPR {pct(t.target_fpr)}: {met}.",
        f"Proposed buckets: {buckets}; manual_approval_at: {t.manual_approval_at}.",
        "",
        f"Method: {t.method}.",
        "",
        "| | before | proposed buckets | with per-service shifts |",
        "|---|---|---|---|",
    ]
    columns = (t.before, t.after_buckets_only, t.after)
    for name, cells in (
        ("TPR", [pct(p.tpr) for p in columns]),
        ("FPR", [pct(p.fpr) for p in columns]),
        ("precision", [pct(p.precision) for p in columns]),
        (
            "unnecessary blue-greens / week",
            [f"{p.unnecessary_blue_green_per_week:g}" for p in columns],
        ),
        (
            "unnecessary manual approvals / week",
            [f"{p.unnecessary_manual_approvals_per_week:g}" for p in columns],
        ),
    ):
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if t.services:
        lines += ["", "Per-service tolerances:", ""]
        lines += _table(
            ["service", "releases", "method", "target", "edge", "met", "FPR", "TPR", "score_shift"],
            (
                [
                    s.service,
                    str(s.releases),
                    s.method,
                    pct(s.target),
                    str(s.edge),
                    "yes" if s.met else "no",
                    pct(s.fpr),
                    pct(s.tpr),
                    f"{s.current_score_shift} -> {s.proposed_score_shift}",
                ]
                for s in t.services
            ),
        )
    return lines


def proposal_files(t: Tuning, policy_version: str) -> dict[str, str]:
    """The YAML snippets to merge into the policy files, and the summary to sign off."""
    header = (
        f"# Proposed by `cipipe backtest --tune` from policy {policy_version}\n"
        f"# (target FPR {t.target_fpr:g}). Merge into the policy file; needs sign-off.\n"
    )
    mapping = {
        "buckets": [b.model_dump() for b in t.buckets],
        "manual_approval_at": t.manual_approval_at,
    }
    files = {MAPPING_SNIPPET: header + yaml.safe_dump(mapping, sort_keys=False)}
    changed = {
        s.service: {"score_shift": s.proposed_score_shift}
        for s in t.services
        if s.proposed_score_shift != s.current_score_shift
    }
    if changed:
        files[THRESHOLDS_SNIPPET] = header + yaml.safe_dump({"services": changed}, sort_keys=True)
    summary = [
        "# Proposed change: strategy buckets and per-service tolerances",
        "",
        f"From policy `{policy_version}`, by `cipipe backtest --tune` "
        f"(target FPR {pct(t.target_fpr)}"
        + (f", target recall {pct(t.target_recall)}" if t.target_recall is not None else "")
        + ").",
        "",
        "## What changes",
        "",
        f"- `{MAPPING_SNIPPET}`: see the snippet beside this file.",
        f"- `{THRESHOLDS_SNIPPET}`: "
        + (", ".join(f"services.{k}.score_shift" for k in changed) or "nothing"),
        "",
        "## Backtest before and after",
        "",
        *_tuning(t),
        "",
        "## Sign-off",
        "",
        "- [ ] SRE",
        "- [ ] Security",
    ]
    files[SUMMARY] = "\n".join(summary) + "\n"
    return files

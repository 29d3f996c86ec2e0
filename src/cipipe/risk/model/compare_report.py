"""model-compare.md and the summary printed on stdout, in policy diff's style and from its
pieces (``risk/policy/diff_report.py``): headline figures, the table of moves, the rest in
collapsed <details> blocks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cipipe.contracts.model_compare import ModelCompare, ModelFigures, ModelRef, Quality
from cipipe.risk.backtest.report import pct
from cipipe.risk.policy.diff_report import (
    REPORTED_RECALL_AT,
    arrow,
    grouped_section,
    headline_recall,
    largest_section,
    md_table,
    move_name,
    policy_row,
    short_version,
    summary_text,
)


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _moved(before: float | None, after: float | None) -> str:
    return _number(before) if before == after else f"{_number(before)} → {_number(after)}"


def _recall(q: Quality) -> float | None:
    return next((r.recall for r in q.at_top if r.fraction == REPORTED_RECALL_AT), None)


def headline(c: ModelCompare) -> list[str]:
    o = c.overall
    changed = f"{c.changed_decisions} of {c.rows} decisions change"
    if c.changed_fraction is not None:
        changed += f" ({pct(c.changed_fraction)})"
    before, after = o.quality_before, o.quality_after
    return [
        changed,
        f"AUC {_moved(before.auc, after.auc)}, Brier {_moved(before.brier, after.brier)}, "
        f"ECE {_moved(before.ece, after.ece)}, recall at {REPORTED_RECALL_AT:.0%} gated "
        f"{arrow(_recall(before), _recall(after))}",
        f"at the policy's cuts: FPR {arrow(o.before.fpr, o.after.fpr)}, "
        f"TPR {arrow(o.before.tpr, o.after.tpr)}, recall at {REPORTED_RECALL_AT:.0%} of "
        f"scores gated {arrow(headline_recall(o.before), headline_recall(o.after))}",
    ]


def _quality_rows(groups: Mapping[str, ModelFigures]) -> list[list[str]]:
    return [
        [
            name,
            str(f.releases),
            _moved(f.quality_before.auc, f.quality_after.auc),
            _moved(f.quality_before.brier, f.quality_after.brier),
            _moved(f.quality_before.ece, f.quality_after.ece),
        ]
        for name, f in groups.items()
    ]


def _quality_section(c: ModelCompare) -> list[str]:
    rows = _quality_rows({"all": c.overall, **c.by_service})
    return [
        "<details><summary>Model quality (CURRENT → CANDIDATE)</summary>",
        "",
        *md_table(["builds", "count", "AUC", "Brier", "ECE"], rows),
        "",
        "</details>",
        "",
    ]


def _model_row(name: str, m: ModelRef) -> list[str]:
    return [name, f"`{m.version}`", m.state, m.created_at or "n/a", str(len(m.features))]


def markdown(c: ModelCompare) -> str:
    title = f"### Model compare: `{c.current.version}` → `{c.candidate.version}`"
    lines = [title, "", *(f"- {line}" for line in headline(c)), ""]
    held = [x.expression for x in c.fail_if if x.held]
    if held:
        lines += ["**--fail-if held:** " + ", ".join(f"`{h}`" for h in held), ""]
    if c.moves:
        lines += [*md_table(["move", "builds"], [[move_name(m), str(m.count)] for m in c.moves])]
        lines += [""]
    else:
        lines += ["No decision changes.", ""]
    lines += _quality_section(c)
    lines += largest_section(c.largest_moves)
    lines += grouped_section(c.not_in_history, "service", c.by_service)
    lines += grouped_section(c.not_in_history, "platform", c.by_platform)
    models = [_model_row("current", c.current), _model_row("candidate", c.candidate)]
    lines += [
        "<details><summary>Models, policy and history</summary>",
        "",
        *md_table(["", "version", "state", "created", "features"], models),
        "",
        *md_table(
            ["", "version", "source", "given as", "commit"], [policy_row("policy", c.policy)]
        ),
        "",
        f"{c.rows} labelled builds scored from {c.source} ({c.window.first} to "
        f"{c.window.newest}; {c.excluded_by_label_lag} within the label lag, "
        f"{c.unlabelled_excluded} unlabelled); cipipe {c.cipipe_version}, {c.created_at}.",
        "",
        "</details>",
    ]
    return "\n".join(lines) + "\n"


def summary(c: ModelCompare, written: Iterable[str]) -> str:
    title = (
        f"model compare over {c.rows} labelled builds from {c.source}: "
        f"{c.current.version} -> {c.candidate.version} "
        f"(policy {short_version(c.policy.version)})"
    )
    return summary_text(title, headline(c), c, written)

"""policy-diff.md (a pull-request comment) and the summary printed on stdout.

``model compare``'s Markdown (risk/model/compare_report.py) is built from the same pieces.
The comment is short: the headline figures first, the table of moves, and the rest in
collapsed <details> blocks so a reviewer opens only what they want.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from cipipe.contracts.backtest import Performance
from cipipe.contracts.policy_diff import (
    Condition,
    Figures,
    Move,
    MoveCount,
    PolicyDiff,
    PolicyRef,
)
from cipipe.risk.backtest.report import pct

REPORTED_RECALL_AT = 0.10  # the headline's "recall at 10 % gated"


class Moved(Protocol):
    """What a policy diff and a model compare both report: the moves, the groupings the
    history lacks and the --fail-if results."""

    @property
    def moves(self) -> Sequence[MoveCount]: ...
    @property
    def not_in_history(self) -> Sequence[str]: ...
    @property
    def fail_if(self) -> Sequence[Condition]: ...


def short_version(version: str) -> str:
    return version.removeprefix("sha256:")[:12]


def _decision(strategy: str, approval: bool) -> str:
    return f"{strategy} + approval" if approval else strategy


def move_name(m: MoveCount) -> str:
    return (
        f"{_decision(m.from_strategy, m.from_approval)} → {_decision(m.to_strategy, m.to_approval)}"
    )


def headline_recall(p: Performance) -> float | None:
    return next((r.recall for r in p.at_top if r.fraction == REPORTED_RECALL_AT), None)


def arrow(before: float | None, after: float | None) -> str:
    return pct(before) if before == after else f"{pct(before)} → {pct(after)}"


def _yes_no(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "**no**")


def _approval(needed: bool) -> str:
    return "yes" if needed else "no"


def md_table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def headline(diff: PolicyDiff) -> list[str]:
    o = diff.overall
    changed = f"{diff.changed_decisions} of {diff.rows} decisions change"
    if diff.changed_fraction is not None:
        changed += f" ({pct(diff.changed_fraction)})"
    meeting = [
        f"{sum(s.meets_before is True for s in diff.enforcement.services)}",
        f"{sum(s.meets_after is True for s in diff.enforcement.services)}",
    ]
    lines = [
        changed,
        f"FPR {arrow(o.before.fpr, o.after.fpr)}, TPR {arrow(o.before.tpr, o.after.tpr)}, "
        f"recall at {REPORTED_RECALL_AT:.0%} gated "
        f"{arrow(headline_recall(o.before), headline_recall(o.after))}",
        f"enforcement max FPR "
        f"{arrow(diff.enforcement.max_fpr_before, diff.enforcement.max_fpr_after)}",
    ]
    if diff.enforcement.services:
        total = len(diff.enforcement.services)
        lines[-1] += f"; services meeting it: {meeting[0]} → {meeting[1]} of {total}"
    return lines


def figures_rows(groups: Mapping[str, Figures]) -> list[list[str]]:
    return [
        [
            name,
            str(f.releases),
            str(f.changed_decisions),
            arrow(f.before.fpr, f.after.fpr),
            arrow(f.before.tpr, f.after.tpr),
            arrow(headline_recall(f.before), headline_recall(f.after)),
        ]
        for name, f in groups.items()
    ]


def grouped_section(
    not_in_history: list[str], column: str, groups: Mapping[str, Figures]
) -> list[str]:
    if column in not_in_history:
        return [f"Per {column}: not in the history.", ""]
    header = [column, "releases", "changed", "FPR", "TPR", "recall at 10 %"]
    return [
        f"<details><summary>Per {column}</summary>",
        "",
        *md_table(header, figures_rows(groups)),
        "",
        "</details>",
        "",
    ]


def _enforcement(diff: PolicyDiff) -> list[str]:
    if not diff.enforcement.services:
        return []
    rows = [
        [
            s.service,
            arrow(s.max_fpr_before, s.max_fpr_after),
            arrow(s.fpr_before, s.fpr_after),
            _yes_no(s.meets_before),
            _yes_no(s.meets_after),
        ]
        for s in diff.enforcement.services
    ]
    header = ["service", "max FPR", "FPR", "meets (old)", "meets (new)"]
    return [
        "<details><summary>Enforcement threshold per service</summary>",
        "",
        *md_table(header, rows),
        "",
        "</details>",
        "",
    ]


def largest_section(moves: list[Move]) -> list[str]:
    if not moves:
        return []
    rows = [
        [
            m.build,
            m.service or "",
            f"{m.score_before} → {m.score_after} ({m.score_change:+d})",
            f"{m.bucket_before} → {m.bucket_after}",
            f"{_approval(m.approval_before)} → {_approval(m.approval_after)}",
        ]
        for m in moves
    ]
    header = ["build", "service", "score", "bucket", "manual approval"]
    return [
        f"<details><summary>Largest moves (top {len(moves)})</summary>",
        "",
        *md_table(header, rows),
        "",
        "</details>",
        "",
    ]


def policy_row(name: str, ref: PolicyRef) -> list[str]:
    return [name, f"`{ref.version}`", ref.source, ref.spec, ref.commit or "n/a"]


def markdown(diff: PolicyDiff) -> str:
    old, new = short_version(diff.old.version), short_version(diff.new.version)
    title = f"### Policy diff: `{old}` → `{new}`"
    lines = [title, "", *(f"- {line}" for line in headline(diff)), ""]
    held = [c.expression for c in diff.fail_if if c.held]
    if held:
        lines += ["**--fail-if held:** " + ", ".join(f"`{h}`" for h in held), ""]
    if diff.moves:
        rows = [[move_name(m), str(m.count)] for m in diff.moves]
        lines += [*md_table(["move", "releases"], rows), ""]
    else:
        lines += ["No decision changes.", ""]
    lines += largest_section(diff.largest_moves)
    lines += grouped_section(diff.not_in_history, "service", diff.by_service)
    lines += grouped_section(diff.not_in_history, "platform", diff.by_platform)
    lines += _enforcement(diff)
    policies = [policy_row("old", diff.old), policy_row("new", diff.new)]
    lines += [
        "<details><summary>Policies and history</summary>",
        "",
        *md_table(["", "version", "source", "given as", "commit"], policies),
        "",
        f"{diff.rows} releases replayed from {diff.source} ({diff.bad_rows} bad rows, "
        f"{diff.excluded_by_label_lag} within the label lag, {diff.unlabelled_excluded} "
        f"unlabelled); cipipe {diff.cipipe_version}.",
        "",
        "</details>",
    ]
    return "\n".join(lines) + "\n"


def summary(diff: PolicyDiff, written: Iterable[str]) -> str:
    title = (
        f"policy diff over {diff.rows} releases from {diff.source}: "
        f"{short_version(diff.old.version)} -> {short_version(diff.new.version)}"
    )
    return summary_text(title, headline(diff), diff, written)


def summary_text(
    title: str, headline_lines: Iterable[str], moved: Moved, written: Iterable[str]
) -> str:
    """The stdout summary policy diff and model compare share: the title, the headline, the
    moves, the groupings the history lacks, each --fail-if and the files written."""
    lines = [
        title,
        *(f"- {line}" for line in headline_lines),
        *(f"- {move_name(m)}: {m.count}" for m in moved.moves),
        *(f"- per {column}: not in the history" for column in moved.not_in_history),
        *(f"- --fail-if {c.expression}: {'held' if c.held else 'not held'}" for c in moved.fail_if),
        "wrote " + ", ".join(written),
    ]
    # Jenkins logs and some terminals are not UTF-8: plain arrows on stdout.
    return "\n".join(lines).replace("→", "->")

"""One build's page as HTML text: its facts, its latest decision explained, outcomes, files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import TypeAdapter, ValidationError

from cipipe.contracts.risk_decision import Pace
from cipipe.steps.dashboard.charts import hbar_chart
from cipipe.steps.dashboard.collect import BuildView, DecisionView
from cipipe.steps.dashboard.layout import (
    Site,
    badge,
    esc,
    page,
    platforms_text,
    score_text,
    table,
    when,
)

_PACE = TypeAdapter[Pace](Pace)


def build_page(build: BuildView, *, site: Site, files: Sequence[tuple[str, str]]) -> str:
    """One build: facts, its latest decision explained, earlier decisions, outcomes, files.
    ``files`` are (label, relative link) pairs of files written beside the page."""
    d = build.decision
    parts = [
        _build_section(build),
        _decision(d)
        if d
        else '<section><h2>Decision</h2><p class="muted">No risk decision recorded.</p></section>',
    ]
    if len(build.decisions) > 1:
        parts.append(_every_decision_section(build.decisions))
    parts.append(_outcomes_section(build))
    parts.append(_files_section(build, files))
    return page(
        f"{build.service} build {build.build_id}",
        "\n".join(parts),
        root="../../",
        generated=site.generated,
        store=site.store,
        synthetic=build.source == "synthetic",
    )


def _build_section(b: BuildView) -> str:
    facts = [
        ("service", esc(b.service)),
        ("build", esc(b.build_id)),
        ("started", esc(when(b.started_at))),
        ("verdict", badge(b)),
        ("source", esc(b.source)),
        ("branch", esc(b.branch or "-")),
        ("commit", f"<code>{esc(b.commit or '-')}</code>"),
        ("author", esc(b.author or "-")),
        ("platforms", platforms_text(b)),
        ("modules", esc(", ".join(b.modules) or "-")),
    ]
    return "<section><h2>Build</h2>" + _facts(facts) + "</section>"


def _every_decision_section(decisions: Sequence[DecisionView]) -> str:
    """The build's decisions in the order they were recorded, when there was more than one."""
    rows = [
        [
            str(x.seq),
            esc(when(x.decided_at)),
            esc(x.mode),
            score_text(x.risk_score),
            esc(x.recommended),
            esc(x.decided_by),
        ]
        for x in decisions
    ]
    return (
        "<section><h2>Every decision</h2>"
        + table(["#", "decided", "mode", "risk", "strategy", "by"], rows, numeric=frozenset({0, 3}))
        + "</section>"
    )


def _outcomes_section(b: BuildView) -> str:
    outcome_rows = [
        [esc(o.result), esc(when(o.at)), esc(o.note or "-"), esc(o.recorded_by or "-")]
        for o in b.outcomes
    ]
    return (
        "<section><h2>Outcomes</h2>"
        + table(["result", "at", "note", "recorded by"], outcome_rows)
        + "</section>"
    )


def _files_section(b: BuildView, files: Sequence[tuple[str, str]]) -> str:
    """The files written beside the page, and where the decision is in the artifact store
    when there is one."""
    links = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for label, href in files)
    store_path = f"{b.service}/{b.build_id}/risk-decision.json"
    return (
        "<section><h2>Files</h2><ul>"
        + links
        + (
            f"<li>in the artifact store, beside the candidate: <code>{esc(store_path)}</code></li>"
            if b.decision
            else ""
        )
        + "</ul></section>"
    )


def _origin(policy_source: str) -> str:
    """Where the policy came from; the built-in bundle is named so a team sees it has none."""
    if not policy_source:
        return ""
    if policy_source == "builtin":
        return ' <span class="muted">(built into cipipe: the repository has no policy)</span>'
    return f' <span class="muted">({esc(policy_source)})</span>'


def _decision(d: DecisionView) -> str:
    approval = "required: " + "; ".join(d.approval_reasons) if d.manual_approval else "not required"
    facts = [
        ("risk score", f'<span class="score">{score_text(d.risk_score)}</span> / 100'),
        ("recommended", esc(d.recommended)),
        (
            "applied",
            esc(d.applied or "-")
            + f' <span class="muted">({esc(d.mode)} mode: {esc(d.mode_reason)})</span>',
        ),
        ("pace", esc(pace_text(d.pace))),
        ("pace applied", esc(pace_text(d.applied_pace))),
        ("manual approval", esc(approval)),
        ("policy version", f"<code>{esc(d.policy_version)}</code>" + _origin(d.policy_source)),
        ("model", esc(d.model_version or "heuristic")),
        ("decided", esc(f"{when(d.decided_at)} by {d.decided_by}")),
    ]
    contributors = [(c.feature, c.points) for c in d.contributors]
    rows = [
        [esc(c.feature), esc(c.raw_value or "-"), esc(c.status), f"{c.points:+g}", esc(c.rule)]
        for c in d.contributors
    ]
    overrides = [[f"<code>{esc(o.rule)}</code>", esc(o.effect), esc(o.reason)] for o in d.overrides]
    return (
        "<section><h2>Decision</h2>" + _facts(facts) + "</section>"
        "<section><h3>Contributors</h3>"
        '<p class="muted">Points each input added to the score (negative lowers it).</p>'
        + hbar_chart(contributors, label="Risk score contributors")
        + table(["feature", "value", "status", "points", "rule"], rows, numeric=frozenset({3}))
        + "</section><section><h3>Overrides</h3>"
        + table(["rule", "effect", "reason"], overrides)
        + "</section>"
    )


def pace_text(pace: Mapping[str, object]) -> str:
    from cipipe.steps.decide_strategy.record import pace_line

    if not pace:
        return "-"
    try:
        return pace_line(_PACE.validate_python(dict(pace)))
    except ValidationError:
        return ", ".join(f"{k}={v}" for k, v in sorted(pace.items()))


def _facts(items: Sequence[tuple[str, str]]) -> str:
    return (
        '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"
    )

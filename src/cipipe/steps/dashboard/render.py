"""The dashboard's index page as HTML text; a build's page is in build_page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from cipipe.risk.shadow.report import STRATEGIES
from cipipe.steps.dashboard.charts import Series, bar_chart, hbar_chart, line_chart
from cipipe.steps.dashboard.collect import BuildView, Verdict
from cipipe.steps.dashboard.layout import (
    Site,
    badge,
    build_page_path,
    esc,
    page,
    pct,
    platforms_text,
    score_text,
    strategy_text,
    table,
    when,
)

MODULES_IN_CHART = 15


def index_page(site: Site) -> str:
    sections = [_overview(site)]
    for service, found in site.builds.items():
        sections.append(
            f"<section><h2>{esc(service)}: recent builds</h2>{_builds(found)}</section>"
        )
    sections += [_charts(site), _modules(site), _shadow(site)]
    return page(
        "Builds and risk decisions",
        "\n".join(sections),
        root="",
        generated=site.generated,
        store=site.store,
        synthetic=site.synthetic,
    )


def _overview(site: Site) -> str:
    every = [b for found in site.builds.values() for b in found]
    verdicts = Counter(b.verdict for b in every)
    rows = [
        [
            esc(s),
            str(len(f)),
            *(str(sum(b.verdict == v for b in f)) for v in _VERDICT_ORDER),
            str(sum(b.decision is not None for b in f)),
        ]
        for s, f in site.builds.items()
    ]
    totals = ", ".join(f"{verdicts[v]} {v}" for v in _VERDICT_ORDER if verdicts[v])
    return (
        f"<section><p>{len(every)} builds of {len(site.builds)} services shown"
        f"{': ' + esc(totals) if totals else ''}.</p>"
        + table(
            ["service", "builds", *_VERDICT_ORDER, "decided"], rows, numeric=frozenset(range(1, 8))
        )
        + "</section>"
    )


_VERDICT_ORDER: tuple[Verdict, ...] = (
    "passed",
    "needs-attention",
    "rejected",
    "aborted",
    "unknown",
)


def _builds(found: Sequence[BuildView]) -> str:
    rows = []
    for b in found:
        d = b.decision
        rows.append(
            [
                f'<a href="{esc(build_page_path(b.service, b.build_id))}">{esc(b.build_id)}</a>',
                esc(when(b.started_at)),
                esc(b.branch or "-"),
                f'<code title="{esc(b.commit or "")}">{esc((b.commit or "-")[:10])}</code>',
                badge(b),
                platforms_text(b),
                "-" if d is None else score_text(d.risk_score),
                strategy_text(d),
                esc(", ".join(o.result for o in b.outcomes) or "-"),
            ]
        )
    header = [
        "build",
        "started",
        "branch",
        "commit",
        "verdict",
        "platforms",
        "risk",
        "strategy",
        "outcomes",
    ]
    return table(header, rows, numeric=frozenset({6}))


def _charts(site: Site) -> str:
    series = [
        Series(
            service, [(b.decision.decided_at, b.decision.risk_score) for b in found if b.decision]
        )
        for service, found in site.builds.items()
    ]
    decided = [b.decision for found in site.builds.values() for b in found if b.decision]
    counts = Counter(d.recommended for d in decided)
    names = [*STRATEGIES, *sorted(set(counts) - set(STRATEGIES))]
    bars = [(name, float(counts[name])) for name in names]
    applied = Counter(d.applied for d in decided if d.mode == "shadow" and d.applied)
    rows = [[esc(n), str(counts[n]), str(applied[n])] for n in names]
    return (
        "<section><h2>Risk score over time</h2>"
        '<p class="muted">Latest decision of each build shown, 0 to 100.</p>'
        + line_chart(series, label="Risk score over time, per service")
        + '</section><section class="grid-2"><div><h2>Strategies recommended</h2>'
        + bar_chart(
            bars, label="Recommended strategies", value_text=[str(counts[n]) for n in names]
        )
        + "</div><div><h2>&#160;</h2>"
        + table(
            ["strategy", "recommended", "applied in shadow mode"], rows, numeric=frozenset({1, 2})
        )
        + "</div></section>"
    )


def _modules(site: Site) -> str:
    shown = list(site.module_rates)[:MODULES_IN_CHART]
    bars = [(f"{r.service}: {r.module}", r.rate * 100) for r in shown]
    rows = [
        [esc(r.service), f"<code>{esc(r.module)}</code>", str(r.failed), str(r.total), pct(r.rate)]
        for r in site.module_rates
    ]
    return (
        f'<section><h2>Failure rate per module</h2><p class="muted">Builds touching each module in '
        f"the last {site.window_days} days that failed, were rolled back or breached an SLO.</p>"
        + hbar_chart(
            bars, label="Failure rate per module (percent)", value_text=[pct(r.rate) for r in shown]
        )
        + table(
            ["service", "module", "failed", "builds", "rate"], rows, numeric=frozenset({2, 3, 4})
        )
        + "</section>"
    )


def _shadow(site: Site) -> str:
    rows = []
    for s in site.shadow.services:
        t = s.grouped.tally
        if not site.readiness_known:
            ready = '<span class="muted">unknown: no policy</span>'
        elif s.ready_to_enforce:
            ready = '<span class="badge v-passed">ready to enforce</span>'
        else:
            ready = "not yet: " + esc("; ".join(r.detail for r in s.reasons))
        rows.append(
            [
                esc(s.service),
                str(t.known + t.pending),
                str(t.known),
                str(t.pending),
                str(t.tp),
                str(t.fp),
                str(t.tn),
                str(t.fn),
                pct(t.fpr),
                pct(t.tpr),
                pct(s.threshold) if site.readiness_known else "-",
                ready,
            ]
        )
    header = [
        "service",
        "decisions",
        "known",
        "pending",
        "TP",
        "FP",
        "TN",
        "FN",
        "FPR",
        "TPR",
        "max FPR",
        "enforce",
    ]
    return (
        '<section><h2>Shadow-mode agreement</h2><p class="muted">Latest shadow decision per build '
        "against its outcomes: a positive call is blue-green or manual approval; a failure is a "
        "rollback or an SLO breach.</p>"
        + table(header, rows, numeric=frozenset(range(1, 11)))
        + "</section>"
    )

"""The frame every dashboard page shares: stylesheet (screen and print), header, small helpers.

``esc`` is the only way store text reaches a page; every helper that takes text escapes it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from cipipe.risk.shadow.report import SYNTHETIC_BANNER, ShadowReport
from cipipe.steps.dashboard.collect import BuildView, DecisionView, ModuleRate

STYLE = """
:root { --fg: #1b1f24; --muted: #5d6670; --line: #d5dae0; --bg: #fff; --band: #f4f6f8;
  --pos: #c0392b; --neg: #2a8a3e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1320px; padding: 16px 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
a { color: #1f5fa8; } .muted, .axis { color: var(--muted); fill: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.v-passed { background: #dff3e4; color: #1d6b30; border-color: #9fd3ad; }
.v-needs-attention { background: #fff1d6; color: #8a5a00; border-color: #f0c878; }
.v-rejected { background: #fbe0dd; color: #9b2418; border-color: #eaa49c; }
.v-aborted, .v-unknown { background: #eceff2; color: #4a535c; border-color: #c6ccd2; }
.grid-2 { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.score { font-size: 28px; font-weight: 700; }
svg.chart { max-width: 100%; height: auto; font-size: 11px; }
svg.chart text { fill: var(--fg); }
svg.chart text.axis, svg.chart text.muted { fill: var(--muted); }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis-line { stroke: var(--muted); stroke-width: 1; }
svg.chart rect.pos { fill: var(--pos); } svg.chart rect.neg { fill: var(--neg); }
.banner { background: #fff1d6; color: #8a5a00; border: 1px solid #f0c878; border-radius: 4px;
  padding: 6px 12px; margin: 8px 0; font-weight: 600; }
header.page { border-bottom: 2px solid var(--fg); padding-bottom: 8px; margin-bottom: 8px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media (max-width: 900px) { .grid-2 { grid-template-columns: 1fr; } }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; } table, svg.chart, section { break-inside: avoid; }
  th { background: none; border-bottom: 2px solid #000; }
  .badge { border-color: #000; background: none; color: #000; }
}
"""


@dataclass(frozen=True)
class Site:
    """Everything the pages show, as collected from the store."""

    generated: datetime
    store: str
    builds: Mapping[str, Sequence[BuildView]]
    module_rates: Sequence[ModuleRate]
    window_days: int
    shadow: ShadowReport
    readiness_known: bool
    synthetic: bool = False
    """A shown build, or a decided one the shadow figures count, is made up (history seed)."""


_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def safe_name(text: str) -> str:
    """A file name for store text: the text itself when it is plainly safe, else a slug with
    a digest (so two different texts never share a file and no name can leave its folder)."""
    if _SAFE.fullmatch(text):
        return text
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-")[:60] or "x"
    return f"{slug}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def build_page_path(service: str, build_id: str) -> str:
    """The page of a build, relative to the dashboard's root, with "/" separators."""
    return f"builds/{safe_name(service)}/{safe_name(build_id)}.html"


def when(moment: datetime) -> str:
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M UTC")


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def score_text(value: float) -> str:
    return f"{value:g}"


def badge(build: BuildView) -> str:
    verdict = build.verdict
    title = f"build result: {esc(build.result)}"
    return f'<span class="badge v-{verdict}" title="{title}">{verdict}</span>'


def platforms_text(build: BuildView) -> str:
    """The platforms built, and apart from them those planned but not built: a platform
    skipped for want of a toolchain shipped nothing and must not read as built."""
    text = esc(", ".join(build.platforms) or "-")
    if build.not_built:
        text += f' <span class="muted">(not built: {esc(", ".join(build.not_built))})</span>'
    return text


def strategy_text(decision: DecisionView | None) -> str:
    """The recommendation, and what was applied when shadow mode applied something else."""
    if decision is None:
        return '<span class="muted">no decision</span>'
    text = esc(decision.recommended)
    if decision.mode == "shadow" and decision.applied:
        text += f' <span class="muted">(shadow; applied {esc(decision.applied)})</span>'
    return text


def table(
    header: list[str], rows: list[list[str]], *, numeric: frozenset[int] = frozenset()
) -> str:
    """A table of already-escaped cells; columns in ``numeric`` are right-aligned."""

    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    if not rows:
        body = f'<tr><td colspan="{len(header)}" class="muted">none</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(
    title: str,
    body: str,
    *,
    root: str,
    generated: datetime,
    store: str,
    synthetic: bool = False,
) -> str:
    """A whole HTML document; ``root`` is the relative path from the page to index.html's folder.
    ``synthetic``: the page shows made-up history, and says so above everything else."""
    banner = f'<p class="banner" role="note">{esc(SYNTHETIC_BANNER)}</p>\n' if synthetic else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>"
        f'<header class="page"><nav><a href="{root}index.html">cipipe dashboard</a></nav>'
        f"<h1>{esc(title)}</h1>"
        f'<div class="muted">generated {esc(when(generated))} from {esc(store)}</div></header>\n'
        f"{banner}{body}\n<footer>cipipe dashboard: static, no scripts; generated "
        f"{esc(when(generated))}.</footer></body></html>\n"
    )

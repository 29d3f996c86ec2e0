"""Inline SVG charts, drawn on the server: no script, no fonts to fetch, fine on paper.

Every function returns one ``<svg>`` element as text that is also well-formed XML. Labels are
escaped here; coordinates are rounded to one decimal so the same data gives the same bytes.
Colours come from the page's stylesheet through classes where they mean something (good, bad)
and from ``PALETTE`` for series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

SVG_NS = "http://www.w3.org/2000/svg"
# Distinguishable in colour and in greyscale print (dark, light, dark...).
PALETTE = ("#1f5fa8", "#e08a00", "#2a8a3e", "#b03050", "#6a4fb0", "#6b6b6b", "#0a8a8a")


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[datetime, float]]


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return "0" if text == "-0.0" else text.removesuffix(".0")


def _open(width: int, height: int, label: str) -> str:
    return (
        f'<svg xmlns="{SVG_NS}" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _empty(width: int, height: int, label: str, message: str) -> str:
    return (
        _open(width, height, label)
        + _text(width / 2, height / 2, message, anchor="middle", cls="muted")
        + "</svg>"
    )


def line_chart(
    series: Sequence[Series],
    *,
    label: str,
    y_max: float = 100.0,
    width: int = 720,
    height: int = 240,
) -> str:
    """Points joined by lines, one colour per series, time on x and 0..``y_max`` on y."""
    moments = [t for s in series for t, _ in s.points]
    if not moments:
        return _empty(width, height, label, "no decisions yet")
    left, right, top, bottom = 40.0, width - 130.0, 12.0, height - 28.0
    first, last = min(moments), max(moments)
    span = (last - first).total_seconds() or 1.0

    def x(t: datetime) -> float:
        return left + (right - left) * ((t - first).total_seconds() / span)

    def y(v: float) -> float:
        return bottom - (bottom - top) * (max(0.0, min(v, y_max)) / y_max)

    parts = [_open(width, height, label)]
    for tick in (0.0, y_max / 4, y_max / 2, 3 * y_max / 4, y_max):
        parts.append(
            f'<line class="grid" x1="{_n(left)}" y1="{_n(y(tick))}" x2="{_n(right)}" '
            f'y2="{_n(y(tick))}"/>'
        )
        parts.append(_text(left - 6, y(tick) + 4, _n(tick), anchor="end", cls="axis"))
    parts.append(_text(left, height - 8, first.strftime("%Y-%m-%d"), cls="axis"))
    parts.append(_text(right, height - 8, last.strftime("%Y-%m-%d"), anchor="end", cls="axis"))
    for i, s in enumerate(series):
        points = sorted(s.points)
        if not points:
            continue
        stroke = color(i)
        coords = " ".join(f"{_n(x(t))},{_n(y(v))}" for t, v in points)
        parts.append(
            f'<polyline fill="none" stroke="{stroke}" stroke-width="1.5" points="{coords}"/>'
        )
        for t, v in points:
            parts.append(
                f'<circle cx="{_n(x(t))}" cy="{_n(y(v))}" r="2.5" fill="{stroke}">'
                f"<title>{escape(f'{s.name} {t:%Y-%m-%d %H:%M}: {_n(v)}')}</title></circle>"
            )
        ly = top + 6 + 18 * i
        parts.append(
            f'<rect x="{_n(right + 12)}" y="{_n(ly - 8)}" width="10" height="10" fill="{stroke}"/>'
        )
        parts.append(_text(right + 28, ly + 1, s.name))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    label: str,
    value_text: Sequence[str] | None = None,
    width: int = 360,
    height: int = 200,
) -> str:
    """Vertical bars from zero, one per (name, value), the value written above each."""
    if not bars:
        return _empty(width, height, label, "nothing to show")
    top_value = max((v for _, v in bars), default=0.0) or 1.0
    left, top, bottom = 10.0, 20.0, height - 26.0
    slot = (width - 2 * left) / len(bars)
    parts = [_open(width, height, label)]
    for i, (name, value) in enumerate(bars):
        h = (bottom - top) * max(0.0, value) / top_value
        bx = left + slot * i + slot * 0.15
        shown = value_text[i] if value_text is not None else _n(value)
        parts.append(
            f'<rect x="{_n(bx)}" y="{_n(bottom - h)}" width="{_n(slot * 0.7)}" '
            f'height="{_n(h)}" fill="{color(i)}"/>'
        )
        parts.append(_text(bx + slot * 0.35, bottom - h - 5, shown, anchor="middle"))
        parts.append(_text(bx + slot * 0.35, height - 8, name, anchor="middle", cls="axis"))
    parts.append(
        f'<line class="axis-line" x1="0" y1="{_n(bottom)}" x2="{width}" y2="{_n(bottom)}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    label: str,
    value_text: Sequence[str] | None = None,
    width: int = 720,
    row: int = 22,
    label_width: float = 230.0,
) -> str:
    """Horizontal bars around a zero line: positive ones to the right (class ``pos``),
    negative ones to the left (class ``neg``), each with its name and value."""
    height = max(row * len(bars) + 16, 40)
    if not bars:
        return _empty(width, height, label, "nothing to show")
    has_negative = any(v < 0 for _, v in bars)
    low = min(0.0, *(v for _, v in bars))
    high = max(0.0, *(v for _, v in bars))
    span = (high - low) or 1.0
    # Room left of the bars for negative values' text, between the names and the bars.
    start, end = label_width + (56.0 if has_negative else 0.0), width - 60.0
    zero = start + (end - start) * (-low / span) if has_negative else start

    def x(v: float) -> float:
        return start + (end - start) * ((v - low) / span)

    parts = [_open(width, height, label)]
    for i, (name, value) in enumerate(bars):
        y = 8 + row * i
        bx, bw = (x(value), zero - x(value)) if value < 0 else (zero, x(value) - zero)
        cls = "neg" if value < 0 else "pos"
        shown = value_text[i] if value_text is not None else f"{value:+g}"
        parts.append(_text(label_width - 8, y + row * 0.6, _clip(name), anchor="end"))
        parts.append(
            f'<rect class="{cls}" x="{_n(bx)}" y="{_n(y + 3)}" width="{_n(max(bw, 1.0))}" '
            f'height="{_n(row - 8)}"><title>{escape(f"{name}: {shown}")}</title></rect>'
        )
        tx, anchor = (bx - 4, "end") if value < 0 else (bx + max(bw, 1.0) + 4, "start")
        parts.append(_text(tx, y + row * 0.6, shown, anchor=anchor))
    parts.append(
        f'<line class="axis-line" x1="{_n(zero)}" y1="4" x2="{_n(zero)}" y2="{height - 4}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"

"""The backtest report's charts as PNG bytes (matplotlib, Agg, no pyplot state).

Fixed size and resolution, and no Software/date metadata, so the same history gives the same
bytes on the same matplotlib version.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from cipipe.risk.backtest.replay import Replay
from cipipe.risk.metrics import recall_curve, reliability, roc_curve

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SIZE = (6.4, 4.4)
DPI = 100
CHARTS = ("roc.png", "score-histogram.png", "reliability.png", "recall-vs-gated.png")


def _png(draw: Callable[[Axes], None]) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    draw(axes)
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def roc(run: Replay, auc: float | None) -> bytes:
    fpr, tpr = roc_curve(run.labels, run.scores.astype(np.float64))

    def draw(ax: Axes) -> None:
        ax.plot(fpr, tpr, label=f"risk score (AUC {auc or 0:.3f})")
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
        ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC curve")
        ax.legend(loc="lower right")

    return _png(draw)


def histogram(run: Replay) -> bytes:
    bins = [float(b) for b in range(0, 102, 2)]

    def draw(ax: Axes) -> None:
        for label, name, color in ((0, "ok", "tab:blue"), (1, "failed", "tab:red")):
            ax.hist(
                run.scores[run.labels == label],
                bins=bins,
                alpha=0.6,
                color=color,
                label=f"{name} ({int((run.labels == label).sum())})",
            )
        ax.set_yscale("log")
        ax.set(xlabel="risk score", ylabel="releases (log)", title="Score by outcome")
        ax.legend()

    return _png(draw)


def reliability_chart(run: Replay) -> bytes:
    bins = reliability(run.labels, np.clip(run.scores / 100.0, 0.0, 1.0))
    shown = [b for b in bins if b.count]

    def draw(ax: Axes) -> None:
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
        ax.plot(
            [b.mean_predicted or 0.0 for b in shown],
            [b.observed_rate or 0.0 for b in shown],
            marker="o",
            label="score / 100",
        )
        ax.set(
            xlabel="score / 100 (as a probability)",
            ylabel="observed failure rate",
            title="Reliability",
            xlim=(0, 1),
            ylim=(0, 1),
        )
        ax.legend(loc="upper left")

    return _png(draw)


def recall_vs_gated(run: Replay) -> bytes:
    fractions, recalls = recall_curve(run.labels, run.scores.astype(np.float64))

    def draw(ax: Axes) -> None:
        ax.plot(fractions * 100, recalls, label="risk score")
        ax.plot([0, 100], [0, 1], linestyle="--", color="grey", label="random")
        ax.set(xlabel="% of releases gated", ylabel="recall", title="Recall vs % gated")
        ax.legend(loc="lower right")

    return _png(draw)


def all_charts(run: Replay, auc: float | None) -> dict[str, bytes]:
    return dict(
        zip(
            CHARTS,
            (roc(run, auc), histogram(run), reliability_chart(run), recall_vs_gated(run)),
            strict=True,
        )
    )

"""The model on four real projects' just-in-time defect data, with the literature's protocol:
sorted by date, oldest 80 % to train, newest 20 % to test. About 5 s in total, so it runs in
the default suite whenever the data is present."""

from __future__ import annotations

import numpy as np
import pytest

from cipipe.risk.history_table import CHANGE_METRICS, load_history
from cipipe.risk.model.train import train_model
from tests.conftest import requires_jit_data
from tests.jitdata import PROJECTS, project_file

pytestmark = requires_jit_data(*PROJECTS)


def test_model_beats_lines_added_on_every_project(capsys: pytest.CaptureFixture[str]) -> None:
    aucs = []
    lines = []
    for project in PROJECTS:
        table = load_history(
            project_file(project),
            label="bug",
            time="date",
            id_column="_id",
            features=list(CHANGE_METRICS),  # never `__`, the copy of the label
        )
        test = train_model(table, train_fraction=0.8).metadata["metrics"]["test"]
        lines.append(
            f"{project:<10} rows {test['rows']:>5}  auc {test['auc']:.3f}  "
            f"la auc {test['baseline_auc']:.3f}  brier {test['brier']:.3f}  "
            f"ece {test['ece']:.3f}  recall@10% {test['recall_at_10pct']:.3f}  "
            f"(la {test['baseline_recall_at_10pct']:.3f})"
        )
        assert test["auc"] > test["baseline_auc"], project
        aucs.append(test["auc"])
    with capsys.disabled():
        print("\n" + "\n".join(lines) + f"\nmean auc {np.mean(aucs):.3f}")
    assert np.mean(aucs) >= 0.76

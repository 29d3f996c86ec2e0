"""Rolling-origin selection: folds in time order inside the training window, and no candidate
that loses to ranking by lines added on any fold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cipipe.risk.history_table import load_history
from cipipe.risk.model import ModelError
from cipipe.risk.model.fitting import CANDIDATES
from cipipe.risk.model.selection import Trial, check_folds, choose, rolling_origin
from cipipe.risk.model.train import train_model
from tests.risk.model.conftest import NOW
from tests.risk.model.histories import generated, write_csv


def trial(index: int, aucs: list[float], baselines: list[float]) -> Trial:
    return Trial(CANDIDATES[index], list(aucs), list(baselines), [np.zeros(1)] * len(aucs))


def test_the_folds_move_forward_in_time_and_tile_the_newest_half() -> None:
    folds = rolling_origin(generated(1000))
    assert len(folds) == 3
    assert [(len(f.fit), len(f.validate)) for f in folds] == [(500, 167), (667, 166), (833, 167)]
    for fold in folds:
        assert fold.fit.times.max() < fold.validate.times.min()
        assert fold.fit.ids[0] == "c0"  # every fit starts at the oldest row
    assert folds[-1].validate.ids[-1] == "c999"


def test_a_candidate_losing_to_lines_added_on_one_fold_is_not_chosen() -> None:
    baselines = [0.70, 0.70, 0.70]
    best_mean_but_one_loss = trial(0, [0.90, 0.90, 0.69], baselines)
    steady = trial(1, [0.75, 0.74, 0.76], baselines)
    assert choose([best_mean_but_one_loss, steady]) is steady
    assert not best_mean_but_one_loss.beats_baseline_on_every_fold
    also_steady_but_better = trial(2, [0.78, 0.77, 0.76], baselines)
    assert choose([best_mean_but_one_loss, steady, also_steady_but_better]) is (
        also_steady_but_better
    )
    # among those that never lose, the best mean wins, not the widest worst-fold margin
    narrow_but_strong = trial(3, [0.85, 0.85, 0.71], baselines)
    assert choose([steady, narrow_but_strong]) is narrow_but_strong


def test_when_none_beats_lines_added_everywhere_the_closest_worst_fold_is_kept() -> None:
    baselines = [0.70, 0.70, 0.70]
    far = trial(0, [0.90, 0.90, 0.50], baselines)  # mean 0.767, worst fold -0.20
    close = trial(1, [0.72, 0.69, 0.71], baselines)  # mean 0.707, worst fold -0.01
    assert choose([far, close]) is close


def test_training_records_each_candidates_folds_and_the_choice() -> None:
    result = train_model(generated(1500, seed=4), now=NOW)
    selection = result.metadata["training"]["selection"]
    assert selection["method"] == "rolling-origin" and len(selection["folds"]) == 3
    assert selection["baseline"] == "la"
    assert set(selection["candidates"]) == {c.name for c in CANDIDATES}
    chosen = selection["candidates"][selection["chosen"]]
    assert all(
        mine >= base for mine, base in zip(chosen["auc"], selection["baseline_auc"], strict=True)
    )
    assert chosen["beats_baseline_on_every_fold"] is True
    assert result.metadata["training"]["settings"]["chosen"] == selection["chosen"]


def test_too_few_rows_for_the_folds_is_bad_input() -> None:
    table = generated(40, seed=5)  # fold 1: 20 rows to fit, 7 to validate
    with pytest.raises(ModelError) as raised:
        check_folds(rolling_origin(table), "--from-db")
    assert raised.value.field == "--from-db"
    assert "too few labelled rows" in str(raised.value)
    assert "fold 1" in str(raised.value)
    one_class = generated(600, seed=6)
    one_class.labels[:] = 0
    with pytest.raises(ModelError, match="0 failed"):
        train_model(one_class, now=NOW)


def test_a_user_given_alias_reads_the_column(tmp_path: Path) -> None:
    table = generated(30, seed=8)
    path = write_csv(table, tmp_path / "h.csv")
    path.write_text(path.read_text().replace("entropy", "entrophy", 1))
    loaded = load_history(path, label="bug", time="date", features=["la", "entrophy"])
    assert list(loaded.features) == ["la", "entropy"]
    assert np.allclose(loaded.features["entropy"], table.features["entropy"])

"""A history store with labelled builds and two models trained on it: one from every row
(``model train --from-db``) and one deliberately weak (its labels shuffled), for
``model compare`` and the promote gate."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.store_features import store_history
from cipipe.risk.model.train import train_model
from tests.risk.model.storehistory import Cli, Filled, fill

BUILDS = 160


@dataclass(frozen=True)
class Compared:
    db: str
    registry: Path
    good: str
    weak: str
    filled: Filled


def trained_pair(cli: Cli, db: str, folder: Path) -> Compared:
    filled = fill(cli, db, folder / "builds", BUILDS)
    registry = folder / "models"
    result = cli("model", "train", "--from-db", "--db", db, "--out", registry)
    assert result.exit_code == 0, result.stderr
    with open_store(db, default_path=folder / "unused.sqlite3") as store:
        table = store_history(store.training_builds(), store.url).table
    shuffled = np.random.default_rng(11).permutation(table.labels)
    weak = train_model(
        replace(table, labels=shuffled),
        features=table.feature_names,
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )
    Registry(registry).save(weak, by="tests")
    return Compared(db, registry, result.stdout.strip(), weak.version, filled)


def policy_folder(folder: Path, *, scale: int = 50, version: str | None = None) -> Path:
    """The built-in policy with the model's points spread wider (so the two models' scores
    fall in different buckets) and, given ``version``, that model referenced."""
    import shutil

    import cipipe

    target = folder / "policy"
    shutil.copytree(Path(cipipe.__file__).parent / "builtin_policy", target)
    weights = target / "risk-weights.yaml"
    text = weights.read_text(encoding="utf-8")
    text = text.replace("score_scale: 15 ", f"score_scale: {scale} ")
    if version is not None:
        text = text.replace("  version: null ", f"  version: {version} ")
    weights.write_text(text, encoding="utf-8")
    return target

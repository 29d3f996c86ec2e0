"""Canonical JSON and the fingerprint of the rows a model was trained on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cipipe.risk.history_table import HistoryTable


def canonical_json(data: object) -> str:
    """Sorted keys, no spaces, no NaN: one text for one value."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def snapshot_sha256(table: HistoryTable, features: Sequence[str]) -> str:
    """sha256 over the rows in order: the ids (newline-separated UTF-8), then times, labels and
    each feature in ``features`` order as little-endian float64 / int8 bytes, each part
    preceded by its name. The same rows give the same hash on every machine."""
    import numpy as np  # here: the approval log's canonical_json must not need it

    digest = hashlib.sha256()
    digest.update(b"ids\n" + "\n".join(table.ids).encode("utf-8") + b"\n")
    digest.update(b"times\n" + np.ascontiguousarray(table.times, dtype="<f8").tobytes())
    digest.update(b"labels\n" + np.ascontiguousarray(table.labels, dtype="i1").tobytes())
    for name in features:
        values = np.ascontiguousarray(table.features[name], dtype="<f8")
        digest.update(f"\n{name}\n".encode() + values.tobytes())
    return digest.hexdigest()

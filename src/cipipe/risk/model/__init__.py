"""A learned risk model: training, scoring, evaluation and a versioned registry (seed Step 3 I).

The modules import numpy only; LightGBM and scikit-learn are imported by the functions that
need them, so that ``cipipe --help`` and a heuristic-only decision never pay for them.
"""

from __future__ import annotations

from cipipe.errors import InputError


class ModelError(InputError):
    """A model folder, file or input that cannot be used (exit 2); the message says why."""

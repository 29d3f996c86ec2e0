"""What decide-strategy needs of a model service: one score of one decision's inputs.

Every way the service can fail to score, dead, slow past the deadline, erroring or answering
something that is not a valid answer, is one ``ModelServiceFailed`` with the reason: the
decision then falls back to the local model and the heuristic, and records that reason.
"""

from __future__ import annotations

from typing import Protocol

from cipipe.contracts.model_score import ModelScore


class ModelServiceFailed(Exception):
    """The service did not score; ``str(exc)`` says why, in a line fit for the decision."""


class ModelService(Protocol):
    @property
    def where(self) -> str:
        """The service's URL without credentials, for logs and the decision record."""
        ...

    def score(self, document: str) -> ModelScore:
        """The service's answer to a risk-inputs-for-decision document (its JSON text)."""
        ...

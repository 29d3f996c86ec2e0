"""How many malformed cases the probe corpus tried in this run, and how many were refused
cleanly; the root conftest prints it at the end of the run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tally:
    tried: int = 0
    refused: int = 0

    def summary(self) -> str | None:
        if not self.tried:
            return None
        bad = self.tried - self.refused
        verdict = "all exit 2" if not bad else f"{bad} NOT refused cleanly (see the failures)"
        return f"probe corpus: {self.tried} malformed cases tried, {verdict}"


TALLY = Tally()

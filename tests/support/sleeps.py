"""A stand-in for ``time.sleep`` for the clients that retry (Artifactory, GitHub, Jenkins)."""

from __future__ import annotations


class Sleeps(list[float]):
    """Stands in for time.sleep: records the waits, so retry tests take no time."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

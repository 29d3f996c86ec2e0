"""Which build of the history store a signal is about.

By the annotations ``--export`` writes (``cipipe.io/service`` + ``cipipe.io/build-id``); else
by a container image whose repository's last segment is the service and whose tag is the
build id or ends with ``-<build id>`` (``orders:1234``, ``registry/orders:3f2a9c1-1234``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cipipe.adapters.history.interface import BuildRecord, HistoryStore
from cipipe.steps.outcome_sync.signals import Signal

# The newest builds of a service looked at when matching: a rollout names a recent build.
BUILDS_LOOKED_AT = 2000


@dataclass
class BuildIndex:
    """The store's recent builds by service, each read once per sync."""

    store: HistoryStore
    _builds: dict[str, dict[str, BuildRecord]] = field(default_factory=dict)

    def find(self, service: str, build_id: str) -> BuildRecord | None:
        if service not in self._builds:
            recent = self.store.builds(service, limit=BUILDS_LOOKED_AT)
            self._builds[service] = {b.build_id: b for b in recent}
        return self._builds[service].get(build_id)

    def recent(self, service: str) -> list[BuildRecord]:
        self.find(service, "")
        return list(self._builds[service].values())


def image_candidates(image: str) -> tuple[str, list[str]] | None:
    """(service, build ids to try) from ``[registry/]path/service:tag[@digest]``."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    service, sep, tag = name.partition(":")
    if not sep or not service or not tag:
        return None
    ids = [tag]
    if "-" in tag:
        ids.append(tag.rsplit("-", 1)[1])
    return service, ids


def match(signal: Signal, index: BuildIndex) -> tuple[BuildRecord | None, str, str | None]:
    """(the build, how it was matched, why not)."""
    if signal.build_id:
        how = "parameter" if signal.source == "jenkins" else "annotation"
        if signal.source == "artifactory":
            how = "property"
        if not signal.service:
            return None, "none", f"{signal.build_id!r} is named without a service"
        found = index.find(signal.service, signal.build_id)
        if found is None:
            return (
                None,
                "none",
                f"build {signal.build_id!r} of {signal.service!r} is not in the store",
            )
        return found, how, None
    for image in signal.images:
        candidates = image_candidates(image)
        if candidates is None:
            continue
        service, ids = candidates
        for build_id in ids:
            found = index.find(signal.service or service, build_id)
            if found is not None:
                return found, "image", None
    shown = ", ".join(signal.images) or "no image"
    return None, "none", f"no cipipe.io/build-id annotation and no image names a build ({shown})"

"""deps_changed.json: what the new SBOM adds, removes and updates against a baseline SBOM."""

from __future__ import annotations

from collections.abc import Sequence

from packageurl import PackageURL

from cipipe.contracts.deps_changed import ChangedDependency
from cipipe.readers.deps import Dependency


def identity(dep: Dependency) -> str:
    """purl without version or qualifiers (what a version bump keeps), else the name."""
    if dep.purl:
        try:
            purl = PackageURL.from_string(dep.purl)
        except ValueError:
            return dep.purl.split("@", 1)[0]
        return str(
            PackageURL(type=purl.type, namespace=purl.namespace, name=purl.name).to_string()
        )
    return f"{dep.group}/{dep.name}" if dep.group else dep.name


def _change(dep: Dependency, key: str, previous: str | None = None) -> ChangedDependency:
    return ChangedDependency(
        key=key, name=dep.name, purl=dep.purl, version=dep.version, previous_version=previous
    )


def compare(
    current: Sequence[Dependency], baseline: Sequence[Dependency]
) -> tuple[list[ChangedDependency], list[ChangedDependency], list[ChangedDependency]]:
    now = {identity(d): d for d in current}
    before = {identity(d): d for d in baseline}
    added = [_change(now[k], k) for k in sorted(now.keys() - before.keys())]
    removed = [_change(before[k], k) for k in sorted(before.keys() - now.keys())]
    updated = [
        _change(now[k], k, before[k].version)
        for k in sorted(now.keys() & before.keys())
        if now[k].version != before[k].version
    ]
    return added, removed, updated

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
        return str(PackageURL(type=purl.type, namespace=purl.namespace, name=purl.name).to_string())
    return f"{dep.group}/{dep.name}" if dep.group else dep.name


def _versions(deps: Sequence[Dependency]) -> dict[str, list[Dependency]]:
    grouped: dict[str, list[Dependency]] = {}
    for dep in deps:
        grouped.setdefault(identity(dep), []).append(dep)
    return grouped


def _label(deps: Sequence[Dependency]) -> str | None:
    # Several installed versions of one package (npm does that) read as "1.0, 2.0".
    versions = sorted({d.version for d in deps if d.version})
    return ", ".join(versions) or None


def _change(key: str, deps: Sequence[Dependency], previous: str | None = None) -> ChangedDependency:
    first = deps[0]
    return ChangedDependency(
        key=key,
        name=first.name,
        purl=first.purl if len(deps) == 1 else None,
        version=_label(deps),
        previous_version=previous,
    )


def compare(
    current: Sequence[Dependency], baseline: Sequence[Dependency]
) -> tuple[list[ChangedDependency], list[ChangedDependency], list[ChangedDependency]]:
    now, before = _versions(current), _versions(baseline)
    added = [_change(k, now[k]) for k in sorted(now.keys() - before.keys())]
    removed = [_change(k, before[k]) for k in sorted(before.keys() - now.keys())]
    updated = [
        _change(k, now[k], _label(before[k]))
        for k in sorted(now.keys() & before.keys())
        if _label(now[k]) != _label(before[k])
    ]
    return added, removed, updated

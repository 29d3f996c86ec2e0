"""Git submodules as components: the pinned commit is the version that was built."""

from __future__ import annotations

from urllib.parse import urlsplit

from packageurl import PackageURL

from cipipe.contracts.source import Submodule
from cipipe.readers.deps import Dependency


def _github_owner_repo(url: str) -> tuple[str, str] | None:
    if url.startswith("git@github.com:"):
        path = url.split(":", 1)[1]
    else:
        parts = urlsplit(url)
        if parts.hostname != "github.com":
            return None
        path = parts.path
    pieces = [p for p in path.strip("/").removesuffix(".git").split("/") if p]
    return (pieces[0], pieces[1]) if len(pieces) == 2 else None


def submodule_dependency(submodule: Submodule) -> Dependency:
    url = submodule.url or ""
    github = _github_owner_repo(url) if url else None
    if github:
        owner, repo = github
        name = repo
        purl = PackageURL(type="github", namespace=owner, name=repo, version=submodule.commit)
    else:
        name = url.rstrip("/").rsplit("/", 1)[-1] if url else submodule.path.rsplit("/", 1)[-1]
        name = name.removesuffix(".git") or submodule.path
        qualifiers = {"vcs_url": f"git+{url}"} if url else None
        purl = PackageURL(
            type="generic", name=name, version=submodule.commit, qualifiers=qualifiers
        )
    return Dependency(
        name=name,
        version=submodule.commit,
        purl=str(purl.to_string()),
        source="submodule",
        properties=(
            ("cipipe:submodule-path", submodule.path),
            ("cipipe:submodule-state", submodule.state),
        ),
    )

"""How a component and an OSV ``affected`` entry come to name the same package.

Three ways, from most to least precise:

- ecosystem + name: the OSV ecosystem (release suffix aside: "Debian:12" is Debian) and the
  package name normalised as that ecosystem compares names. PyPI folds case and runs of "-_."
  (PEP 503); crates.io folds case and "_" to "-" (crates.io refuses names that differ only so);
  NuGet, Packagist, ConanCenter, Hex and the Linux distributions fold case; everything else
  (npm, Go, Maven, RubyGems, ...) is case-sensitive, as those registries are.
- a package URL: a component's purl type maps to an OSV ecosystem (pypi -> PyPI, npm -> npm,
  golang -> Go, cargo -> crates.io, maven -> Maven "group:artifact", nuget -> NuGet,
  gem -> RubyGems, deb -> Debian or Ubuntu, conan -> ConanCenter, composer -> Packagist, ...),
  and an advisory's own ``package.purl`` is matched as type + namespace + name too, which
  covers ecosystems without a mapping.
- a repository: a ``pkg:github/owner/repo`` component, or any purl with a ``vcs_url``
  qualifier, is matched against GIT ranges on that repository, whatever the URL's spelling
  (scheme, ".git", "git@host:path"). A ``pkg:generic`` component is matched by name only, and
  only against entries that have no package ecosystem of their own (OSS-Fuzz, and osv.dev's
  repository-only CVE entries, named by the repository's last path part): a generic "zlib" is
  not npm's or PyPI's "zlib".

The purl parsing here is deliberately small (type, namespace, name, version, qualifiers): the
index computes a key for every advisory it loads, and a full purl library costs ten times more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from cipipe.readers.osv import Affected
from cipipe.steps.scan.versions import ecosystem_base

PackageKey = tuple[str, str]  # (ecosystem base, lower case; normalised name)
PurlKey = tuple[str, str, str]  # (type, namespace, name), normalised

GENERIC_ECOSYSTEMS = frozenset({"", "oss-fuzz", "git"})
"""Ecosystems (lower case) whose entries a ``pkg:generic`` component may match by name."""

_CASE_FOLDED = frozenset(
    {"nuget", "packagist", "conancenter", "hex", "debian", "ubuntu", "alpine", "pub"}
)
_PURL_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "golang": "Go",
    "cargo": "crates.io",
    "maven": "Maven",
    "nuget": "NuGet",
    "gem": "RubyGems",
    "conan": "ConanCenter",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
    "cran": "CRAN",
    "hackage": "Hackage",
}
_DISTROS = {"debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine"}
_PURL_FOLDED = frozenset({"pypi", "github", "gitlab", "bitbucket", "deb", "apk", "composer"})
_HOSTS = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}
_PEP503 = re.compile(r"[-_.]+")
_FULL_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True)
class Purl:
    type: str
    namespace: str
    name: str
    version: str | None
    qualifiers: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> PurlKey:
        return purl_key_of(self.type, self.namespace, self.name)


def parse_purl(text: str) -> Purl | None:
    """The parts of a package URL; None when ``text`` is not one."""
    if not text.startswith("pkg:"):
        return None
    rest = text[4:].lstrip("/").partition("#")[0]
    rest, _, query = rest.partition("?")
    at = rest.rfind("@")
    version = None
    if at > rest.rfind("/"):  # "@" of an unencoded npm scope comes before the last "/"
        rest, version = rest[:at], unquote(rest[at + 1 :]) or None
    purl_type, _, path = rest.partition("/")
    segments = [unquote(s) for s in path.split("/") if s]
    if not purl_type or not segments:
        return None
    qualifiers: dict[str, str] = {}
    for pair in query.split("&") if query else ():
        key, _, value = pair.partition("=")
        qualifiers[key.lower()] = unquote(value)
    return Purl(purl_type.lower(), "/".join(segments[:-1]), segments[-1], version, qualifiers)


def purl_key_of(purl_type: str, namespace: str, name: str) -> PurlKey:
    purl_type = purl_type.lower()
    if purl_type == "pypi":
        return purl_type, "", _PEP503.sub("-", name).lower()
    if purl_type in _PURL_FOLDED:
        return purl_type, namespace.lower(), name.lower()
    return purl_type, namespace, name


def purl_key(text: str) -> PurlKey | None:
    """Type + namespace + name of a package URL, version and qualifiers left out."""
    purl = parse_purl(text)
    return purl.key if purl is not None else None


def loose_name(name: str) -> str:
    """A name folded as loosely as any ecosystem folds it (case, runs of "-_."): two names any
    ecosystem calls equal have equal loose names, so this can pick candidates for a check by
    `package_key`, never decide a match by itself."""
    return _PEP503.sub("-", name).lower()


def normalize_name(ecosystem: str, name: str) -> str:
    base = ecosystem_base(ecosystem).lower()
    if base == "pypi":
        return _PEP503.sub("-", name).lower()
    if base == "crates.io":
        return name.lower().replace("_", "-")
    if base in _CASE_FOLDED:
        return name.lower()
    return name


def package_key(ecosystem: str, name: str) -> PackageKey:
    return ecosystem_base(ecosystem).lower(), normalize_name(ecosystem, name)


def ecosystem_suffix(ecosystem: str) -> str | None:
    """The release part of an ecosystem ("12" of "Debian:12"); None without one."""
    _, sep, suffix = ecosystem.partition(":")
    if not sep:
        return None
    return suffix.strip() or None


def purl_package(purl: Purl) -> tuple[str, str] | None:
    """The OSV (ecosystem, name) a purl names, when its type maps to an OSV ecosystem. A
    ``distro`` qualifier such as "debian-12" becomes the ecosystem's release suffix."""
    if purl.type in ("deb", "apk"):
        ecosystem = _DISTROS.get(purl.namespace.lower())
        if ecosystem is None:
            return None
        distro = purl.qualifiers.get("distro", "")
        release = distro.partition("-")[2] if distro.lower().startswith(purl.namespace) else ""
        if release and ecosystem == "Alpine" and not release.startswith("v"):
            release = f"v{release}"  # OSV writes "Alpine:v3.18"
        return (f"{ecosystem}:{release}" if release else ecosystem), purl.name
    ecosystem = _PURL_ECOSYSTEMS.get(purl.type)
    if ecosystem is None:
        return None
    if purl.type == "maven":
        return ecosystem, f"{purl.namespace}:{purl.name}" if purl.namespace else purl.name
    if purl.namespace and purl.type in ("npm", "golang", "composer"):
        return ecosystem, f"{purl.namespace}/{purl.name}"
    return ecosystem, purl.name


def purl_repository(purl: Purl) -> tuple[str | None, str | None]:
    """(normalised repository URL, commit) of a purl that names a git repository: a github,
    gitlab or bitbucket purl, or any purl with a ``vcs_url`` qualifier ("git+https://host/
    repo.git@<commit>"). The commit is the purl's version when that is a full hash."""
    repo: str | None = None
    commit: str | None = None
    host = _HOSTS.get(purl.type)
    if host is not None and purl.namespace:
        repo = f"{host}/{purl.namespace}/{purl.name}".lower()
        if purl.version and _FULL_COMMIT.fullmatch(purl.version.lower()):
            commit = purl.version.lower()
    vcs_url = purl.qualifiers.get("vcs_url")
    if vcs_url:
        at = vcs_url.rfind("@")
        if at > vcs_url.rfind("/"):
            vcs_url, revision = vcs_url[:at], vcs_url[at + 1 :]
            if _FULL_COMMIT.fullmatch(revision.lower()):
                commit = commit or revision.lower()
        repo = repo or normalize_repo_url(vcs_url)
    return repo, commit


def normalize_repo_url(url: str) -> str:
    """One spelling per repository: "https://github.com/Owner/Repo.git",
    "git@github.com:owner/repo" and "git+ssh://git@github.com/owner/repo/" all become
    "github.com/owner/repo"."""
    text = url.strip().lower()
    if text.startswith("git+"):
        text = text[4:]
    scheme = text.find("://")
    if scheme >= 0:
        text = text[scheme + 3 :]
    elif ":" in text.partition("/")[0]:  # scp-like "git@host:path"
        host, _, path = text.partition(":")
        text = f"{host}/{path}"
    host, _, path = text.partition("/")
    host = host.rpartition("@")[2].removeprefix("www.")
    path = path.strip("/").removesuffix(".git").rstrip("/")
    return f"{host}/{path}" if path else host


def repo_name(url: str) -> str:
    """The last path part of a repository URL, lower case: what a generic purl would call it."""
    return normalize_repo_url(url).rpartition("/")[2]


@dataclass(frozen=True)
class Component:
    """What the scan knows of one dependency. A purl, when given, decides the package; the
    ecosystem and name are for components without one. ``git_commit`` is the checked-out
    commit of a vendored repository or submodule, for GIT ranges."""

    purl: str | None
    ecosystem: str | None
    name: str
    version: str
    git_commit: str | None = None


@dataclass(frozen=True)
class PackageQuery:
    """What a component is known by, resolved once per match (see `query_for`)."""

    version: str
    commit: str | None
    package: PackageKey | None
    suffix: str | None
    purl: PurlKey | None
    repo: str | None
    generic: str | None  # loose name of a pkg:generic or ecosystem-less component

    @property
    def names(self) -> tuple[str, ...]:
        found = (loose_name(self.package[1]) if self.package else None, self.generic)
        return tuple(name for name in found if name)


def query_for(component: Component) -> PackageQuery:
    """The package, purl, repository and version a component is known by."""
    ecosystem, name = component.ecosystem, component.name
    version, commit = component.version, component.git_commit
    purl = parse_purl(component.purl) if component.purl else None
    pkey = repo = generic = None
    if purl is not None:
        pkey = purl.key
        version = version or purl.version or ""
        repo, purl_commit = purl_repository(purl)
        commit = commit or purl_commit
        mapped = purl_package(purl)
        if mapped is not None:
            ecosystem, name = mapped
        elif purl.type == "generic":
            ecosystem, generic = None, loose_name(purl.name)
    elif not ecosystem and name:
        generic = loose_name(name)
    return PackageQuery(
        version=version,
        commit=commit.lower() if commit else None,
        package=package_key(ecosystem, name) if ecosystem and name else None,
        suffix=ecosystem_suffix(ecosystem) if ecosystem else None,
        purl=pkey,
        repo=repo,
        generic=generic,
    )


def names_package(entry: Affected, query: PackageQuery) -> tuple[bool, bool]:
    """(whether ``entry`` is the component's package, whether it has a GIT range on the
    component's repository)."""
    package = entry.package
    by_package = False
    if package is not None:
        by_package = package_key(package.ecosystem, package.name) == query.package or (
            query.purl is not None
            and package.purl is not None
            and purl_key(package.purl) == query.purl
        )
    generic = package is None or ecosystem_base(package.ecosystem).lower() in GENERIC_ECOSYSTEMS
    if not by_package and query.generic is not None and generic:
        names = {loose_name(repo_name(r.repo)) for r in entry.ranges if r.repo}
        if package is not None:
            names.add(loose_name(package.name))
        by_package = query.generic in names
    by_repo = query.repo is not None and any(
        r.type == "GIT" and r.repo and normalize_repo_url(r.repo) == query.repo
        for r in entry.ranges
    )
    return by_package, by_repo


def same_release(entry: Affected, suffix: str | None) -> bool:
    """A component of "Debian:12" is not affected by a "Debian:11" entry; one without a release
    is checked against every release's entry."""
    theirs = ecosystem_suffix(entry.package.ecosystem) if entry.package else None
    if suffix is None or theirs is None:
        return True
    return theirs == suffix or theirs.startswith(f"{suffix}:")

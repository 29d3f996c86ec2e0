"""pip's requirements files, as people and ``pip-compile --generate-hashes`` write them.

    # comment
    -r requirements-base.txt
    urllib3[socks]==2.2.1 \\
        --hash=sha256:450b20ec... \\
        --hash=sha256:d0570876...
    typing-extensions==4.16.0 ; python_version < "3.12"
    requests>=2.31
    -e ./libs/helpers
    mylib @ git+https://example.com/mylib.git@v1.2#egg=mylib

Only ``==`` (or ``===``) without a wildcard is a version; any other specifier is kept as the
property ``cipipe:version-constraint`` and leaves the version empty, as do editable, URL and
path requirements (what they install is only known after pip built them). The purl
``pkg:pypi/<name>@<version>`` uses the PEP 503 normalised name (lower case, runs of ``-_.``
as one ``-``), which is how PyPI and the advisory databases key packages.

Include and constraint files (``-r`` / ``-c``) are not read: a reader gets text, not a file
system. ``includes()`` lists them, and every requirement of the file carries them as the
property ``cipipe:requirements-include`` so the SBOM shows that the list is partial.
Options that only steer pip (``--index-url``, ``--find-links``, ...) are ignored.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps._common import make_purl

# pip's --hash algorithms -> CycloneDX names (sha224 has no CycloneDX name and is dropped).
HASH_ALGORITHMS = {
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha256": "SHA-256",
    "sha384": "SHA-384",
    "sha512": "SHA-512",
}
INCLUDE_OPTIONS = frozenset({"-r", "--requirement", "-c", "--constraint"})
EDITABLE_OPTIONS = frozenset({"-e", "--editable"})
CONSTRAINT_PROPERTY = "cipipe:version-constraint"
EXTRAS_PROPERTY = "cipipe:python-extras"
MARKER_PROPERTY = "cipipe:python-marker"
INCLUDE_PROPERTY = "cipipe:requirements-include"
LOCATION_PROPERTY = "cipipe:download-location"
EDITABLE_PROPERTY = "cipipe:editable"

_COMMENT = re.compile(r"(^|\s+)#.*$")
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_SPECIFIER = r"(?:===|==|!=|~=|<=|>=|<|>)\s*[A-Za-z0-9_.*+!-]+"
_REQUIREMENT = re.compile(
    rf"(?P<name>{_NAME})\s*"
    r"(?:\[(?P<extras>[^\]]*)\])?\s*"
    rf"(?:(?P<specs>\(?\s*{_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*\s*\)?)"
    r"|@\s*(?P<url>\S+))?\s*"
)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+|\.{0,2}/\S*|\S+\.(?:whl|zip|tar\.gz|tar\.bz2)")
_EGG = re.compile(r"[#&]egg=(?P<name>[^&\s]+)")
_WHEEL = re.compile(r"(?P<name>[^/\-]+)-[^/\-]+(?:-[^/\-]+)?-[^/\-]+-[^/\-]+-[^/\-]+\.whl$")


@dataclass(frozen=True)
class _Line:
    number: int  # where the (possibly continued) line starts
    text: str  # comments removed, continuations joined


def parse(text: str, *, source: str = "requirements.txt") -> list[Dependency]:
    """Every requirement, in file order."""
    lines = list(_logical_lines(text))
    included = tuple((INCLUDE_PROPERTY, path) for path in _includes(lines))
    dependencies: list[Dependency] = []
    for line in lines:
        first = line.text.split(maxsplit=1)[0]
        option = first.split("=", 1)[0]
        if option in EDITABLE_OPTIONS:
            target = _option_value(line, option)
            dependencies.append(_url_dependency(target, line, source, included, editable=True))
        elif first.startswith("-"):
            continue  # an include (noted above) or an option for pip itself
        else:
            dependencies.append(_requirement(line, source, included))
    return dependencies


def includes(text: str) -> list[str]:
    """The files ``-r`` / ``-c`` name, in order (not read: the caller decides)."""
    return _includes(list(_logical_lines(text)))


def normalise(name: str) -> str:
    """PEP 503: lower case, every run of ``-``, ``_`` and ``.`` one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _includes(lines: list[_Line]) -> list[str]:
    found: list[str] = []
    for line in lines:
        option = line.text.split(maxsplit=1)[0].split("=", 1)[0]
        if option in INCLUDE_OPTIONS:
            found.append(_option_value(line, option))
    return found


def _logical_lines(text: str) -> Iterator[_Line]:
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not pending:
            start = number
        line = _COMMENT.sub("", raw)
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = " ".join(part.strip() for part in pending).strip()
        pending = []
        if joined:
            yield _Line(start, joined)
    joined = " ".join(part.strip() for part in pending).strip()
    if joined:
        yield _Line(start, joined)


def _option_value(line: _Line, option: str) -> str:
    rest = line.text[len(option) :].lstrip(" =")
    if not rest:
        raise DependencyFileError(f"line {line.number}: {option} without a value")
    return rest.split()[0]


def _split_options(text: str) -> tuple[str, list[str]]:
    """(requirement, per-requirement options), split where pip splits: the first token that
    starts with a dash."""
    tokens = text.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:i]).strip(), tokens[i:]
    return text, []


def _hashes(options: list[str], line: _Line) -> tuple[tuple[str, str], ...]:
    try:
        words = shlex.split(" ".join(options))
    except ValueError as exc:
        raise DependencyFileError(f"line {line.number}: {exc}") from None
    values: list[str] = []
    for i, word in enumerate(words):
        if word.startswith("--hash="):
            values.append(word.removeprefix("--hash="))
        elif word == "--hash" and i + 1 < len(words):
            values.append(words[i + 1])
    hashes: list[tuple[str, str]] = []
    for value in values:
        algorithm, _, digest = value.partition(":")
        if not digest or not re.fullmatch(r"[0-9a-fA-F]+", digest):
            raise DependencyFileError(
                f"line {line.number}: --hash={value} is not algorithm:hexdigest"
            )
        if algorithm.lower() in HASH_ALGORITHMS:
            hashes.append((HASH_ALGORITHMS[algorithm.lower()], digest.lower()))
    return tuple(hashes)


def _requirement(line: _Line, source: str, included: tuple[tuple[str, str], ...]) -> Dependency:
    requirement, options = _split_options(line.text)
    hashes = _hashes(options, line)
    if _URL.fullmatch(requirement.split(";")[0].strip()):
        return _url_dependency(requirement, line, source, included, hashes=hashes)
    spec, marker = _split_marker(requirement)
    match = _REQUIREMENT.fullmatch(spec)
    if match is None:
        raise DependencyFileError(
            f"line {line.number}: {line.text!r} is not a requirement "
            "(name[extras] followed by version specifiers or @ URL)"
        )
    name = match["name"]
    properties: list[tuple[str, str]] = []
    extras = [e.strip() for e in (match["extras"] or "").split(",") if e.strip()]
    if extras:
        properties.append((EXTRAS_PROPERTY, ",".join(extras)))
    version = None
    specs = re.sub(r"\s+", "", (match["specs"] or "").strip("() "))
    if match["url"]:
        properties.append((LOCATION_PROPERTY, match["url"]))
    elif specs:
        exact = re.fullmatch(r"===?([^,*]+)", specs)
        if exact:
            version = exact[1]
        else:
            properties.append((CONSTRAINT_PROPERTY, specs))
    if marker:
        properties.append((MARKER_PROPERTY, marker))
    return Dependency(
        name=name,
        version=version,
        purl=make_purl("pypi", normalise(name), version),
        source=source,
        hashes=hashes,
        properties=tuple(properties) + included,
    )


def _split_marker(requirement: str) -> tuple[str, str | None]:
    """PEP 508: ``;`` starts the environment marker (after a URL, only with a space before)."""
    if "@" in requirement.split(";")[0]:
        spec, sep, marker = requirement.partition(" ;")
    else:
        spec, sep, marker = requirement.partition(";")
    return spec.strip(), marker.strip() if sep else None


def _url_dependency(
    target: str,
    line: _Line,
    source: str,
    included: tuple[tuple[str, str], ...],
    *,
    editable: bool = False,
    hashes: tuple[tuple[str, str], ...] = (),
) -> Dependency:
    """A requirement given as a URL or path: the name comes from ``#egg=`` or a wheel's file
    name; without either it is the last path segment and there is no purl."""
    location, _, marker = target.partition(";")
    location = location.strip()
    egg = _EGG.search(location)
    wheel = _WHEEL.search(location.split("#")[0])
    name: str | None = egg["name"] if egg else wheel["name"] if wheel else None
    if name is not None and not re.fullmatch(_NAME, name):
        raise DependencyFileError(f"line {line.number}: {name!r} is not a package name")
    fallback = location.split("#")[0].rstrip("/").rsplit("/", 1)[-1] or location
    properties: list[tuple[str, str]] = [(LOCATION_PROPERTY, location)]
    if editable:
        properties.append((EDITABLE_PROPERTY, "true"))
    if marker.strip():
        properties.append((MARKER_PROPERTY, marker.strip()))
    return Dependency(
        name=name or fallback,
        version=None,
        purl=make_purl("pypi", normalise(name)) if name else None,
        source=source,
        hashes=hashes,
        properties=tuple(properties) + included,
    )

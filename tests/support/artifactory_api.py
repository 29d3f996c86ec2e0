"""What Artifactory's REST API accepts, for the fake in tests/support/artifactoryserver.py.

Each route is an endpoint with its method, as JFrog documents them (Deploy Artifact, Retrieve
Artifact, File Info, Get / Set / Delete Item Properties, Build Upload, Artifactory Query
Language); ``check_request`` refuses what Artifactory refuses in a request that reached its
endpoint, with the status it answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


class PropertyListError(ValueError):
    """A property list Artifactory answers 400 to."""


def parse_properties(text: str) -> dict[str, list[str]]:
    """Set Item Properties' ``properties=`` after the query string's own decoding.

    ``k=v1,v2;k2=v3`` (``|`` also separates properties), a backslash making the next character
    literal (JFrog documents it for ``, \\ | =``). A second unescaped ``=`` in one property is
    refused as Artifactory does ("Properties value cannot be empty.": jfrog/jfrog-cli#2215).
    """
    props: dict[str, list[str]] = {}
    key: str | None = None
    values: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
        elif char == "=" and key is None:
            key, current = "".join(current), []
        elif char == "=":
            raise PropertyListError("Properties value cannot be empty.")
        elif char == "," and key is not None:
            values.append("".join(current))
            current = []
        elif char in ";|":
            if key is not None:
                props.setdefault(key, []).extend([*values, "".join(current)])
            key, values, current = None, [], []
        else:
            current.append(char)
    if key is not None:
        props.setdefault(key, []).extend([*values, "".join(current)])
    return props


_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def url_decode(text: str) -> str:
    """Java's ``URLDecoder.decode(text, "UTF-8")``: ``+`` is a space, ``%XX`` UTF-8 bytes; a
    ``%`` without two hex digits or bytes that are not UTF-8 are refused."""
    if _PERCENT.search(text):
        raise PropertyListError(f"URLDecoder: illegal hex characters in escape pattern: {text!r}")
    try:
        return unquote(text.replace("+", " "), errors="strict")
    except UnicodeDecodeError:
        raise PropertyListError(f"URLDecoder: {text!r} is not UTF-8") from None


def parse_matrix_params(matrix: str) -> dict[str, list[str]]:
    """Deploy-time matrix parameters (the raw path after its first ``;``) as Artifactory reads
    them: split on ``;``, each at its first ``=``, the value URL-decoded and otherwise kept as
    sent (a backslash is stored, not an escape: jfrog/jfrog-cli#786); a repeated key adds a
    value (a set: a repeated value is kept once). No ``=``: the key with an empty value; a
    parameter starting with ``=`` is ignored. Artifactory OSS
    ``org.artifactory.api.md.Properties.processMatrixParams``.
    """
    props: dict[str, list[str]] = {}
    for param in matrix.split(";"):
        key, equals, value = param.partition("=")
        if not key:
            continue
        decoded = url_decode(value) if equals else ""
        if decoded not in props.setdefault(key, []):
            props[key].append(decoded)
    return props


# JFrog "Set Item Properties": these may not appear in a property key.
_FORBIDDEN_KEY = re.compile(r"[)(}{\][*+^$\\/~`!@#%&<>;=,±§\s]")
# Build info's "started": Java's yyyy-MM-dd'T'HH:mm:ss.SSSZ.
_STARTED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$")


@dataclass(frozen=True)
class Route:
    """One endpoint and method of Artifactory's REST API that the fake answers."""

    kind: str  # what ``seen``, ``fail`` and the answering method are keyed by
    method: str
    endpoint: str  # "build", "aql", "storage" (api/storage/{repo}/{path}) or "item" ({repo}/{path})
    query: str | None = None  # a query parameter the route needs, e.g. "properties"


ROUTES = (
    Route("build", "PUT", "build"),
    Route("aql", "POST", "aql"),
    Route("storage", "GET", "storage"),  # file info, or item properties with ?properties
    Route("set_properties", "PUT", "storage", "properties"),
    Route("delete_properties", "DELETE", "storage", "properties"),
    Route("deploy", "PUT", "item"),  # checksum_deploy with X-Checksum-Deploy: true
    Route("download", "GET", "item"),
    Route("head", "HEAD", "item"),
    Route("delete", "DELETE", "item"),
)
# Paths Artifactory has that the fake leaves out: 501 rather than a made-up answer.
_UNIMPLEMENTED_API = ("api/build/", "api/search/", "api/repositories", "api/security/")


def endpoint_of(path: str) -> str | None:
    """Which endpoint ``path`` (below the context) is; None for a path Artifactory 404s."""
    if path == "api/build":
        return "build"
    if path == "api/search/aql":
        return "aql"
    if path.startswith("api/storage/") and path.removeprefix("api/storage/").strip("/"):
        return "storage"
    if path.startswith("api/") or path == "api":
        return None
    return "item" if path.strip("/") else None


def route_of(method: str, path: str, query: dict[str, list[str]]) -> Route | Refusal:
    endpoint = endpoint_of(path)
    if endpoint is None:
        if path.startswith(_UNIMPLEMENTED_API):
            return Refusal(501, f"{method} /{path} is not implemented by the fake Artifactory")
        return Refusal(404, "Not Found")
    routes = [r for r in ROUTES if r.endpoint == endpoint]
    allowed = sorted({r.method for r in routes})
    for route in routes:
        if route.method == method and (route.query is None or route.query in query):
            return route
    if method in allowed:
        needed = next(r.query for r in routes if r.method == method)
        return Refusal(400, f"The {needed} parameter is required for {method} /{path}")
    return Refusal(405, "Method Not Allowed", {"Allow": ", ".join(allowed)})


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def media_type(headers: Any) -> str:
    return str(headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()


def check_request(
    kind: str, headers: Any, body: bytes, query: dict[str, list[str]]
) -> Refusal | None:
    """What Artifactory refuses in a request of ``kind`` that reached its endpoint."""
    if kind == "build":
        return _check_build(headers, body)
    if kind == "aql" and media_type(headers) != "text/plain":
        return Refusal(415, "Unsupported Media Type: AQL is sent as text/plain")
    if kind == "checksum_deploy" and not (
        headers.get("X-Checksum-Sha1") or headers.get("X-Checksum-Sha256")
    ):
        return Refusal(400, "Checksum deploy needs X-Checksum-Sha1 or X-Checksum-Sha256")
    if kind in ("set_properties", "delete_properties"):
        return _check_property_query(kind, query)
    return None


def _check_build(headers: Any, body: bytes) -> Refusal | None:
    if media_type(headers) != "application/json":
        return Refusal(415, "Unsupported Media Type: build info is sent as application/json")
    try:
        document = json.loads(body)
    except ValueError:
        return Refusal(400, "Can not parse the build info: it is not JSON")
    if not isinstance(document, dict):
        return Refusal(400, "Can not parse the build info: it is not a JSON object")
    for key in ("name", "number", "started"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            return Refusal(400, f"Build info is missing its {key}")
    if not _STARTED.match(document["started"]):
        return Refusal(
            400, f"Build started {document['started']!r} is not yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        )
    return None


def _check_property_query(kind: str, query: dict[str, list[str]]) -> Refusal | None:
    text = query["properties"][0]
    try:
        keys = list(parse_properties(text)) if kind == "set_properties" else text.split(",")
    except PropertyListError as error:
        return Refusal(400, str(error))
    if not text or not keys:
        return Refusal(400, "No properties given")
    for key in keys:
        if not key or _FORBIDDEN_KEY.search(key):
            return Refusal(400, f"Property key {key!r} contains a forbidden character")
    if query.get("recursive", ["1"])[0] not in ("0", "1"):
        return Refusal(400, "recursive is 0 or 1")
    return None

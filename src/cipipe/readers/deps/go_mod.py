"""go.mod: the module's requirements, which since Go 1.17 list every module of the build.

    module github.com/org/repo

    go 1.22.0

    require github.com/aquasecurity/go-version v0.0.0-20240603093900-cf8a8d29271d

    require (
        github.com/stretchr/testify v1.9.0 // indirect
    )

    replace github.com/old/mod v1.0.0 => github.com/fork/mod v1.0.1
    replace example.com/local => ./local

A ``replace`` changes what is built: a module replaced by another module is that module (the
original is kept as the property ``cipipe:go-replaces``); one replaced by a directory is
local code, so it keeps its name but loses its version (``cipipe:go-replaced-by`` says
where). ``// indirect`` is kept as a property. The purl is ``pkg:golang/<module path>@<version>``
(namespace = the path up to its last slash, as the purl spec's golang type has it); the
dependency's name is the whole module path, as Go tools show it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps._common import make_purl

DIRECTIVES = frozenset(
    {
        "module",
        "go",
        "toolchain",
        "godebug",
        "require",
        "replace",
        "exclude",
        "retract",
        "tool",
        "ignore",
    }
)
INDIRECT_PROPERTY = "cipipe:go-indirect"
REPLACES_PROPERTY = "cipipe:go-replaces"
REPLACED_BY_PROPERTY = "cipipe:go-replaced-by"
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|=>|[^\s"`]+')
_VERSION = re.compile(r"v[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


@dataclass(frozen=True)
class _Entry:
    directive: str
    tokens: list[str]
    comment: str
    line: int


@dataclass(frozen=True)
class _Require:
    path: str
    version: str
    indirect: bool


@dataclass(frozen=True)
class _Replace:
    old_path: str
    old_version: str | None
    new_path: str
    new_version: str | None  # None: a directory


def parse(text: str, *, source: str = "go.mod") -> list[Dependency]:
    """Every required module, after replacements, in file order."""
    requires: list[_Require] = []
    replaces: list[_Replace] = []
    for entry in _entries(text):
        if entry.directive == "require":
            requires.append(_require(entry))
        elif entry.directive == "replace":
            replaces.append(_replace(entry))
    return [_dependency(require, replaces, source) for require in requires]


def _dependency(require: _Require, replaces: list[_Replace], source: str) -> Dependency:
    properties: list[tuple[str, str]] = []
    if require.indirect:
        properties.append((INDIRECT_PROPERTY, "true"))
    replace = _replacement(require, replaces)
    path: str = require.path
    version: str | None = require.version
    if replace is not None and replace.new_version is None:
        version = None
        properties.append((REPLACED_BY_PROPERTY, replace.new_path))
    elif replace is not None:
        path, version = replace.new_path, replace.new_version
        properties.append((REPLACES_PROPERTY, f"{require.path}@{require.version}"))
    namespace, _, name = path.rpartition("/")
    return Dependency(
        name=path,
        version=version,
        purl=make_purl("golang", name, version, namespace=namespace or None),
        source=source,
        properties=tuple(properties),
    )


def _replacement(require: _Require, replaces: list[_Replace]) -> _Replace | None:
    """A replace for this exact version wins over one for every version of the module."""
    exact = [r for r in replaces if r.old_path == require.path and r.old_version == require.version]
    if exact:
        return exact[-1]
    general = [r for r in replaces if r.old_path == require.path and r.old_version is None]
    return general[-1] if general else None


def _require(entry: _Entry) -> _Require:
    if len(entry.tokens) != 2:
        raise DependencyFileError(f"line {entry.line}: require expects a module path and a version")
    path, version = entry.tokens
    _check_version(version, entry.line)
    # "// indirect", or "// indirect; why" as go mod tidy keeps a comment after it
    indirect = entry.comment.split(";")[0].strip() == "indirect"
    return _Require(path=path, version=version, indirect=indirect)


def _replace(entry: _Entry) -> _Replace:
    tokens = entry.tokens
    if "=>" not in tokens:
        raise DependencyFileError(f"line {entry.line}: replace without =>")
    arrow = tokens.index("=>")
    old, new = tokens[:arrow], tokens[arrow + 1 :]
    if len(old) not in (1, 2) or len(new) not in (1, 2):
        raise DependencyFileError(
            f"line {entry.line}: replace expects 'module [version] => module version' "
            "or 'module [version] => directory'"
        )
    if len(old) == 2:
        _check_version(old[1], entry.line)
    is_directory = new[0].startswith(("./", "../", "/")) or new[0] in (".", "..")
    if len(new) == 1 and not is_directory:
        raise DependencyFileError(
            f"line {entry.line}: replacement module {new[0]} needs a version "
            "(or a directory path starting with ./ or ../)"
        )
    if len(new) == 2:
        _check_version(new[1], entry.line)
    return _Replace(
        old_path=old[0],
        old_version=old[1] if len(old) == 2 else None,
        new_path=new[0],
        new_version=new[1] if len(new) == 2 else None,
    )


def _check_version(version: str, line: int) -> None:
    if not _VERSION.fullmatch(version):
        raise DependencyFileError(f"line {line}: {version!r} is not a Go module version (vX.Y.Z)")


def _entries(text: str) -> Iterator[_Entry]:
    """Each directive line, a block's lines each as their own entry with its directive."""
    block: str | None = None
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        code, comment = _split_comment(raw)
        tokens = [_unquote(t) for t in _TOKEN.findall(code)]
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
                continue
            yield _Entry(block, tokens, comment, number)
            continue
        directive, rest = tokens[0], tokens[1:]
        if directive not in DIRECTIVES:
            raise DependencyFileError(f"line {number}: unknown directive {directive!r}")
        if rest == ["("]:
            block = directive
            continue
        yield _Entry(directive, rest, comment, number)
    if block is not None:
        raise DependencyFileError(f"{block} block not closed with ')'")


def _split_comment(line: str) -> tuple[str, str]:
    """(code, comment text); ``//`` inside a quoted path is not a comment."""
    in_quote: str | None = None
    for i, char in enumerate(line):
        if in_quote:
            if char == in_quote:
                in_quote = None
        elif char in '"`':
            in_quote = char
        elif line.startswith("//", i):
            return line[:i], line[i + 2 :].strip()
    return line, ""


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in '"`':
        return token[1:-1]
    return token

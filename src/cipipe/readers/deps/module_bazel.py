"""MODULE.bazel (Bzlmod): the modules a Bazel project depends on.

    module(name = "yaml-cpp", version = "0.9.0")

    bazel_dep(name = "platforms", version = "1.0.0")
    bazel_dep(name = "googletest", version = "1.17.0.bcr.2", dev_dependency = True)

    single_version_override(module_name = "platforms", version = "1.0.1")
    git_override(module_name = "rules_cc", remote = "https://...", commit = "...")

Each ``bazel_dep`` is a dependency with the purl spec's ``bazel`` type (no namespace, the
module name, the version as written: ``pkg:bazel/googletest@1.17.0.bcr.2``). A
``dev_dependency = True`` is only used when this module is the root of the build (tests,
tooling), never by a module that depends on it: scope "excluded", as conanfile.txt's
``[test_requires]``, with the property ``cipipe:bazel-dev-dependency``. A
``single_version_override`` with a version pins that version; a module taken from git, an
archive or a local path is not the registry's release of that name, so it keeps its name and
loses its version (``cipipe:bazel-override`` says which override). The file is Starlark:
only these calls are read, every other statement is skipped without being evaluated; a call
whose arguments cipipe needs are not plain literals is an error naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from cipipe.readers.deps import Dependency, DependencyFileError
from cipipe.readers.deps._common import make_purl

DEV_PROPERTY = "cipipe:bazel-dev-dependency"
OVERRIDE_PROPERTY = "cipipe:bazel-override"
# Overrides that take the module from somewhere other than the registry.
SOURCE_OVERRIDES = frozenset({"git_override", "archive_override", "local_path_override"})
READ_CALLS = SOURCE_OVERRIDES | {"bazel_dep", "single_version_override"}
MAX_DEPTH = 64  # brackets inside one statement: deeper is not a MODULE.bazel
# Bazel's module name rule (https://bazel.build/rules/lib/globals/module#module).
_MODULE_NAME = re.compile(r"[a-z]([a-z0-9._-]*[a-z0-9])?")
_TOKEN = re.compile(
    r"""(?P<space>[ \t\r\f]+|\\\n)
    |(?P<newline>\n)
    |(?P<comment>\#[^\n]*)
    |(?P<string>[rRbB]{0,2}(?:\"\"\"(?:[^\\]|\\.)*?\"\"\"|'''(?:[^\\]|\\.)*?'''
        |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<number>[0-9][0-9A-Za-z_.]*)
    |(?P<punct>\*\*|[-+*/%=<>!]=?|[()\[\]{},.:;|&^~@])""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int


@dataclass(frozen=True)
class _Call:
    function: str
    arguments: dict[str, _Token]  # keyword -> a literal (string, True/False, number)
    line: int


def parse(text: str, *, source: str = "MODULE.bazel") -> list[Dependency]:
    """Every bazel_dep, in file order, with the overrides applied."""
    calls = list(_calls(_tokens(text.lstrip("\ufeff"))))
    pinned: dict[str, str] = {}
    overridden: dict[str, str] = {}
    for call in calls:
        if call.function == "single_version_override":
            version = _string(call, "version", required=False)
            if version:
                pinned[_module(call, "module_name")] = version
        elif call.function in SOURCE_OVERRIDES:
            overridden[_module(call, "module_name")] = call.function
    return [
        _dependency(call, pinned, overridden, source)
        for call in calls
        if call.function == "bazel_dep"
    ]


def _dependency(
    call: _Call, pinned: dict[str, str], overridden: dict[str, str], source: str
) -> Dependency:
    name = _module(call, "name")
    version = _string(call, "version", required=False) or None
    properties: list[tuple[str, str]] = []
    dev = _boolean(call, "dev_dependency")
    if dev:
        properties.append((DEV_PROPERTY, "true"))
    if name in overridden:
        version = None
        properties.append((OVERRIDE_PROPERTY, overridden[name]))
    elif name in pinned:
        version = pinned[name]
        properties.append((OVERRIDE_PROPERTY, "single_version_override"))
    return Dependency(
        name=name,
        version=version,
        purl=make_purl("bazel", name, version),
        source=source,
        scope="excluded" if dev else "required",
        properties=tuple(properties),
    )


def _module(call: _Call, keyword: str) -> str:
    name = _string(call, keyword, required=True)
    if not _MODULE_NAME.fullmatch(name):
        raise DependencyFileError(
            f"line {call.line}: {call.function} {keyword} {name!r} is not a Bazel module name "
            "(lower-case letters, digits, '.', '-', '_')"
        )
    return name


def _string(call: _Call, keyword: str, *, required: bool) -> str:
    token = call.arguments.get(keyword)
    if token is None:
        if required:
            raise DependencyFileError(f"line {call.line}: {call.function} without {keyword}")
        return ""
    if token.kind != "string":
        raise DependencyFileError(
            f"line {token.line}: {call.function} {keyword} must be a string literal"
        )
    return _unquote(token.text, token.line)


def _boolean(call: _Call, keyword: str) -> bool:
    token = call.arguments.get(keyword)
    if token is None:
        return False
    if token.text not in ("True", "False"):
        raise DependencyFileError(
            f"line {token.line}: {call.function} {keyword} must be True or False"
        )
    return token.text == "True"


def _unquote(text: str, line: int) -> str:
    body = text.lstrip("rRbB")
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    inner = body[len(quote) : -len(quote)]
    if "\\" in inner:
        raise DependencyFileError(f"line {line}: escapes in a module name or version")
    return inner


def _tokens(text: str) -> Iterator[_Token]:
    line, position = 1, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise DependencyFileError(f"line {line}: unexpected {text[position]!r}")
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            yield _Token(kind, match.group(), line)
        line += match.group().count("\n")
        position = match.end()


def _calls(tokens: Iterator[_Token]) -> Iterator[_Call]:
    """Each top-level call of a function cipipe reads, with its literal keyword arguments."""
    depth = 0
    previous: _Token | None = None
    for token in tokens:
        if token.text == "(" and depth == 0 and previous and _read_call(previous):
            yield _arguments(previous, tokens)
            previous = None
            continue
        depth = _nesting(depth, token)
        previous = token
    if depth:
        raise DependencyFileError("end of file inside brackets: a '(' '[' or '{' is not closed")


def _read_call(token: _Token) -> bool:
    return token.kind == "name" and token.text in READ_CALLS


def _arguments(function: _Token, tokens: Iterator[_Token]) -> _Call:
    arguments: dict[str, _Token] = {}
    argument: list[_Token] = []
    depth = 1
    for token in tokens:
        depth = _nesting(depth, token)
        if depth == 0 or (depth == 1 and token.text == ","):
            _keyword(function, argument, arguments)
            argument = []
            if depth == 0:
                return _Call(function.text, arguments, function.line)
        elif token.kind != "newline":
            argument.append(token)
    raise DependencyFileError(f"line {function.line}: {function.text}( is not closed")


def _keyword(function: _Token, argument: list[_Token], arguments: dict[str, _Token]) -> None:
    """``name = literal``; a value that is not one literal is kept out (cipipe never evaluates
    Starlark), and the reader says so when it needs that argument."""
    if not argument:
        return
    if len(argument) < 3 or argument[0].kind != "name" or argument[1].text != "=":
        raise DependencyFileError(
            f"line {argument[0].line}: {function.text} takes keyword arguments (name = value)"
        )
    if argument[0].text in arguments:
        raise DependencyFileError(
            f"line {argument[0].line}: {function.text} repeats {argument[0].text}"
        )
    if len(argument) == 3:
        arguments[argument[0].text] = argument[2]
    else:
        arguments[argument[0].text] = _Token("expression", "", argument[2].line)


def _nesting(depth: int, token: _Token) -> int:
    if token.kind != "punct":
        return depth
    if token.text in "([{":
        depth += 1
        if depth > MAX_DEPTH:
            raise DependencyFileError(f"line {token.line}: brackets nested deeper than {MAX_DEPTH}")
    elif token.text in ")]}":
        depth -= 1
        if depth < 0:
            raise DependencyFileError(f"line {token.line}: {token.text!r} without its opening")
    return depth

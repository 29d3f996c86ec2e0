"""The names that travel: service, platform and bundle names, build ids, Jenkins agent labels
and the artifact file names made of them.

They end up in store paths, URLs, file names, Jenkins ``parallel`` blocks and shell lines, so
each is held to a strict alphabet wherever it is read (a contract field or a flag), not only
where it is used. No pattern admits a newline, tab, ``;``, ``/``, ``$`` or a backtick, so a
value can never start a second line or a second command.

The regexes are anchored for both engines that apply them: pydantic (Rust regex, where ``$``
is the end of the text) and Python's ``re.fullmatch`` here (``$`` alone would also accept a
trailing newline).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from cipipe.errors import InputError

# Lower case: the name is also a folder, a package name and part of an artifact's name.
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
NAME_MAX = 100
NAME_EXPECTED = "lower-case letters, digits, '.', '_', '-', starting with a letter or digit"

BUILD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
BUILD_ID_EXPECTED = "1-64 letters, digits, '.', '_', '-', starting with a letter or digit"

# A Jenkins label expression: label atoms joined by &&, ||, !, ->, <-> and parentheses.
AGENT_LABEL_PATTERN = r"^[A-Za-z0-9._+:()!&|<>= -]{1,200}$"
AGENT_LABEL_EXPECTED = (
    "a Jenkins label expression: letters, digits, spaces and . _ + : ( ) ! & | < > = -"
)

# An artifact's file name, <service>-<platform>-<commit>-<buildId>[.ext]: a stem taken from the
# built file may keep its case and a '+'. One path component, never a folder or a second line.
ARTIFACT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$"
ARTIFACT_NAME_EXPECTED = "a file name of letters, digits, '.', '_', '+', '-'"

Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=NAME_MAX)]
BuildIdText = Annotated[str, Field(pattern=BUILD_ID_PATTERN)]
AgentLabel = Annotated[str, Field(pattern=AGENT_LABEL_PATTERN)]
ArtifactName = Annotated[str, Field(pattern=ARTIFACT_NAME_PATTERN)]

_NAME = re.compile(NAME_PATTERN[1:-1])
_BUILD_ID = re.compile(BUILD_ID_PATTERN[1:-1])
_AGENT_LABEL = re.compile(AGENT_LABEL_PATTERN[1:-1])
_ARTIFACT_NAME = re.compile(ARTIFACT_NAME_PATTERN[1:-1])


def _check(
    regex: re.Pattern[str],
    value: str,
    expected: str,
    *,
    file: str | None,
    field: str | None,
    max_length: int | None = None,
) -> str:
    if (
        not isinstance(value, str)
        or regex.fullmatch(value) is None
        or (max_length is not None and len(value) > max_length)
    ):
        raise InputError(f"got {value!r}", file=file, field=field, expected=expected)
    return value


def is_name(value: str) -> bool:
    return _NAME.fullmatch(value) is not None and len(value) <= NAME_MAX


def is_build_id(value: str) -> bool:
    return _BUILD_ID.fullmatch(value) is not None


def check_name(value: str, *, file: str | None = None, field: str | None = None) -> str:
    """A service, platform or bundle name, else an InputError naming ``file`` and ``field``."""
    return _check(_NAME, value, NAME_EXPECTED, file=file, field=field, max_length=NAME_MAX)


def check_build_id(value: str, *, file: str | None = None, field: str | None = None) -> str:
    return _check(_BUILD_ID, value, BUILD_ID_EXPECTED, file=file, field=field)


def check_agent_label(value: str, *, file: str | None = None, field: str | None = None) -> str:
    return _check(_AGENT_LABEL, value, AGENT_LABEL_EXPECTED, file=file, field=field)


def check_artifact_name(value: str, *, file: str | None = None, field: str | None = None) -> str:
    return _check(_ARTIFACT_NAME, value, ARTIFACT_NAME_EXPECTED, file=file, field=field)

"""What clang-format and clang-tidy print when they cannot read a style or config file:

    /repo/.clang-format:2:1: error: unknown key 'InsertNewlineAtEOF'
    InsertNewlineAtEOF: true
    ^~~~~~~~~~~~~~~~~~
    Error reading /repo/.clang-format: Invalid argument

(clang-tidy says ``Error parsing``, and then carries on with its defaults, exit code 0). The
excerpt and caret lines are skipped; each error keeps the file it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ERROR = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: (?P<message>.+)$")
_GAVE_UP = re.compile(r"^Error (?:reading|parsing) (?P<file>.+?): (?P<reason>.+)$")
_UNKNOWN_KEY = re.compile(r"^unknown key '(?P<key>[^']+)'$")


@dataclass(frozen=True)
class ConfigError:
    file: str
    line: int
    message: str

    @property
    def unknown_key(self) -> str | None:
        match = _UNKNOWN_KEY.match(self.message)
        return match["key"] if match else None

    @property
    def from_a_newer_version(self) -> bool:
        """A key, or a value of a known key, that this version does not know: what a style
        file written for a newer version makes an older tool say (or a misspelling)."""
        return self.unknown_key is not None or self.message == "unknown enumerated scalar"


def config_errors(stderr: str) -> list[ConfigError]:
    """The errors in the files the tool gave up reading (none: it read them all)."""
    lines = [line.rstrip("\r") for line in stderr.splitlines()]
    refused = {m["file"] for m in map(_GAVE_UP.match, lines) if m}
    errors: list[ConfigError] = []
    for line in lines:
        match = _ERROR.match(line)
        if match and match["file"] in refused:
            error = ConfigError(match["file"], int(match["line"]), match["message"].strip())
            if error not in errors:
                errors.append(error)
    return errors

"""Logging for people and for Jenkins: rich on a terminal, timestamped lines otherwise, or JSON.

Every handler masks the values of secret-looking environment variables, so a token that a
tool echoes back never reaches a build log.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Literal

LogFormat = Literal["text", "json"]

SECRET_NAME = re.compile(r"TOKEN|PASSWORD|PASSWD|SECRET|KEY|AUTH|PSW|CREDENTIAL", re.IGNORECASE)
# Shorter values ("1", "yes") would mask ordinary words everywhere.
MIN_SECRET_LENGTH = 4
MASK = "****"


class SecretMasker:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        values = {
            value
            for name, value in env.items()
            if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH
        }
        # Longest first, so a secret that contains another is masked whole.
        self._values = sorted(values, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        return text


class MaskingFilter(logging.Filter):
    def __init__(self, masker: SecretMasker) -> None:
        super().__init__()
        self.masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.masker.mask(record.getMessage())
        record.args = None
        return True


class PlainFormatter(logging.Formatter):
    """``2026-01-02T10:00:00Z INFO precheck: message``: what Jenkins' console wants."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{stamp} {record.levelname:<7} {record.getMessage()}"


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                    timespec="milliseconds"
                ),
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            },
            ensure_ascii=False,
        )


def setup_logging(
    *, verbose: int = 0, debug: bool = False, fmt: LogFormat = "text", stream: IO[str] | None = None
) -> SecretMasker:
    stream = stream or sys.stderr
    level = (
        logging.DEBUG
        if debug or verbose >= 2
        else logging.INFO
        if verbose >= 0
        else logging.WARNING
    )
    handler: logging.Handler
    if fmt == "json":
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonLinesFormatter())
    elif _is_terminal(stream):
        from rich.console import Console
        from rich.logging import RichHandler

        handler = RichHandler(
            console=Console(file=stream), show_path=debug, markup=False, rich_tracebacks=False
        )
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(PlainFormatter())
    masker = SecretMasker()
    handler.addFilter(MaskingFilter(masker))
    root = logging.getLogger("cipipe")
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    return masker


def _is_terminal(stream: IO[str]) -> bool:
    if os.environ.get("CI") or os.environ.get("JENKINS_URL"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())

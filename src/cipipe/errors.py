"""The error types every layer raises, each tied to one documented exit code.

The CLI maps these to exit codes; nothing below the CLI calls ``sys.exit``.
"""

from __future__ import annotations

from enum import IntEnum

from cipipe.exit_codes import EXIT_CODE_TABLE


class ExitCode(IntEnum):
    """The documented exit codes; each member's meaning comes from the one table,
    ``cipipe.exit_codes.EXIT_CODE_TABLE``, which the help and the README show."""

    OK = 0
    REJECTED = 1
    BAD_INPUT = 2
    OUTSIDE_FAILURE = 3
    BUG = 4

    @property
    def meaning(self) -> str:
        return EXIT_CODE_TABLE[self.value][1]


class CipipeError(Exception):
    """Base class: an expected failure with a one-line message for the user."""

    exit_code: ExitCode = ExitCode.BUG


class InputError(CipipeError):
    """Bad usage or bad input. The message names the file, the field and what was expected."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.file = file
        self.field = field
        self.expected = expected
        self.detail = message
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [p for p in (self.file, self.field) if p]
        text = ": ".join([*parts, self.detail])
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class ReaderError(InputError, ValueError):
    """A file another tool wrote (a report, a manifest, a lock file, an advisory) that cannot be
    read as its format: bad input (exit 2), whichever reader found it. Still a ValueError, as
    the readers' errors always were, so a caller that catches ValueError keeps working.

    Readers do no I/O, so they raise it with the reason alone; the step that opened the file
    names it with ``located``, and one that carries on without the file reads ``detail``.
    """

    def located(self, file: str, *, expected: str | None = None, prefix: str = "") -> ReaderError:
        """This error naming ``file`` (and what it should have been), for the user."""
        self.file = file
        self.expected = expected or self.expected
        self.detail = prefix + self.detail
        self.args = (self._render(),)
        return self


class RefusedError(CipipeError):
    """The step did its work and the answer is no (exit 1): a build the gate rejected, a
    platform that did not build. Nothing was written or sent.

    Exit 1 is returned, never raised out of a command: a command whose step may refuse
    returns ``cipipe.cli.app.refused(state, exc)``, like the commands that decide "no"
    themselves (tests/cli/test_refusals.py)."""

    exit_code = ExitCode.REJECTED


class OutsideSystemError(CipipeError):
    """An outside system (store, chat, code host, database) failed after retries."""

    exit_code = ExitCode.OUTSIDE_FAILURE


class WorkdirBusyError(InputError):
    """Another cipipe process holds the work folder's lock for longer than we wait."""


class LinkRefusedError(InputError):
    """A symbolic link where cipipe reads or writes only real files (the work folder, a part,
    a served policy) or where a link leads out of the repository. Its message names the link
    and quotes nothing of what the link points at."""

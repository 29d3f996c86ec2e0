"""The click group, built from cipipe.cli.spec, and the mapping of errors to exit codes."""

from __future__ import annotations

import errno
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from cipipe import __version__
from cipipe.cli.help import render_help
from cipipe.cli.interrupts import INTERRUPTED_EXIT, TERMINATED_EXIT, Terminated
from cipipe.cli.quoting import shown_message
from cipipe.cli.spec import COMMANDS, GLOBAL_OPTIONS, PROG
from cipipe.errors import CipipeError, ExitCode, RefusedError
from cipipe.logs import LogFormat, SecretMasker, setup_logging
from cipipe.workdir import WorkDir

log = logging.getLogger("cipipe")


@dataclass
class CliState:
    workdir: WorkDir = field(default_factory=lambda: WorkDir(Path(".cipipe")))
    debug: bool = False
    verbose: int = 0
    log_format: LogFormat = "text"
    masker: SecretMasker = field(default_factory=SecretMasker)


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [spec.name for spec in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = next((s for s in COMMANDS if s.name == cmd_name), None)
        if spec is None:
            return None
        command = importlib.import_module(spec.module).command
        assert isinstance(command, click.Command)
        return command

    def get_help(self, ctx: click.Context) -> str:
        return render_help().rstrip("\n")


def _global_params() -> list[click.Parameter]:
    params: list[click.Parameter] = []
    for option in GLOBAL_OPTIONS:
        name = option.flags[-1].lstrip("-").replace("-", "_")
        if name in {"help", "version"}:
            continue  # click supplies these
        kwargs: dict[str, Any] = {"help": option.help, "envvar": option.envvar}
        if option.counting:
            kwargs.update(count=True, default=0)
        elif option.choices:
            kwargs.update(type=click.Choice(option.choices), default=option.default)
        elif option.metavar:
            kwargs.update(metavar=option.metavar, default=option.default)
        else:
            kwargs.update(is_flag=True, default=False)
        params.append(click.Option(list(option.flags), **kwargs))
    return params


@click.pass_context
def _configure(
    ctx: click.Context, workdir: str, log_format: LogFormat, verbose: int, debug: bool
) -> None:
    state = ctx.ensure_object(CliState)
    state.workdir = WorkDir(Path(workdir))
    state.debug = debug
    state.verbose = verbose
    state.log_format = log_format
    state.masker = setup_logging(verbose=verbose, debug=debug, fmt=log_format)


def build_group() -> click.Group:
    group = LazyGroup(
        name=PROG,
        callback=_configure,
        params=_global_params(),
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )
    click.version_option(__version__, "--version", prog_name=PROG)(group)
    return group


def _say(state: CliState, text: str) -> None:
    sys.stderr.write(state.masker.mask(text) + "\n")


def refused(state: CliState, exc: RefusedError) -> int:
    """A step's "no" (RefusedError), returned as exit 1 the way every command that decides
    "no" itself returns it, with the one line a raised error would have shown."""
    _say(state, f"{PROG}: error: {shown_message(exc)}")
    return int(ExitCode.REJECTED)


# A full disk or an exhausted quota is the machine failing, not cipipe: exit 3, like any
# outside system that fails, wherever in the step the write happened.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def disk_full(exc: BaseException) -> str | None:
    """The message for a write that ran out of space, when ``exc`` or what caused it is one
    (e.g. "disk full writing PATH: No space left on device"); None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            where = f" writing {current.filename}" if current.filename else ""
            reason = current.strerror or os.strerror(current.errno)
            return f"disk full{where}: {reason}"
        current = current.__cause__ or current.__context__
    return None


def invoke(argv: Sequence[str]) -> int:
    state = CliState()
    group = build_group()
    try:
        result = group.main(args=list(argv), prog_name=PROG, standalone_mode=False, obj=state)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            # click turns Ctrl-C in a command into Abort: it is still an interruption.
            _say(state, f"{PROG}: interrupted")
            return INTERRUPTED_EXIT
        _say(state, f"{PROG}: aborted")
        return int(ExitCode.BAD_INPUT)
    except click.ClickException as exc:
        where = exc.ctx.command_path if isinstance(exc, click.UsageError) and exc.ctx else PROG
        _say(state, f"{where}: error: {exc.format_message()} (see '{where} --help')")
        return int(ExitCode.BAD_INPUT)
    except CipipeError as exc:
        _say(state, f"{PROG}: error: {shown_message(exc)}")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _say(state, f"{PROG}: interrupted")
        return INTERRUPTED_EXIT
    except Terminated:
        _say(state, f"{PROG}: terminated")
        return TERMINATED_EXIT
    except Exception as exc:  # a bug: say so plainly, show the traceback only on request
        full = disk_full(exc)
        if full is not None:
            _say(state, f"{PROG}: error: {full}")
            return int(ExitCode.OUTSIDE_FAILURE)
        if state.debug or os.environ.get("CIPIPE_DEBUG"):
            _say(state, traceback.format_exc().rstrip())
        _say(
            state,
            f"{PROG}: internal error: {type(exc).__name__}: {exc} "
            "(a bug in cipipe; rerun with --debug for a traceback)",
        )
        return int(ExitCode.BUG)
    return int(result) if isinstance(result, int) else int(ExitCode.OK)

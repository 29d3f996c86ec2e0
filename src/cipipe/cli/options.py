"""Options several commands share, so they read and behave the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

POLICY_HELP = (
    "Policy folder or http(s) URL of `cipipe policy serve`  [env: CIPIPE_POLICY; "
    "default: ./policies]"
)


def policy_fetch_options(func: F) -> F:
    """--policy-pin and --policy-deadline, beside --policy on every command that takes one.

    Both default to their environment variable, read where the policy is loaded, so
    `cipipe run` honours them too.
    """
    func = click.option(
        "--policy-deadline",
        type=click.FloatRange(min=0, min_open=True),
        metavar="SECONDS",
        help="Longest a served policy's fetch may take, retries included; then the cached copy "
        "is used or the command fails  [env: CIPIPE_POLICY_DEADLINE; default: 30]",
    )(func)
    func = click.option(
        "--policy-pin",
        metavar="sha256:HEX[,...]",
        help="The policy version ids to trust, comma separated; any other bundle, served, "
        "cached or in a folder, is refused (exit 2)  [env: CIPIPE_POLICY_PIN]",
    )(func)
    return func


def repo_options(func: F) -> F:
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Repository config  [default: REPO/.cipipe.yaml]",
    )(func)
    func = click.option(
        "--repo",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path(),
        envvar="CIPIPE_REPO",
        show_default=True,
        show_envvar=True,
        help="The repository to work on.",
    )(func)
    return func


def config_path(repo: Path, explicit: Path | None) -> Path:
    return explicit if explicit is not None else repo / ".cipipe.yaml"

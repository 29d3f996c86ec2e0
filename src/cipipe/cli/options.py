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

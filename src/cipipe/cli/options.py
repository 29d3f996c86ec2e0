"""Options several commands share, so they read and behave the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

POLICY_HELP = (
    "Policy folder or http(s) URL of `cipipe policy serve`  [env: CIPIPE_POLICY; "
    "default: ./policies, else the bundle built into cipipe]"
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


def top_moves_option(func: F) -> F:
    """--top: how many of the largest decision moves policy diff and model compare list."""
    return click.option(
        "--top",
        type=click.IntRange(0, 1000),
        default=20,
        show_default=True,
        help="How many of the largest moves to list",
    )(func)


def pull_request_options(func: F) -> F:
    """--github-repo, --pr and --github-api: the pull request gate and policy diff comment on."""
    func = click.option(
        "--github-api",
        help="GitHub API base, e.g. https://ghe.example.com/api/v3  [env: CIPIPE_GITHUB_API_URL; "
        "default: https://api.github.com]",
    )(func)
    func = click.option(
        "--pr", type=click.IntRange(1), help="Pull request number  [default: CHANGE_ID]"
    )(func)
    return click.option("--github-repo", help="OWNER/NAME  [default: from CHANGE_URL / GIT_URL]")(
        func
    )


def store_options(holding: str) -> Callable[[F], F]:
    """--target, --via and --repository: the artifact store holding ``holding``, the same
    three on every command that reads or writes the store (cli.inputs.artifact_store opens it)."""

    def add(func: F) -> F:
        func = click.option("--repository", default="candidates", show_default=True)(func)
        func = click.option(
            "--via", type=click.Choice(["rest", "jf"]), default="rest", show_default=True
        )(func)
        return click.option(
            "--target",
            help=f"Artifact store holding {holding}: https://HOST/artifactory or file:///PATH  "
            "[env: CIPIPE_ARTIFACTORY_URL; default: the local folder beside the work folder]",
        )(func)

    return add


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


IdentifierKind = Literal["name", "build id"]


def identifier(kind: IdentifierKind) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback holding a flag (--platform, --service, --build-id ...) to the strict
    pattern of its kind in cipipe.identifiers, as the same value is held in a contract; a
    repeatable flag is checked value by value. Empty means "not given", as before."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if not value:
            return value
        # Imported here: cipipe.identifiers needs pydantic, which `--help` must not load.
        from cipipe.identifiers import check_build_id, check_name

        check = check_name if kind == "name" else check_build_id
        flag = param.opts[0]
        if isinstance(value, tuple):
            return tuple(check(item, field=flag) for item in value)
        return check(value, field=flag)

    return callback

"""cipipe policy diff: what a policy change would have changed over labelled history (issue 19)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cipipe.cli.app import CliState
from cipipe.cli.commands.backtest import history_options
from cipipe.cli.options import policy_fetch_options, pull_request_options, top_moves_option
from cipipe.errors import ExitCode

if TYPE_CHECKING:
    from cipipe.contracts.policy_diff import PolicyDiff
    from cipipe.risk.policy.diff import Bundles

MARKDOWN_FILE = "policy-diff.md"
# Found again on a rerun of the same pull request's stage and edited in place.
COMMENT_MARKER = "<!-- cipipe:policy-diff -->"
FAIL_IF_HELP = (
    "Exit 1 (files still written) when METRIC OP NUMBER holds, e.g. fpr>0.10 or "
    "recall_drop>0.05; METRIC[SERVICE] for one service, e.g. fpr[orders]>0.2; repeatable. "
    "OP: > >= < <= == !=. METRIC: fpr, tpr, precision (NEW's), recall_at_5, recall_at_10, "
    "recall_at_20, recall_at_50 (recall with that % gated), fpr_increase (NEW - OLD), "
    "recall_drop (OLD TPR - NEW TPR), changed_decisions, changed_fraction"
)  # written out rather than built from diff_gate.METRICS: that import pulls in numpy


@click.command("diff")
@click.argument("old")
@click.argument("new")
@history_options
@policy_fetch_options
@top_moves_option
@click.option("--fail-if", "fail_if", multiple=True, metavar="EXPR", help=FAIL_IF_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print policy-diff.json")
@pull_request_options
@click.pass_obj
def command(
    state: CliState,
    old: str,
    new: str,
    history: Path | None,
    from_db: bool,
    db: str | None,
    label: str | None,
    time_column: str | None,
    features: str | None,
    id_column: str | None,
    label_lag: str | None,
    policy_pin: str | None,
    policy_deadline: float | None,
    top: int,
    fail_if: tuple[str, ...],
    as_json: bool,
    github_repo: str | None,
    pr: int | None,
    github_api: str | None,
) -> int:
    """Replay the policy bundles OLD and NEW (folders, or what --policy takes elsewhere) over
    the same labelled history and report what changes: the decisions whose strategy or manual
    approval moves, TPR / FPR / recall at K % gated before and after (overall, per service and
    platform), and each service against the enforcement FPR threshold. Writes policy-diff.json
    and policy-diff.md into the work folder; with GITHUB_TOKEN set and a pull request known
    (--pr, else CHANGE_ID), posts policy-diff.md as a comment on it, edited in place on a rerun.
    A held --fail-if is exit 1 after all of that."""
    from cipipe.extras import require_extra

    require_extra("model", "numpy", command="cipipe policy diff")
    from cipipe.cli.app import refused
    from cipipe.cli.commands.backtest import load_table, parse_features, parse_lag, without_lagged
    from cipipe.errors import RefusedError
    from cipipe.risk.backtest.replay import Provenance
    from cipipe.risk.policy.diff import policy_diff
    from cipipe.risk.policy.diff_gate import check_all, held_message, parse
    from cipipe.risk.policy.diff_report import markdown

    # Every expression is read before anything is loaded or written: a typo is exit 2 alone.
    expressions = [parse(text) for text in fail_if]
    lag = parse_lag(label_lag)
    bundles = load_bundles(old, new, policy_pin, policy_deadline)
    loaded = load_table(
        state, history, from_db, db, label, time_column, parse_features(features), id_column
    )
    table, crit, unlabelled, label_name, time_name = loaded
    kept, crit, dropped = without_lagged(table, crit, lag)
    provenance = Provenance(label_name, time_name, len(table), lag, dropped, unlabelled)
    result = policy_diff(kept, bundles, provenance, criticality=crit, top=top)
    result = result.model_copy(update={"fail_if": check_all(expressions, result)})
    write_and_print(state, result, as_json)
    post_comment(markdown(result), github_repo, pr, github_api)
    message = held_message(result.fail_if)
    if message is not None:
        return refused(state, RefusedError(message))
    return int(ExitCode.OK)


def load_bundles(old: str, new: str, pin: str | None, deadline: float | None) -> Bundles:
    """OLD and NEW through the one resolution path --policy takes (pins and deadline too)."""
    from cipipe.cli.inputs import policy_bundle
    from cipipe.risk.policy.diff import Bundles
    from cipipe.urls import strip_credentials

    old_bundle, old_spec = policy_bundle(old, pin=pin, deadline=deadline)
    new_bundle, new_spec = policy_bundle(new, pin=pin, deadline=deadline)
    return Bundles(old_bundle, new_bundle, strip_credentials(old_spec), strip_credentials(new_spec))


def write_and_print(state: CliState, result: PolicyDiff, as_json: bool) -> None:
    """policy-diff.json and policy-diff.md into the work folder, then the summary (or the JSON)."""
    from cipipe.risk.policy.diff_report import markdown, summary

    written = [
        state.workdir.write(result),
        state.workdir.write_text(MARKDOWN_FILE, markdown(result)),
    ]
    text = result.to_json() if as_json else summary(result, [str(p) for p in written])
    click.echo(text, nl=not as_json)


def post_comment(body: str, repo: str | None, number: int | None, api: str | None) -> None:
    """The Markdown on the pull request, through the GitHub adapter; nothing without a token.
    A token but no pull request (a branch build) is one log line, not an error."""
    import logging
    import os

    from cipipe.adapters.github.factory import github_from_env
    from cipipe.adapters.github.pr import pr_from_env

    host = github_from_env(os.environ, api)
    if host is None:
        return
    found = pr_from_env(os.environ)
    repo = repo or (found[0] if found else None)
    if number is None and found is not None and found[0] == repo:
        number = found[1]
    log = logging.getLogger("cipipe.policy")
    if repo is None or number is None:
        log.warning(
            "GITHUB_TOKEN is set but no pull request is known (--github-repo, --pr): "
            "policy-diff.md not posted"
        )
        return
    posted = host.upsert_comment(repo, number, COMMENT_MARKER, body)
    log.info("%s %s", "posted" if posted.created else "updated", posted.url)

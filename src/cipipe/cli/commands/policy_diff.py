"""cipipe policy diff: what a policy change would have changed over labelled history (issue 19)."""

from __future__ import annotations

from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.commands.backtest import history_options
from cipipe.cli.options import policy_fetch_options
from cipipe.errors import ExitCode

MARKDOWN_FILE = "policy-diff.md"
FAIL_IF_HELP = (
    "Exit 1 (files still written) when METRIC OP NUMBER holds, e.g. fpr>0.10 or "
    "recall_drop>0.05; METRIC[SERVICE] for one service, e.g. fpr[orders]>0.2; repeatable. "
    "OP: > >= < <= == !=. METRIC: "
)


@click.command("diff")
@click.argument("old")
@click.argument("new")
@history_options
@policy_fetch_options
@click.option(
    "--top",
    type=click.IntRange(0, 1000),
    default=20,
    show_default=True,
    help="How many of the largest moves to list",
)
@click.option("--fail-if", "fail_if", multiple=True, metavar="EXPR", help=FAIL_IF_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print policy-diff.json")
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
) -> int:
    """Replay the policy bundles OLD and NEW (folders, or what --policy takes elsewhere) over
    the same labelled history and report what changes: the decisions whose strategy or manual
    approval moves, TPR / FPR / recall at K % gated before and after (overall, per service and
    platform), and each service against the enforcement FPR threshold. Writes policy-diff.json
    and policy-diff.md (a pull-request comment) into the work folder."""
    from cipipe.extras import require_extra

    require_extra("model", "numpy", command="cipipe policy diff")
    from cipipe.cli.app import refused
    from cipipe.cli.commands.backtest import load_table, parse_features, parse_lag, without_lagged
    from cipipe.cli.inputs import policy_bundle
    from cipipe.errors import RefusedError
    from cipipe.risk.backtest.replay import Provenance
    from cipipe.risk.policy.diff import Bundles, policy_diff
    from cipipe.risk.policy.diff_gate import check_all, held_message, parse
    from cipipe.risk.policy.diff_report import markdown, summary
    from cipipe.urls import strip_credentials

    # Every expression is read before anything is loaded or written: a typo is exit 2 alone.
    expressions = [parse(text) for text in fail_if]
    lag = parse_lag(label_lag)
    old_bundle, old_spec = policy_bundle(old, pin=policy_pin, deadline=policy_deadline)
    new_bundle, new_spec = policy_bundle(new, pin=policy_pin, deadline=policy_deadline)
    bundles = Bundles(
        old_bundle, new_bundle, strip_credentials(old_spec), strip_credentials(new_spec)
    )
    loaded = load_table(
        state, history, from_db, db, label, time_column, parse_features(features), id_column
    )
    table, crit, unlabelled, label_name, time_name = loaded
    kept, crit, dropped = without_lagged(table, crit, lag)
    provenance = Provenance(label_name, time_name, len(table), lag, dropped, unlabelled)
    result = policy_diff(kept, bundles, provenance, criticality=crit, top=top)
    result = result.model_copy(update={"fail_if": check_all(expressions, result)})
    written = [
        state.workdir.write(result),
        state.workdir.write_text(MARKDOWN_FILE, markdown(result)),
    ]
    text = result.to_json() if as_json else summary(result, [str(p) for p in written])
    click.echo(text, nl=not as_json)
    message = held_message(result.fail_if)
    if message is not None:
        return refused(state, RefusedError(message))
    return int(ExitCode.OK)

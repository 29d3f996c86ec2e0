"""cipipe explain: a risk decision on one screen."""

from __future__ import annotations

from pathlib import Path

import click

from cipipe.errors import ExitCode


@click.command("explain")
@click.argument(
    "decision_file",
    default="risk-decision.json",
    type=click.Path(path_type=Path, dir_okay=False),
)
@click.pass_obj
def command(state: object, decision_file: Path) -> int:
    """Explain DECISION_FILE (default: the work folder's risk-decision.json): a bar per
    contributor, the bucket edges, the overrides and why approval is or is not needed."""
    from cipipe.cli.app import CliState
    from cipipe.contracts.loading import read_contract
    from cipipe.contracts.risk_decision import RiskDecision
    from cipipe.steps.decide_strategy.explain import explain

    path = decision_file
    if not path.exists() and isinstance(state, CliState) and path.parent == Path():
        path = state.workdir.file(path.name)
    click.echo(explain(read_contract(RiskDecision, path)), nl=False)
    return int(ExitCode.OK)

"""What the decide-strategy tests that need a published candidate share: publishing one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cipipe.contracts.loading import read_contract
from cipipe.contracts.publish import PublishReport
from tests.conftest import CliResult
from tests.risk.riskinputs import make_risk_inputs
from tests.steps.publish.conftest import make_workdir

Cli = Callable[..., CliResult]

TOKEN = "decide-token-0123456789"

DECISION_PATH = "svc/7/risk-decision.json"


def published(cli: Cli, work: Path, *store_args: str) -> PublishReport:
    """A work folder as build-info and publish leave it, with risk-inputs.json for svc/7."""
    workdir = make_workdir(work)
    workdir.write(make_risk_inputs())  # same service, build and commit as make_workdir's
    result = cli("--workdir", work, "publish", *store_args)
    assert result.exit_code == 0, result.stderr
    return read_contract(PublishReport, work / PublishReport.FILE_NAME)

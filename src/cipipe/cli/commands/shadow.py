"""cipipe shadow: how shadow-mode risk decisions fared against release outcomes (read only)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import POLICY_HELP, identifier, policy_fetch_options
from cipipe.errors import ExitCode, InputError

if TYPE_CHECKING:
    from cipipe.risk.shadow.report import Reason, ShadowReport, Tally

DB_HELP = "History store: a SQLite path or a URL  [env: CIPIPE_DB]"

command = click.Group(
    "shadow", help="Judge shadow-mode risk decisions against what happened to the releases."
)


def parse_since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"got {text!r}", field="--since", expected="an ISO 8601 date or time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@command.command("report")
@click.option("--policy", help=POLICY_HELP + "; its enforcement thresholds are used")
@policy_fetch_options
@click.option(
    "--service", callback=identifier("name"), help="Only this service  [default: every service]"
)
@click.option("--since", help="Only decisions made at or after this date (ISO 8601, UTC)")
@click.option("--include-enforced", is_flag=True, help="Count enforce-mode decisions too")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
@click.pass_obj
def report_command(
    state: CliState,
    policy: str | None,
    policy_pin: str | None,
    policy_deadline: float | None,
    service: str | None,
    since: str | None,
    include_enforced: bool,
    db: str | None,
    as_json: bool,
) -> int:
    """Confusion counts, FPR and recall of the decisions per service and ISO week, and whether
    each service may switch from shadow to enforce. Changes nothing."""
    from cipipe.cli.inputs import history_store, policy_bundle
    from cipipe.risk.shadow.from_store import shadow_report
    from cipipe.risk.shadow.report import EnforcementRules

    start = parse_since(since)
    bundle, _ = policy_bundle(policy, pin=policy_pin, deadline=policy_deadline)
    store = history_store(state, db)
    try:
        report = shadow_report(
            store,
            EnforcementRules.from_policy(bundle),
            services=(service,),
            include_enforced=include_enforced,
            since=start,
            policy_version=bundle.version_id,
            policy_source=bundle.origin,
        )
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        click.echo(render(report))
    return int(ExitCode.OK)


HEADER = ("", "known", "pending", "TP", "FP", "TN", "FN", "hotfix", "FPR", "TPR")


def _row(name: str, t: Tally) -> list[str]:
    counts = (t.known, t.pending, t.tp, t.fp, t.tn, t.fn, t.hotfix)
    return [name, *map(str, counts), _pct(t.fpr), _pct(t.tpr)]


def render(report: ShadowReport) -> str:
    """The report as plain-text tables: services, then every service's decisions by week."""
    services = [
        [*_row(s.service, s.grouped.tally), _pct(s.threshold), _verdict(s.reasons)]
        for s in report.services
    ]
    weeks = [_row(week, t) for week, t in sorted(report.overall.weeks.items())]
    weeks.append(_row("overall", report.overall.tally))
    modes = "shadow and enforce" if report.include_enforced else "shadow"
    source = f" ({report.policy_source})" if report.policy_source else ""
    lines = [f"{modes} decisions, latest per build; policy {report.policy_version}{source}", ""]
    if report.synthetic:
        from cipipe.risk.shadow.report import SYNTHETIC_BANNER

        lines[:0] = [SYNTHETIC_BANNER, ""]
    lines += _table([*HEADER, "max FPR", "ready"], services, first="service")
    lines += ["", *_table(list(HEADER), weeks, first="week")]
    return "\n".join(lines)


def _verdict(reasons: tuple[Reason, ...]) -> str:
    return "yes" if not reasons else "no: " + "; ".join(r.detail for r in reasons)


def _table(header: list[str], rows: list[list[str]], *, first: str) -> list[str]:
    header = [first, *header[1:]]
    if not rows:
        return [f"no {first}s"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [
            c.ljust(w) if header[i] in (first, "ready") else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"

"""cipipe shadow: how shadow-mode risk decisions fared against release outcomes (read only)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import POLICY_HELP
from cipipe.errors import ExitCode, InputError

if TYPE_CHECKING:
    from cipipe.adapters.history.interface import HistoryStore
    from cipipe.risk.shadow import Reason, ShadowReport, Tally

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
@click.option("--service", help="Only this service  [default: every service]")
@click.option("--since", help="Only decisions made at or after this date (ISO 8601, UTC)")
@click.option("--include-enforced", is_flag=True, help="Count enforce-mode decisions too")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
@click.pass_obj
def report_command(
    state: CliState,
    policy: str | None,
    service: str | None,
    since: str | None,
    include_enforced: bool,
    db: str | None,
    as_json: bool,
) -> int:
    """Confusion counts, FPR and recall of the decisions per service and ISO week, and whether
    each service may switch from shadow to enforce. Changes nothing."""
    from cipipe.adapters.history.audit import all_decisions
    from cipipe.cli.inputs import history_store, policy_bundle
    from cipipe.risk.shadow import EnforcementRules, build_report, decision_from_log

    start = parse_since(since)
    bundle, _ = policy_bundle(policy)
    enforcement = bundle.thresholds.enforcement
    rules = EnforcementRules(
        max_false_positive_rate=enforcement.max_false_positive_rate,
        min_shadow_releases=enforcement.min_shadow_releases,
        service_rates={
            name: o.max_false_positive_rate
            for name, o in bundle.thresholds.services.items()
            if o.max_false_positive_rate is not None
        },
        enforce_services=frozenset(enforcement.enforce_services),
    )
    store = history_store(state, db)
    try:
        stored = all_decisions(
            store, service, mode=None if include_enforced else "shadow", since=start
        )
        decisions = [
            decision_from_log(
                service=s.decision.service,
                build_id=s.decision.build_id,
                decided_at=s.decision.decided_at,
                mode=s.decision.mode,
                strategy=s.decision.strategy,
                document=s.decision.document,
                seq=s.id,
            )
            for s in stored
        ]
        outcomes = outcome_results(store, {(d.service, d.build_id) for d in decisions}, service)
    finally:
        store.close()
    report = build_report(
        decisions,
        outcomes,
        rules,
        include_enforced=include_enforced,
        service=service,
        since=start,
        policy_version=bundle.version_id,
    )
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        click.echo(render(report))
    return int(ExitCode.OK)


def outcome_results(
    store: HistoryStore, keys: Iterable[tuple[str, str]], service: str | None
) -> dict[tuple[str, str], list[str]]:
    """The outcome results of each (service, build_id) in ``keys``, oldest first: one query on
    a SQL store, one call per build on any other."""
    from sqlalchemy import select

    from cipipe.adapters.history.connection import database_errors
    from cipipe.adapters.history.schema import builds, outcomes
    from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore

    wanted = set(keys)
    if not isinstance(store, SqlAlchemyHistoryStore):
        return {k: [o.result for o in store.outcomes(*k)] for k in sorted(wanted)}
    query = (
        select(builds.c.service, builds.c.build_id, outcomes.c.result)
        .join(builds, outcomes.c.build_pk == builds.c.id)
        .order_by(outcomes.c.at, outcomes.c.id)
    )
    if service is not None:
        query = query.where(builds.c.service == service)
    found: dict[tuple[str, str], list[str]] = {}
    with database_errors(store.database_url, "list outcomes"), store.engine.begin() as conn:
        for row in conn.execute(query):
            key = (str(row.service), str(row.build_id))
            if key in wanted:
                found.setdefault(key, []).append(str(row.result))
    return found


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
    lines = [f"{modes} decisions, latest per build; policy {report.policy_version}", ""]
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

"""A realistic history store for the dashboard tests: a few hundred builds of three services,
risk decisions made by the real ``decide`` with the shipped policy, and outcomes.

Everything is derived from a seeded ``random.Random``, so two fills give the same store.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cipipe.adapters.history.audit import append_decision
from cipipe.adapters.history.audit_records import DecisionRecord
from cipipe.adapters.history.interface import BuildRecord, BuildResult, OutcomeResult
from cipipe.adapters.history.sqlalchemy_store import SqlAlchemyHistoryStore, open_store
from cipipe.contracts.decision_context import DecisionContext
from cipipe.contracts.risk_decision import Mode
from cipipe.risk.decide import Decided, decide
from cipipe.risk.policy.bundle import load_policy_bundle
from tests.conftest import REPO_ROOT
from tests.risk.decide_rules import QUIET
from tests.risk.riskinputs import make_risk_inputs

BUNDLE = load_policy_bundle(REPO_ROOT / "policies")
SERVICES = ("api", "web", "worker")
BUILDS_PER_SERVICE = 100
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
NOW = START + timedelta(hours=6 * BUILDS_PER_SERVICE + 24)
MALICIOUS_BRANCH = "<script>alert(1)</script>"
# Today's contracts refuse such a build id (cipipe.identifiers), so decisions are made for a
# stand-in and recorded under it: a row an older cipipe or another writer left in the store,
# which the dashboard must still escape and keep inside its folder.
MALICIOUS_BUILD = '../../evil"<b>'
STAND_IN_BUILD = "evil-stand-in"
MODULES = ("src/net", "src/db", "src/ui", "firmware/boot", "lib/util")
PLATFORMS = (("linux",), ("linux", "arm"), ("linux", "arm", "windows"))
RESULTS: tuple[BuildResult, ...] = ("success",) * 7 + ("unstable", "failure", "aborted")


@dataclass
class Filled:
    """What was put into the store, for the tests to look for on the pages."""

    path: Path
    builds: int = 0
    decisions: int = 0
    outcomes: int = 0
    scores: dict[tuple[str, str], int] = field(default_factory=dict)
    strategies: dict[tuple[str, str], str] = field(default_factory=dict)


def decision_for(
    service: str, build_id: str, rng: random.Random, targets: tuple[str, ...], at: datetime
) -> Decided:
    inputs = make_risk_inputs(
        service=service,
        build_id=build_id,
        commit=hashlib.sha1(f"{service}{build_id}".encode()).hexdigest(),
        targets=list(targets),
        lines_added=rng.choice((10, 200, 800, 1500, 3000)),
        lines_deleted=rng.choice((0, 50, 400)),
        files_changed=rng.choice((1, 5, 20)),
        unit_tests_failed=rng.choice((0, 0, 0, 1, 3)),
        coverage_delta=rng.choice((-2.0, 0.0, 4.0, 8.0)),
        dependencies_updated=rng.choice((0, 1)),
        module_failure_rate=rng.choice((0.0, 0.1, 0.4)),
    )
    mode: Mode | None = "enforce" if rng.random() < 0.1 else None
    return decide(
        inputs,
        "sha256:" + hashlib.sha256(build_id.encode()).hexdigest(),
        DecisionContext.model_validate(QUIET),
        BUNDLE,
        policy_source="policies",
        changed_paths=["src/main.cpp"],
        mode_flag=mode,
        now=at,
        decided_by="ci@test",
    )


def record(store: SqlAlchemyHistoryStore, decided: Decided, build_id: str) -> None:
    d = decided.decision
    documents = {
        "decision": json.loads(d.to_json()),
        "inputs": json.loads(decided.inputs.to_json()),
    }
    for document in documents.values():
        document["build_id"] = build_id
    append_decision(
        store,
        DecisionRecord(
            service=d.service,
            build_id=build_id,
            decided_at=datetime.fromisoformat(d.decided_at.replace("Z", "+00:00")),
            decided_by=d.decided_by,
            mode=d.mode,
            policy_version=d.policy_version,
            model_version=d.model_version,
            risk_score=float(d.risk_score),
            strategy=d.recommended_strategy,
            document=documents,
        ),
    )


def fill(path: Path, *, seed: int = 7) -> Filled:
    rng = random.Random(seed)
    filled = Filled(path)
    with open_store(str(path), default_path=path) as store:
        for s_index, service in enumerate(SERVICES):
            for n in range(BUILDS_PER_SERVICE):
                build_id = str(1000 + n)
                if service == "web" and n == BUILDS_PER_SERVICE - 1:
                    build_id = MALICIOUS_BUILD
                at = START + timedelta(hours=6 * n, minutes=7 * s_index)
                targets = rng.choice(PLATFORMS)
                result = rng.choice(RESULTS)
                branch = MALICIOUS_BRANCH if n % 25 == 3 else rng.choice(("main", "release/2.4"))
                store.record_build(
                    BuildRecord(
                        service=service,
                        build_id=build_id,
                        started_at=at,
                        result=result,
                        source="cipipe",
                        commit=hashlib.sha1(f"{service}{build_id}".encode()).hexdigest(),
                        branch=branch,
                        author=f"dev{n % 4}@example.test",
                        modules=tuple(rng.sample(MODULES, 2)),
                        risk_inputs={"targets": list(targets), "service": service},
                    )
                )
                filled.builds += 1
                if n % 10 == 9 and build_id != MALICIOUS_BUILD:
                    continue  # some builds were never decided
                decided_as = STAND_IN_BUILD if build_id == MALICIOUS_BUILD else build_id
                decided = decision_for(
                    service, decided_as, rng, targets, at + timedelta(minutes=20)
                )
                record(store, decided, build_id)
                filled.decisions += 1
                filled.scores[(service, build_id)] = decided.decision.risk_score
                filled.strategies[(service, build_id)] = decided.decision.recommended_strategy
                if n < BUILDS_PER_SERVICE - 15:  # the newest ones have no outcome yet
                    outcome: OutcomeResult = rng.choice(("ok", "ok", "ok", "rollback", "hotfix"))
                    store.record_outcome(
                        service, build_id, outcome, at + timedelta(hours=3), note="<i>note</i>"
                    )
                    filled.outcomes += 1
    return filled

"""The synthetic history's data rules: the same on every run, and shaped like a real history
(a plausible failure rate, every service and platform, failures following the JIT drivers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from cipipe.steps.history_seed.rules import (
    DECISION_DELAY,
    HISTORY_DAYS,
    OK_AFTER,
    PLATFORMS,
    SERVICES,
    Change,
    Draws,
    draw_history,
    outcomes,
)

END = datetime(2026, 12, 1, tzinfo=UTC)
SEEDS = (19, 1, 2, 3, 4)


def test_the_same_seed_draws_the_same_history_and_another_seed_another() -> None:
    assert draw_history(19, 200, END) == draw_history(19, 200, END)
    assert draw_history(19, 200, END) != draw_history(20, 200, END)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_failure_rate_is_plausible_and_every_service_and_platform_is_there(seed: int) -> None:
    changes = draw_history(seed, 300, END)
    rate = sum(c.failed for c in changes) / len(changes)
    assert 0.07 <= rate <= 0.25
    assert {c.service.name for c in changes} == {s.name for s in SERVICES}
    assert {p for c in changes for p in c.service.platforms} == set(PLATFORMS)
    times = [c.started_at for c in changes]
    assert times == sorted(times)
    assert (times[-1] - times[0]).days > HISTORY_DAYS * 0.8
    assert all(t <= END for t in times)
    ids = [(c.service.name, c.build_id) for c in changes]
    assert len(set(ids)) == len(ids)


def _rate(changes: list[Change], keep: Callable[[Change], bool]) -> float:
    chosen = [c for c in changes if keep(c)]
    return sum(c.failed for c in chosen) / len(chosen)


def test_failures_follow_the_jit_drivers_without_being_a_rule() -> None:
    changes = [c for seed in SEEDS for c in draw_history(seed, 300, END)]
    size = sorted(c.lines_added + c.lines_deleted for c in changes)
    small, big = size[len(size) // 4], size[3 * len(size) // 4]
    assert _rate(changes, lambda c: c.lines_added + c.lines_deleted >= big) > 2 * _rate(
        changes, lambda c: c.lines_added + c.lines_deleted <= small
    )
    assert _rate(changes, lambda c: c.files >= 5) > _rate(changes, lambda c: c.files == 1)
    assert _rate(changes, lambda c: c.fix) > _rate(changes, lambda c: not c.fix)
    assert _rate(changes, lambda c: c.experience < 30) > _rate(
        changes, lambda c: c.experience >= 200
    )
    # Not a deterministic rule: some small changes fail, some big ones go well.
    assert any(c.failed for c in changes if c.lines_added + c.lines_deleted <= small)
    assert not all(c.failed for c in changes if c.lines_added + c.lines_deleted >= big)


def test_authors_gain_experience_as_they_commit() -> None:
    changes = draw_history(19, 300, END)
    for author in {c.author for c in changes}:
        seen = [c.experience for c in changes if c.author == author]
        assert seen == list(range(seen[0], seen[0] + len(seen)))


def test_outcomes_come_after_the_build_and_only_up_to_now() -> None:
    draws = Draws(5)
    changes = draw_history(19, 300, END)
    found = {c: outcomes(draws, c, END) for c in changes}
    for change, results in found.items():
        assert all(change.started_at < at <= END for _, at, _ in results)
        kinds = [r for r, _, _ in results]
        if change.failed and kinds:
            assert kinds in (["rollback"], ["slo-breach"])
        elif kinds:
            assert kinds in (["ok"], ["ok", "hotfix"])
    every = [r for results in found.values() for r, _, _ in results]
    assert {"rollback", "slo-breach", "hotfix", "ok"} <= set(every)
    pending = [c for c, results in found.items() if not results]
    assert pending and all(END - c.started_at < DECISION_DELAY + OK_AFTER for c in pending)

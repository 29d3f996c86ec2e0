"""Exit 1 one way: every command returns it. A step's refusal (RefusedError, the store's
IncompleteCandidate, bundle's MemberUnresolved) is returned by the command as exit 1 with its
one line on stderr, like the commands that decide "no" themselves, instead of escaping."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import click
import pytest

from cipipe.cli.app import CliState
from cipipe.cli.commands import bundle, checklist, decide_strategy, publish
from cipipe.errors import ExitCode, RefusedError
from cipipe.steps.bundle import MemberUnresolved
from cipipe.steps.publish.completion import IncompleteCandidate

CASES = [
    (publish, RefusedError("svc build 7 was rejected by the gate"), {}),
    (decide_strategy, RefusedError("rejected by the gate: no rollout"), {}),
    (checklist, IncompleteCandidate("no completion marker for svc build 7"), {}),
    (bundle, MemberUnresolved("no candidate of svc matches"), {"spec_path": Path("b.yaml")}),
]


@pytest.mark.parametrize(("module", "refusal", "given"), CASES, ids=lambda c: str(c)[:40])
def test_a_step_refusal_is_returned_as_exit_1(
    module: ModuleType,
    refusal: RefusedError,
    given: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise refusal

    monkeypatch.setattr(module, "execute", refuse)
    command = module.command
    assert isinstance(command, click.Command)
    with click.Context(command, obj=CliState()) as ctx:
        returned = ctx.invoke(command, **given)
    assert returned == ExitCode.REJECTED
    assert capsys.readouterr().err == f"cipipe: error: {refusal}\n"


def test_store_and_bundle_refusals_are_refused_errors() -> None:
    assert issubclass(IncompleteCandidate, RefusedError)
    assert issubclass(MemberUnresolved, RefusedError)
    assert IncompleteCandidate("x").exit_code == MemberUnresolved("x").exit_code == 1

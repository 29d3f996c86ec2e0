"""module_failure_rate in risk-inputs.json: the changed module that failed most often, with the
number of builds its rate was measured over (not another module's count)."""

from __future__ import annotations

from typing import Any

from cipipe.contracts.build_info import BuildInfo, ModuleHistory
from cipipe.steps.build_info.assemble import _worst_module


def history(module: str, failed: int, total: int) -> ModuleHistory:
    rate = failed / total if total else None
    return ModuleHistory(
        module=module, failed=failed, total=total, failure_rate=rate, window_days=180
    )


def with_modules(*modules: ModuleHistory) -> BuildInfo:
    """A build-info holding only its module histories: all that the choice reads."""
    fields: dict[str, Any] = {"modules": list(modules)}
    return BuildInfo.model_construct(**fields)


def test_the_worst_module_gives_its_rate_and_its_own_build_count() -> None:
    info = with_modules(history("net", 1, 4), history("storage", 3, 5), history("new", 0, 0))
    rate, builds = _worst_module(info)
    assert (rate.value, rate.status, rate.source) == (0.6, "measured", "history: storage")
    assert (builds.value, builds.status, builds.source) == (5, "measured", "history: storage")


def test_no_module_with_history_is_missing_not_zero() -> None:
    rate, builds = _worst_module(with_modules(history("new", 0, 0)))
    assert rate.value is None and rate.status == "missing"
    assert builds.value is None and builds.status == "missing"

"""How a platform's test programs run here: natively, under qemu-user or wine, or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cipipe.adapters.process import find_program
from cipipe.contracts.matrix import TestPlan

RunnerName = Literal["native", "qemu", "wine", "emulator", "none"]
# Debian packages that provide the usual emulators, for the "not run" reason.
EMULATOR_PACKAGES = {"qemu": "qemu-user", "wine": "wine"}


@dataclass(frozen=True)
class Runner:
    name: RunnerName
    prefix: list[str]
    unavailable: str | None = None  # why tests cannot run here (never counted as passed)


def _emulator_kind(program: str) -> RunnerName:
    lowered = program.rsplit("/", 1)[-1].lower()
    if lowered.startswith("qemu"):
        return "qemu"
    if lowered.startswith("wine"):
        return "wine"
    return "emulator"


def resolve_runner(plan: TestPlan) -> Runner:
    if plan.runner == "none":
        return Runner("none", [], plan.reason or "tests disabled for this platform")
    if plan.runner == "native":
        return Runner("native", [])
    program = plan.emulator[0]
    kind = _emulator_kind(program)
    path = find_program(program)
    if path is None:
        package = EMULATOR_PACKAGES.get(kind)
        hint = f" (apt-get install {package})" if package else ""
        return Runner(kind, [], f"no runner: {program} is not installed{hint}")
    return Runner(kind, [path, *plan.emulator[1:]])

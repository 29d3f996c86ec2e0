"""How a platform's test programs run here: natively, under qemu-user or wine, or not at all."""

from __future__ import annotations

import platform as host_platform
from dataclasses import dataclass
from typing import Literal

from cipipe.adapters.process import find_program
from cipipe.contracts.matrix import PlatformPlan, TestPlan

RunnerName = Literal["native", "qemu", "wine", "emulator", "none"]
# Debian packages that provide the usual emulators, for the "not run" reason.
EMULATOR_PACKAGES = {"qemu": "qemu-user", "wine": "wine"}


@dataclass(frozen=True)
class PlatformRunner:
    name: RunnerName
    prefix: list[str]
    unavailable: str | None = None  # why tests cannot run here (never counted as passed)


def emulator_kind(program: str) -> RunnerName:
    lowered = program.rsplit("/", 1)[-1].lower()
    if lowered.startswith("qemu"):
        return "qemu"
    if lowered.startswith("wine"):
        return "wine"
    return "emulator"


def resolve_runner(plan: TestPlan) -> PlatformRunner:
    if plan.runner == "none":
        return PlatformRunner("none", [], plan.reason or "tests disabled for this platform")
    if plan.runner == "native":
        return PlatformRunner("native", [])
    program = plan.emulator[0]
    kind = emulator_kind(program)
    path = find_program(program)
    if path is None:
        package = EMULATOR_PACKAGES.get(kind)
        hint = f" (apt-get install {package})" if package else ""
        return PlatformRunner(kind, [], f"no runner: {program} is not installed{hint}")
    return PlatformRunner(kind, [path, *plan.emulator[1:]])


def _host_runs(plan: PlatformPlan) -> bool:
    return plan.os == host_platform.system().lower() and plan.arch == host_platform.machine()


def smoke_runner(plan: PlatformPlan, tests: PlatformRunner) -> PlatformRunner:
    """How the smoke test starts here. It runs even when the unit tests are ``runner: none``:
    under the platform's emulator where one is named, natively where the host is the target."""
    if tests.name != "none":
        return tests
    if plan.tests.emulator:
        return resolve_runner(plan.tests.model_copy(update={"runner": "emulator"}))
    if _host_runs(plan):
        return PlatformRunner("native", [])
    return PlatformRunner(
        "none",
        [],
        f"no emulator named for {plan.os}/{plan.arch} (tests.emulator) and this host is "
        f"{host_platform.system().lower()}/{host_platform.machine()}",
    )

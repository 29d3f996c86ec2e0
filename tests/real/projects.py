"""The real repositories' builds shared by tests/real: what each project builds, a clone with
its build matrix, ``cipipe build --platform`` and the checks that the files are for the target."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import have, requires
from tests.contracts.samples import sample_source
from tests.support.binformat import (
    archive_object_machines,
    cmake_system,
    elf_machine,
    pe_machine,
)
from tests.support.inprocess import cipipe
from tests.support.realrepos import clone, missing_reason

PLATFORMS = ("linux", "arm", "windows")
EXE = {"linux": "", "arm": "", "windows": ".exe"}
ARCH = {"linux": "x86_64", "arm": "aarch64", "windows": "x86_64"}
MISSING = missing_reason("yaml-cpp", "spdlog")
REAL_REPOS_AND_TOOLS = [
    requires(MISSING is None, MISSING or ""),
    requires(
        have(
            "cmake",
            "g++",
            "aarch64-linux-gnu-g++",
            "x86_64-w64-mingw32-g++-posix",
            "qemu-aarch64",
        ),
        "cmake, g++, the aarch64 and mingw-w64 (posix) cross compilers and qemu-user are needed "
        "(make cross-tools installs them)",
    ),
]


@dataclass(frozen=True)
class Project:
    name: str
    library: str  # built file, relative to the build folder
    program: str  # an executable linking the library, relative to the build folder, no .exe

    def config(self, extra: Mapping[str, str] | None = None) -> str:
        """A .cipipe.yaml naming the platforms and artifacts; ``extra`` adds settings (YAML
        flow-mapping entries) per platform."""
        platforms = "".join(
            f"  {p}: {{artifacts: ['{{build_dir}}/{self.library}', "
            f"'{{build_dir}}/{self.program}{EXE[p]}']{(extra or {}).get(p, '')}}}\n"
            for p in PLATFORMS
        )
        return f"service: {self.name}\nsupports: [linux, arm, windows]\nplatforms:\n{platforms}"


YAML_CPP = Project("yaml-cpp", "libyaml-cpp.a", "util/parse")
SPDLOG = Project("spdlog", "libspdlog.a", "example/example")
PROJECTS = {p.name: p for p in (YAML_CPP, SPDLOG)}


@dataclass
class Checkout:
    project: Project
    repo: Path
    work: Path


def plan(project: Project, base: Path, config: str) -> Checkout:
    """A clone with ``config`` as its .cipipe.yaml, and its build matrix."""
    repo = clone(project.name, base / project.name)
    (repo / ".cipipe.yaml").write_text(config)
    work = base / "work"
    work.mkdir()
    (work / "source.json").write_text(sample_source().to_json())
    assert cipipe("--workdir", work, "build-matrix", "--repo", repo) == 0
    return Checkout(project, repo, work)


def build(checkout: Checkout, platform: str) -> tuple[dict[str, Any], float]:
    """``cipipe build --platform``: the platform's record in artifacts.json, and the seconds."""
    start = time.monotonic()
    code = cipipe(
        "--workdir", checkout.work, "build", "--repo", checkout.repo, "--platform", platform
    )
    seconds = time.monotonic() - start
    data = json.loads((checkout.work / "artifacts.json").read_text())
    [record] = [p for p in data["platforms"] if p["platform"] == platform]
    log = (checkout.work / record["log"]).read_text() if record.get("log") else ""
    assert code == 0 and record["status"] == "built", f"{record}\n{log[-3000:]}"
    return record, seconds


def check_built_for(build_dir: Path, project: Project, platform: str) -> None:
    system = cmake_system(build_dir)
    assert system["CMAKE_CROSSCOMPILING"] == ("FALSE" if platform == "linux" else "TRUE")
    assert system["CMAKE_SYSTEM_PROCESSOR"] == ARCH[platform]
    assert system["CMAKE_SYSTEM_NAME"] == ("Windows" if platform == "windows" else "Linux")
    program = build_dir / f"{project.program}{EXE[platform]}"
    objects = archive_object_machines(build_dir / project.library)
    if platform == "windows":
        assert pe_machine(program) == "x86_64"
        assert objects == {"coff-x86_64"}
    else:
        assert elf_machine(program) == ARCH[platform]
        assert objects == {f"elf-{ARCH[platform]}"}


OUTCOMES = ("total", "passed", "failed", "skipped", "disabled")


def _outcome(case: ET.Element) -> str:
    """A test case's outcome as googletest's and ctest's XML write it (ctest: status="fail"
    or "notrun"/"disabled" and a <failure> or <skipped> child; gtest: status="notrun" for a
    DISABLED_ test, result="skipped" and a <skipped> child for GTEST_SKIP)."""
    status = case.get("status")
    if status == "disabled" or (status == "notrun" and case.get("result") == "suppressed"):
        return "disabled"
    if status == "fail" or case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    if status == "notrun" or case.get("result") == "skipped" or case.find("skipped") is not None:
        return "skipped"
    return "passed"


def case_counts(report: Path, leave_out: frozenset[str] = frozenset()) -> dict[str, int]:
    """An XML report's test cases by outcome, counted case by case (googletest's summary
    attributes leave out a failure outside any test), but the cases named in ``leave_out``."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for case in ET.parse(report).getroot().iter("testcase"):
        if case.get("name") not in leave_out:
            counts[_outcome(case)] += 1
            counts["total"] += 1
    return counts


def own_counts(work: Path, platform: str, gtest: Mapping[str, str]) -> dict[str, int]:
    """What the test run of ``platform`` counted, from the reports the tests themselves wrote
    under reports/<platform>/: each googletest program's own XML (``gtest``: ctest test name ->
    program, whose report is <program>.xml), and ctest's JUnit for its other tests (a test that
    starts a googletest program counts as that program's cases, not as one test)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    programs: list[Path] = []
    ctest: list[Path] = []
    for report in sorted((work / "reports" / platform).rglob("*.xml")):
        # googletest's root element is <testsuites>, ctest's JUnit's <testsuite>.
        is_gtest = ET.parse(report).getroot().tag == "testsuites"
        (programs if is_gtest else ctest).append(report)
    assert sorted(r.stem for r in programs) == sorted(gtest.values()), programs
    reports = [(r, frozenset[str]()) for r in programs] + [(r, frozenset(gtest)) for r in ctest]
    for report, leave_out in reports:
        for outcome, n in case_counts(report, leave_out).items():
            counts[outcome] += n
    return counts

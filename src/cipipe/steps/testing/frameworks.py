"""Which framework a test command runs, and how to ask it for a report and to rerun by name.

- ctest (the program is ``ctest``): the general path. It runs natively, never under the
  emulator: a cross toolchain file sets ``CMAKE_CROSSCOMPILING_EMULATOR``, and ctest starts each
  test binary through it (the host's ctest itself cannot run under qemu). Counts come from its
  ``--output-junit`` report (CMake >= 3.21); gtest binaries under it still write their own XML
  into a folder (``GTEST_OUTPUT=xml:<dir>/``) for the detail. Reruns: ``-R '^(name|...)$'``.
- Catch2 (a binary named by its path whose ``--help`` names "Catch v2" or "Catch2 v3"): its
  JUnit reporter (v2 ``-r junit -o FILE``, v3 ``--reporter junit::out=FILE``); reruns by test
  case name.
- googletest, any other command (as before, scripts included: they are never asked):
  ``GTEST_OUTPUT=xml:FILE``, reruns by ``--gtest_filter``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, run_program
from cipipe.readers.gtest_xml import GtestReport, parse_gtest_xml
from cipipe.readers.junit_reports import parse_catch2_junit, parse_ctest_junit
from cipipe.steps.testing.flaky import rerun_filter
from cipipe.steps.testing.runners import emulator_kind

FrameworkName = Literal["ctest", "gtest", "catch2"]
PROBE_TIMEOUT_SECONDS = 30.0
CTEST_JUNIT_SINCE = (3, 21)
_CATCH2_BANNER = re.compile(r"\bCatch2? v(\d+)\.\d+")
_CTEST_VERSION = re.compile(r"ctest version (\d+)\.(\d+)")
# Catch2 test specs: ',' separates, '[' starts a tag, '~' negates, '*' is a wildcard, '\'
# escapes, and a leading "exclude:" negates too.
_CATCH2_SPECIAL = re.compile(r"([\\,\[\]~*\"])")


@dataclass(frozen=True)
class Attempt:
    """One run of a test command: what to start, its environment additions, its report."""

    argv: list[str]
    env: dict[str, str]
    report: Path


@dataclass(frozen=True)
class Framework:
    name: FrameworkName
    version: int = 0  # Catch2's major version

    def attempt(
        self, argv: Sequence[str], prefix: Sequence[str], report: Path, names: Sequence[str] = ()
    ) -> Attempt:
        """The run of ``argv`` that writes ``report``; with ``names``, only those tests."""
        if self.name == "ctest":
            # ctest is never prefixed: the emulator starts each test binary, ctest runs here.
            selector = ["-R", ctest_regex(names)] if names else []
            # The gtest binaries ctest starts through the emulator read GTEST_OUTPUT: a folder
            # (a trailing separator) in the path form their platform reads.
            folder = path_for_program(gtest_folder(report), prefix)
            separator = "\\" if folder.startswith("Z:") else "/"
            return Attempt(
                [*argv, *selector, "--output-junit", str(report)],
                {"GTEST_OUTPUT": f"xml:{folder}{separator}"},
                report,
            )
        if self.name == "catch2":
            out = path_for_program(report, prefix)
            reporter = (
                ["-r", "junit", "-o", out]
                if self.version < 3
                else ["--reporter", f"junit::out={out}"]
            )
            # One argument, ',' between specs: Catch2 ANDs separate arguments.
            selector = [",".join(catch2_spec(n) for n in _test_cases(names))] if names else []
            return Attempt([*prefix, *argv, *selector, *reporter], {}, report)
        # GTEST_OUTPUT rather than a flag: it reaches the program unchanged through qemu and
        # wine, and leaves the configured command as the team wrote it.
        selector = [f"--gtest_filter={rerun_filter(names)}"] if names else []
        output = f"xml:{path_for_program(report, prefix)}"
        return Attempt([*prefix, *argv, *selector], {"GTEST_OUTPUT": output}, report)

    def parse(self, text: str) -> GtestReport:
        if self.name == "ctest":
            return parse_ctest_junit(text)
        if self.name == "catch2":
            return parse_catch2_junit(text)
        return parse_gtest_xml(text)


def path_for_program(path: Path, prefix: Sequence[str]) -> str:
    """``path`` as the test program must be told it. A Windows program under wine reads
    "/tmp/r.xml" as relative to its current folder (googletest's FilePath::IsAbsolutePath
    wants a drive letter on Windows), so it wrote no report; wine maps drive Z: to the Unix
    root in every prefix it creates (dosdevices/z: -> /), so Z:\\tmp\\r.xml is that file."""
    if prefix and emulator_kind(prefix[0]) == "wine":
        return "Z:" + str(path.absolute()).replace("/", "\\")
    return str(path)


def gtest_folder(report: Path) -> Path:
    """Where the gtest binaries of a ctest run write their XML, one file each."""
    return report.with_name(report.stem + "-gtest")


def is_ctest(argv: Sequence[str]) -> bool:
    return bool(argv) and Path(argv[0]).name == "ctest"


def ctest_regex(names: Sequence[str]) -> str:
    """A ``ctest -R`` regex that matches exactly the tests ``names``."""
    if not names:
        raise ValueError("no test to rerun: an empty -R would run every test")
    return "^(" + "|".join(re.escape(n) for n in dict.fromkeys(names)) + ")$"


def catch2_spec(name: str) -> str:
    """A Catch2 command-line test spec that selects the test case ``name`` only."""
    return _CATCH2_SPECIAL.sub(r"\\\1", name)


def _test_cases(names: Sequence[str]) -> list[str]:
    # Catch2's JUnit names a leaf section "Test case/section"; a rerun selects the test case.
    # A test case whose own name holds a '/' is not found again and stays failed.
    return list(dict.fromkeys(name.split("/", 1)[0] for name in names))


Probe = Callable[[Sequence[str]], str]


def ask_program(env: Mapping[str, str]) -> Probe:
    """Runs ``argv`` in an empty temporary folder (never the checkout) and returns its output."""

    def probe(argv: Sequence[str]) -> str:
        with tempfile.TemporaryDirectory(prefix="cipipe-probe-") as folder:
            try:
                result = run_program(argv, cwd=Path(folder), env=env, timeout=PROBE_TIMEOUT_SECONDS)
            except (ProgramNotFound, ProgramTimedOut):
                return ""
        return result.stdout + result.stderr

    return probe


def detect(argv: Sequence[str], prefix: Sequence[str], probe: Probe) -> Framework:
    """ctest by its name; Catch2 by what a binary's ``--help`` prints (gtest prints its own
    help and runs no test); googletest otherwise, as cipipe has always assumed."""
    if is_ctest(argv):
        return Framework("ctest")
    if not is_test_binary(argv[0]):
        return Framework("gtest")  # a script would run its tests once more, not print help
    found = _CATCH2_BANNER.search(probe([*prefix, *argv, "--help"]))
    if found:
        return Framework("catch2", int(found.group(1)))
    return Framework("gtest")


def is_test_binary(program: str) -> bool:
    """A test binary named by its path: an ELF or PE file. A bare name is a tool from PATH
    (sh, python3, env), which would run a script's tests instead of printing help."""
    if os.sep not in program:
        return False
    try:
        with Path(program).open("rb") as head:
            magic = head.read(4)
    except OSError:
        return False
    return magic == b"\x7fELF" or magic[:2] == b"MZ"


def ctest_too_old(argv: Sequence[str], probe: Probe) -> str | None:
    """Why this ctest cannot write the JUnit report cipipe reads, or None."""
    output = probe([argv[0], "--version"])
    found = _CTEST_VERSION.search(output)
    if found is None:
        return f"{argv[0]} --version printed no ctest version: cannot tell whether it writes JUnit"
    version = (int(found.group(1)), int(found.group(2)))
    if version < CTEST_JUNIT_SINCE:
        shown = ".".join(map(str, version))
        return (
            f"ctest {shown} cannot write --output-junit (CMake >= 3.21 can): install a newer "
            "CMake, or name the test binaries as the test commands"
        )
    return None

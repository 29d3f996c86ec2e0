"""How each framework's command is built: ctest never under the emulator, reports, reruns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from cipipe.steps.testing.frameworks import (
    Framework,
    Probe,
    catch2_spec,
    ctest_regex,
    ctest_too_old,
    detect,
    is_ctest,
)

QEMU = ["/usr/bin/qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]
REPORT = Path("/work/reports/arm/run0.xml")


def probe_printing(text: str) -> tuple[list[list[str]], Probe]:
    asked: list[list[str]] = []

    def probe(argv: Sequence[str]) -> str:
        asked.append(list(argv))
        return text

    return asked, probe


def test_ctest_runs_natively_and_writes_junit_and_gtest_folders() -> None:
    ctest = ["/usr/bin/ctest", "--test-dir", "/repo/build/arm", "--output-on-failure"]
    assert is_ctest(ctest) and not is_ctest(["/repo/build/arm/ctest_like"])
    attempt = Framework("ctest").attempt(ctest, QEMU, REPORT)
    assert attempt.argv == [*ctest, "--output-junit", str(REPORT)]  # no qemu in front
    assert attempt.env == {"GTEST_OUTPUT": "xml:/work/reports/arm/run0-gtest/"}
    rerun = Framework("ctest").attempt(ctest, QEMU, REPORT, ["a.b", "c+d"])
    assert rerun.argv[len(ctest) : len(ctest) + 2] == ["-R", r"^(a\.b|c\+d)$"]


def test_ctest_regex_matches_only_the_names() -> None:
    pattern = re.compile(ctest_regex(["Parser.works", "x(1)"]))
    assert pattern.search("Parser.works") and pattern.search("x(1)")
    assert not pattern.search("ParserXworks") and not pattern.search("Parser.works_too")
    with pytest.raises(ValueError, match="every test"):
        ctest_regex([])


def test_binaries_named_directly_run_under_the_emulator() -> None:
    unit = ["/repo/build/arm/unit"]
    gtest = Framework("gtest").attempt(unit, QEMU, REPORT, ["Queue.Races"])
    assert gtest.argv == [*QEMU, *unit, "--gtest_filter=Queue.Races"]
    assert gtest.env == {"GTEST_OUTPUT": f"xml:{REPORT}"}
    v2 = Framework("catch2", 2).attempt(
        unit, QEMU, REPORT, ["flaky, it is", "sections/b", "sections/c"]
    )
    assert v2.argv == [*QEMU, *unit, r"flaky\, it is,sections", "-r", "junit", "-o", str(REPORT)]
    v3 = Framework("catch2", 3).attempt(unit, [], REPORT)
    assert v3.argv == [*unit, "--reporter", f"junit::out={REPORT}"] and v3.env == {}


def test_catch2_spec_escapes_what_catch2_would_read_as_syntax() -> None:
    assert catch2_spec("a [tag], ~not *x") == r"a \[tag\]\, \~not \*x"


def test_detection_asks_the_binary_through_the_emulator(tmp_path: Path) -> None:
    unit = tmp_path / "unit"
    unit.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(57))
    asked, probe = probe_printing("\nCatch v2.13.10\nusage:\n  unit [<test name|pattern|tags> ...]")
    assert detect([str(unit)], QEMU, probe) == Framework("catch2", 2)
    assert asked == [[*QEMU, str(unit), "--help"]]
    _, probe = probe_printing("Catch2 v3.4.0\nusage:")
    assert detect([str(unit)], [], probe) == Framework("catch2", 3)
    _, probe = probe_printing("This program contains tests written using Google Test.")
    assert detect([str(unit)], [], probe) == Framework("gtest")
    exe = tmp_path / "unit.exe"
    exe.write_bytes(b"MZ\x90\x00")
    _, probe = probe_printing("Catch v2.13.10")
    assert detect([str(exe)], ["wine"], probe) == Framework("catch2", 2)


def test_ctest_and_scripts_are_never_asked(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("echo Catch v2.13.10\n")
    asked, probe = probe_printing("Catch v2.13.10")
    assert detect(["ctest", "--test-dir", "b"], QEMU, probe) == Framework("ctest")
    # A script would run its tests once more instead of printing help: read as googletest.
    assert detect(["sh", str(script)], [], probe) == Framework("gtest")
    assert detect([str(script)], [], probe) == Framework("gtest")
    assert detect([str(tmp_path / "missing")], [], probe) == Framework("gtest")
    assert asked == []


def test_an_old_ctest_is_named_with_what_to_do() -> None:
    _, probe = probe_printing("ctest version 3.18.4\n\nCMake suite maintained ...")
    reason = ctest_too_old(["ctest"], probe)
    assert reason is not None and "ctest 3.18 cannot write --output-junit" in reason
    _, probe = probe_printing("ctest version 3.25.1")
    assert ctest_too_old(["ctest"], probe) is None
    _, probe = probe_printing("")
    assert "printed no ctest version" in (ctest_too_old(["ctest"], probe) or "")


def test_a_windows_program_under_wine_is_told_the_report_as_a_windows_path() -> None:
    """googletest on Windows reads "/work/r.xml" as relative to its current folder and
    writes nothing there; wine's drive Z: is the Unix root."""
    wine = ["/usr/bin/wine"]
    unit = ["/repo/build/windows/unit.exe"]
    windows_report = r"Z:\work\reports\arm\run0.xml"
    gtest = Framework("gtest").attempt(unit, wine, REPORT)
    assert gtest.argv == [*wine, *unit]
    assert gtest.env == {"GTEST_OUTPUT": f"xml:{windows_report}"}
    assert gtest.report == REPORT  # cipipe reads it where it is
    v3 = Framework("catch2", 3).attempt(unit, wine, REPORT)
    assert v3.argv == [*wine, *unit, "--reporter", f"junit::out={windows_report}"]
    ctest = Framework("ctest").attempt(["/usr/bin/ctest"], wine, REPORT)
    assert ctest.env == {"GTEST_OUTPUT": "xml:Z:\\work\\reports\\arm\\run0-gtest\\"}
    assert ctest.argv[-1] == str(REPORT)  # ctest itself runs here
    # qemu runs Linux programs: their paths stay as they are.
    assert Framework("gtest").attempt(unit, QEMU, REPORT).env == {"GTEST_OUTPUT": f"xml:{REPORT}"}

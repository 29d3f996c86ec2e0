"""`cipipe run`'s summary line for precheck says what the gates will: attention included."""

from __future__ import annotations

from pathlib import Path

from cipipe.cli.key_figures import FIGURES
from cipipe.contracts.precheck import CheckResult, Precheck, WholeFiles
from cipipe.workdir import WorkDir


def test_the_precheck_line_names_the_checks_that_need_attention(tmp_path: Path) -> None:
    tidy = CheckResult(name="clang-tidy", status="ran", passed=False, blocking=False, required=True)
    report = Precheck(
        commit="a" * 40,
        scope="all",
        base=None,
        outcome="passed",
        blocking_failures=[],
        attention=["clang-tidy"],
        checks=[tidy],
    )
    work = WorkDir(tmp_path)
    work.write(report)
    assert (
        FIGURES["precheck"](work)
        == "passed (needs attention: clang-tidy), 0 finding(s) from 1 check(s)"
    )
    work.write(report.model_copy(update={"attention": []}))
    assert FIGURES["precheck"](work) == "passed, 0 finding(s) from 1 check(s)"


def test_the_precheck_line_gives_the_whole_files_count_of_changed_lines_formatting(
    tmp_path: Path,
) -> None:
    formatting = CheckResult(
        name="clang-format",
        status="ran",
        passed=True,
        blocking=True,
        required=True,
        lines="changed",
        whole_files=WholeFiles(findings=18, files=1),
    )
    report = Precheck(
        commit="a" * 40,
        scope="changed",
        base="b" * 40,
        outcome="passed",
        blocking_failures=[],
        checks=[formatting],
    )
    work = WorkDir(tmp_path)
    work.write(report)
    assert FIGURES["precheck"](work) == (
        "passed, 0 finding(s) from 1 check(s); "
        "clang-format on changed lines (18 in the whole files, not judged)"
    )

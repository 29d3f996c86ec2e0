"""The analysers' one scheduler: the CPU budget shared by every check, files largest first from
one queue, and a per-file time limit. Fake analysers are shell scripts that record when each
process starts and stops (in order, in one file), so the budget is counted, never timed."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.steps.precheck.schedule import Job, largest_first, run_jobs
from tests.conftest import CliResult
from tests.steps.precheck.reports import named
from tests.support.gitrepo import GitRepoBuilder
from tests.support.sarif import assert_valid_sarif

Cli = Callable[..., CliResult]
Factory = Callable[[str], GitRepoBuilder]

EMPTY_CPPCHECK_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\\n<results version="2">\\n'
    '<cppcheck version="2.10"/>\\n<errors>\\n</errors>\\n</results>\\n'
)
# Each fake tool appends "start <slots> <name>" and "stop <slots> <name>" lines to $EVENTS
# (O_APPEND: whole lines from concurrent processes), so the lines' order is the processes'.
FAKE_TIDY = """\
#!/bin/sh
if [ "$1" = "--version" ]; then echo "LLVM version 14.0.6"; exit 0; fi
for arg in "$@"; do case "$arg" in *.cpp) file="$arg";; esac; done
echo "start 1 $file" >> "{events}"
case "$file" in *slow*) exec sleep 30;; esac
sleep {pause}
echo "$file:1:1: warning: seen by the fake [fake-check]"
echo "stop 1 $file" >> "{events}"
"""
FAKE_CPPCHECK = """\
#!/bin/sh
if [ "$1" = "--version" ]; then echo "Cppcheck 2.10"; exit 0; fi
jobs=1
for arg in "$@"; do case "$arg" in -j*) jobs="${{arg#-j}}";; esac; done
echo "start $jobs cppcheck" >> "{events}"
echo "args $*" >> "{events}"
sleep {pause}
printf '{xml}' >&2
echo "stop $jobs cppcheck" >> "{events}"
"""


def script(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def fake_tools(folder: Path, events: Path, pause: float = 1) -> tuple[Path, Path]:
    tidy = script(folder, "fake-tidy", FAKE_TIDY.format(events=events, pause=pause))
    cppcheck = script(
        folder,
        "fake-cppcheck",
        FAKE_CPPCHECK.format(events=events, pause=pause, xml=EMPTY_CPPCHECK_XML),
    )
    return tidy, cppcheck


def events(path: Path) -> list[tuple[str, int, str]]:
    rows = []
    for line in path.read_text().splitlines():
        kind, _, rest = line.partition(" ")
        if kind in {"start", "stop"}:
            slots, _, name = rest.partition(" ")
            rows.append((kind, int(slots), name))
    return rows


def most_busy(rows: list[tuple[str, int, str]]) -> int:
    """The most slots busy at once, from the start and stop lines in their order."""
    busy = peak = 0
    for kind, slots, _ in rows:
        busy += slots if kind == "start" else -slots
        peak = max(peak, busy)
    return peak


def config(tidy: Path, cppcheck: Path | None, extra: str = "") -> str:
    checks = f"  cppcheck: {{executable: {cppcheck}}}\n" if cppcheck else ""
    checks = checks or "  cppcheck: {enabled: false}\n"
    return (
        "service: demo\nsupports: [linux]\nprecheck:\n  clang-format: {enabled: false}\n"
        f"{checks}  clang-tidy: {{executable: {tidy}{extra}}}\n"
    )


def sources(count: int) -> dict[str, str]:
    # Sizes grow with the index: src/f5.cpp is the largest.
    return {f"src/f{i}.cpp": f"int f{i}() {{ return {i}; }}\n" + "//\n" * i for i in range(count)}


def precheck(cli: Cli, repo: Path, work: Path) -> CliResult:
    return cli("--workdir", work, "precheck", "--repo", repo)


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Set the CPUs precheck may use (what usable_cpus() would say under taskset)."""

    def set_budget(cpus: int) -> None:
        monkeypatch.setattr("cipipe.steps.precheck.usable_cpus", lambda: cpus)

    return set_budget


@pytest.mark.parametrize("cpus", [1, 2])
def test_the_checks_share_the_budget_never_more_processes_than_cpus(
    cli: Cli, make_repo: Factory, tmp_path: Path, budget: Callable[[int], None], cpus: int
) -> None:
    budget(cpus)
    log = tmp_path / "events"
    tidy, cppcheck = fake_tools(tmp_path / "bin", log)
    repo = make_repo("r")
    repo.commit("code", {".cipipe.yaml": config(tidy, cppcheck), **sources(5)})
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    rows = events(log)
    assert len([r for r in rows if r[0] == "start"]) == 6  # five files, one cppcheck run
    assert most_busy(rows) == cpus
    # cppcheck's own threads are its share of the budget.
    assert ("start", cpus, "cppcheck") in rows
    assert f"-j{cpus}" in log.read_text().split()
    assert "--max-configs=1" in log.read_text().split()  # the documented default
    # With two CPUs, clang-tidy's files ran two at a time once cppcheck had ended.
    tidy_rows = [r for r in rows if r[2] != "cppcheck"]
    assert most_busy(tidy_rows) == cpus
    assert named(work, "clang-tidy")["files_checked"] == 5


def test_cppcheck_gets_max_configs_and_its_build_folder_in_the_cache(
    cli: Cli, make_repo: Factory, tmp_path: Path, budget: Callable[[int], None]
) -> None:
    budget(2)
    log = tmp_path / "events"
    tidy, cppcheck = fake_tools(tmp_path / "bin", log, pause=0)
    repo = make_repo("r")
    text = config(tidy, cppcheck).replace(f"{cppcheck}}}", f"{cppcheck}, max_configs: 3}}")
    repo.commit("code", {".cipipe.yaml": text, **sources(1)})
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    [args] = [line.split()[1:] for line in log.read_text().splitlines() if line.startswith("args")]
    # One source file: one of the two CPUs is cppcheck's, the other stays clang-tidy's.
    assert "-j1" in args and "--max-configs=3" in args
    [build_dir] = [a.split("=", 1)[1] for a in args if a.startswith("--cppcheck-build-dir=")]
    assert Path(build_dir).parent == (work / "cache" / "cppcheck").resolve()
    assert Path(build_dir).is_dir()


def test_files_are_taken_largest_first_from_one_queue(
    cli: Cli, make_repo: Factory, tmp_path: Path, budget: Callable[[int], None]
) -> None:
    budget(1)
    log = tmp_path / "events"
    tidy, _ = fake_tools(tmp_path / "bin", log, pause=0)
    repo = make_repo("r")
    repo.commit("code", {".cipipe.yaml": config(tidy, None), **sources(5)})
    assert precheck(cli, repo.root, tmp_path / "w").exit_code == 0
    started = [name for kind, _, name in events(log) if kind == "start"]
    assert started == [f"src/f{i}.cpp" for i in (4, 3, 2, 1, 0)]


def test_a_file_past_its_time_limit_is_named_and_the_others_still_analysed(
    cli: Cli, make_repo: Factory, tmp_path: Path, budget: Callable[[int], None]
) -> None:
    budget(1)
    log = tmp_path / "events"
    tidy, _ = fake_tools(tmp_path / "bin", log, pause=0)
    repo = make_repo("r")
    # The slow file is the largest: it is started first and the others wait for its slot.
    files = {**sources(3), "src/slow.cpp": "int slow();\n" + "//\n" * 50}
    repo.commit("code", {".cipipe.yaml": config(tidy, None, ", file_timeout_seconds: 1"), **files})
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0  # clang-tidy does not block
    check = named(work, "clang-tidy")
    assert check["status"] == "incomplete" and not check["passed"]
    assert check["timed_out_files"] == ["src/slow.cpp"]
    assert check["timed_out_after"] == 1
    assert sorted(f["file"] for f in check["findings"]) == [f"src/f{i}.cpp" for i in range(3)]
    assert check["reason"].startswith("1 file(s) timed out after 1 s each")
    assert "src/slow.cpp" in check["reason"]
    sarif = json.loads((work / "precheck.sarif").read_text())
    assert_valid_sarif(sarif)
    run = next(r for r in sarif["runs"] if r["tool"]["driver"]["name"].endswith("fake-tidy"))
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert "src/slow.cpp timed out after 1 s" in note["message"]["text"]
    location = note["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "src/slow.cpp"
    # The slow file did not hold up the rest: every other file ran after it was stopped.
    assert [n for k, _, n in events(log) if k == "stop"] == [f"src/f{i}.cpp" for i in (2, 1, 0)]


def test_a_check_past_its_own_limit_starts_no_more_files(
    cli: Cli, make_repo: Factory, tmp_path: Path, budget: Callable[[int], None]
) -> None:
    budget(1)
    log = tmp_path / "events"
    tidy, _ = fake_tools(tmp_path / "bin", log, pause=0)
    repo = make_repo("r")
    files = {**sources(3), "src/slow.cpp": "int slow();\n" + "//\n" * 50}
    limits = ", file_timeout_seconds: 60, timeout_seconds: 1"
    repo.commit("code", {".cipipe.yaml": config(tidy, None, limits), **files})
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    check = named(work, "clang-tidy")
    assert check["status"] == "incomplete" and check["timed_out_after"] == 1
    assert check["timed_out_files"] == []
    assert [n for k, _, n in events(log) if k == "start"] == ["src/slow.cpp"]


def test_run_jobs_keeps_the_budget_and_the_order_of_results() -> None:
    lock = threading.Lock()
    busy = {"now": 0, "peak": 0}
    release = threading.Barrier(2, timeout=30)

    def work(slots: int, value: int) -> Callable[[], int]:
        def run() -> int:
            with lock:
                busy["now"] += slots
                busy["peak"] = max(busy["peak"], busy["now"])
            if slots == 1:
                # Two one-slot jobs are meant to run together: each waits for the other.
                release.wait()
            with lock:
                busy["now"] -= slots
            return value

        return run

    jobs = [Job(work(1, 1), size=1), Job(work(3, 2), size=9, slots=3), Job(work(1, 3), size=2)]
    assert run_jobs(jobs, budget=3) == [1, 2, 3]
    assert busy["peak"] == 3


def test_a_job_asking_more_than_the_budget_gets_the_whole_budget() -> None:
    assert run_jobs([Job(lambda: "done", slots=8)], budget=2) == ["done"]


def test_largest_first_keeps_the_given_order_among_equals() -> None:
    jobs = [Job(lambda: 0, size=s) for s in (5, 9, 5, 1, 9)]
    assert largest_first(jobs) == [1, 4, 0, 2, 3]


def test_a_failing_job_is_raised_after_the_others_ran() -> None:
    ended: list[int] = []

    def fail() -> int:
        raise RuntimeError("boom")

    def fine() -> int:
        ended.append(1)
        return 1

    with pytest.raises(RuntimeError, match="boom"):
        run_jobs([Job(fail, size=9), Job(fine), Job(fine)], budget=1)
    assert ended == [1, 1]


HEADER_TIDY = """\
#!/bin/sh
if [ "$1" = "--version" ]; then echo "LLVM version 14.0.6"; exit 0; fi
echo "src/common.h:2:1: warning: seen through every source [fake-header]"
echo "src/other.h:2:1: warning: a header out of scope [fake-header]"
"""


def test_a_headers_finding_seen_through_each_source_is_reported_once(
    cli: Cli, make_repo: Factory, tmp_path: Path, budget: Callable[[int], None]
) -> None:
    budget(2)
    tidy = script(tmp_path / "bin", "header-tidy", HEADER_TIDY)
    repo = make_repo("r")
    files = {**sources(3), "src/common.h": "#pragma once\nint common();\n"}
    text = config(tidy, None).replace("precheck:\n", "precheck:\n  exclude: ['src/other.h']\n")
    repo.commit("code", {".cipipe.yaml": text, **files, "src/other.h": "int other();\n"})
    work = tmp_path / "w"
    assert precheck(cli, repo.root, work).exit_code == 0
    check = named(work, "clang-tidy")
    # Three sources each report it; the excluded header's finding is not the check's.
    assert [(f["file"], f["rule"]) for f in check["findings"]] == [("src/common.h", "fake-header")]

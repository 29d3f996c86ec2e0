"""`cipipe precheck --scope all` on a real repository of about 100 C/C++ files (yaml-cpp without
its vendored googletest: 119 files) against the best direct run of the same three tools on the
same CPUs, and an unchanged rerun.

The direct run is what an engineer would type, with the options cipipe gives each tool (taken
from cipipe's own adapters, so they cannot drift apart): a configure-only CMake run for the
compilation database (precheck makes one the same way), ``cppcheck -j N`` over the database's
selected files, ``xargs -P N clang-tidy`` one file per process, ``clang-format --dry-run``.
Targets: precheck <= 1.1x the direct run; an unchanged rerun (same work folder: its result
cache) <= 3 s. A whole run takes minutes on two loaded CPUs, so each command runs once; both
cold ones start from an empty cache and a fresh configure.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.support.realrepos import clone, missing_reason  # noqa: E402

from cipipe.adapters.analyzers.clang_tidy import ClangTidy  # noqa: E402
from cipipe.adapters.analyzers.cppcheck import Cppcheck  # noqa: E402
from cipipe.adapters.analyzers.interface import SOURCE_SUFFIXES, AnalysisRequest  # noqa: E402
from cipipe.contracts.precheck_config import DEFAULT_MAX_CONFIGS  # noqa: E402
from cipipe.cpus import usable_cpus  # noqa: E402

MAX_RATIO = 1.1
RERUN_TARGET_SECONDS = 3.0
CONFIG = """\
service: yaml-cpp
supports: [linux]
precheck:
  exclude: ["test/googletest-*/**"]
"""
TOOLS = ("cmake", "cppcheck", "clang-tidy", "clang-format")


def _files(repo: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    suffixes = (".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx")
    return sorted(
        f for f in listed if f.endswith(suffixes) and not f.startswith("test/googletest-")
    )


def _direct_script(repo: Path, build: Path, files: list[str], jobs: int) -> str:
    """The shell commands of the direct run, with the options cipipe's adapters use.

    cppcheck's options depend on which sources the compilation database lists, so one untimed
    configure writes it first; the script configures again from scratch, as precheck does."""
    configure = ["cmake", "-S", ".", "-B", str(build), "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"]
    configure.append("-DCMAKE_BUILD_TYPE=Release")
    subprocess.run(configure, cwd=repo, stdout=subprocess.DEVNULL, check=True)
    sources = [f for f in files if f.endswith(SOURCE_SUFFIXES)]
    request = AnalysisRequest(
        repo=repo,
        files=files,
        executable="cppcheck",
        compile_db_dir=build,
        jobs=jobs,
        max_configs=DEFAULT_MAX_CONFIGS,
    )
    cppcheck, _ = Cppcheck()._argv(request)
    tidy = ClangTidy()._argv(
        AnalysisRequest(repo=repo, files=files, executable="clang-tidy", compile_db_dir=build), []
    )
    quoted = " ".join(shlex.quote(f) for f in sources)
    return "\n".join(
        [
            "set -e",
            f"rm -rf {shlex.quote(str(build))}",
            f"{shlex.join(configure)} >/dev/null",
            f"{shlex.join(cppcheck)} 2>/dev/null",
            f"printf '%s\\n' {quoted} | xargs -P {jobs} -n 1 {shlex.join(tidy)} >/dev/null 2>&1"
            " || true",
            "clang-format --dry-run --Werror --style=file -- "
            + " ".join(shlex.quote(f) for f in files)
            + " 2>/dev/null || true",
        ]
    )


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: precheck's verdict (a blocking check failed)
        raise SystemExit(f"{argv[0]} exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds


def run(rounds: int) -> bool:
    del rounds  # minutes per run: each command runs once (see the module's docstring)
    reason = missing_reason("yaml-cpp")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if reason or missing:
        print(f"\nPrecheck: not run ({reason or ', '.join(missing) + ' not installed'})")
        return False
    jobs = usable_cpus()
    env = {k: v for k, v in os.environ.items() if k != "CIPIPE_CACHE_DIR"}
    cipipe = [sys.executable, "-m", "cipipe"]
    with tempfile.TemporaryDirectory(prefix="cipipe-bench-precheck-") as tmp:
        repo = clone("yaml-cpp", Path(tmp) / "yaml-cpp")
        config = Path(tmp) / "cipipe.yaml"
        config.write_text(CONFIG)
        files = _files(repo)
        work = Path(tmp) / "work"
        precheck = [*cipipe, "--workdir", str(work), "precheck", "--repo", str(repo)]
        precheck += ["--config", str(config), "--scope", "all"]
        script = _direct_script(repo, Path(tmp) / "direct-build", files, jobs)
        direct = _timed(["sh", "-c", script], repo, env)
        print(f"  (direct run: {direct:.1f} s)", flush=True)
        cold = _timed(precheck, repo, env)
        print(f"  (precheck, empty cache: {cold:.1f} s)", flush=True)
        rerun = _timed(precheck, repo, env)
    ratio = cold / direct
    shape = f"{len(files)} C/C++ files, {jobs} CPU(s), one run each"
    print(f"\nPrecheck --scope all on yaml-cpp ({shape})")
    tools = f"configure, cppcheck -j{jobs}, xargs -P {jobs} clang-tidy, clang-format"
    print(f"  direct ({tools}): {direct:.1f} s")
    print(f"  cipipe precheck, empty cache: {cold:.1f} s")
    print(f"  cipipe precheck, unchanged rerun: {rerun:.2f} s")
    fast = ratio <= MAX_RATIO
    quick = rerun <= RERUN_TARGET_SECONDS
    print(f"  ratio precheck / direct = {ratio:.2f}x  target <= {MAX_RATIO:g}x: {_verdict(fast)}")
    print(f"  rerun {rerun:.2f} s  target <= {RERUN_TARGET_SECONDS:g} s: {_verdict(quick)}")
    return fast and quick


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


if __name__ == "__main__":
    raise SystemExit(0 if run(1) else 1)

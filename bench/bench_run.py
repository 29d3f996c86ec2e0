"""`cipipe run` on the sample service against one plain Release build with tests of the same tree.

The sample is copied into a fresh git repository and planned for linux only, without the
reproducibility rebuild. Timed round by round, interleaved, in this one run:

- plain build + tests: cmake configure, ``cmake --build --parallel N`` and ``ctest -j N``, by hand,
  without ccache (the anchor);
- ``cipipe run`` with a cold cache ($CIPIPE_CACHE_DIR emptied: ccache, and the analysers' result
  cache where there is one) and then again warm (nothing changed since the cold run);
- plain cold build (configure + build, no tests) and cipipe's reproducibility rebuild of the same
  tree timed on its own (the very code path ``cipipe build --check-reproducible`` uses for it).

Targets: warm <= 1.5x the anchor, cold <= 2.5x, the rebuild <= 1.05x the plain cold build. The
step table of the last warm and cold runs says where the rest of the time goes.

A cold run also analyses every file (precheck), which no plain build does: the same three tools
run directly on the sample (bench_precheck's direct run, cipipe's own options) are timed too, and
the cold run is set against the plain build + tests + that direct run, its floor.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from harness import Comparison, report

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = REPO_ROOT / "examples" / "sample-service"
GTEST_SOURCES = "/usr/src/googletest"


def _sample_repo(repo: Path) -> None:
    import yaml

    shutil.copytree(SAMPLE, repo, ignore=shutil.ignore_patterns("build"))
    config_path = repo / ".cipipe.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["supports"] = ["linux"]
    config["platforms"] = {"linux": config["platforms"]["linux"]}
    config["agents"] = {"linux": config["agents"]["linux"]}
    config["build"]["require_reproducible"] = False
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    git = ["git", "-C", str(repo), "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "Add sample service"], check=True)


def _plain(repo: Path, tree: Path, jobs: int, *, tests: bool) -> list[str]:
    steps = [
        f"rm -rf {tree}",
        f"cmake -S {repo} -B {tree} -DCMAKE_BUILD_TYPE=Release -DGTEST_SOURCE_DIR={GTEST_SOURCES}",
        f"cmake --build {tree} --parallel {jobs}",
    ]
    if tests:
        steps.append(f"ctest --test-dir {tree} -j {jobs} --output-on-failure")
    return ["sh", "-c", "CCACHE_DISABLE=1; export CCACHE_DISABLE; set -e; " + " && ".join(steps)]


def _direct_analysers(repo: Path, build: Path, jobs: int) -> list[str]:
    """configure, cppcheck, xargs clang-tidy and clang-format on the sample's own C/C++ files,
    as an engineer would run them (bench_precheck's direct run)."""
    from bench_precheck import _direct_script

    listed = subprocess.run(
        ["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.split()
    suffixes = (".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx")
    files = sorted(f for f in listed if f.endswith(suffixes) and not f.startswith("third_party/"))
    return ["sh", "-c", f"cd {repo} && " + _direct_script(repo, build, files, jobs)]


def _cipipe_run(cipipe: str, repo: Path, work: Path, cache: Path, *, cold: bool) -> list[str]:
    clear = f"rm -rf {work} {cache} && " if cold else f"rm -rf {work} && "
    command = f"{cipipe} --workdir {work} run --repo {repo}"
    return ["sh", "-c", clear + command]


def _timed(argv: Sequence[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds, done.stdout


def rebuild(repo: Path, work: Path) -> None:
    """The reproducibility rebuild of linux, alone, as ``cipipe build`` runs it."""
    from cipipe.adapters.compiler_cache import find_compiler_cache
    from cipipe.adapters.process import run_logged
    from cipipe.adapters.toolchain import probe_compiler
    from cipipe.contracts.loading import read_contract
    from cipipe.contracts.matrix import Matrix
    from cipipe.contracts.repo_config import BuildPolicy
    from cipipe.contracts.source import Source
    from cipipe.cpus import usable_cpus
    from cipipe.steps.build import RECHECK_SUFFIX, BuildRequest, build_one, platform_build_folder
    from cipipe.steps.build.caching import compile_settings_for
    from cipipe.steps.build.naming import BuildId

    matrix = read_contract(Matrix, work / "matrix.json")
    source = read_contract(Source, work / "source.json")
    jobs = usable_cpus()
    request = BuildRequest(
        repo, work, matrix, source, BuildPolicy(), BuildId("1", "flag"), os.environ, jobs=jobs
    )
    [linux] = matrix.platforms
    compiler = probe_compiler(linux.toolchain.compiler)
    assert compiler is not None
    cache = find_compiler_cache(os.environ)
    settings = compile_settings_for(os.environ, cache, jobs, use_cache=True, recheck=True)
    folder = platform_build_folder(linux, request, RECHECK_SUFFIX)
    log_path = work / "logs" / f"build-linux{RECHECK_SUFFIX}.log"
    start = time.perf_counter()
    built = build_one(linux, request, compiler, folder, log_path, run_logged, settings)
    seconds = time.perf_counter() - start
    assert built.record.status == "built", built.record.reason
    assert built.record.compiler_cache is None
    # The rebuild alone, without this interpreter's start and imports, which are not part of it.
    print(f"rebuild seconds: {seconds:.3f}")


def _step_table(output: str) -> str:
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("step ")), len(lines))
    return "\n".join("    " + line for line in lines[start:] if not line.startswith("outputs:"))


def _step_seconds(output: str) -> dict[str, float]:
    """The seconds column of `cipipe run`'s step table, by step."""
    seconds = {}
    for line in _step_table(output).splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 3:
            seconds[fields[0]] = float(fields[2])
    return seconds


def run(rounds: int) -> bool:
    from cipipe.cpus import usable_cpus

    rounds = max(1, rounds // 30)
    cipipe = shutil.which("cipipe", path=str(Path(sys.executable).parent)) or "cipipe"
    jobs = usable_cpus()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        repo, cache = tmp / "sample", tmp / "cache"
        _sample_repo(repo)
        env = {
            **os.environ,
            "CIPIPE_CACHE_DIR": str(cache),
            "CIPIPE_OSV_DB": str(REPO_ROOT / "examples" / "osv-db"),
            "CIPIPE_POLICY": str(REPO_ROOT / "policies"),
        }
        env.pop("CCACHE_DISABLE", None)
        commands: dict[str, Sequence[str | Path]] = {
            "plain build + tests": _plain(repo, tmp / "plain", jobs, tests=True),
            "the analysers run directly": _direct_analysers(repo, tmp / "direct", jobs),
            "cipipe run, cold cache": _cipipe_run(cipipe, repo, tmp / "w", cache, cold=True),
            "cipipe run, warm cache": _cipipe_run(cipipe, repo, tmp / "w", cache, cold=False),
            "plain cold build": _plain(repo, tmp / "plain", jobs, tests=False),
            "reproducibility rebuild": [sys.executable, __file__, "rebuild", repo, tmp / "w"],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        outputs: dict[str, str] = {}
        for _ in range(rounds):
            for name, argv in commands.items():
                seconds, outputs[name] = _timed([str(a) for a in argv], env)
                if name == "reproducibility rebuild":
                    seconds = float(outputs[name].split("rebuild seconds:")[1])
                samples[name].append(seconds)
    medians = {name: sorted(values)[len(values) // 2] for name, values in samples.items()}
    floor = "plain build + tests + analysers directly"
    medians[floor] = medians["plain build + tests"] + medians["the analysers run directly"]
    ok = report(
        f"cipipe run on the sample, linux only, no rebuild ({jobs} CPU(s), {rounds} round(s))",
        medians,
        [
            Comparison("cipipe run, warm cache", "plain build + tests", max_ratio=1.5),
            Comparison("cipipe run, cold cache", "plain build + tests", max_ratio=2.5),
            Comparison("cipipe run, cold cache", floor),
            Comparison("reproducibility rebuild", "plain cold build", max_ratio=1.05),
        ],
    )
    anchor = medians["plain build + tests"]
    for name in ("cipipe run, cold cache", "cipipe run, warm cache"):
        print(f"  {name}, seconds by step:\n{_step_table(outputs[name])}")
        steps = _step_seconds(outputs[name])
        rest = sum(seconds for step, seconds in steps.items() if step != "precheck")
        print(
            f"  {name} without precheck: {rest:.1f} s = {rest / anchor:.2f}x the plain build + "
            f"tests (precheck {steps.get('precheck', 0.0):.1f} s)"
        )
    return ok


if __name__ == "__main__":
    if sys.argv[1:2] == ["rebuild"]:
        rebuild(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(0 if run(30) else 1)

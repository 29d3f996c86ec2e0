"""A core `pip install` of cipipe into a fresh virtualenv: its size and its time against
installing click + pydantic + requests + pyyaml alone, measured in the same run.

cipipe is installed from a wheel built here from this tree; every dependency from the
registry pip is configured with (its index, find-links). Each arm is installed once before
timing, so pip's cache is warm in both; then round by round each gets a new virtualenv
(``--without-pip``: this interpreter's pip installs into it with ``--python``, so the
virtualenv's site-packages holds only what the install brought). Only `pip install` is timed.

It also checks, on the real core install, that a command needing an extra exits 2 naming it,
and prints what each installed distribution weighs and what each core requirement brings.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

from harness import Comparison, report

REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_CORE_MIB = 100.0
MAX_RATIO = 1.2
ANCHOR = ("click", "pydantic", "requests", "pyyaml")
MIB = 1024 * 1024

# Run inside the new virtualenv: each distribution's size from its RECORD, and its requirements.
WEIGH = """
import json, re
from importlib import metadata
from pathlib import Path
out = {}
for dist in metadata.distributions():
    name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
    size = 0
    for f in dist.files or []:
        path = Path(dist.locate_file(f))
        if path.is_file():
            size += path.stat().st_size
    out[name] = {"size": size, "requires": list(dist.requires or [])}
print(json.dumps(out))
"""


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]


def build_wheel(into: Path) -> Path:
    subprocess.run(
        _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(into), str(REPO_ROOT)),
        check=True,
    )
    return next(into.glob("cipipe-*.whl"))


def anchor_requirements() -> list[str]:
    """click, pydantic, requests and pyyaml with the bounds cipipe itself declares."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    core: list[str] = project["dependencies"]
    return [r for r in core if r.split(">")[0].split("<")[0].split("=")[0].lower() in ANCHOR]


def fresh_venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    return folder / "bin" / "python"


def install(python: Path, requirements: Sequence[str]) -> float:
    argv = _pip("--python", str(python), "install", "--quiet", *requirements)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def site_packages_bytes(venv: Path) -> int:
    """What the install put in the virtualenv's site-packages, byte-compiled files included."""
    return sum(p.stat().st_size for p in venv.glob("lib/python*/site-packages/**/*") if p.is_file())


def weigh(python: Path) -> dict[str, dict[str, object]]:
    out = subprocess.run([str(python), "-c", WEIGH], capture_output=True, text=True, check=True)
    result: dict[str, dict[str, object]] = json.loads(out.stdout)
    return result


def _parse(requirement: str) -> tuple[str, set[str], str]:
    """(normalised name, extras asked for, marker) of a requirement string."""
    match = re.match(r"\s*([A-Za-z0-9._-]+)\s*(?:\[([^\]]*)\])?[^;]*;?(.*)", requirement)
    assert match is not None, requirement
    extras = {e.strip() for e in (match.group(2) or "").split(",") if e.strip()}
    return re.sub(r"[-_.]+", "-", match.group(1)).lower(), extras, match.group(3)


def closure(requirement: str, dists: dict[str, dict[str, object]]) -> set[str]:
    """The installed distributions ``requirement`` pulls in, its extras' included."""
    seen: set[str] = set()
    todo = [requirement]
    while todo:
        name, extras, _ = _parse(todo.pop())
        if name not in dists:
            continue
        first = name not in seen
        seen.add(name)
        requires = dists[name]["requires"]
        assert isinstance(requires, list)
        for sub in requires:
            marker = _parse(sub)[2]
            wanted = re.findall(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
            if (not wanted and first) or any(e in extras for e in wanted):
                todo.append(sub)  # one not installed (a platform marker) is skipped above
    return seen


def print_weights(dists: dict[str, dict[str, object]], core: Sequence[str]) -> None:
    def size(names: set[str]) -> int:
        return sum(int(str(dists[n]["size"])) for n in names)

    print("  distributions installed (MiB):")
    for name, info in sorted(dists.items(), key=lambda kv: -int(str(kv[1]["size"]))):
        print(f"    {name:<32} {int(str(info['size'])) / MIB:7.1f}")
    print("  each core requirement with what it alone brings (shared ones counted in each):")
    for requirement in core:
        names = closure(requirement, dists)
        print(f"    {requirement:<44} {size(names) / MIB:7.1f}  ({len(names)} distributions)")


def check_missing_extra(venv: Path, tmp: Path) -> bool:
    """The real core install: `cipipe backtest` exits 2 naming the 'model' extra."""
    history = tmp / "history.csv"
    history.write_text("time,failed\n1,0\n")
    argv = [str(venv / "bin" / "cipipe"), "--workdir", str(tmp / "work"), "backtest"]
    argv += ["--history", str(history), "--label", "failed", "--time", "time"]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    expected = "needs the 'model' extra (numpy is not installed): pip install 'cipipe[model]'"
    ok = result.returncode == 2 and expected in result.stderr
    print(f"  core install: `cipipe backtest` exit {result.returncode}: {result.stderr.strip()}")
    print(f"  missing extra named with exit 2: {'PASS' if ok else 'FAIL'}")
    return ok


def run(rounds: int) -> bool:
    rounds = max(2, rounds // 10)
    with tempfile.TemporaryDirectory(prefix="cipipe-bench-install-") as name:
        tmp = Path(name)
        arms = {"core install": [str(build_wheel(tmp / "wheel"))], "anchor": anchor_requirements()}
        samples: dict[str, list[float]] = {arm: [] for arm in arms}
        sizes: dict[str, int] = {}
        for round_ in range(rounds + 1):  # round 0 warms pip's cache, untimed
            for arm, requirements in arms.items():
                venv = tmp / f"{arm.replace(' ', '-')}-{round_}"
                python = fresh_venv(venv)
                seconds = install(python, requirements)
                if round_:
                    samples[arm].append(seconds)
                sizes[arm] = site_packages_bytes(venv)
        medians = {arm: statistics.median(values) for arm, values in samples.items()}
        ok = report(
            "pip install into a fresh virtualenv (warm pip cache)",
            medians,
            [Comparison("core install", "anchor", MAX_RATIO)],
        )
        core_venv = tmp / f"core-install-{rounds}"
        for arm, size in sizes.items():
            print(f"  {arm}: {size / MIB:.1f} MiB in site-packages")
        within = sizes["core install"] / MIB <= MAX_CORE_MIB
        print(f"  core install <= {MAX_CORE_MIB:g} MiB: {'PASS' if within else 'FAIL'}")
        project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
        print_weights(weigh(core_venv / "bin" / "python"), project["dependencies"])
        ok &= within
        ok &= check_missing_extra(core_venv, tmp)
        return ok


if __name__ == "__main__":
    raise SystemExit(0 if run(int(sys.argv[1]) if len(sys.argv) > 1 else 30) else 1)

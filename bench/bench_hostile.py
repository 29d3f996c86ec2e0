"""Hostile input is refused fast: `cipipe validate` (and decide-strategy) on an alias bomb, deep
nesting, oversized and value-packed documents, and a FIFO, as whole processes.

Targets (issue 14): every refusal is exit 2 within a second of what the same command costs on
a small good file (start-up is not the refusal), and an alias bomb costs no more than half
again what validating a small good file costs: it is refused before it expands.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from harness import Command, Comparison, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.risk.riskinputs import write_workdir  # noqa: E402
from tests.support.hangs import BILLION_LAUGHS  # noqa: E402

from cipipe.contracts.limits import (  # noqa: E402
    MAX_JSON_BYTES,
    MAX_JSON_VALUES,
    MAX_YAML_BYTES,
    MAX_YAML_NODES,
)

WITHIN_SECONDS = 1.0
VALID_SOURCE = """{
  "schema": "cipipe.source/1", "repo_url": null, "commit": "%s", "branch": "main",
  "author": {"name": "Ada", "email": "ada@example.com"}, "pr_id": null, "target_branch": null,
  "message": "m", "commit_time": "2026-01-02T10:00:00Z", "detached_head": false,
  "dirty": false, "submodules": [], "provenance": {"commit": "git"}
}
""" % ("c" * 40)


def _files(folder: Path) -> dict[str, Path]:
    """The hostile files, each the worst of its kind that the limits let be parsed at all."""
    files = {
        "billion laughs (.yaml)": ("bomb.yaml", BILLION_LAUGHS),
        "100,000 [ (.yaml)": ("deep.yaml", "a: " + "[" * 100_000),
        "100,000 [ (.json)": ("deep.json", "[" * 100_000),
        "20,001 values in 120 KiB (.yaml)": (
            "many.yaml",
            "a: [" + "0, " * MAX_YAML_NODES + "0]\n",
        ),
        "one line just under the cap (.yaml)": ("line.yaml", "a: " + "x" * (MAX_YAML_BYTES - 8)),
        "over the size cap (.yaml)": ("big.yaml", "#" * (MAX_YAML_BYTES + 1)),
        "5M values (.json)": ("many.json", "[" + "0," * MAX_JSON_VALUES + "0]"),
        "NaN and a 5,000-digit integer (.json)": (
            "numbers.json",
            '{"schema": "cipipe.source/1", "a": NaN, "b": ' + "9" * 5000 + "}",
        ),
    }
    paths = {}
    for name, (file, text) in files.items():
        paths[name] = folder / file
        paths[name].write_text(text)
    sparse = folder / "sparse.json"
    sparse.write_text("{}")
    os.truncate(sparse, MAX_JSON_BYTES + 1)
    paths["64 MiB + 1 (.json, sparse)"] = sparse
    fifo = folder / "fifo.json"
    os.mkfifo(fifo)
    paths["a FIFO"] = fifo
    return paths


def refused(argv: list[str]) -> list[str]:
    """A command that succeeds only when cipipe exits 2 (the harness wants exit 0)."""
    return ["sh", "-c", f"{shlex.join(argv)} >/dev/null 2>&1; test $? -eq 2"]


def run(rounds: int) -> bool:
    cipipe = shutil.which("cipipe", path=str(Path(sys.executable).parent)) or "cipipe"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        valid = folder / "source.json"
        valid.write_text(VALID_SOURCE)
        commands = [Command("validate a small good file", [cipipe, "validate", str(valid)])]
        for name, path in _files(folder).items():
            commands.append(Command(name, refused([cipipe, "validate", str(path)])))
        work = write_workdir(folder / "work").path
        good, bomb = folder / "context.yaml", folder / "bomb-context.yaml"
        good.write_text("deploy_at: 2026-03-04T10:00:00Z\n")
        bomb.write_text(BILLION_LAUGHS.replace("a: &a", "labels: &a"))
        decide = [cipipe, "--workdir", str(work), "decide-strategy", "--policy"]
        decide += [str(REPO_ROOT / "policies"), "--db", str(folder / "history.sqlite3")]
        commands.append(Command("decide-strategy, good context", [*decide, "--context", str(good)]))
        commands.append(
            Command("decide-strategy, bomb context", refused([*decide, "--context", str(bomb)]))
        )
        medians = measure(commands, rounds=rounds, warmup=1)
    ok = report(
        "Hostile input refused (exit 2), whole processes",
        medians,
        [Comparison("billion laughs (.yaml)", "validate a small good file", max_ratio=1.5)],
    )
    for name, median in medians.items():
        if "good" in name:
            continue
        base = "decide-strategy, good context" if "decide" in name else "validate a small good file"
        extra = median - medians[base]
        passed = extra <= WITHIN_SECONDS
        ok &= passed
        verdict = "PASS" if passed else "FAIL"
        print(f"  {name}: {extra * 1000:+.0f} ms over {base}, target <= 1 s: {verdict}")
    return ok

"""decide-strategy scored by the model service, against the same decision by the heuristic.

What the model service is for: an agent that decides with an approved model without loading
it. The local model costs every decision the import of numpy and LightGBM and the model's
load; asking `cipipe model serve` costs one loopback HTTP exchange (requests' import included).
All three run as whole processes, interleaved, on the same inputs, policy and audit log:

- the heuristic alone (the policy references no model): the baseline;
- the local model (the policy references the approved model, no --model-url);
- the model service (the same policy, --model-url of a `cipipe model serve` started once).

Target: with the service, at most 1.25x the heuristic's time. The local model's ratio is shown
beside it, as what the service saves.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from harness import Command, Comparison, installed_cipipe, measure, report

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.risk.riskinputs import write_workdir  # noqa: E402

CHANGED = ["src/server.c", "src/handlers/orders.c", "include/orders.h"]
MAX_RATIO = 1.25


def _policy(folder: Path, version: str | None) -> Path:
    shutil.copytree(REPO_ROOT / "policies", folder)
    weights = folder / "risk-weights.yaml"
    data = yaml.safe_load(weights.read_text())
    data["model"]["version"] = version
    weights.write_text(yaml.safe_dump(data))
    return folder


def _approved_model(cipipe: str, registry: Path, db: Path) -> str:
    from tests.risk.model.histories import generated

    from cipipe.risk.model.registry import Registry
    from cipipe.risk.model.train import train_model

    trained = train_model(generated(3000))
    Registry(registry).save(trained, by="bench")
    promote = [cipipe, "model", "promote", trained.version, "--registry", str(registry)]
    subprocess.run([*promote, "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
    return trained.version


@contextmanager
def _service(cipipe: str, registry: Path, policy: Path, db: Path) -> Iterator[str]:
    argv = [cipipe, "model", "serve", "--registry", str(registry), "--policy", str(policy)]
    process = subprocess.Popen(
        [*argv, "--db", str(db), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "serving model V at URL (policy P)"
        if " at http://" not in line:
            raise RuntimeError(f"cipipe model serve did not start: {line!r}")
        yield line.split(" at ", 1)[1].split(" ", 1)[0]
    finally:
        process.terminate()
        process.wait(timeout=60)


def run(rounds: int) -> bool:
    cipipe = installed_cipipe()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        registry, db = root / "models", root / "history.sqlite3"
        version = _approved_model(cipipe, registry, db)
        with_model = _policy(root / "with-model", version)
        heuristic_only = _policy(root / "heuristic", None)
        context = root / "context.yaml"
        context.write_text("deploy_at: 2026-03-04T10:00:00Z\nproduction_qps: 250\n")

        def decide(name: str, policy: Path, *extra: str) -> list[str]:
            work = write_workdir(root / name, with_build_info_paths=CHANGED).path
            return [
                cipipe, "--workdir", str(work), "decide-strategy", "--policy", str(policy),
                "--context", str(context), "--db", str(db), "--registry", str(registry), *extra,
            ]  # fmt: skip

        with _service(cipipe, registry, with_model, db) as url:
            commands = [
                Command("decide, heuristic only", decide("h", heuristic_only)),
                Command("decide, local model", decide("local", with_model)),
                Command("decide, model service", decide("served", with_model, "--model-url", url)),
            ]
            medians = measure(commands, rounds=rounds)
    return report(
        "decide-strategy with an approved model: local or served (same interpreter, same run)",
        medians,
        [
            Comparison("decide, local model", "decide, heuristic only"),
            Comparison("decide, model service", "decide, heuristic only", max_ratio=MAX_RATIO),
        ],
    )

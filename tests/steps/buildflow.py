"""A repository planned and built into a work folder as the pipeline does it: the sample
source.json (what precheck leaves), then ``cipipe build-matrix`` and ``cipipe build``; and the
small pieces of configuration and tests.json that the build and test step tests share."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cipipe.adapters.toolchain import probe_compiler
from cipipe.cli import run
from tests.contracts.samples import sample_source

GXX = probe_compiler("g++")
Arg = str | os.PathLike[str]
# Coverage of calc.cpp in its own instrumented tree, reported by gcovr as Cobertura XML.
GCOVR_COVERAGE = {
    "build_dir": "build/coverage",
    "command": "gcovr --xml {report} --root {source_dir} --filter .*calc[.]cpp {build_dir}",
}


def work_folder(work: Path) -> Path:
    """``work`` (made if it is not there) holding the sample source.json; returns ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "source.json").write_text(sample_source().to_json())
    return work


def cipipe_ok(work: Path, command: str, repo: Path, *options: Arg) -> None:
    """Runs one cipipe step in-process on ``repo`` and asserts that it did its work.

    ``run`` rather than the ``cli`` fixture, so module-scoped fixtures can use it; what the step
    printed stays in pytest's captured output of a failing test."""
    argv = ["--workdir", work, command, "--repo", repo, *options]
    code = run([os.fspath(a) for a in argv])
    assert code == 0, f"cipipe {command} --repo {repo} exited {code}"


def plan(repo: Path, work: Path, *options: Arg) -> Path:
    """source.json and matrix.json for ``repo`` in ``work``; ``options`` go to build-matrix."""
    cipipe_ok(work_folder(work), "build-matrix", repo, *options)
    return work


def plan_and_build(repo: Path, work: Path, *options: Arg) -> Path:
    """``plan``, then ``cipipe build`` with ``options``: the artifacts of every platform."""
    cipipe_ok(plan(repo, work), "build", repo, *options)
    return work


def gxx_linux_config(service: str, *artifacts: str, **settings: Any) -> dict[str, Any]:
    """A .cipipe.yaml (as a dict) of ``service`` on one platform, linux, with the installed g++
    (its version as the lock), ``artifacts`` and ``settings`` (build, tests, ...)."""
    assert GXX is not None
    toolchain = {"compiler": "g++", "version": GXX.version}
    linux = {"toolchain": toolchain, **settings, "artifacts": list(artifacts)}
    return {"service": service, "supports": ["linux"], "platforms": {"linux": linux}}


def only_platform(work: Path) -> dict[str, Any]:
    """The one platform entry of the work folder's tests.json."""
    [platform] = json.loads((work / "tests.json").read_text())["platforms"]
    return platform  # type: ignore[no-any-return]

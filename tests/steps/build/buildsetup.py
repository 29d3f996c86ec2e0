"""A repository and work folder ready for the build step."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cipipe.adapters.toolchain import probe_compiler
from tests.steps.buildflow import plan
from tests.support.gitrepo import GitRepoBuilder

GCC = probe_compiler("gcc")

MAIN_C = '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n'


def config(
    build: str, artifacts: str = '["{build_dir}/app"]', version: str | None = None, extra: str = ""
) -> str:
    assert GCC is not None
    return f"""\
service: tiny
supports: [linux]
platforms:
  linux:
    toolchain: {{compiler: gcc, c_compiler: gcc, version: "{version or GCC.version}"}}
    build: {build}
    artifacts: {artifacts}
    tests: {{runner: none}}
{extra}"""


# Build scripts keep the shell quoting readable; the config only calls them.
COMPILE = '["sh {source_dir}/build.sh {build_dir} {source_dir}"]'

PLAIN_BUILD = '$CC $CFLAGS -o "$1/app" "$2/main.c" $LDFLAGS\n'


def setup(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cfg: str,
    files: dict[str, str | bytes] | None = None,
) -> tuple[GitRepoBuilder, Path]:
    repo = make_repo("tiny")
    defaults: dict[str, str | bytes] = {"main.c": MAIN_C, "build.sh": PLAIN_BUILD}
    repo.commit("tiny", {".cipipe.yaml": cfg, **defaults, **(files or {})})
    return repo, plan(repo.root, tmp_path / "work")


def artifacts(work: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((work / "artifacts.json").read_text())
    return data

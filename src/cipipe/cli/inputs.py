"""The inputs most steps start from, read the same way everywhere."""

from __future__ import annotations

from pathlib import Path

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path
from cipipe.contracts.matrix import Matrix
from cipipe.contracts.repo_config import RepoConfig, load_repo_config
from cipipe.contracts.source import Source


def plan_inputs(
    state: CliState, repo: Path, config_file: Path | None
) -> tuple[RepoConfig, Source, Matrix]:
    """.cipipe.yaml, then source.json and matrix.json from the work folder."""
    config = load_repo_config(config_path(repo, config_file))
    source = state.workdir.read(Source, produced_by="precheck")
    matrix = state.workdir.read(Matrix, produced_by="build-matrix")
    return config, source, matrix

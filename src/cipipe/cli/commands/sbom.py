"""cipipe sbom: writes sbom.json (CycloneDX 1.6) and deps_changed.json."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from cipipe.cli.app import CliState
from cipipe.cli.options import config_path, identifier, repo_options
from cipipe.errors import ExitCode

log = logging.getLogger("cipipe.sbom")
SBOM_FILE = "sbom.json"


def execute(
    state: CliState,
    repo: Path,
    config_file: Path | None,
    merge: tuple[Path, ...] = (),
    baseline: Path | None = None,
    build_id: str | None = None,
) -> int:
    from cipipe.adapters.git.cli import GitCli
    from cipipe.contracts.artifacts import Artifacts
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.contracts.source import Source
    from cipipe.steps.sbom import run_sbom

    config = load_repo_config(config_path(repo, config_file))
    source = state.workdir.read(Source, produced_by="precheck")
    artifacts = state.workdir.read_optional(Artifacts)
    # The serial number follows the build: the same build id gives the same SBOM.
    build = (
        build_id
        or (artifacts.build_id if artifacts else None)
        or os.environ.get("BUILD_NUMBER")
        or source.commit
    )
    outputs = run_sbom(
        GitCli(repo),
        config,
        source,
        build_id=build,
        artifacts=artifacts,
        merge=merge,
        baseline=baseline,
        previous=state.workdir.file(SBOM_FILE),
    )
    with state.workdir.locked():
        state.workdir.write_text(SBOM_FILE, outputs.sbom)
        state.workdir.write(outputs.deps_changed)
    changed = outputs.deps_changed
    log.info(
        "sbom: %d component(s); changes: %s",
        changed.components,
        "no baseline"
        if changed.status == "no-baseline"
        else f"{len(changed.added)} added, {len(changed.removed)} removed, "
        f"{len(changed.updated)} updated",
    )
    if changed.vendored_drift and config.sbom.fail_on_drift:
        return int(ExitCode.REJECTED)
    return int(ExitCode.OK)


def print_suggestion(repo: Path, config_file: Path | None) -> int:
    """A repository without .cipipe.yaml yet gets a draft too: it is how a new user starts."""
    from cipipe.adapters.git.cli import GitCli
    from cipipe.contracts.repo_config import SbomPolicy, load_repo_config
    from cipipe.steps.sbom import suggest_components

    file = config_path(repo, config_file)
    if config_file is None and not os.path.lexists(file):
        vendored, service = SbomPolicy().vendored, None
    else:
        config = load_repo_config(file)
        vendored, service = config.sbom.vendored, config.service
    text = suggest_components(GitCli(repo), vendored, service=service)
    click.echo(text, nl=False)
    return int(ExitCode.OK)


def print_hashes(paths: tuple[Path, ...]) -> int:
    """``sha256:<hex>  PATH`` per path, as components.yaml records it."""
    from cipipe.steps.sbom.vendored import hash_of_path

    for path in paths:
        click.echo(f"{hash_of_path(path)}  {path}")
    return int(ExitCode.OK)


@click.command("sbom")
@repo_options
@click.option(
    "--merge",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Merge an SBOM made elsewhere (syft CycloneDX 1.4-1.7 or SPDX 2.3 JSON); repeatable",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Baseline SBOM (e.g. the last main build's) for deps_changed.json",
)
@click.option(
    "--build-id",
    callback=identifier("build id"),
    help="Build id for the serial number  [default: artifacts.json]",
)
@click.option(
    "--suggest",
    is_flag=True,
    help="Print a components.yaml draft for what looks vendored (writes nothing)",
)
@click.option(
    "--hash",
    "hash_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Print the hash components.yaml records for a vendored folder or file; repeatable",
)
@click.pass_obj
def command(
    state: CliState,
    repo: Path,
    config_path: Path | None,
    merge: tuple[Path, ...],
    baseline: Path | None,
    build_id: str | None,
    suggest: bool,
    hash_paths: tuple[Path, ...],
) -> int:
    """Write the build's SBOM and its dependency changes (seed 6).

    \b
    Reads:  dependency manifests and lock files, third_party/components.yaml, submodules
            (source.json), artifacts.json when present, --merge and --baseline SBOMs
    Writes: sbom.json (CycloneDX 1.6), deps_changed.json
    Exit 1 when a vendored folder drifted and sbom.fail_on_drift is set.
    --suggest and --hash only print (no work folder needed) and write nothing.
    """
    if suggest and hash_paths:
        raise click.UsageError("--suggest and --hash are two separate questions: give one")
    if suggest:
        return print_suggestion(repo, config_path)
    if hash_paths:
        return print_hashes(hash_paths)
    return execute(state, repo, config_path, merge, baseline, build_id)

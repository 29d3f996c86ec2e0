"""cipipe bundle: resolve, verify and smoke-test a multi-service bundle; writes manifest.json."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from cipipe.cli.app import CliState, refused
from cipipe.cli.options import identifier, store_options
from cipipe.errors import ExitCode, RefusedError

log = logging.getLogger("cipipe.bundle")


@click.command("bundle")
@click.option(
    "--spec",
    "spec_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The bundle spec (YAML)",
)
@store_options("the members' candidates")
@click.option(
    "--build-id",
    callback=identifier("build id"),
    help="The bundle's build id  [default: BUILD_NUMBER, else a counter]",
)
@click.pass_obj
def command(
    state: CliState,
    spec_path: Path,
    target: str | None,
    via: str,
    repository: str,
    build_id: str | None,
) -> int:
    """Assemble an integration bundle from the newest compatible candidates (seed 9).

    \b
    Reads:  the spec (members: service, platform, branch, min_build, properties; smoke)
    Writes: manifest.json here and <repository>/<bundle>/<buildId>/manifest.json in the store
    Exit 1 when a member cannot be resolved (the message names the constraint) or the smoke
    test fails.
    """
    try:
        return execute(state, spec_path, target, via, repository, build_id)
    except RefusedError as exc:
        return refused(state, exc)


def execute(
    state: CliState,
    spec_path: Path,
    target: str | None,
    via: str,
    repository: str,
    build_id: str | None,
) -> int:
    from cipipe.adapters.artifact_store.factory import open_artifact_store
    from cipipe.contracts.bundle import BundleSpec
    from cipipe.contracts.loading import load_yaml, validate_data
    from cipipe.steps.bundle import run_bundle

    spec = validate_data(BundleSpec, load_yaml(spec_path), str(spec_path))
    work = state.workdir
    with work.locked():
        label = build_id or _jenkins_build_number() or str(work.next_build_number())
        store = open_artifact_store(
            target or os.environ.get("CIPIPE_ARTIFACTORY_URL"),
            via=via,
            repository=repository,
            default_folder=work.path.resolve().parent / "cipipe-store",
            env=os.environ,
        )
        outcome = run_bundle(store, spec, build_id=label, workdir=work.path, env=os.environ)
    manifest = outcome.manifest
    log.info(
        "bundle %s %s: %d member file(s), published to %s",
        manifest.bundle,
        manifest.build_id,
        len(manifest.members),
        manifest.store_path,
    )
    if not outcome.passed:
        log.error(
            "integration smoke test failed: %s",
            manifest.smoke.output[-300:] if manifest.smoke else "",
        )
        return int(ExitCode.REJECTED)
    return int(ExitCode.OK)


def _jenkins_build_number() -> str | None:
    from cipipe.identifiers import check_build_id

    value = os.environ.get("BUILD_NUMBER")
    return check_build_id(value, field="BUILD_NUMBER") if value else None

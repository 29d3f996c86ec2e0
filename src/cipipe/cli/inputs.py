"""The inputs most steps start from, read the same way everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cipipe.cli.app import CliState

# The contracts are imported where they are read: decide-strategy, which reads none of these,
# should not build the models of .cipipe.yaml, source.json and matrix.json at start-up.
if TYPE_CHECKING:
    from collections.abc import Callable

    from cipipe.adapters.artifact_store.interface import ArtifactStore
    from cipipe.adapters.history.interface import HistoryStore
    from cipipe.adapters.history.signing import AuditKeys
    from cipipe.contracts.matrix import Matrix
    from cipipe.contracts.publish import PublishReport
    from cipipe.contracts.repo_config import RepoConfig
    from cipipe.contracts.source import Source
    from cipipe.risk.policy.bundle import PolicyBundle
    from cipipe.steps.build_info.assemble import StepReports


def plan_inputs(
    state: CliState, repo: Path, config_file: Path | None
) -> tuple[RepoConfig, Source, Matrix]:
    """.cipipe.yaml, then source.json and matrix.json from the work folder."""
    from cipipe.cli.options import config_path
    from cipipe.contracts.matrix import Matrix
    from cipipe.contracts.repo_config import load_repo_config
    from cipipe.contracts.source import Source

    config = load_repo_config(config_path(repo, config_file))
    source = state.workdir.read(Source, produced_by="precheck")
    matrix = state.workdir.read(Matrix, produced_by="build-matrix")
    return config, source, matrix


def build_label(state: CliState, flag: str | None, source: Source) -> str:
    """The build id later steps use: --build-id, else the one `cipipe build` used, else
    Jenkins' BUILD_NUMBER, else the short commit (a laptop run that built nothing)."""
    import os

    from cipipe.contracts.artifacts import Artifacts
    from cipipe.identifiers import check_build_id

    if flag:
        return check_build_id(flag, field="--build-id")
    if state.workdir.exists(Artifacts):
        return state.workdir.read(Artifacts).build_id
    if os.environ.get("BUILD_NUMBER"):
        return check_build_id(os.environ["BUILD_NUMBER"], field="BUILD_NUMBER")
    return source.commit[:12]


def history_store(
    state: CliState, db: str | None, *, appends: bool = False, durable: bool = True
) -> HistoryStore:
    """--db, else CIPIPE_DB, else an SQLite file beside the work folder; opened with the audit
    keys of the environment (CIPIPE_AUDIT_KEY signs what it appends). ``appends``: the command
    appends to the audit log, so CIPIPE_AUDIT_REQUIRE_SIGNATURE=1 without a key is refused
    here, before anything is written. ``durable=False``: SQLite commits are not synced (a
    store made again from scratch, ``open_store``)."""
    import os

    from cipipe.adapters.history.sqlalchemy_store import open_store

    url = db or os.environ.get("CIPIPE_DB")
    require_database_extra(url)
    keys = audit_keys(require_signing=appends)
    default = state.workdir.path.resolve().parent / "cipipe-history.sqlite3"
    return open_store(url, default_path=default, keys=keys, durable=durable)


def require_database_extra(url: str | None) -> None:
    """A postgresql:// history store needs the 'postgres' extra (psycopg): exit 2 naming it
    before the command opens or writes anything. SQLite needs nothing."""
    scheme = url.partition("://")[0] if url and "://" in url else ""
    if scheme.partition("+")[0].strip().lower() in ("postgresql", "postgres"):
        import click

        from cipipe.extras import require_extra

        context = click.get_current_context(silent=True)
        command = context.command_path if context is not None else "cipipe"
        require_extra("postgres", command=f"{command} with a PostgreSQL history store")


def audit_keys(*, require_signing: bool = False) -> AuditKeys:
    """The audit keys of the environment; with ``require_signing`` and
    CIPIPE_AUDIT_REQUIRE_SIGNATURE=1, a missing signing key is an InputError."""
    import os

    from cipipe.adapters.history.signing import (
        ENV_REQUIRE,
        keys_from_env,
        require_signing_key,
        signature_required,
    )

    keys = keys_from_env(os.environ)
    if require_signing and signature_required(os.environ):
        require_signing_key(keys, f"{ENV_REQUIRE}=1")
    return keys


def reports_in(state: CliState) -> StepReports:
    from cipipe.contracts.artifacts import Artifacts
    from cipipe.contracts.deps_changed import DepsChanged
    from cipipe.contracts.matrix import Matrix
    from cipipe.contracts.scan import ScanReport
    from cipipe.contracts.source import Source
    from cipipe.contracts.testing import TestsReport
    from cipipe.steps.build_info.assemble import StepReports

    work = state.workdir

    return StepReports(
        source=work.read(Source, produced_by="precheck"),
        matrix=work.read_optional(Matrix),
        artifacts=work.read_optional(Artifacts),
        tests=work.read_optional(TestsReport),
        deps=work.read_optional(DepsChanged),
        scan=work.read_optional(ScanReport),
        sbom="sbom.json" if work.file("sbom.json").is_file() else None,
    )


DEFAULT_POLICY_FOLDER = "policies"


def policy_bundle(
    given: str | None, *, pin: str | None = None, deadline: float | None = None
) -> tuple[PolicyBundle, str]:
    """The policy bundle and where it came from: --policy, else CIPIPE_POLICY, else
    ./policies, else the bundle built into cipipe (the seed's defaults; one log line says so).
    A URL is fetched through the TTL cache and checked against its version id.
    With --policy-pin (else CIPIPE_POLICY_PIN) only a pinned version is accepted; a fetch takes
    at most --policy-deadline (else CIPIPE_POLICY_DEADLINE) seconds."""
    import os

    from cipipe.risk.policy.pin import check_pinned, parse_pins

    pins = parse_pins(pin if pin is not None else os.environ.get("CIPIPE_POLICY_PIN"))

    spec = given or os.environ.get("CIPIPE_POLICY", "").strip()
    if not spec:
        if not Path(DEFAULT_POLICY_FOLDER).is_dir():
            return _builtin_bundle(pins)
        spec = DEFAULT_POLICY_FOLDER
    if not spec.startswith(("http://", "https://")):
        from cipipe.risk.policy.bundle import load_policy_bundle

        bundle = load_policy_bundle(Path(spec))
        check_pinned(bundle, pins, spec)
        return bundle, spec
    # Only a served policy pays for the HTTP client and the cache.
    from cipipe.risk.policy.fetch import (
        default_cache_dir,
        default_deadline,
        default_ttl,
        load_policy,
    )

    bundle = load_policy(
        spec,
        cache_dir=default_cache_dir(os.environ),
        ttl_seconds=default_ttl(os.environ),
        pins=pins,
        deadline_seconds=deadline or default_deadline(os.environ),
    )
    return bundle, spec


def _builtin_bundle(pins: frozenset[str]) -> tuple[PolicyBundle, str]:
    """The shipped bundle, pinned like any other, and the one line that says it is used."""
    import logging

    from cipipe import __version__
    from cipipe.risk.policy.builtin import BUILTIN_SOURCE, load_builtin_bundle
    from cipipe.risk.policy.pin import check_pinned

    bundle = load_builtin_bundle()
    check_pinned(bundle, pins, BUILTIN_SOURCE)
    logging.getLogger("cipipe.policy").info(
        "no --policy, CIPIPE_POLICY or ./policies: using the policy built into cipipe %s (%s); "
        "`cipipe policy init policies` copies it out for the team to own",
        __version__,
        bundle.version_id,
    )
    return bundle, BUILTIN_SOURCE


def artifact_store(
    state: CliState,
    target: str | None,
    via: str,
    repository: str,
    *,
    build_name: str | None = None,
    build_number: str | None = None,
) -> ArtifactStore:
    """--target, else CIPIPE_ARTIFACTORY_URL, else the local folder beside the work folder."""
    import os

    from cipipe.adapters.artifact_store.factory import open_artifact_store

    return open_artifact_store(
        target or os.environ.get("CIPIPE_ARTIFACTORY_URL"),
        via=via,
        repository=repository,
        default_folder=state.workdir.path.resolve().parent / "cipipe-store",
        env=os.environ,
        build_name=build_name,
        build_number=build_number,
    )


def candidate_store(
    state: CliState, target: str | None, via: str, repository: str
) -> Callable[[PublishReport], ArtifactStore]:
    """Opens the store a build was published to, once publish.json says which build it is."""

    def open_store(published: PublishReport) -> ArtifactStore:
        return artifact_store(
            state,
            target,
            via,
            repository,
            build_name=published.service,
            build_number=published.build_id,
        )

    return open_store


def model_registry(state: CliState, given: Path | None) -> Path:
    """--registry, else CIPIPE_MODEL_REGISTRY, else models/ beside the work folder."""
    import os

    env = os.environ.get("CIPIPE_MODEL_REGISTRY")
    return given or (Path(env) if env else state.workdir.path.resolve().parent / "models")

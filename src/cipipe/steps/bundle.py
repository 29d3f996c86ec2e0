"""cipipe bundle (seed 9): the newest compatible candidate of each member, checked, smoke-tested
together in an isolated folder (the "green" environment, never production), and published as
one manifest."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.artifact_store.interface import (
    ArtifactStore,
    LocalFile,
    StoredFile,
    StoreError,
    join_path,
)
from cipipe.adapters.process import ProgramNotFound, ProgramTimedOut, run_program
from cipipe.contracts.bundle import (
    BundleManifest,
    BundleMember,
    BundleSpec,
    MemberSpec,
    SmokeReport,
)
from cipipe.digests import digest_file
from cipipe.errors import RefusedError
from cipipe.fileio import atomic_write_text
from cipipe.identifiers import is_build_id, is_name
from cipipe.steps.publish.completion import IncompleteCandidate, require_complete

log = logging.getLogger("cipipe.bundle")
OUTPUT_KEPT = 4000


class MemberUnresolved(RefusedError):
    """No candidate satisfies a member's constraints: the answer is no (exit 1)."""


@dataclass(frozen=True)
class BundleOutcome:
    manifest: BundleManifest
    passed: bool


def _constraints(member: MemberSpec) -> dict[str, str]:
    wanted = {"service": member.service, "state": "candidate", **member.properties}
    if member.platform:
        wanted["platform"] = member.platform
    if member.branch:
        wanted["vcs.branch"] = member.branch
    return wanted


def _first(stored: StoredFile, key: str) -> str | None:
    values = stored.properties.get(key)
    return values[0] if values else None


def _build_order(build: str, files: Sequence[StoredFile]) -> tuple[int, int, str]:
    # Build numbers are compared as numbers; the build timestamp breaks ties and orders
    # non-numeric ids. AQL cannot sort when properties are included, so it happens here.
    stamp = max(int(_first(f, "build.timestamp") or 0) for f in files)
    return (int(build) if build.isdigit() else -1, stamp, build)


def _described(member: MemberSpec) -> str:
    described = ", ".join(f"{k}={v}" for k, v in sorted(_constraints(member).items()))
    if member.min_build is not None:
        described += f", build >= {member.min_build}"
    return described


def _matching_builds(store: ArtifactStore, member: MemberSpec) -> dict[str, list[StoredFile]]:
    """The member's platform files marked candidate that match its constraints, by build."""
    found = [
        f for f in store.search(_constraints(member), f"{member.service}/") if _first(f, "platform")
    ]
    builds: dict[str, list[StoredFile]] = {}
    for stored in found:
        build = _first(stored, "build.number")
        # A candidate a manifest could not name (cipipe.identifiers) is not a candidate.
        if build is None or not is_build_id(build) or not is_name(_first(stored, "platform") or ""):
            continue
        if member.min_build is not None and not (
            build.isdigit() and int(build) >= member.min_build
        ):
            continue
        builds.setdefault(build, []).append(stored)
    return builds


def resolve(store: ArtifactStore, member: MemberSpec) -> tuple[str, list[StoredFile]]:
    """The newest matching build that the store proves complete (its completion marker), with
    its matching files. A build with candidate files but no marker is a publish that did not
    finish: it is skipped, never shipped."""
    builds = _matching_builds(store, member)
    if not builds:
        raise MemberUnresolved(f"no candidate of {member.service} matches {_described(member)}")
    incomplete = []
    for build in sorted(builds, key=lambda b: _build_order(b, builds[b]), reverse=True):
        try:
            complete = require_complete(store, member.service, build)
        except IncompleteCandidate as exc:
            log.warning("%s: build %s skipped: %s", member.service, build, exc)
            incomplete.append(build)
            continue
        fileset = {(f.path, f.sha256) for f in complete}
        files = sorted(
            (f for f in builds[build] if (f.path, f.sha256) in fileset), key=lambda f: f.path
        )
        if files:
            return build, files
        log.warning(
            "%s: build %s skipped: its matching files are not among those it published",
            member.service,
            build,
        )
        incomplete.append(build)
    raise MemberUnresolved(
        f"no complete candidate of {member.service} matches {_described(member)}: "
        f"build(s) {', '.join(incomplete)} have candidate files, but the store does not prove "
        "them complete (see the warnings above)"
    )


def _fetch(store: ArtifactStore, stored: StoredFile, folder: Path) -> Path:
    target = folder / stored.path
    target.parent.mkdir(parents=True, exist_ok=True)
    store.download(stored.path, target)
    actual = digest_file(target).sha256
    if actual != stored.sha256:
        raise StoreError(
            f"{store.location}: {stored.path} downloaded as {actual}, expected {stored.sha256}"
        )
    target.chmod(0o755)  # programs of the members must run in the smoke test
    return target


def _smoke(spec: BundleSpec, folder: Path, env: Mapping[str, str]) -> SmokeReport | None:
    if not spec.smoke:
        return None
    environment = {**env, "CIPIPE_BUNDLE_DIR": str(folder)}
    try:
        result = run_program(
            spec.smoke, cwd=folder, env=environment, timeout=spec.smoke_timeout_seconds
        )
    except (ProgramNotFound, ProgramTimedOut) as exc:
        return SmokeReport(command=spec.smoke, exit_code=None, passed=False, output=str(exc))
    output = (result.stdout + result.stderr)[-OUTPUT_KEPT:]
    return SmokeReport(
        command=spec.smoke,
        exit_code=result.returncode,
        passed=result.returncode == 0,
        output=output,
    )


def run_bundle(
    store: ArtifactStore,
    spec: BundleSpec,
    *,
    build_id: str,
    workdir: Path,
    env: Mapping[str, str],
) -> BundleOutcome:
    members: list[BundleMember] = []
    with tempfile.TemporaryDirectory(prefix=f"cipipe-green-{spec.bundle}-") as green:
        folder = Path(green)
        for member in spec.members:
            build, files = resolve(store, member)
            log.info("%s: build %s (%d file(s))", member.service, build, len(files))
            for stored in files:
                _fetch(store, stored, folder)
                members.append(
                    BundleMember(
                        service=member.service,
                        build_id=build,
                        platform=_first(stored, "platform"),
                        path=stored.path,
                        sha256=stored.sha256,
                    )
                )
        smoke = _smoke(spec, folder, env)
    store_path = join_path(spec.bundle, build_id, BundleManifest.FILE_NAME)
    manifest = BundleManifest(
        bundle=spec.bundle,
        build_id=build_id,
        members=members,
        verified=True,
        smoke=smoke,
        store_path=store_path,
    )
    local = workdir / BundleManifest.FILE_NAME
    atomic_write_text(local, manifest.to_json())
    digests = digest_file(local)
    file = LocalFile(local, digests.size, digests.sha256, digests.sha1, digests.md5)
    passed = smoke is None or smoke.passed
    props = {
        "bundle": spec.bundle,
        "build.number": build_id,
        "state": "candidate" if passed else "rejected",
    }
    store.upload(file, store_path, props)
    return BundleOutcome(manifest, passed)

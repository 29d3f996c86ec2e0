"""The Step-2 validation checklist (seed 12, 13): are the deliverables all there, and do they
agree with each other, before Step 3 decides how to roll the build out?

The store is asked, not the work folder: "published" means the candidate namespace holds the
file with the checksum the build recorded and state=candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cipipe.adapters.artifact_store.interface import ArtifactStore
from cipipe.contracts.artifacts import Artifact, Artifacts
from cipipe.contracts.bundle import BundleManifest
from cipipe.contracts.gate import GateReport
from cipipe.contracts.notification import NotificationLog
from cipipe.contracts.publish import PublishedFile, PublishReport
from cipipe.contracts.repo_config import RepoConfig
from cipipe.contracts.testing import TestsReport
from cipipe.steps.publish.checksums import CHECKSUMS, candidate_checksums_sha256
from cipipe.steps.publish.completion import IncompleteCandidate, marker_path, require_complete
from cipipe.workdir import WorkDir

CANDIDATE = "candidate"


@dataclass(frozen=True)
class ChecklistItem:
    name: str
    ok: bool
    mandatory: bool
    detail: str


def _in_store(store: ArtifactStore, file: PublishedFile) -> str | None:
    """None when the store holds ``file`` as a candidate with its checksum; else why not."""
    stored = store.stat(file.path)
    if stored is None:
        return f"{file.path} is not in {store.location}"
    if stored.sha256 != file.sha256:
        return f"{file.path} has sha256 {stored.sha256[:12]}…, expected {file.sha256[:12]}…"
    state = stored.properties.get("state", ())
    if CANDIDATE not in state:
        return f"{file.path} is in state {', '.join(state) or 'none'}, not {CANDIDATE}"
    return None


def _attached(
    store: ArtifactStore, published: PublishReport, names: Sequence[str]
) -> tuple[bool, str]:
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in published.files}
    problems = []
    for name in names:
        file = by_name.get(name)
        problem = f"{name} was not published" if file is None else _in_store(store, file)
        if problem:
            problems.append(problem)
    if problems:
        return False, "; ".join(problems)
    return True, ", ".join(names) + " attached"


def _artifacts(store: ArtifactStore, work: WorkDir, published: PublishReport) -> ChecklistItem:
    name = "per-platform artifacts with checksums in the candidate namespace"
    if not work.exists(Artifacts):
        return ChecklistItem(
            name, False, True, "artifacts.json not found: `cipipe build` did not run"
        )
    artifacts = work.read(Artifacts).artifacts
    if not artifacts:
        return ChecklistItem(name, False, True, "the build made no artifact")
    by_path = {f.path: f for f in published.files}
    problems = []
    for artifact in artifacts:
        file = by_path.get(
            f"{published.service}/{published.build_id}/{artifact.platform}/{artifact.name}"
        )
        if file is None or file.sha256 != artifact.sha256:
            problems.append(f"{artifact.name} was not published as built")
        elif problem := _in_store(store, file):
            problems.append(problem)
    ok, detail = _attached(store, published, [CHECKSUMS])
    if not ok:
        problems.append(detail)
    elif problem := _checksums_problem(published, artifacts):
        problems.append(problem)
    if problems:
        return ChecklistItem(name, False, True, "; ".join(problems))
    platforms = sorted({a.platform for a in artifacts})
    return ChecklistItem(
        name, True, True, f"{len(artifacts)} artifact(s) for {', '.join(platforms)}"
    )


def _checksums_problem(published: PublishReport, artifacts: Sequence[Artifact]) -> str | None:
    """None when the SHA256SUMS published is the candidate's, naming each artifact as the
    candidate's folder holds it (a publish by an older cipipe attached the work folder's)."""
    path = f"{published.service}/{published.build_id}/{CHECKSUMS}"
    sent = next((f.sha256 for f in published.files if f.path == path), None)
    if sent == candidate_checksums_sha256(artifacts):
        return None
    return (
        f"{CHECKSUMS} does not name the artifacts as the candidate's folder holds them "
        "(<platform>/<name>): sha256sum -c fails there; publish again"
    )


def _complete(store: ArtifactStore, published: PublishReport) -> ChecklistItem:
    """The store proves the build whole (its completion marker), and publish.json describes
    the same files: a publish that stopped half way marks some files candidate, never this."""
    name = "complete candidate (completion marker)"
    expected = [(f.path, f.sha256) for f in published.files]
    try:
        files = require_complete(store, published.service, published.build_id, expected)
    except IncompleteCandidate as exc:
        return ChecklistItem(name, False, True, str(exc))
    marker = marker_path(published.service, published.build_id)
    return ChecklistItem(name, True, True, f"{len(files)} file(s), as the marker on {marker} names")


def _tests(
    store: ArtifactStore, work: WorkDir, published: PublishReport, config: RepoConfig
) -> list[ChecklistItem]:
    if not work.exists(TestsReport):
        return [
            ChecklistItem(
                "test reports", False, True, "tests.json not found: `cipipe test` did not run"
            )
        ]
    tests = work.read(TestsReport)
    junit = [f"reports-junit-{p.platform}.xml" for p in tests.platforms if p.junit]
    ok, detail = _attached(store, published, ["tests.json", *junit])
    items = [ChecklistItem("test reports", ok, True, detail)]
    coverage = [n for n, p in config.platforms.items() if p.tests.coverage is not None]
    if coverage:
        deltas = {p.platform: p.coverage.line_delta for p in tests.platforms if p.coverage}
        unknown = [n for n in coverage if deltas.get(n) is None]
        detail = (
            "no baseline for " + ", ".join(sorted(unknown))
            if unknown
            else ", ".join(f"{n} {deltas[n]:+.2f} points" for n in sorted(coverage))
        )
        items.append(ChecklistItem("coverage delta", not unknown, False, detail))
    return items


def _gate(work: WorkDir) -> ChecklistItem:
    if not work.exists(GateReport):
        return ChecklistItem(
            "gate verdict", False, True, "gate.json not found: `cipipe gate` did not run"
        )
    report = work.read(GateReport)
    return ChecklistItem("gate verdict", report.verdict != "rejected", True, report.summary)


def _bundle(store: ArtifactStore, work: WorkDir) -> ChecklistItem:
    name = "bundle manifest"
    if not work.exists(BundleManifest):
        return ChecklistItem(name, True, False, "not part of a bundle (no manifest.json)")
    manifest = work.read(BundleManifest)
    if store.stat(manifest.store_path) is None:
        return ChecklistItem(name, False, True, f"{manifest.store_path} is not in {store.location}")
    if manifest.smoke is not None and not manifest.smoke.passed:
        return ChecklistItem(
            name, False, True, f"bundle {manifest.bundle}: integration smoke failed"
        )
    members = len(manifest.members)
    return ChecklistItem(
        name, True, True, f"bundle {manifest.bundle} with {members} member(s), verified"
    )


def _notification(work: WorkDir, key: str) -> ChecklistItem:
    name = "notification sent"
    if not work.exists(NotificationLog):
        return ChecklistItem(
            name, False, True, "notification.json not found: `cipipe notify` did not run"
        )
    messages = [m for m in work.read(NotificationLog).messages if m.key == key]
    if not messages:
        return ChecklistItem(name, False, True, f"no message about {key}")
    delivered = [m for m in messages if m.delivery is None or m.delivery.ok]
    if not delivered:
        error = messages[-1].delivery.error if messages[-1].delivery else None
        return ChecklistItem(name, False, True, f"every message about {key} failed: {error}")
    last = delivered[-1]
    where = f"to {last.delivery.target}" if last.delivery else "to notification.json"
    return ChecklistItem(name, True, True, f"{len(delivered)} message(s) {where}")


def run_checklist(
    work: WorkDir, config: RepoConfig, open_store: Callable[[PublishReport], ArtifactStore]
) -> list[ChecklistItem]:
    if not work.exists(PublishReport):
        missing = ChecklistItem(
            "published candidate",
            False,
            True,
            "publish.json not found: `cipipe publish` did not run",
        )
        return [missing, _gate(work)]
    published = work.read(PublishReport)
    store = open_store(published)
    key = f"{published.service}/{published.build_id}"

    def attached(name: str, files: list[str]) -> ChecklistItem:
        ok, detail = _attached(store, published, files)
        return ChecklistItem(name, ok, True, detail)

    return [
        _artifacts(store, work, published),
        _complete(store, published),
        attached("build-info and risk inputs attached", ["build-info.json", "risk-inputs.json"]),
        attached("SBOM and security scan", ["sbom.json", "scan.json"]),
        *_tests(store, work, published, config),
        _bundle(store, work),
        _gate(work),
        _notification(work, key),
    ]

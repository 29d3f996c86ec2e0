"""A folder of versioned models, and its copy in an artifact store (seed Step 3 I).

Layout: ``<registry>/<version>/`` holds model.json, lightgbm.txt, logistic.json and
calibration.json; ``<registry>/approvals.jsonl`` logs every state change, hash-chained. A
version is ``m-<UTC time>-<hash8>``; its state is candidate, approved or retired, and at most
one version is approved. In a store the files live at ``models/<version>/<name>`` with the
properties ``model.version`` and ``model.state``, so every agent pulls the same approved model.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cipipe.fileio import atomic_write_bytes, atomic_write_text
from cipipe.risk.model import ModelError
from cipipe.risk.model.approvals import append_approval
from cipipe.risk.model.files import (
    METADATA,
    MODEL_FILES,
    checked_metadata,
    read_metadata,
    sha256_bytes,
)

if TYPE_CHECKING:
    from cipipe.adapters.artifact_store.interface import ArtifactStore, UploadResult
    from cipipe.risk.model.scoring import ScoringModel
    from cipipe.risk.model.train import TrainedModel

VERSION_RE = re.compile(r"^m-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")
STORE_PREFIX = "models"
STATES = ("candidate", "approved", "retired")


def _now(now: datetime | None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def check_version(version: str) -> str:
    if not VERSION_RE.match(version):
        raise ModelError(
            f"malformed model version {version!r}", expected="m-YYYYMMDDTHHMMSSZ-hash8"
        )
    return version


def _load_version(folder: Path, version: str) -> ScoringModel:
    # numpy and LightGBM only here: listing the registry needs neither (the 'model' extra).
    from cipipe.risk.model.scoring import load_model

    model = load_model(folder)
    if model.version != version:
        raise ModelError(f"{folder}: model.json names version {model.version}, not {version}")
    return model


@dataclass(frozen=True)
class Entry:
    version: str
    state: str
    created_at: str
    metrics: dict[str, Any]  # the held-out test metrics
    refit_rows: int | None = None  # the saved model was refit on this many rows (all it had)


class Registry:
    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, version: str) -> Path:
        return self.root / check_version(version)

    def save(self, trained: TrainedModel, *, by: str) -> Path:
        folder = self.folder(trained.version)
        approval = {
            "state": "candidate",
            "history": [{"state": "candidate", "by": by, "at": trained.metadata["created_at"]}],
        }
        files = {name: sha256_bytes(data) for name, data in trained.files.items()}
        metadata = {**trained.metadata, "files": files, "approval": approval}
        checked_metadata(metadata, folder / METADATA)  # a record that fails leaves no file
        for name, data in trained.files.items():
            atomic_write_bytes(folder / name, data)
        self._write_metadata(folder, metadata)
        append_approval(
            self.root,
            version=trained.version,
            state="candidate",
            by=by,
            at=trained.metadata["created_at"],
        )
        return folder

    def _write_metadata(self, folder: Path, metadata: dict[str, Any]) -> None:
        """model.json through its contract: a record that does not match is never written."""
        import json

        record = checked_metadata(metadata, folder / METADATA)
        atomic_write_text(folder / METADATA, json.dumps(record, indent=2, sort_keys=True) + "\n")

    def entries(self) -> list[Entry]:
        if not self.root.is_dir():
            return []
        result = []
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and VERSION_RE.match(folder.name):
                try:
                    data = read_metadata(folder)
                except ModelError:
                    result.append(Entry(folder.name, "unreadable", "", {}))
                    continue
                state = str(data.get("approval", {}).get("state", "candidate"))
                metrics = data.get("metrics", {}).get("test") or {}
                saved = data.get("training", {}).get("saved_model") or {}
                refit = saved.get("rows") if saved.get("refit_on_every_row") else None
                created = str(data.get("created_at"))
                result.append(Entry(folder.name, state, created, metrics, refit))
        return result

    def approved(self) -> str | None:
        return next((e.version for e in self.entries() if e.state == "approved"), None)

    def load(self, version: str) -> ScoringModel:
        if version == "approved":
            found = self.approved()
            if found is None:
                raise ModelError(f"no approved model in {self.root}")
            version = found
        return _load_version(self.folder(version), version)

    def set_state(self, version: str, state: str, *, by: str, now: datetime | None = None) -> None:
        if state not in STATES:
            raise ModelError(f"unknown state {state!r}", expected=", ".join(STATES))
        _load_version(self.folder(version), version)  # never approve what does not load
        folder = self.folder(version)
        data = read_metadata(folder)
        at = _now(now)
        approval = data.setdefault("approval", {"state": "candidate", "history": []})
        approval["state"] = state
        approval.setdefault("history", []).append({"state": state, "by": by, "at": at})
        self._write_metadata(folder, data)
        append_approval(self.root, version=version, state=state, by=by, at=at)

    def promote(self, version: str, *, by: str, now: datetime | None = None) -> str | None:
        """Approve ``version`` and retire the version approved before; returns that one."""
        previous = self.approved()
        if previous == version:
            return None
        self.set_state(version, "approved", by=by, now=now)
        if previous is not None:
            self.set_state(previous, "retired", by=by, now=now)
        return previous

    def push(self, store: ArtifactStore, version: str) -> list[UploadResult]:
        from cipipe.adapters.artifact_store.interface import LocalFile
        from cipipe.digests import digest_file

        folder = self.folder(version)
        _load_version(folder, version)  # push only what verifies
        state = str(read_metadata(folder).get("approval", {}).get("state", "candidate"))
        results = []
        for name in (*MODEL_FILES, METADATA):  # model.json last: its arrival completes a push
            path = folder / name
            d = digest_file(path, threads=1)
            local = LocalFile(path, d.size, d.sha256, d.sha1, d.md5)
            props = {"model.version": version, "model.state": state}
            results.append(store.upload(local, f"{STORE_PREFIX}/{version}/{name}", props))
        return results

    def pull(self, store: ArtifactStore, version: str) -> Path:
        """Download ``version`` into the registry; its hashes are verified before it is used."""
        target = self.folder(version)
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".pull-{version}.", dir=self.root))
        try:
            for name in (METADATA, *MODEL_FILES):
                path = f"{STORE_PREFIX}/{version}/{name}"
                if store.stat(path) is None:
                    raise ModelError(f"{store.location}: {path} not found")
                store.download(path, staging / name)
            _load_version(staging, version)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

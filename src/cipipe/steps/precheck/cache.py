"""The analysers' result cache: an unchanged file is never analysed twice.

An entry is addressed by what decides the result: the file's bytes, the tool and its version,
its configuration files, the file's compile command and the check's options (see
``steps/precheck/keys.py``). It lives under the work folder (``cache/``) or in a folder shared by
several work folders or agents, ``CIPIPE_CACHE_DIR``. Writers rename a finished temp file into
place, so concurrent runs never see half an entry; an entry that cannot be read is a miss.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from cipipe.adapters.analyzers.interface import AnalysisResult
from cipipe.contracts.precheck import Finding, WholeFiles
from cipipe.errors import InputError
from cipipe.fileio import atomic_write_text

log = logging.getLogger("cipipe.precheck")

CACHE_ENV = "CIPIPE_CACHE_DIR"
CACHE_FOLDER = "cache"
# Bumped when an entry's layout or meaning changes: older entries are then misses.
ENTRY_FORMAT = 1
# No result list is this large; a bigger file is not an entry cipipe wrote.
MAX_ENTRY_BYTES = 64 * 1024 * 1024


def cache_root(workdir: Path, env: Mapping[str, str]) -> Path:
    shared = env.get(CACHE_ENV, "").strip()
    return Path(shared).expanduser().resolve() if shared else workdir.resolve() / CACHE_FOLDER


def digest(*parts: object) -> str:
    """One sha256 over ``parts`` (JSON-encodable values, paths as text)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class ResultCache:
    """Findings per (tool, key), and folders a tool keeps its own incremental state in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            # Asked for by name (CIPIPE_CACHE_DIR) and unusable: a setting to fix, said before
            # any tool runs.
            raise InputError(
                f"cannot create the analysers' result cache: {exc.strerror or exc}",
                file=str(root),
                field=CACHE_ENV,
                expected="a folder this user can create and write",
            ) from None

    def _entry(self, tool: str, key: str) -> Path:
        return self.root / "results" / tool / key[:2] / f"{key}.json"

    def load(self, tool: str, key: str) -> list[Finding] | None:
        """The findings stored under ``key``; None for a miss (absent, unreadable, corrupt)."""
        result = self.load_result(tool, key)
        return None if result is None else result.findings

    def load_result(self, tool: str, key: str) -> AnalysisResult | None:
        """The result stored under ``key`` (its findings, and what a changed-lines run says
        of the whole files); None for a miss (absent, unreadable, corrupt)."""
        path = self._entry(tool, key)
        try:
            if path.stat().st_size > MAX_ENTRY_BYTES:
                return None
            document = json.loads(path.read_bytes())
            if document.get("format") != ENTRY_FORMAT or document.get("key") != key:
                return None
            whole = document.get("whole_files")
            return AnalysisResult(
                findings=[Finding.model_validate(item) for item in document["findings"]],
                whole_files=None if whole is None else WholeFiles.model_validate(whole),
                note=document.get("note"),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, ValidationError, KeyError, TypeError, AttributeError) as exc:
            log.warning("precheck: cache entry %s unreadable (%s): analysing again", path, exc)
            return None

    def store(
        self,
        tool: str,
        key: str,
        findings: Sequence[Finding],
        *,
        whole_files: WholeFiles | None = None,
        note: str | None = None,
    ) -> None:
        """Record ``findings``; a cache that cannot be written costs time, never the check."""
        document: dict[str, object] = {
            "format": ENTRY_FORMAT,
            "key": key,
            "findings": [f.model_dump(mode="json") for f in findings],
        }
        if whole_files is not None:
            document |= {"whole_files": whole_files.model_dump(mode="json"), "note": note}
        path = self._entry(tool, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps(document), root=self.root)
        except OSError as exc:
            log.warning("precheck: cannot write cache entry %s: %s", path, exc)

    @contextlib.contextmanager
    def tool_folder(self, tool: str, key: str) -> Iterator[Path]:
        """A folder for a tool's own incremental state (cppcheck's build folder), held
        exclusively while the tool runs: two runs sharing the cache never write it at once."""
        folder = self.root / tool / key
        folder.mkdir(parents=True, exist_ok=True)
        lock_path = self.root / tool / f"{key}.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield folder
        finally:
            os.close(fd)

"""An artifact store driven through the JFrog CLI (``--via jf``).

Where ``jf`` is installed and configured, it brings what the site already trusts: its server
configuration, its credentials (``jf config`` or ``JFROG_CLI_*`` variables, never our argv),
checksum deploy, retries and parallel transfers, and the build-info it collects from uploads
made with ``--build-name``/``--build-number``. We only write specs, run it, and read its JSON.

The JFrog CLI documents no exit codes beyond 0: any non-zero exit is a failure, reported with
the last line jf wrote to stderr (where it writes its log; the JSON result goes to stdout).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cipipe.adapters.artifact_store.interface import (
    LocalFile,
    StoredFile,
    StoreError,
    StorePathError,
    UploadResult,
    check_store_path,
    sorted_properties,
)
from cipipe.adapters.process import (
    ProgramNotFound,
    ProgramResult,
    ProgramRunner,
    ProgramTimedOut,
    last_line,
    run_program,
)
from cipipe.fileio import atomic_copy

JF_ENV = {
    # Never prompt: a CI job has nobody to answer.
    "CI": "true",
    "JFROG_CLI_OFFER_CONFIG": "false",
    "JFROG_CLI_AVOID_NEW_VERSION_WARNING": "true",
}


UploadItem = tuple[LocalFile, str, Mapping[str, str]]


class JfCliStore:
    """An ``ArtifactStore`` that runs ``jf rt ...`` commands against one repository."""

    def __init__(
        self,
        repository: str,
        *,
        jf: str = "jf",
        build_name: str | None = None,
        build_number: str | None = None,
        retries: int = 3,
        runner: ProgramRunner = run_program,
        timeout: float = 3600.0,
    ) -> None:
        if "/" in repository:
            raise StorePathError(f"unsafe repository name {repository!r}", expected="one name")
        check_store_path(repository)
        if (build_name is None) != (build_number is None):
            raise ValueError("build_name and build_number go together")
        self.repository = repository
        self.jf = jf
        self.build_name = build_name
        self.build_number = build_number
        self.retries = retries
        self.runner = runner
        self.timeout = timeout

    @property
    def location(self) -> str:
        return f"jf:{self.repository}"

    def _target(self, path: str) -> str:
        check_store_path(path)
        if any(c in path for c in "*?{}"):
            # jf reads these as wildcards and placeholders, not as characters of a name.
            raise StorePathError(f"store path {path!r} has a jf wildcard character")
        return f"{self.repository}/{path}"

    # -- ArtifactStore ---------------------------------------------------------------------------

    def upload(self, file: LocalFile, path: str, properties: Mapping[str, str]) -> UploadResult:
        return self.upload_many([(file, path, properties)])[0]

    def upload_many(self, items: Sequence[UploadItem]) -> list[UploadResult]:
        """Upload several files with one jf run: one start-up and login instead of one per file,
        and jf transfers them on parallel threads.

        jf's summary does not say which files went by checksum deploy, so every result reports
        ``skipped_by_checksum=False`` and ``bytes_sent`` as the file's size (an upper bound).
        """
        entries = []
        for file, path, properties in items:
            if "*" in str(file.path):
                raise StorePathError(f"local file {file.path} has a jf wildcard character")
            entries.append(
                {
                    "pattern": str(file.path),
                    "target": self._target(path),
                    # An upload spec's "props" is deprecated for "targetProps" (jfrog-cli-core#60).
                    "targetProps": format_properties(properties),
                    "flat": "true",
                }
            )
        argv = [self.jf, "rt", "upload", "--spec", "<spec>", *self._build_flags()]
        argv += ["--retries", str(self.retries), "--fail-no-op", "--detailed-summary"]
        with tempfile.TemporaryDirectory(prefix="cipipe-jf-") as tmp:
            spec = Path(tmp) / "upload-spec.json"
            spec.write_text(json.dumps({"files": entries}, indent=2), encoding="utf-8")
            argv[4] = str(spec)
            summary = self._json(self._run(argv))
        uploaded = _summary_files(summary, len(items))
        results = []
        for file, path, _ in items:
            target = f"/{self._target(path)}"
            match = [f for f in uploaded if str(f.get("target", "")).endswith(target)]
            if not match:
                raise StoreError(f"jf upload: {path} missing from the summary")
            if match[0].get("sha256") != file.sha256:
                raise StoreError(
                    f"jf upload: {path} stored with sha256 {match[0].get('sha256')}, "
                    f"expected {file.sha256}"
                )
            results.append(UploadResult(path, str(match[0]["target"]), file.size, False, 1))
        return results

    def stat(self, path: str) -> StoredFile | None:
        wanted = self._target(path)
        found = [f for f in self._search([wanted], {}) if f.path == path]
        return found[0] if found else None

    def set_properties(self, path: str, properties: Mapping[str, str]) -> None:
        """Artifactory replaces the given keys' values and keeps the other keys."""
        props = format_properties(properties, set_props=True)
        argv = [self.jf, "rt", "set-props", self._target(path), props]
        summary = self._json(self._run(argv))
        totals = summary.get("totals", {}) if isinstance(summary, dict) else {}
        if totals.get("failure", 0) or not totals.get("success", 0):
            raise StoreError(f"jf set-props: {path}: not found or not changed ({totals})")

    def publish_build_info(self, document: Mapping[str, Any]) -> None:
        """Publish the build-info jf collected from our uploads.

        ``jf rt build-publish`` publishes jf's own collected build-info, not ``document``:
        only its name and number are used, and they must be the ones the uploads carried.
        """
        if self.build_name is None or self.build_number is None:
            raise StoreError("jf build-publish needs the store's build name and number")
        name = str(document.get("name", self.build_name))
        number = str(document.get("number", self.build_number))
        if (name, number) != (self.build_name, self.build_number):
            raise StoreError(
                f"build-info is for {name}/{number}, "
                f"the uploads for {self.build_name}/{self.build_number}"
            )
        self._run([self.jf, "rt", "build-publish", name, number])

    def search(self, properties: Mapping[str, str], path_prefix: str = "") -> list[StoredFile]:
        if path_prefix:
            check_store_path(path_prefix.rstrip("/"))
            if any(c in path_prefix for c in "*?{}"):
                raise StorePathError(f"path prefix {path_prefix!r} has a jf wildcard character")
        found = self._search([f"{self.repository}/{path_prefix}*"], properties)
        return sorted(
            (
                f
                for f in found
                if f.path.startswith(path_prefix)
                and all(f.properties.get(k) == (v,) for k, v in properties.items())
            ),
            key=lambda f: f.path,
        )

    def _search(self, patterns: list[str], properties: Mapping[str, str]) -> list[StoredFile]:
        argv = [self.jf, "rt", "search", *patterns]
        if properties:
            argv += ["--props", format_properties(properties)]
        rows = self._json(self._run(argv))
        if not isinstance(rows, list):
            raise StoreError(f"jf search: expected a JSON array, got {type(rows).__name__}")
        prefix = f"{self.repository}/"
        found = []
        for row in rows:
            if row.get("type", "file") != "file" or not str(row.get("path", "")).startswith(prefix):
                continue
            if not row.get("sha256"):
                raise StoreError(f"jf search gave no sha256 for {row.get('path')}; update jf")
            found.append(
                StoredFile(
                    path=str(row["path"])[len(prefix) :],
                    size=int(row.get("size", 0)),
                    sha256=str(row["sha256"]),
                    sha1=row.get("sha1"),
                    md5=row.get("md5"),
                    properties={k: tuple(v) for k, v in (row.get("props") or {}).items()},
                )
            )
        return found

    def download(self, path: str, target: Path) -> None:
        """Into a temp folder next to ``target``, then renamed: never half a file at ``target``."""
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".cipipe-jf-", dir=target.parent) as tmp:
            argv = [self.jf, "rt", "download", self._target(path), f"{tmp}{os.sep}"]
            argv += ["--flat=true", "--fail-no-op", "--retries", str(self.retries)]
            self._run(argv)
            fetched = Path(tmp) / path.rsplit("/", 1)[-1]
            if not fetched.is_file():
                raise StoreError(f"jf download: {path} not fetched")
            try:
                fetched.replace(target)
            except OSError:
                atomic_copy(fetched, target)

    # -- running jf ------------------------------------------------------------------------------

    def _build_flags(self) -> list[str]:
        if self.build_name is None or self.build_number is None:
            return []
        return ["--build-name", self.build_name, "--build-number", self.build_number]

    def _run(self, argv: list[str]) -> ProgramResult:
        try:
            result = self.runner(argv, env={**os.environ, **JF_ENV}, timeout=self.timeout)
        except (ProgramNotFound, ProgramTimedOut) as exc:
            raise StoreError(str(exc)) from exc
        # jf documents no exit codes: anything but 0 is a failure.
        if result.returncode != 0:
            detail = last_line(result.stderr) or last_line(result.stdout) or "no message"
            raise StoreError(f"jf rt {argv[2]} failed (exit {result.returncode}): {detail}")
        return result

    @staticmethod
    def _json(result: ProgramResult) -> Any:
        try:
            return json.loads(result.stdout)
        except ValueError as exc:
            raise StoreError(f"jf rt {result.argv[2]}: output is not JSON: {exc}") from exc


def format_properties(properties: Mapping[str, str], *, set_props: bool = False) -> str:
    """``k=v;k2=v2`` as jf parses it: ``;`` and ``,`` in a value escaped with a backslash.

    jf splits on ``;`` and then ``,``, a separator right after a backslash being literal (that
    one backslash dropped), and the key at the first ``=`` (jfrog/jfrog-client-go
    ``artifactory/services/utils/properties.go``, ``ParseProperties``). So any other backslash
    arrives as typed, but one ending a value would escape the separator after it, and an empty
    value is "Invalid property format" there: both are refused. Uploads then reach Artifactory
    as percent-encoded matrix parameters, every character intact (``ToEncodedString(false)``).

    ``set_props``: ``jf rt set-props`` sends the values to Set Item Properties with only ``,``
    escaped (``ToEncodedString(true)``), so Artifactory would split a value at ``;`` or ``|``,
    take a backslash as an escape and refuse an ``=``: such values are refused, not mangled.
    """
    pairs = []
    for key, value in sorted_properties(properties):
        if not key or any(c in key for c in "=;,\\"):
            raise StorePathError(f"property key {key!r}", expected="no '=', ';', ',' or '\\'")
        if not value or value.endswith("\\"):
            raise StorePathError(
                f"property {key}: value {value!r} for jf",
                expected="a value that is not empty and does not end with a backslash",
            )
        if set_props and any(c in value for c in ";|=\\"):
            raise StorePathError(
                f"property {key}: value {value!r} for jf rt set-props",
                expected="no ';', '|', '=' or '\\' (jf sends them unescaped); use --via rest",
            )
        escaped = value.replace(";", "\\;").replace(",", "\\,")
        pairs.append(f"{key}={escaped}")
    return ";".join(pairs)


def _summary_files(summary: Any, expected: int) -> list[dict[str, Any]]:
    """The ``files`` of a ``--detailed-summary``, after checking the totals add up."""
    if not isinstance(summary, dict):
        raise StoreError("jf upload: the summary is not a JSON object")
    totals = summary.get("totals", {})
    if summary.get("status") != "success" or totals.get("failure", 0):
        raise StoreError(f"jf upload: status {summary.get('status')!r}, totals {totals}")
    files = summary.get("files") or []
    if totals.get("success") != expected or len(files) != expected:
        raise StoreError(f"jf upload: {expected} files sent, summary says {totals}")
    return [f for f in files if isinstance(f, dict)]

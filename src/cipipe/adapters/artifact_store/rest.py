"""Artifactory over its REST API: deploy (by checksum first), file info, properties, AQL, builds.

Every upload ends with the store's own sha256 compared to the local one, so a proxy that cut or
mangled the body fails the step instead of publishing a broken candidate. HTTP, credentials and
retries live in ``rest_http``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.auth import AuthBase

from cipipe.adapters.artifact_store.interface import (
    LocalFile,
    StoredFile,
    StoreError,
    StorePathError,
    UploadResult,
    check_store_path,
    sorted_properties,
)
from cipipe.adapters.artifact_store.rest_http import (
    RetryingClient,
    auth_from_env,
    done,
    encode_matrix_params,
    encode_properties,
    read_json,
)
from cipipe.fileio import _atomically
from cipipe.urls import strip_credentials

__all__ = ["ArtifactoryRestStore", "auth_from_env", "encode_matrix_params", "encode_properties"]

log = logging.getLogger("cipipe.artifactory")

# Below this a checksum deploy's extra round trip costs more than sending the bytes.
CHECKSUM_DEPLOY_MIN_BYTES = 10 * 1024
CHUNK_BYTES = 1 << 20


class ArtifactoryRestStore:
    def __init__(
        self,
        base_url: str,
        repository: str = "candidates",
        *,
        auth: AuthBase | None = None,
        timeout: float = 60.0,
        max_attempts: int = 5,
        max_total_seconds: float = 600.0,
        backoff_seconds: float = 1.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise StorePathError(
                f"store URL {strip_credentials(base_url)} has credentials in it",
                expected="a URL without user or token: credentials come from the environment",
            )
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StorePathError(f"store URL {base_url!r}", expected="http(s)://HOST[/PATH]")
        if "/" in repository or not repository.strip():
            raise StorePathError(f"repository {repository!r}", expected="one repository key")
        check_store_path(repository)
        self.base_url = base_url.rstrip("/")
        self.repository = repository
        self._http = RetryingClient(
            self.base_url,
            auth,
            timeout=timeout,
            max_attempts=max_attempts,
            max_total_seconds=max_total_seconds,
            backoff_seconds=backoff_seconds,
            session=session,
            sleep=sleep,
            clock=clock,
        )

    @classmethod
    def from_env(
        cls, base_url: str, environ: Mapping[str, str] | None = None, **options: Any
    ) -> ArtifactoryRestStore:
        return cls(base_url, auth=auth_from_env(environ), **options)

    @property
    def location(self) -> str:
        return f"{self.base_url}/{self.repository}"

    def upload(self, file: LocalFile, path: str, properties: Mapping[str, str]) -> UploadResult:
        target = f"{self.repository}/{_quote_path(path)}"
        matrix = encode_matrix_params(properties)
        target += f";{matrix}" if matrix else ""
        sums = {"X-Checksum-Sha1": file.sha1, "X-Checksum-Sha256": file.sha256}
        url = f"{self.location}/{path}"
        attempts = 0
        if file.size >= CHECKSUM_DEPLOY_MIN_BYTES:
            headers = {**sums, "X-Checksum-Deploy": "true"}
            hit, attempts = self._http.call("PUT", target, done, headers=headers, missing_ok=True)
            if hit:
                self._verify(file, path)
                log.info("%s: the store had the content; no byte sent", url)
                return UploadResult(path, url, 0, True, attempts)
        headers = {**sums, "X-Checksum-Md5": file.md5, "Content-Type": "application/octet-stream"}
        _, more = self._http.call("PUT", target, done, headers=headers, upload=file)
        self._verify(file, path)
        return UploadResult(path, url, file.size, False, attempts + more)

    def stat(self, path: str) -> StoredFile | None:
        info = self._file_info(path)
        if info is None:
            return None
        storage = f"api/storage/{self.repository}/{_quote_path(path)}?properties"
        props, _ = self._http.call(
            "GET", storage, read_json, missing_ok=True
        )  # 404: no property at all
        found = props.get("properties") if isinstance(props, dict) else None
        try:
            sums = info["checksums"]
            return StoredFile(
                path=path,
                size=int(info["size"]),
                sha256=str(sums["sha256"]),
                sha1=sums.get("sha1"),
                md5=sums.get("md5"),
                properties={k: tuple(str(v) for v in vs) for k, vs in (found or {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise StoreError(f"{self.location}/{path}: the file info is malformed") from None

    def set_properties(self, path: str, properties: Mapping[str, str]) -> None:
        encoded = encode_properties(properties)
        if encoded:
            storage = f"api/storage/{self.repository}/{_quote_path(path)}"
            self._http.call("PUT", f"{storage}?properties={encoded}&recursive=0", done)

    def publish_build_info(self, document: Mapping[str, Any]) -> None:
        body = json.dumps(document).encode()
        headers = {"Content-Type": "application/json"}
        self._http.call("PUT", "api/build", done, headers=headers, data=body)

    def search(self, properties: Mapping[str, str], path_prefix: str = "") -> list[StoredFile]:
        """AQL over this repository; ``path_prefix`` is a folder, so ``a/1`` excludes ``a/10``."""
        prefix = check_store_path(path_prefix.strip("/")) if path_prefix.strip("/") else ""
        criteria: dict[str, Any] = {"repo": self.repository}
        if prefix:
            criteria["path"] = {"$match": f"{prefix}*"}
        criteria.update({f"@{k}": v for k, v in sorted_properties(properties)})
        include = '"repo","path","name","size","sha256","property"'
        query = f"items.find({json.dumps(criteria)}).include({include})"
        headers = {"Content-Type": "text/plain"}
        answer, _ = self._http.call(
            "POST", "api/search/aql", read_json, headers=headers, data=query.encode()
        )
        try:
            found = []
            rows: list[Any] = answer["results"] if isinstance(answer, dict) else []
            for row in rows:
                folder = "" if row["path"] in (".", "") else f"{row['path']}/"
                if prefix and not f"{folder}{row['name']}".startswith(f"{prefix}/"):
                    continue
                props: dict[str, list[str]] = {}
                for prop in row.get("properties") or []:
                    props.setdefault(prop["key"], []).append(str(prop.get("value", "")))
                found.append(
                    StoredFile(
                        path=f"{folder}{row['name']}",
                        size=int(row["size"]),
                        sha256=str(row["sha256"]),
                        properties={k: tuple(v) for k, v in props.items()},
                    )
                )
        except (KeyError, TypeError, ValueError):
            raise StoreError(f"{self.location}: the AQL answer is malformed") from None
        return found

    def download(self, path: str, target: Path) -> None:
        def save(response: requests.Response) -> bool:
            expected = (response.headers.get("X-Checksum-Sha256") or "").lower()

            def fill(tmp: Path) -> None:
                digest = hashlib.sha256()
                with tmp.open("wb") as out:
                    for chunk in response.iter_content(CHUNK_BYTES):
                        out.write(chunk)
                        digest.update(chunk)
                if expected and digest.hexdigest() != expected:
                    raise StoreError(f"{self.location}/{path}: downloaded bytes fail sha256")

            _atomically(target, fill)
            return True

        self._http.call("GET", f"{self.repository}/{_quote_path(path)}", save, stream=True)

    def _file_info(self, path: str) -> dict[str, Any] | None:
        storage = f"api/storage/{self.repository}/{_quote_path(path)}"
        info, _ = self._http.call("GET", storage, read_json, missing_ok=True)
        if info is not None and not isinstance(info, dict):
            raise StoreError(f"{self.location}/{path}: the file info is not an object")
        return info

    def _verify(self, file: LocalFile, path: str) -> None:
        """The store's own sha256 after the deploy: a proxy may have mangled or cut the body."""
        info = self._file_info(path)
        stored = ((info or {}).get("checksums") or {}).get("sha256")
        if stored != file.sha256:
            raise StoreError(
                f"{self.location}/{path}: stored sha256 {stored} is not the local {file.sha256}"
            )


def _quote_path(path: str) -> str:
    return quote(check_store_path(path), safe="/")

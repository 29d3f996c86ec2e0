"""The store a command talks to: Artifactory over REST, the jf CLI, or the local folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cipipe.adapters.artifact_store.interface import ArtifactStore, StorePathError


def open_artifact_store(
    target: str | None,
    *,
    via: str,
    repository: str,
    default_folder: Path,
    env: Mapping[str, str],
    build_name: str | None = None,
    build_number: str | None = None,
) -> ArtifactStore:
    """``target``: http(s) URL, ``file:///path``, or None for the local default folder."""
    if via == "jf":
        from cipipe.adapters.artifact_store.jf import JfCliStore

        return JfCliStore(repository, build_name=build_name, build_number=build_number)
    if target is None or target.startswith("file:"):
        from cipipe.adapters.artifact_store.local import LocalFolderStore

        folder = Path(unquote(urlsplit(target).path)) if target else default_folder
        return LocalFolderStore(folder, repository)
    if target.startswith(("http://", "https://")):
        from cipipe.adapters.artifact_store.rest import ArtifactoryRestStore
        from cipipe.adapters.artifact_store.rest_http import auth_from_env

        return ArtifactoryRestStore(target, repository, auth=auth_from_env(env))
    raise StorePathError(
        f"unknown store {target!r}",
        field="--target",
        expected="https://HOST/artifactory, file:///PATH, or nothing for the local folder",
    )

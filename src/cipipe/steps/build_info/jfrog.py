"""build-info.jfrog.json: the build in JFrog's build-info format, so Artifactory's Builds view
shows it next to the candidates (version 1.0.1 of the format)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cipipe import __version__
from cipipe.contracts.build_info import BuildInfo
from cipipe.logs import SecretMasker
from cipipe.urls import strip_credentials

FORMAT_VERSION = "1.0.1"
# Environment recorded as buildInfo.env.*: an allow-list, never "everything but secrets".
ENV_ALLOW_LIST = (
    "BUILD_NUMBER",
    "BUILD_ID",
    "BUILD_URL",
    "BUILD_TAG",
    "JOB_NAME",
    "JOB_BASE_NAME",
    "JOB_URL",
    "NODE_NAME",
    "NODE_LABELS",
    "EXECUTOR_NUMBER",
    "JENKINS_URL",
    "BRANCH_NAME",
    "CHANGE_ID",
    "CHANGE_TARGET",
    "CHANGE_BRANCH",
    "GIT_COMMIT",
    "GIT_BRANCH",
    "GIT_URL",
)
URL_VARIABLES = {"BUILD_URL", "JOB_URL", "JENKINS_URL", "GIT_URL"}


def jfrog_time(moment: datetime) -> str:
    """``2026-01-02T10:00:00.000+0000``: Java's yyyy-MM-dd'T'HH:mm:ss.SSSZ, in UTC."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def allowed_env(env: Mapping[str, str], masker: SecretMasker) -> dict[str, str]:
    properties = {}
    for name in ENV_ALLOW_LIST:
        value = env.get(name)
        if value is None:
            continue
        if name in URL_VARIABLES:
            value = strip_credentials(value)
        properties[f"buildInfo.env.{name}"] = masker.mask(value)
    return properties


def jfrog_build_info(
    info: BuildInfo,
    *,
    duration: timedelta,
    env: Mapping[str, str],
    masker: SecretMasker,
    message: str | None,
) -> dict[str, Any]:
    started = info.created - duration
    agent = (
        {"name": "Jenkins", "version": env.get("JENKINS_VERSION", "")}
        if env.get("JENKINS_URL")
        else {"name": "cipipe", "version": __version__}
    )
    document: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "name": info.service,
        "number": str(info.build_id),
        "started": jfrog_time(started),
        "durationMillis": int(duration.total_seconds() * 1000),
        "agent": agent,
        "buildAgent": {"name": "cipipe", "version": __version__},
        "vcs": [
            {
                "url": info.repo_url or "",
                "revision": info.commit,
                "branch": info.branch or "",
                "message": message or "",
            }
        ],
        "modules": [
            {
                "id": f"{info.service}:{platform.platform}",
                "type": "generic",
                "artifacts": [
                    {
                        "name": a.name,
                        "type": a.name.rsplit(".", 1)[1] if "." in a.name else "binary",
                        "path": a.store_path,
                        "sha1": a.sha1,
                        "sha256": a.sha256,
                        "md5": a.md5,
                    }
                    for a in platform.artifacts
                ],
            }
            for platform in info.platforms
            if platform.artifacts
        ],
        "properties": allowed_env(env, masker),
    }
    if info.build_url:
        document["url"] = strip_credentials(info.build_url)
    return document

"""build-info.jfrog.json: the build in JFrog's build-info format (1.0.x), as cipipe writes it.

Not a cipipe schema (JFrog's format has no ``schema`` field): publish sends it to Artifactory
as it is, so ``cipipe validate`` checks it against this model before a rerun of publish does.
Field names are JFrog's (camelCase). JFrog's fields cipipe does not write are accepted with
their documented types; any other key is an error, so a typo never reaches Artifactory.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from cipipe.contracts.base import Strict
from cipipe.contracts.numbers import Count
from cipipe.identifiers import BuildIdText, Name

# Java's yyyy-MM-dd'T'HH:mm:ss.SSSZ, as Artifactory parses it.
STARTED_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{4})$"
SHA1 = r"^[0-9a-f]{40}$"
SHA256 = r"^[0-9a-f]{64}$"
MD5 = r"^[0-9a-f]{32}$"


class JfrogAgent(Strict):
    name: str
    version: str


class JfrogVcs(Strict):
    url: str | None = None
    revision: str
    branch: str | None = None
    message: str | None = None


class JfrogArtifact(Strict):
    name: str
    type: str | None = None
    path: str | None = Field(
        default=None,
        description="The path inside the repository, without the repository key (as jf fills "
        "it: jfrog-client-go ArtifactDetails.ToBuildInfoArtifact)",
    )
    original_deployment_repo: str | None = Field(
        default=None,
        alias="originalDeploymentRepo",
        description="The repository the artifact was deployed to (build-info-go's "
        "entities.Artifact); `cipipe publish` sets it to --repository on what it sends",
    )
    sha1: str = Field(pattern=SHA1)
    sha256: str | None = Field(default=None, pattern=SHA256)
    md5: str = Field(pattern=MD5)


class JfrogDependency(Strict):
    id: str
    type: str | None = None
    scopes: list[str] | None = None
    requested_by: list[list[str]] | None = Field(default=None, alias="requestedBy")
    sha1: str = Field(pattern=SHA1)
    sha256: str | None = Field(default=None, pattern=SHA256)
    md5: str = Field(pattern=MD5)


class JfrogModule(Strict):
    id: str = Field(min_length=1)
    type: str | None = None
    properties: dict[str, str] | None = None
    artifacts: list[JfrogArtifact] = Field(default_factory=list)
    dependencies: list[JfrogDependency] = Field(default_factory=list)


class JfrogBuildInfo(Strict):
    """The top level of a JFrog build-info document."""

    FILE_NAME: ClassVar[str] = "build-info.jfrog.json"

    version: str = Field(pattern=r"^1\.0\.[0-9]+$", description="The format's version")
    name: Name = Field(description="Build name: the service")
    number: BuildIdText = Field(description="Build number: the build id")
    type: str | None = None
    started: str = Field(pattern=STARTED_PATTERN)
    duration_millis: Count = Field(alias="durationMillis")
    agent: JfrogAgent | None = None
    build_agent: JfrogAgent | None = Field(default=None, alias="buildAgent")
    principal: str | None = None
    artifactory_principal: str | None = Field(default=None, alias="artifactoryPrincipal")
    url: str | None = None
    vcs: list[JfrogVcs] = Field(default_factory=list)
    modules: list[JfrogModule] = Field(default_factory=list)
    properties: dict[str, str] = Field(default_factory=dict)
    parent_name: str | None = Field(default=None, alias="parentName")
    parent_number: str | None = Field(default=None, alias="parentNumber")
    build_retention: dict[str, Any] | None = Field(default=None, alias="buildRetention")
    issues: dict[str, Any] | None = None

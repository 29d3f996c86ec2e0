"""The JFrog build-info as publish sends it: the repository the artifacts went to, recorded.

``cipipe build-info`` may run before publish and does not know the repository, so each
artifact's ``path`` is repository-relative (``<service>/<buildId>/<platform>/<name>``, as jf
itself fills it: jfrog/jfrog-client-go artifactory/services/utils/resultutils.go). Publish
knows it (``--repository``) and records it as ``originalDeploymentRepo``, build-info-go's field
for "the target repository to which the artifact was deployed" (jfrog/build-info-go
entities/buildinfo.go), so ``originalDeploymentRepo/path`` is the artifact's full store path.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from cipipe.errors import InputError


def as_deployed(document: Mapping[str, Any], repository: str, *, file: str) -> dict[str, Any]:
    """``document`` with every artifact's ``originalDeploymentRepo`` set to ``repository``.

    A path of an older cipipe, ``<repository>/<service>/<buildId>/<platform>/<name>`` (one
    level deeper than ours, under this repository's key), is refused rather than sent: it
    names a place that does not exist in the repository. A service named like the repository
    is one level shallower, so it is not mistaken for it."""
    deployed = copy.deepcopy(dict(document))
    for m, module in enumerate(deployed.get("modules") or []):
        for a, artifact in enumerate(module.get("artifacts") or []):
            path = str(artifact.get("path", ""))
            if path.split("/", 1)[0] == repository and path.count("/") >= 4:
                raise InputError(
                    f"got {path!r}: it includes the repository key {repository!r}",
                    file=file,
                    field=f"modules[{m}].artifacts[{a}].path",
                    expected="<service>/<buildId>/<platform>/<name> (rerun cipipe build-info)",
                )
            artifact["originalDeploymentRepo"] = repository
    return deployed

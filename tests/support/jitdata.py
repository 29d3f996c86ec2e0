"""Where the public just-in-time defect data is (the tests and bench/ read it from here).

``CIPIPE_JIT_DATA`` if set, else ``../shared/data/jit`` beside the repository. CI clones the
repository somewhere else, so `.ci/run` looks further up for ``shared/data/jit`` and exports
``CIPIPE_JIT_DATA`` when it finds it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
PROJECTS = ("qt", "openstack", "jdt", "platform")


def jit_data_dir(env: Mapping[str, str] = os.environ) -> Path:
    return Path(env.get("CIPIPE_JIT_DATA") or REPO_ROOT.parent / "shared" / "data" / "jit")


def project_file(project: str, env: Mapping[str, str] = os.environ) -> Path:
    return jit_data_dir(env) / f"{project}_k_feature.csv"


def missing_reason(*projects: str) -> str | None:
    """Why the data of ``projects`` cannot be read here, or None when all of it is there."""
    absent = [p for p in projects if not project_file(p).is_file()]
    if not absent:
        return None
    files = ", ".join(f"{p}_k_feature.csv" for p in absent)
    return f"the JIT defect data ({files}) is not in {jit_data_dir()} (set CIPIPE_JIT_DATA)"

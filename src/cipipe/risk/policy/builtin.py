"""The policy bundle cipipe ships: the seed's defaults, for a repository that has none yet.

The package data folder ``cipipe/builtin_policy`` is a copy of ``policies/`` at the root of
cipipe's own repository (the original, which the project layout keeps and its reviews edit); a
test fails when the two drift. ``cipipe policy init DIR`` copies the bundle out for a team to
own, after which the team's folder is used instead.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cipipe.errors import InputError
from cipipe.fileio import atomic_write_bytes
from cipipe.risk.policy.bundle import (
    MAPPING_FILE,
    METADATA_FILE,
    THRESHOLDS_FILE,
    WEIGHTS_FILE,
    PolicyBundle,
    load_policy_bundle,
)

BUNDLE_FILES = (WEIGHTS_FILE, MAPPING_FILE, THRESHOLDS_FILE, METADATA_FILE)
# What decision records and logs name as the folder or URL of the built-in bundle: its
# install path would differ from one agent to the next.
BUILTIN_SOURCE = "builtin"


def builtin_folder() -> Path:
    """The folder of the shipped bundle inside the installed package."""
    return Path(__file__).resolve().parents[2] / "builtin_policy"


def load_builtin_bundle() -> PolicyBundle:
    """The shipped bundle, validated like any folder; its origin is "builtin"."""
    bundle = load_policy_bundle(builtin_folder(), in_git=False)
    return dataclasses.replace(bundle, origin="builtin")


def init_bundle(destination: Path, *, force: bool = False) -> list[Path]:
    """Copy the shipped bundle into ``destination`` (created when missing) and return the
    files written. A folder that already holds files is refused (exit 2) unless ``force``,
    which overwrites the bundle's four files and leaves any other file alone."""
    if destination.exists() and not destination.is_dir():
        raise InputError("is not a folder", file=str(destination), expected="a policy folder")
    if not force and destination.is_dir() and any(destination.iterdir()):
        present = sorted(p.name for p in destination.iterdir())
        raise InputError(
            f"already holds {', '.join(present[:4])}{' ...' if len(present) > 4 else ''}",
            file=str(destination),
            expected="an empty or new folder (--force overwrites the bundle's files)",
        )
    # Validated before anything is written: a broken install must not leave half a bundle.
    load_builtin_bundle()
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    for name in BUNDLE_FILES:
        target = destination / name
        atomic_write_bytes(target, (builtin_folder() / name).read_bytes(), root=destination)
        written.append(target)
    return written

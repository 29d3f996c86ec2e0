"""Artifact names: ``<service>-<platform>-<commit>-<buildId>[.ext]`` (seed 4.1), and build ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from cipipe.errors import InputError
from cipipe.identifiers import check_artifact_name, check_build_id

# Suffixes kept whole, so sample.tar.gz stays .tar.gz rather than .gz.
DOUBLE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst")


@dataclass(frozen=True)
class BuildId:
    value: str
    source: Literal["flag", "jenkins", "counter"]


def check_name(name: str, what: str) -> str:
    """An artifact name: one path component of a safe alphabet (cipipe.identifiers), and no
    '..' anywhere, so no store or URL path built from it can climb a folder."""
    check_artifact_name(name, field=what)
    if ".." in name:
        raise InputError(f"got {name!r}", field=what, expected="a name without '..'")
    return name


def resolve_build_id(flag: str | None, env: Mapping[str, str], next_counter: int) -> BuildId:
    """--build-id, else Jenkins' BUILD_NUMBER, else a local counter kept in the work folder."""
    if flag:
        candidate = BuildId(flag, "flag")
    elif env.get("BUILD_NUMBER"):
        candidate = BuildId(env["BUILD_NUMBER"], "jenkins")
    else:
        candidate = BuildId(str(next_counter), "counter")
    field = "--build-id" if candidate.source == "flag" else "BUILD_NUMBER"
    check_build_id(candidate.value, field=field)
    return candidate


def extension(filename: str) -> str:
    lower = filename.lower()
    for double in DOUBLE_SUFFIXES:
        if lower.endswith(double):
            return filename[-len(double) :]
    return PurePath(filename).suffix


def artifact_name(
    service: str, platform: str, commit: str, build_id: str, built_file: str, *, stem: str | None
) -> str:
    """``stem`` distinguishes several artifacts of one platform (their original names)."""
    parts = [service] + ([stem] if stem else []) + [platform, commit, build_id]
    return check_name("-".join(parts) + extension(built_file), "artifact name")


def commit_label(commit: str, form: str, short_length: int) -> str:
    return commit if form == "full" else commit[:short_length]

"""Artifact names: ``<service>-<platform>-<commit>-<buildId>[.ext]`` (seed 4.1), and build ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from cipipe.errors import InputError

# A name goes into URLs, Artifactory paths and shell lines: keep it to a safe alphabet.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
SAFE_BUILD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Suffixes kept whole, so sample.tar.gz stays .tar.gz rather than .gz.
DOUBLE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst")


@dataclass(frozen=True)
class BuildId:
    value: str
    source: Literal["flag", "jenkins", "counter"]


def check_name(name: str, what: str) -> str:
    if not SAFE_NAME.match(name) or ".." in name:
        raise InputError(
            f"unsafe {what} {name!r}",
            expected="letters, digits, '.', '_', '+', '-'; no path separators or '..'",
        )
    return name


def resolve_build_id(flag: str | None, env: Mapping[str, str], next_counter: int) -> BuildId:
    """--build-id, else Jenkins' BUILD_NUMBER, else a local counter kept in the work folder."""
    if flag:
        candidate = BuildId(flag, "flag")
    elif env.get("BUILD_NUMBER"):
        candidate = BuildId(env["BUILD_NUMBER"], "jenkins")
    else:
        candidate = BuildId(str(next_counter), "counter")
    if not SAFE_BUILD_ID.match(candidate.value):
        raise InputError(
            f"got {candidate.value!r}",
            field="--build-id" if candidate.source == "flag" else "BUILD_NUMBER",
            expected="1-64 letters, digits, '.', '_', '-'",
        )
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

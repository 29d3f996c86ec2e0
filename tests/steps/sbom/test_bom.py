from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from cipipe.contracts.artifacts import Artifact
from cipipe.readers.deps import Dependency
from cipipe.steps.sbom.bom import build_bom, combine

ARTIFACT = Artifact(
    name="fw-arm-abc-7.bin",
    platform="arm",
    path="artifacts/arm/fw-arm-abc-7.bin",
    built_as="build/arm/fw.bin",
    size=3,
    sha256="a" * 64,
    sha1="b" * 40,
    md5="c" * 32,
)


def bom(kind: str, deps: list[Dependency] | None = None) -> dict[str, Any]:
    text = build_bom(
        service="fw",
        kind=kind,
        commit="abc",
        build_id="7",
        timestamp=datetime(2026, 1, 2, tzinfo=UTC),
        dependencies=deps or [],
        artifacts=[ARTIFACT],
    )
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.mark.parametrize(
    ("kind", "cyclonedx_type"),
    [("firmware", "firmware"), ("driver", "device-driver"), ("service", "application")],
)
def test_artifacts_are_components_typed_by_kind(kind: str, cyclonedx_type: str) -> None:
    data = bom(kind)
    [component] = data["components"]
    assert component["type"] == cyclonedx_type
    assert {h["alg"]: h["content"] for h in component["hashes"]} == {
        "SHA-256": "a" * 64,
        "SHA-1": "b" * 40,
        "MD5": "c" * 32,
    }
    assert data["metadata"]["component"]["type"] == cyclonedx_type


def test_lock_wins_over_manifest_and_versions_are_kept_apart() -> None:
    lock = Dependency("zlib", "1.3.1", "pkg:conan/zlib@1.3.1", source="conan.lock")
    manifest = Dependency("zlib", None, "pkg:conan/zlib", source="conanfile.txt")
    old_ms = Dependency("ms", "2.0.0", "pkg:npm/ms@2.0.0", source="package-lock.json")
    new_ms = Dependency("ms", "2.1.3", "pkg:npm/ms@2.1.3", source="package-lock.json")
    only_manifest = Dependency("fmt", None, "pkg:conan/fmt", source="conanfile.txt")
    kept = combine([lock, old_ms, new_ms, old_ms], [manifest, only_manifest])
    assert kept == [lock, old_ms, new_ms, only_manifest]


@pytest.mark.parametrize(
    ("name", "cyclonedx_type"),
    [
        ("libfw-linux-abc-7.a", "library"),
        ("libfw-linux-abc-7.so", "library"),
        ("libfw-linux-abc-7.so.1.2", "library"),
        ("fw-windows-abc-7.dll", "library"),
        ("fw-windows-abc-7.LIB", "library"),
        ("fw-windows-abc-7.exe", "firmware"),
        ("fw-arm-abc-7.bin", "firmware"),
        ("fw-linux-abc-7.solid", "firmware"),
    ],
)
def test_a_library_artifact_is_a_library_whatever_the_kind(name: str, cyclonedx_type: str) -> None:
    text = build_bom(
        service="fw",
        kind="firmware",
        commit="abc",
        build_id="7",
        timestamp=datetime(2026, 1, 2, tzinfo=UTC),
        dependencies=[],
        artifacts=[ARTIFACT.model_copy(update={"name": name})],
    )
    [component] = json.loads(text)["components"]
    assert component["type"] == cyclonedx_type

"""cipipe bundle against a local store holding several candidates of two services."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.interface import LocalFile
from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.digests import digest_file
from cipipe.steps.publish.completion import fileset_digest
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def _local(path: Path) -> LocalFile:
    d = digest_file(path)
    return LocalFile(path, d.size, d.sha256, d.sha1, d.md5)


def candidate(
    store: LocalFolderStore,
    tmp: Path,
    service: str,
    build: int,
    platform: str,
    *,
    marker: str | None = "right",
    **extra: str,
) -> None:
    """One platform's file and build-info.json, as a publish leaves them; ``marker``: "right"
    (finished), None (stopped before the marker) or "wrong" (a marker naming other files)."""
    source = tmp / f"{service}-{build}-{platform}"
    source.write_text(f"#!/bin/sh\necho {service} {build}\n")
    info = tmp / f"{service}-{build}-build-info.json"
    info.write_text(f'{{"build": {build}}}\n')
    path, info_path = (
        f"{service}/{build}/{platform}/{service}",
        f"{service}/{build}/build-info.json",
    )
    fileset = fileset_digest([(path, _local(source).sha256), (info_path, _local(info).sha256)])
    props = {
        "service": service,
        "build.number": str(build),
        "platform": platform,
        "state": "candidate",
        "build.timestamp": str(1_700_000_000_000 + build),
        "vcs.branch": "main",
        "cipipe.fileset": fileset,
        **extra,
    }
    store.upload(_local(source), path, props)
    info_props = {k: v for k, v in props.items() if k != "platform"}
    if marker is not None:
        info_props["cipipe.complete"] = fileset if marker == "right" else "0" * 64
    store.upload(_local(info), info_path, info_props)


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    store = LocalFolderStore(root)
    files = tmp_path / "files"
    files.mkdir()
    candidate(store, files, "driver", 5, "arm", **{"compat.abi": "3"})
    candidate(store, files, "driver", 9, "arm", **{"compat.abi": "4"})
    candidate(store, files, "driver", 12, "arm", **{"compat.abi": "3", "state": "uploading"})
    # Publishes that stopped while marking: candidate files, but no (or a wrong) marker.
    candidate(store, files, "driver", 11, "arm", marker=None, **{"compat.abi": "3"})
    candidate(store, files, "driver", 10, "arm", marker="wrong", **{"compat.abi": "3"})
    candidate(store, files, "firmware", 2, "arm")
    candidate(store, files, "firmware", 10, "arm")
    return root


def spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bundle.yaml"
    path.write_text(text)
    return path


SPEC = """\
bundle: gateway
members:
  - {service: driver, platform: arm, properties: {compat.abi: "3"}}
  - {service: firmware, min_build: 2}
smoke: "sh -c 'test -f driver/5/arm/driver && test -f firmware/10/arm/firmware'"
"""


def test_newest_compatible_members_smoke_tested_and_published(
    cli: Cli, store_root: Path, tmp_path: Path
) -> None:
    work = tmp_path / "w"
    result = cli(
        "--workdir",
        work,
        "bundle",
        "--spec",
        spec(tmp_path, SPEC),
        "--target",
        f"file://{store_root}",
        "--build-id",
        "31",
    )
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((work / "manifest.json").read_text())
    # driver 9 has another ABI, 12 is still uploading, and the publishes of 11 and 10 did not
    # finish: 5 is the newest compatible complete candidate.
    assert "build 11 skipped" in result.stderr and "no completion marker" in result.stderr
    assert "build 10 skipped" in result.stderr and "not the file set it names" in result.stderr
    assert [(m["service"], m["build_id"]) for m in manifest["members"]] == [
        ("driver", "5"),
        ("firmware", "10"),
    ]
    assert manifest["verified"] is True and manifest["smoke"]["passed"] is True
    stored = LocalFolderStore(store_root).stat("gateway/31/manifest.json")
    assert stored is not None and stored.properties["state"] == ("candidate",)
    assert cli("validate", work / "manifest.json").exit_code == 0


def test_an_unresolvable_member_names_its_constraint(
    cli: Cli, store_root: Path, tmp_path: Path
) -> None:
    text = SPEC.replace("{service: firmware, min_build: 2}", "{service: firmware, min_build: 11}")
    result = cli(
        "--workdir",
        tmp_path / "w",
        "bundle",
        "--spec",
        spec(tmp_path, text),
        "--target",
        f"file://{store_root}",
        "--build-id",
        "1",
    )
    assert result.exit_code == 1
    assert "no candidate of firmware matches" in result.stderr and "build >= 11" in result.stderr


def test_failed_smoke_test_is_exit_1_and_recorded(
    cli: Cli, store_root: Path, tmp_path: Path
) -> None:
    text = SPEC.replace("test -f driver/5/arm/driver", "test -f driver/9/arm/driver")
    result = cli(
        "--workdir",
        tmp_path / "w",
        "bundle",
        "--spec",
        spec(tmp_path, text),
        "--target",
        f"file://{store_root}",
        "--build-id",
        "2",
    )
    assert result.exit_code == 1
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text())
    assert manifest["smoke"]["passed"] is False and manifest["smoke"]["exit_code"] == 1
    stored = LocalFolderStore(store_root).stat("gateway/2/manifest.json")
    assert stored is not None and stored.properties["state"] == ("rejected",)


def test_bad_spec_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "--workdir", tmp_path / "w", "bundle", "--spec", spec(tmp_path, "bundle: gw\nmembers: []\n")
    )
    assert result.exit_code == 2 and "members" in result.stderr


def test_resolution_over_rest_uses_aql(tmp_path: Path) -> None:
    from cipipe.adapters.artifact_store.rest import ArtifactoryRestStore
    from cipipe.contracts.bundle import MemberSpec
    from cipipe.steps.bundle import resolve
    from tests.support.artifactoryserver import FakeArtifactory, serve

    with serve(FakeArtifactory()) as fake:
        for build, abi, complete in (
            (3, "3", True),
            (7, "3", True),
            (8, "4", True),
            (9, "3", False),
        ):
            data, info = f"drv {build}".encode(), f'{{"build": {build}}}'.encode()
            path, info_path = f"driver/{build}/arm/driver", f"driver/{build}/build-info.json"
            sha = hashlib.sha256
            fileset = fileset_digest(
                [(path, sha(data).hexdigest()), (info_path, sha(info).hexdigest())]
            )
            props = {"build.number": str(build), "cipipe.fileset": fileset}
            fake.put_file(
                "candidates",
                path,
                data,
                service="driver",
                platform="arm",
                state="candidate",
                **props,
                **{"compat.abi": abi},
            )
            if complete:
                props["cipipe.complete"] = fileset
            fake.put_file(
                "candidates", info_path, info, service="driver", state="candidate", **props
            )
        store = ArtifactoryRestStore(fake.url, timeout=5)
        newest, files = resolve(store, MemberSpec(service="driver", properties={"compat.abi": "3"}))
        # 9 is newer, but its publish did not finish.
        assert newest == "7" and [f.path for f in files] == ["driver/7/arm/driver"]
        assert any(s.kind == "aql" for s in fake.seen)


def test_a_candidate_a_manifest_could_not_name_is_passed_over(tmp_path: Path) -> None:
    from cipipe.contracts.bundle import MemberSpec
    from cipipe.steps.bundle import resolve

    store = LocalFolderStore(tmp_path / "store")
    files = tmp_path / "files"
    files.mkdir()
    candidate(store, files, "driver", 5, "arm")
    # Newer, but its properties would put a second line or a path into manifest.json.
    candidate(store, files, "driver", 90, "arm", **{"build.number": "90\nstate=approved"})
    candidate(store, files, "driver", 91, "Arm;x")
    newest, found = resolve(store, MemberSpec(service="driver"))
    assert newest == "5" and [f.path for f in found] == ["driver/5/arm/driver"]

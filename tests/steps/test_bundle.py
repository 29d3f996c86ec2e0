"""cipipe bundle against a local store holding several candidates of two services."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.adapters.artifact_store.interface import LocalFile
from cipipe.adapters.artifact_store.local import LocalFolderStore
from cipipe.digests import digest_file
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def candidate(
    store: LocalFolderStore, tmp: Path, service: str, build: int, platform: str, **extra: str
) -> None:
    source = tmp / f"{service}-{build}-{platform}"
    source.write_text(f"#!/bin/sh\necho {service} {build}\n")
    d = digest_file(source)
    props = {
        "service": service,
        "build.number": str(build),
        "platform": platform,
        "state": "candidate",
        "build.timestamp": str(1_700_000_000_000 + build),
        "vcs.branch": "main",
        **extra,
    }
    store.upload(
        LocalFile(source, d.size, d.sha256, d.sha1, d.md5),
        f"{service}/{build}/{platform}/{service}",
        props,
    )


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    store = LocalFolderStore(root)
    files = tmp_path / "files"
    files.mkdir()
    candidate(store, files, "driver", 5, "arm", **{"compat.abi": "3"})
    candidate(store, files, "driver", 9, "arm", **{"compat.abi": "4"})
    candidate(store, files, "driver", 12, "arm", **{"compat.abi": "3", "state": "uploading"})
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
    # driver 9 has another ABI and driver 12 is still uploading: 5 is the newest compatible.
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
    from tests.artifactoryserver import FakeArtifactory, serve

    with serve(FakeArtifactory()) as fake:
        for build, abi in ((3, "3"), (7, "3"), (8, "4")):
            fake.put_file(
                "candidates",
                f"driver/{build}/arm/driver",
                f"drv {build}".encode(),
                service="driver",
                platform="arm",
                state="candidate",
                **{"build.number": str(build), "compat.abi": abi},
            )
        store = ArtifactoryRestStore(fake.url, timeout=5)
        newest, files = resolve(store, MemberSpec(service="driver", properties={"compat.abi": "3"}))
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

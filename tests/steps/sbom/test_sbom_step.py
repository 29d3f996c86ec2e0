"""cipipe sbom on real repositories: the sample, submodules, vendored drift, merging, diffs."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.conftest import DATA, SAMPLE_SERVICE, CliResult
from tests.steps.sbom.sources import write_source
from tests.support.gitrepo import GitRepoBuilder
from tests.support.snapshots import assert_snapshot_text

Cli = Callable[..., CliResult]
DEPS = DATA / "deps"
CONFIG = "service: fw\nkind: firmware\nsupports: [linux]\n"


def valid_cyclonedx(text: str) -> None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)[:500]


def sbom(cli: Cli, repo: Path, work: Path, *extra: str | Path) -> tuple[CliResult, dict[str, Any]]:
    write_source(repo, work)
    result = cli("--workdir", work, "sbom", "--repo", repo, *extra)
    data: dict[str, Any] = (
        json.loads((work / "sbom.json").read_text()) if (work / "sbom.json").exists() else {}
    )
    return result, data


def purls(bom: dict[str, Any]) -> set[str]:
    return {c["purl"] for c in bom.get("components", []) if "purl" in c}


def test_sample_sbom_is_valid_and_byte_identical(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_repo("sample")
    shutil.copytree(SAMPLE_SERVICE, repo.root, dirs_exist_ok=True)
    repo.commit("sample")
    first, bom = sbom(cli, repo.root, tmp_path / "a", "--build-id", "7")
    assert first.exit_code == 0, first.stderr
    text = (tmp_path / "a" / "sbom.json").read_text()
    valid_cyclonedx(text)
    again, _ = sbom(cli, repo.root, tmp_path / "b", "--build-id", "7")
    assert again.exit_code == 0
    assert (tmp_path / "b" / "sbom.json").read_text() == text
    assert purls(bom) == {"pkg:conan/fmt@10.2.1", "pkg:conan/zlib@1.3.1", "pkg:generic/lwip@2.1.2"}
    assert bom["metadata"]["timestamp"].startswith("2026-01-02T11:00:00")
    assert bom["serialNumber"].startswith("urn:uuid:")
    assert cli("validate", tmp_path / "a" / "sbom.json").stdout.endswith("valid CycloneDX 1.6\n")
    assert_snapshot_text("sample-service.sbom.json", text)


def test_another_build_id_gives_another_serial(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_repo("r")
    repo.commit("r", {".cipipe.yaml": CONFIG})
    _, one = sbom(cli, repo.root, tmp_path / "a", "--build-id", "1")
    _, two = sbom(cli, repo.root, tmp_path / "b", "--build-id", "2")
    assert one["serialNumber"] != two["serialNumber"]


def test_submodules_become_components_with_their_commits(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    one = make_repo("mbedtls")
    one_sha = one.commit("tls", {"tls.c": "int tls;\n"})
    two = make_repo("lib-two")
    two_sha = two.commit("two", {"two.c": "int two;\n"})
    top = make_repo("fw")
    top.commit("fw", {".cipipe.yaml": CONFIG})
    top.git("submodule", "add", "-q", str(one.root), "ext/mbedtls")
    top.git("submodule", "add", "-q", str(two.root), "ext/two")
    # A GitHub URL in .gitmodules gives a pkg:github purl; the checkout stays local.
    top.git(
        "config",
        "-f",
        ".gitmodules",
        "submodule.ext/mbedtls.url",
        "https://github.com/Mbed-TLS/mbedtls.git",
    )
    top.commit("add submodules")
    result, bom = sbom(cli, top.root, tmp_path / "w")
    assert result.exit_code == 0, result.stderr
    assert f"pkg:github/mbed-tls/mbedtls@{one_sha}" in purls(bom)  # the purl spec lowercases
    generic = next(p for p in purls(bom) if p.startswith("pkg:generic/lib-two@"))
    assert generic.startswith(f"pkg:generic/lib-two@{two_sha}?vcs_url=")
    valid_cyclonedx((tmp_path / "w" / "sbom.json").read_text())


def test_vendored_drift_is_a_finding(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    from cipipe.steps.sbom.vendored import tree_hash

    repo = make_repo("fw")
    repo.write("third_party/lwip/core.c", "int lwip;\n")
    recorded = tree_hash(repo.root / "third_party/lwip")
    components = (
        "components:\n  - name: lwip\n    version: 2.1.2\n    path: third_party/lwip\n"
        f"    license: BSD-3-Clause\n    hash: {recorded}\n"
    )
    repo.commit("vendor lwip", {".cipipe.yaml": CONFIG, "third_party/components.yaml": components})
    result, _ = sbom(cli, repo.root, tmp_path / "w")
    assert result.exit_code == 0
    assert json.loads((tmp_path / "w" / "deps_changed.json").read_text())["vendored_drift"] == []

    repo.commit("patch lwip locally", {"third_party/lwip/core.c": "int lwip_patched;\n"})
    result, _ = sbom(cli, repo.root, tmp_path / "w")
    [drift] = json.loads((tmp_path / "w" / "deps_changed.json").read_text())["vendored_drift"]
    assert drift["name"] == "lwip" and drift["recorded"] == recorded
    assert drift["actual"] == tree_hash(repo.root / "third_party/lwip") != recorded
    assert "vendored lwip (third_party/lwip) drifted" in result.stderr
    assert result.exit_code == 0  # a finding; blocking only when the policy says so
    repo.commit("strict", {".cipipe.yaml": CONFIG + "sbom: {fail_on_drift: true}\n"})
    assert sbom(cli, repo.root, tmp_path / "w")[0].exit_code == 1


def test_tree_hash_ignores_timestamps_and_location(tmp_path: Path) -> None:
    from cipipe.steps.sbom.vendored import tree_hash

    for name in ("a", "b"):
        (tmp_path / name / "sub").mkdir(parents=True)
        (tmp_path / name / "sub" / "x.c").write_text("x")
        (tmp_path / name / "y.h").write_text("y")
    assert tree_hash(tmp_path / "a") == tree_hash(tmp_path / "b")
    (tmp_path / "b" / "y.h").write_text("changed")
    assert tree_hash(tmp_path / "a") != tree_hash(tmp_path / "b")


def test_a_vendored_file_is_hashed_like_sha256sum(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_repo("fw")
    repo.write("src/contrib/dragonbox.h", "// dragonbox\n")
    repo.write("third_party/libz.a", b"!<arch>\nz")
    recorded = "sha256:" + hashlib.sha256(b"// dragonbox\n").hexdigest()
    components = (
        "components:\n"
        f"  - {{name: dragonbox, path: src/contrib/dragonbox.h, hash: '{recorded}'}}\n"
        "  - {name: zlib, version: 1.3.1, path: third_party/libz.a}\n"
    )
    repo.commit("vendor", {".cipipe.yaml": CONFIG, "third_party/components.yaml": components})
    result, bom = sbom(cli, repo.root, tmp_path / "w")
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "w" / "deps_changed.json").read_text())["vendored_drift"] == []
    by_name = {c["name"]: c for c in bom["components"]}
    assert by_name["dragonbox"]["hashes"] == [{"alg": "SHA-256", "content": recorded[7:]}]
    assert "version" not in by_name["dragonbox"]  # not known: left out, never made up
    assert by_name["dragonbox"]["purl"] == "pkg:generic/dragonbox"
    assert by_name["zlib"]["type"] == "library"  # a vendored archive is a library
    assert by_name["zlib"]["hashes"][0]["content"] == hashlib.sha256(b"!<arch>\nz").hexdigest()
    valid_cyclonedx((tmp_path / "w" / "sbom.json").read_text())

    repo.commit("patch", {"src/contrib/dragonbox.h": "// dragonbox, patched\n"})
    result, _ = sbom(cli, repo.root, tmp_path / "w")
    [drift] = json.loads((tmp_path / "w" / "deps_changed.json").read_text())["vendored_drift"]
    assert drift["actual"] == "sha256:" + hashlib.sha256(b"// dragonbox, patched\n").hexdigest()


def test_a_vendored_path_that_is_not_there_is_exit_2(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_repo("fw")
    components = (
        "components:\n"
        "  - {name: lwip, version: 2.1.2, path: third_party}\n"
        "  - {name: googletest, version: 1.16.0, path: test/googletest-1.16.0}\n"
    )
    repo.commit("vendor", {".cipipe.yaml": CONFIG, "third_party/components.yaml": components})
    result, _ = sbom(cli, repo.root, tmp_path / "w")
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]  # after the step's progress lines
    assert line.startswith("cipipe: error: ")
    assert "components.yaml: components[1].path:" in line
    assert "'test/googletest-1.16.0' of entry 1 (googletest) does not exist" in line
    assert not (tmp_path / "w" / "sbom.json").exists()


def test_the_tree_hash_is_recomputed_by_the_readme_shell_recipe(tmp_path: Path) -> None:
    from cipipe.steps.sbom.vendored import tree_hash

    folder = tmp_path / "lwip"
    (folder / "src" / "core").mkdir(parents=True)
    (folder / "src" / "core" / "tcp.c").write_text("int tcp;\n")
    (folder / "src" / "B.c").write_text("int b;\n")
    (folder / "a b.h").write_text("int ab;\n")
    (folder / "LICENSE").write_text("BSD\n")
    (folder / "link.h").symlink_to("a b.h")
    (folder / "core").symlink_to("src/core")  # a link to a folder does not count
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    recipe = readme.split("<!-- tree-hash recipe -->\n```sh\n", 1)[1].split("```", 1)[0]
    shell = subprocess.run(
        ["bash", "-c", recipe, "tree-hash", str(folder)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "sha256:" + shell.stdout.split()[0] == tree_hash(folder)


def test_no_baseline_is_not_nothing_changed(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_repo("r")
    repo.commit("r", {".cipipe.yaml": CONFIG, "conanfile.txt": "[requires]\nzlib/1.3.1\n"})
    sbom(cli, repo.root, tmp_path / "w")
    changed = json.loads((tmp_path / "w" / "deps_changed.json").read_text())
    assert changed["status"] == "no-baseline" and changed["baseline"] is None


def test_changes_against_a_baseline_sbom(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_repo("r")
    repo.commit(
        "v1", {".cipipe.yaml": CONFIG, "conanfile.txt": "[requires]\nzlib/1.2.13\nfmt/9.1.0\n"}
    )
    sbom(cli, repo.root, tmp_path / "base")
    baseline = tmp_path / "baseline.cdx.json"
    shutil.copy(tmp_path / "base" / "sbom.json", baseline)
    repo.commit("v2", {"conanfile.txt": "[requires]\nzlib/1.3.1\nspdlog/1.12.0\n"})
    result, _ = sbom(cli, repo.root, tmp_path / "new", "--baseline", baseline)
    assert result.exit_code == 0, result.stderr
    changed = json.loads((tmp_path / "new" / "deps_changed.json").read_text())
    assert changed["status"] == "compared"
    assert [d["key"] for d in changed["added"]] == ["pkg:conan/spdlog"]
    assert [d["key"] for d in changed["removed"]] == ["pkg:conan/fmt"]
    assert [(d["key"], d["previous_version"], d["version"]) for d in changed["updated"]] == [
        ("pkg:conan/zlib", "1.2.13", "1.3.1")
    ]


def test_lock_files_installed_state_and_merged_sboms(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_repo("r")
    repo.commit(
        "deps",
        {
            ".cipipe.yaml": CONFIG,
            "conanfile.txt": (DEPS / "conanfile.txt").read_text(),
            "conan.lock": (DEPS / "conan-v2.lock").read_text(),
            "vcpkg.json": (DEPS / "vcpkg.json").read_text(),
        },
    )
    # vcpkg's installed state is not tracked: it appears after `vcpkg install`.
    installed = repo.root / "vcpkg_installed/x64-linux/share/zlib"
    installed.mkdir(parents=True)
    shutil.copy(DEPS / "vcpkg_installed/x64-linux/share/zlib/vcpkg.spdx.json", installed)
    result, bom = sbom(
        cli,
        repo.root,
        tmp_path / "w",
        "--merge",
        DEPS / "syft-cyclonedx-1.7.json",
        "--merge",
        DEPS / "syft-spdx-2.3.json",
    )
    assert result.exit_code == 0, result.stderr
    valid_cyclonedx((tmp_path / "w" / "sbom.json").read_text())
    found = purls(bom)
    # The lock file pins openssl, which the conanfile only gave as a range.
    openssl = [p for p in found if p.startswith("pkg:conan/openssl")]
    assert openssl and all("@3.3.2" in p for p in openssl)
    assert any(p.startswith("pkg:vcpkg/zlib@") for p in found)
    sources = {
        prop["value"]
        for c in bom["components"]
        for prop in c.get("properties", [])
        if prop["name"] == "cipipe:source"
    }
    assert {"conan.lock", "merged:syft-cyclonedx-1.7.json"} <= sources
    # Every package of the SPDX document is already in the CycloneDX one: merged once.
    assert "merged:syft-spdx-2.3.json" not in sources
    assert len([p for p in found if p.startswith("pkg:npm/ms@")]) == 1
    assert "conanfile.txt" not in sources  # every conanfile entry is pinned by the lock


def test_bazel_modules_are_dependencies(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    module = (
        'module(name = "fw", version = "1.0")\n'
        'bazel_dep(name = "rules_cc", version = "0.2.14")\n'
        'bazel_dep(name = "googletest", version = "1.17.0.bcr.2", dev_dependency = True)\n'
    )
    repo = make_repo("r")
    repo.commit("bazel", {".cipipe.yaml": CONFIG, "MODULE.bazel": module})
    result, bom = sbom(cli, repo.root, tmp_path / "w")
    assert result.exit_code == 0, result.stderr
    valid_cyclonedx((tmp_path / "w" / "sbom.json").read_text())
    scopes = {c["purl"]: c.get("scope") for c in bom["components"]}
    assert scopes == {
        "pkg:bazel/rules_cc@0.2.14": "required",
        "pkg:bazel/googletest@1.17.0.bcr.2": "excluded",  # a dev dependency: tests only
    }
    repo.commit("broken", {"MODULE.bazel": module + 'bazel_dep(name = "x"\n'})
    result, _ = sbom(cli, repo.root, tmp_path / "w2")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "cipipe: error: MODULE.bazel: line 4: bazel_dep( is not closed "
        "(expected a valid MODULE.bazel)"
    )


def test_unreadable_merge_or_manifest_is_exit_2(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_repo("r")
    repo.commit("bad", {".cipipe.yaml": CONFIG, "conan.lock": '{"version": "0.5", "requires": 3}'})
    result, _ = sbom(cli, repo.root, tmp_path / "w")
    assert result.exit_code == 2 and "conan.lock" in result.stderr
    assert len(result.stderr.strip().splitlines()[-1:]) == 1
    not_sbom = tmp_path / "x.json"
    not_sbom.write_text('{"hello": 1}')
    repo.commit("ok", {"conan.lock": (DEPS / "conan-v2.lock").read_text()})
    result, _ = sbom(cli, repo.root, tmp_path / "w2", "--merge", not_sbom)
    assert result.exit_code == 2 and "neither CycloneDX nor SPDX" in result.stderr


def test_a_rerun_keeps_the_version_and_a_changed_bom_gets_the_next(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    """The serial number repeats for one build; its version counts the BOM's revisions."""
    repo = make_repo("r")
    repo.commit("v1", {".cipipe.yaml": CONFIG, "conanfile.txt": "[requires]\nzlib/1.3.1\n"})
    work = tmp_path / "w"
    first, one = sbom(cli, repo.root, work, "--build-id", "7")
    assert first.exit_code == 0, first.stderr
    text = (work / "sbom.json").read_bytes()
    assert one["version"] == 1

    again, _ = sbom(cli, repo.root, work, "--build-id", "7")
    assert again.exit_code == 0, again.stderr
    assert (work / "sbom.json").read_bytes() == text  # same content: version 1, same bytes

    (repo.root / "conanfile.txt").write_text("[requires]\nzlib/1.3.1\nfmt/10.2.1\n")
    changed, two = sbom(cli, repo.root, work, "--build-id", "7")
    assert changed.exit_code == 0, changed.stderr
    assert (two["serialNumber"], two["version"]) == (one["serialNumber"], 2)
    assert "pkg:conan/fmt@10.2.1" in purls(two)
    valid_cyclonedx((work / "sbom.json").read_text())
    revised = (work / "sbom.json").read_bytes()
    sbom(cli, repo.root, work, "--build-id", "7")
    assert (work / "sbom.json").read_bytes() == revised  # version 2 stays while nothing changes

    _, other_build = sbom(cli, repo.root, work, "--build-id", "8")
    assert other_build["serialNumber"] != one["serialNumber"] and other_build["version"] == 1

"""cipipe sbom --suggest and --hash: a components.yaml draft for what looks vendored, with the
hashes the drift check recomputes, on a repository shaped like yaml-cpp and spdlog (and on the
real ones when their bundles are at hand)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from cipipe.steps.sbom import signals
from cipipe.steps.sbom.vendored import ComponentsFile, tree_hash
from tests.conftest import REPO_ROOT, CliResult, require_or_skip
from tests.support.gitrepo import GitRepoBuilder
from tests.support.hangs import STEP_HANG_SECONDS, no_hang, unblocking
from tests.support.snapshots import assert_snapshot_text

Cli = Callable[..., CliResult]
BSD_3 = (
    "Copyright 2008, Google Inc.\n\nRedistribution and use in source and binary forms, with or\n"
    "without modification, are permitted provided that ...\n    * Neither the name of Google\n"
    "Inc. nor the names of its contributors may be used to endorse ...\n"
)
MIT = (
    "Copyright (c) 2012 - present, Victor Zverovich\n\nPermission is hereby granted, free of\n"
    "charge, to any person obtaining a copy of this software ...\n"
)
DRAGONBOX = (
    "// SPDX-FileCopyrightText: 2020-2024 Junekey Jeon\n"
    "// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception\n"
    "// SPDX-License-Identifier: BSL-1.0\n"
    "// SPDX-License-Identifier: MIT\n\n"
    "// This file is an adjusted copy of https://github.com/jk-jeon/dragonbox\n"
    "#ifndef JKJ_HEADER_DRAGONBOX\n#define JKJ_HEADER_DRAGONBOX\n#endif\n"
)
FILES = {
    ".cipipe.yaml": "service: fw\nkind: firmware\nsupports: [linux]\n",
    "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\nproject(FW_CORE VERSION 2.0.0)\n",
    "LICENSE": MIT,  # the repository's own: not a component
    "include/fw/version.h": "#define FW_CORE_VERSION_MAJOR 2\n#define FW_CORE_VERSION_MINOR 0\n",
    "src/main.c": "int main(void) { return 0; }\n",
    "src/contrib/dragonbox.h": DRAGONBOX,
    "src/contrib/graph.c": "int graph;\n",
    "test/googletest-1.16.0/LICENSE": BSD_3,
    "test/googletest-1.16.0/CMakeLists.txt": (
        "cmake_minimum_required(VERSION 3.16)\nproject(googletest-distribution)\n"
        "set(GOOGLETEST_VERSION 1.16.0)\n"
    ),
    "test/googletest-1.16.0/googletest/CMakeLists.txt": (
        "project(gtest VERSION ${GOOGLETEST_VERSION} LANGUAGES CXX C)\n"
    ),
    "test/googletest-1.16.0/googletest/include/gtest/gtest.h": "#define GTEST_H 1\n",
    "include/fw/fmt/bundled/core.h": "// Formatting library\n#define FMT_VERSION 100201\n",
    "include/fw/fmt/bundled/fmt.license.rst": MIT,
    "third_party/CMakeLists.txt": "add_subdirectory(lwip)\n",
    "third_party/lwip/src/core/tcp.c": "int tcp;\n",
    "third_party/lwip/src/include/lwip/init.h": (
        "#define LWIP_VERSION_MAJOR 2\n#define LWIP_VERSION_MINOR 1\n"
        "#define LWIP_VERSION_REVISION 3\n#define LWIP_VERSION_PATCH 2 // not released\n"
    ),
    "third_party/libz.a": "!<arch>\nzlib\n",
    "docs/notes.md": "Taken from https://github.com/someone/else\n",
    "zconf.h": '#define ZLIB_VERSION "1.3.1"\n',  # at the top: the file, not the repository
    "tools/miniz/LICENSE": MIT,  # a licence file is the only sign here
    "tools/miniz/miniz.c": "int miniz;\n",
}


def make_fw(make_repo: Callable[[str], GitRepoBuilder]) -> GitRepoBuilder:
    repo = make_repo("fw")
    repo.commit("fw", dict(FILES))
    return repo


def test_the_draft_names_every_copy_with_its_version_licence_and_hash(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_fw(make_repo)
    result = cli("--workdir", tmp_path / "w", "sbom", "--repo", repo.root, "--suggest")
    assert result.exit_code == 0, result.stderr
    draft = yaml.safe_load(result.stdout)
    entries = {
        e["path"]: e for e in ComponentsFile.model_validate(draft).model_dump()["components"]
    }
    assert sorted(entries) == [
        "include/fw/fmt/bundled",
        "src/contrib/dragonbox.h",
        "test/googletest-1.16.0",
        "third_party/libz.a",
        "third_party/lwip",
        "tools/miniz",
        "zconf.h",
    ]
    assert (entries["zconf.h"]["name"], entries["zconf.h"]["version"]) == ("zlib", "1.3.1")
    miniz = entries["tools/miniz"]
    assert (miniz["name"], miniz["version"], miniz["license"]) == ("miniz", None, "MIT")
    assert entries["include/fw/fmt/bundled"] | {"hash": None} == {
        "name": "fmt",
        "version": "10.2.1",  # FMT_VERSION 100201
        "path": "include/fw/fmt/bundled",
        "license": "MIT",
        "purl": None,
        "cpe": None,
        "hash": None,
        "supplier": None,
        "scope": None,  # shipped with the headers: the SBOM says nothing less than required
    }
    google = entries["test/googletest-1.16.0"]
    assert (google["name"], google["version"], google["license"], google["scope"]) == (
        "googletest",
        "1.16.0",
        "BSD-3-Clause",
        "excluded",  # under test/: used by the tests, in no shipped file
    )
    assert "#   scope: excluded, as it sits in test/: a test-only copy" in result.stdout
    assert {e["scope"] for p, e in entries.items() if p != "test/googletest-1.16.0"} == {None}
    dragonbox = entries["src/contrib/dragonbox.h"]
    assert (dragonbox["name"], dragonbox["version"], dragonbox["license"]) == (
        "dragonbox",
        None,  # unknown: a comment says so, no value is made up
        None,  # three SPDX tags: which one applies is the user's call (a comment lists them)
    )
    assert dragonbox["hash"] == "sha256:" + hashlib.sha256(DRAGONBOX.encode()).hexdigest()
    assert entries["third_party/lwip"]["version"] == "2.1.2"
    assert entries["third_party/lwip"]["hash"] == tree_hash(repo.root / "third_party/lwip")
    assert entries["third_party/libz.a"]["name"] == "libz"
    assert "TODO" not in result.stdout
    assert (
        "#   license: SPDX-License-Identifier lines: Apache-2.0 WITH LLVM-exception, BSL-1.0, MIT"
        in (result.stdout)
    )
    assert_snapshot_text("suggest-fw.components.yaml", result.stdout)
    # It only prints: no work folder, nothing new or changed in the checkout.
    assert not (tmp_path / "w").exists()
    assert repo.git("status", "--porcelain", "--ignored") == ""


def test_a_saved_draft_is_a_components_file_without_drift(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_fw(make_repo)
    # As `cipipe sbom --suggest > third_party/components.yaml` runs: the shell empties it first.
    repo.write("third_party/components.yaml", "")
    draft = cli("sbom", "--repo", repo.root, "--suggest").stdout
    repo.commit("declare", {"third_party/components.yaml": draft})
    work = tmp_path / "w"
    from cipipe.adapters.git.cli import GitCli
    from cipipe.steps.precheck.source import SourceFlags, resolve_source
    from cipipe.workdir import WorkDir

    WorkDir(work).write(resolve_source(GitCli(repo.root), {}, SourceFlags()))
    result = cli("--workdir", work, "sbom", "--repo", repo.root)
    assert result.exit_code == 0, result.stderr
    assert json.loads((work / "deps_changed.json").read_text())["vendored_drift"] == []
    purls = {c["purl"] for c in json.loads((work / "sbom.json").read_text())["components"]}
    assert {
        "pkg:generic/fmt@10.2.1",
        "pkg:generic/googletest@1.16.0",
        "pkg:generic/lwip@2.1.2",
        "pkg:generic/dragonbox",
    } <= purls
    scopes = {
        c["name"]: c.get("scope")
        for c in json.loads((work / "sbom.json").read_text())["components"]
    }
    assert scopes["googletest"] == "excluded" and scopes["fmt"] is None
    again = cli("sbom", "--repo", repo.root, "--suggest")
    assert again.stdout.endswith("# Nothing else looks vendored.\ncomponents: []\n")
    assert (
        "# Already declared, left out: include/fw/fmt/bundled, src/contrib/dragonbox.h, "
        "test/googletest-1.16.0, third_party/libz.a, third_party/lwip, tools/miniz, zconf.h\n"
    ) in again.stdout


def test_a_submodule_is_not_suggested(make_repo: Callable[[str], GitRepoBuilder], cli: Cli) -> None:
    mbedtls = make_repo("mbedtls")
    mbedtls.commit("tls", {"LICENSE": BSD_3, "tls.c": "int tls;\n"})
    repo = make_repo("fw")
    repo.commit("fw", {"third_party/lwip/core.c": "int lwip;\n"})
    repo.git(
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        str(mbedtls.root),
        "third_party/mbedtls",
    )
    repo.commit("submodule")
    result = cli("sbom", "--repo", repo.root, "--suggest")
    assert result.exit_code == 0, result.stderr
    paths = [e["path"] for e in yaml.safe_load(result.stdout)["components"]]
    assert paths == ["third_party/lwip"]  # the submodule is a component of its own already


def test_hash_prints_what_components_yaml_records(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    repo = make_fw(make_repo)
    lwip, dragonbox = repo.root / "third_party/lwip", repo.root / "src/contrib/dragonbox.h"
    result = cli("sbom", "--hash", lwip, "--hash", dragonbox)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{tree_hash(lwip)}  {lwip}",
        f"sha256:{hashlib.sha256(DRAGONBOX.encode()).hexdigest()}  {dragonbox}",
    ]
    missing = cli("sbom", "--hash", tmp_path / "gone")
    assert missing.exit_code == 2
    assert missing.stderr.strip() == (
        f"cipipe: error: {tmp_path / 'gone'}: does not exist (expected a folder or a regular file)"
    )
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert cli("sbom", "--hash", fifo).exit_code == 2  # refused, never opened (it would hang)
    both = cli("sbom", "--suggest", "--hash", lwip)
    assert both.exit_code == 2 and "give one" in both.stderr


def test_draft_values_stay_strings_and_comments_stay_one_line() -> None:
    from cipipe.steps.sbom.draft import comment, scalar

    assert [scalar(v) for v in ("googletest", "1.3", "yes", "a b", "x: y", "sha256:ab")] == [
        "googletest",
        '"1.3"',
        '"yes"',
        '"a b"',
        '"x: y"',
        '"sha256:ab"',
    ]
    assert yaml.safe_load(f"v: {scalar('1.10')}") == {"v": "1.10"}
    assert comment("# third_party/evil\ncomponents: []") == "# third_party/evil?components: []"


def test_links_and_fifos_are_never_followed_or_read(
    make_repo: Callable[[str], GitRepoBuilder], cli: Cli, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.h"
    outside.write_text('#define ZLIB_VERSION "1.3.1"\n')
    repo = make_repo("fw")
    repo.write("third_party/lwip/core.c", "int lwip;\n")
    (repo.root / "third_party" / "zlib.h").symlink_to(outside)
    (repo.root / "include").mkdir()
    (repo.root / "include" / "zconf.h").symlink_to(outside)
    repo.commit("links")
    with no_hang(STEP_HANG_SECONDS):
        result = cli("sbom", "--repo", repo.root, "--suggest")
    assert result.exit_code == 0, result.stderr
    assert [e["path"] for e in yaml.safe_load(result.stdout)["components"]] == ["third_party/lwip"]
    fifo = repo.root / "third_party" / "lwip" / "pipe"
    os.mkfifo(fifo)  # untracked, in the checkout
    with no_hang(STEP_HANG_SECONDS), unblocking(fifo):
        result = cli("sbom", "--repo", repo.root, "--suggest")
    with no_hang(STEP_HANG_SECONDS), unblocking(fifo):
        hashed = cli("sbom", "--hash", repo.root / "third_party" / "lwip")
    for refused in (result, hashed):
        assert refused.exit_code == 2
        assert refused.stderr.strip().endswith(
            "third_party/lwip/pipe: is not a regular file, folder or link "
            "(expected only files, folders and links in a vendored folder)"
        )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("#define FMT_VERSION 90100\n", [("fmt", "9.1.0")]),
        ("#  define FMT_VERSION 100201 // 10.2.1\n", [("fmt", "10.2.1")]),
        ("#define FMT_CLANG_VERSION 1500\n", []),  # not a known integer encoding
        ('#define ZLIB_VERSION "1.3.1"\n', [("zlib", "1.3.1")]),
        ('#define MBEDTLS_VERSION_STRING "3.6.0"\n', [("mbedtls", "3.6.0")]),
        (
            "#define SPDLOG_VER_MAJOR 1\n#define SPDLOG_VER_MINOR 13\n#define SPDLOG_VER_PATCH 0\n",
            [("spdlog", "1.13.0")],
        ),
        (
            "#define NLOHMANN_JSON_VERSION_MAJOR 3\n#define NLOHMANN_JSON_VERSION_MINOR 11\n",
            [("nlohmann_json", "3.11")],
        ),
        ("#define CATCH_VERSION_MAJOR 2\n", []),  # a major alone is no version
        ("#define X_VERSION y\n", []),
    ],
)
def test_header_versions(text: str, found: list[tuple[str, str]]) -> None:
    assert [(v.name, v.version) for v in signals.header_versions(text)] == found


def test_cmake_upstream_spdx_and_licence_signals() -> None:
    cmake = "set(GOOGLETEST_VERSION 1.16.0)\nproject(lwIP VERSION 2.1.3 LANGUAGES C)\nproject(x)\n"
    assert [(v.name, v.version) for v in signals.cmake_versions(cmake)] == [
        ("googletest", "1.16.0"),
        ("lwip", "2.1.3"),
    ]
    assert signals.upstream(DRAGONBOX) == ("https://github.com/jk-jeon/dragonbox", "dragonbox")
    assert signals.upstream("// Forked from https://gitlab.com/a/b.git.\n") == (
        "https://gitlab.com/a/b",
        "b",
    )
    assert signals.upstream("// see https://github.com/jk-jeon/dragonbox\n") is None
    assert signals.spdx_tags(DRAGONBOX) == ["Apache-2.0 WITH LLVM-exception", "BSL-1.0", "MIT"]
    assert signals.licence_of(BSD_3) == "BSD-3-Clause"
    assert signals.licence_of(BSD_3.replace("Neither the name", "")) == "BSD-2-Clause"
    assert signals.licence_of(MIT) == "MIT"
    assert signals.licence_of("All rights reserved.") is None


def test_hostile_headers_cost_a_bounded_time() -> None:
    """The regular expressions never backtrack for ever on what a repository holds."""
    import time

    texts = [
        "project(a" * 7000,
        "SPDX-License-Identifier: " + " " * 60_000 + "x",
        "#define " + "A_" * 30_000,
        "copy of " * 8000,
    ]
    for text in texts:
        started = time.monotonic()
        signals.cmake_versions(text)
        signals.header_versions(text)
        signals.spdx_tags(text)
        signals.upstream(text)
        assert time.monotonic() - started < 5, text[:40]


# -- the real repositories (git bundles; CIPIPE_REAL_REPOS or shared/repos above the checkout)


def real_bundle(name: str) -> Path:
    folder = os.environ.get("CIPIPE_REAL_REPOS")
    folders = [Path(folder)] if folder else [p / "shared" / "repos" for p in REPO_ROOT.parents]
    for candidate in folders:
        if (candidate / f"{name}.bundle").is_file():
            return candidate / f"{name}.bundle"
    require_or_skip(f"{name}.bundle not found (set CIPIPE_REAL_REPOS to the bundles' folder)")


@pytest.mark.parametrize(
    ("name", "branch", "expected"),
    [
        (
            "yaml-cpp",
            "master",
            {
                "src/contrib/dragonbox.h": ("dragonbox", None, None, None),
                "test/googletest-1.16.0": ("googletest", "1.16.0", "BSD-3-Clause", "excluded"),
            },
        ),
        ("spdlog", "main", {"include/spdlog/fmt/bundled": ("fmt", "9.1.0", "MIT", None)}),
    ],
)
def test_real_repositories(
    cli: Cli, tmp_path: Path, name: str, branch: str, expected: dict[str, tuple[str | None, ...]]
) -> None:
    checkout = tmp_path / name
    subprocess.run(
        ["git", "clone", "-q", "-b", branch, str(real_bundle(name)), str(checkout)],
        check=True,
        timeout=300,
    )
    result = cli("sbom", "--repo", checkout, "--suggest")
    assert result.exit_code == 0, result.stderr
    entries = yaml.safe_load(result.stdout)["components"]
    found = {
        e["path"]: (e["name"], e.get("version"), e.get("license"), e.get("scope")) for e in entries
    }
    assert found == expected
    for entry in entries:  # the hash is the one the drift check recomputes
        path = checkout / entry["path"]
        if path.is_dir():
            assert entry["hash"] == tree_hash(path)

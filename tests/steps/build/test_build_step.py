"""cipipe build on tiny projects: failures, toolchain locks, naming, reproducibility."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, requires
from tests.steps.build.buildsetup import COMPILE, GCC, artifacts, config, setup
from tests.support.gitrepo import GitRepoBuilder

Cli = Callable[..., CliResult]
pytestmark = requires(GCC is not None, "gcc is not installed")


def test_tiny_build_names_and_counts(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE))
    monkeypatch.setenv("BUILD_NUMBER", "7")
    result = cli("--workdir", work, "build", "--repo", repo.root)
    assert result.exit_code == 0, result.stderr
    data = artifacts(work)
    [artifact] = data["artifacts"]
    assert artifact["name"] == f"tiny-linux-{'c' * 12}-7"
    assert (data["build_id"], data["build_id_source"]) == ("7", "jenkins")
    assert artifact["built_as"] == "build/linux/app"
    assert (work / artifact["path"]).read_bytes() == (repo.root / "build/linux/app").read_bytes()


def test_local_counter_counts_up(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE))
    ids = []
    for _ in range(2):
        assert cli("--workdir", work, "build", "--repo", repo.root).exit_code == 0
        ids.append((artifacts(work)["build_id"], artifacts(work)["build_id_source"]))
    assert ids == [("1", "counter"), ("2", "counter")]


def test_several_artifacts_keep_their_stems_and_extensions(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    build = (
        '["sh -c \\"mkdir -p {build_dir}/out && echo a > {build_dir}/out/fw.bin && '
        'echo b > {build_dir}/out/fw.tar.gz\\""]'
    )
    repo, work = setup(make_repo, tmp_path, config(build, '["{build_dir}/out/*"]'))
    assert cli("--workdir", work, "build", "--repo", repo.root, "--build-id", "9").exit_code == 0
    names = sorted(a["name"] for a in artifacts(work)["artifacts"])
    assert names == [f"tiny-fw-linux-{'c' * 12}-9.bin", f"tiny-fw-linux-{'c' * 12}-9.tar.gz"]


def test_failing_command_is_exit_1_with_the_log(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = setup(make_repo, tmp_path, config('["sh -c \\"echo boom; exit 3\\""]'))
    assert cli("--workdir", work, "build", "--repo", repo.root).exit_code == 1
    [platform] = artifacts(work)["platforms"]
    assert platform["status"] == "failed" and "exited 3" in platform["reason"]
    assert "boom" in (work / platform["log"]).read_text()
    assert (work / "SHA256SUMS").read_text() == ""


def test_no_matching_artifact_is_a_failure(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = setup(make_repo, tmp_path, config('["true"]'))
    assert cli("--workdir", work, "build", "--repo", repo.root).exit_code == 1
    assert "no file matched" in artifacts(work)["platforms"][0]["reason"]


def test_toolchain_version_mismatch_names_both(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE, version="1.2.3"))
    result = cli("--workdir", work, "build", "--repo", repo.root)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()[-1:]
    assert "platforms[0].toolchain.version" in line
    assert GCC is not None and f"reports version {GCC.version!r}" in line
    assert "expected version '1.2.3' as locked" in line
    assert not (work / "artifacts.json").exists()


def test_missing_toolchain_names_the_package_or_is_skipped(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    cfg = config(COMPILE).replace("compiler: gcc,", "compiler: no-such-cc, package: gcc-99,", 1)
    repo, work = setup(make_repo, tmp_path, cfg)
    result = cli("--workdir", work, "build", "--repo", repo.root)
    assert result.exit_code == 2
    assert (
        "no-such-cc is not installed" in result.stderr and "apt-get install gcc-99" in result.stderr
    )
    skipped = cli("--workdir", work, "build", "--repo", repo.root, "--skip-missing-toolchains")
    assert skipped.exit_code == 0
    [platform] = artifacts(work)["platforms"]
    assert platform["status"] == "skipped" and "apt-get install gcc-99" in platform["reason"]


@pytest.mark.parametrize("bad", ["../x", "a/b", "has space", ""])
def test_unsafe_build_id_is_refused(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli, bad: str
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE))
    result = cli("--workdir", work, "build", "--repo", repo.root, "--build-id", bad)
    if bad == "":
        assert artifacts(work)["build_id_source"] == "counter"  # empty means "not given"
        return
    assert result.exit_code == 2 and "--build-id" in result.stderr


def test_unknown_platform_flag(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE))
    result = cli("--workdir", work, "build", "--repo", repo.root, "--platform", "amiga")
    assert result.exit_code == 2 and "platform 'amiga' is not in matrix.json" in result.stderr


DATE_MACRO = '#include <stdio.h>\nint main(void) { puts(__DATE__ " " __TIME__); return 0; }\n'


def test_date_macro_is_pinned_by_source_date_epoch(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    repo, work = setup(make_repo, tmp_path, config(COMPILE), {"main.c": DATE_MACRO})
    result = cli("--workdir", work, "build", "--repo", repo.root, "--check-reproducible")
    assert result.exit_code == 0, result.stderr
    assert artifacts(work)["reproducibility"]["differing"] == []


def test_nondeterministic_build_is_reported_as_differing(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    clock = '$CC $CFLAGS "-DSTAMP=\\"$(date +%s%N)\\"" -o "$1/app" "$2/main.c"\n'
    main = "#include <stdio.h>\nint main(void) { puts(STAMP); return 0; }\n"
    cfg = config(COMPILE, extra="build: {require_reproducible: true}\n")
    repo, work = setup(make_repo, tmp_path, cfg, {"main.c": main, "build.sh": clock})
    result = cli("--workdir", work, "build", "--repo", repo.root, "--check-reproducible")
    data = artifacts(work)
    assert data["reproducibility"]["differing"] == [data["artifacts"][0]["name"]]
    assert result.exit_code == 1
    assert "not reproducible" in result.stderr


def test_differences_are_reported_but_allowed_unless_required(
    make_repo: Callable[[str], GitRepoBuilder], tmp_path: Path, cli: Cli
) -> None:
    # The build folder's absolute path, baked into the binary: the recheck's other folder shows it.
    leak = '$CC "-DWHERE=\\"$1\\"" -o "$1/app" "$2/main.c"\n'
    main = "#include <stdio.h>\nint main(void) { puts(WHERE); return 0; }\n"
    repo, work = setup(make_repo, tmp_path, config(COMPILE), {"main.c": main, "build.sh": leak})
    result = cli("--workdir", work, "build", "--repo", repo.root, "--check-reproducible")
    assert result.exit_code == 0
    assert len(artifacts(work)["reproducibility"]["differing"]) == 1


def test_secrets_do_not_reach_the_build(
    make_repo: Callable[[str], GitRepoBuilder],
    tmp_path: Path,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARTIFACTORY_TOKEN", "tok-should-not-leak")
    dump = 'env > "$1/env.txt"\n'
    cfg = config(COMPILE, '["{build_dir}/env.txt"]')
    repo, work = setup(make_repo, tmp_path, cfg, {"build.sh": dump})
    assert cli("--workdir", work, "build", "--repo", repo.root).exit_code == 0
    seen = (repo.root / "build/linux/env.txt").read_text()
    assert "tok-should-not-leak" not in seen and "SOURCE_DATE_EPOCH=" in seen
    assert "tok-should-not-leak" not in (work / "artifacts.json").read_text()
    assert os.environ["ARTIFACTORY_TOKEN"] == "tok-should-not-leak"

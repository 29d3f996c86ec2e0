"""The policy bundle built into cipipe: one source with policies/, used when a repository has
none, and copied out by `cipipe policy init`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from cipipe.cli.inputs import policy_bundle
from cipipe.errors import ExitCode, InputError
from cipipe.risk.policy.builtin import (
    BUNDLE_FILES,
    builtin_folder,
    init_bundle,
    load_builtin_bundle,
)
from cipipe.risk.policy.bundle import load_policy_bundle
from tests.conftest import REPO_ROOT, CliResult

Cli = Callable[..., CliResult]
ROOT_POLICIES = REPO_ROOT / "policies"


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current folder with no policies/ and no CIPIPE_POLICY: what a service repository is."""
    folder = tmp_path / "service"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for var in ("CIPIPE_POLICY", "CIPIPE_POLICY_PIN"):
        monkeypatch.delenv(var, raising=False)
    return folder


def test_the_shipped_bundle_is_policies_byte_for_byte() -> None:
    """policies/ at the repository root is the original; the package data is its copy. When
    this fails, copy the folder: cp policies/* src/cipipe/builtin_policy/"""
    shipped = sorted(p.name for p in builtin_folder().iterdir() if p.is_file())
    original = sorted(p.name for p in ROOT_POLICIES.iterdir() if p.is_file())
    assert shipped == original == sorted(BUNDLE_FILES)
    for name in BUNDLE_FILES:
        assert (builtin_folder() / name).read_bytes() == (ROOT_POLICIES / name).read_bytes(), name


def test_the_builtin_bundle_is_valid_and_names_its_origin() -> None:
    bundle = load_builtin_bundle()
    assert bundle.origin == "builtin"
    assert bundle.git_commit is None
    assert bundle.version_id == load_policy_bundle(ROOT_POLICIES).version_id


def test_with_no_policy_anywhere_the_builtin_is_used_and_said_once(
    bare: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="cipipe.policy"):
        bundle, spec = policy_bundle(None)
    assert (bundle.origin, spec) == ("builtin", "builtin")
    said = [r.getMessage() for r in caplog.records if "built into cipipe" in r.getMessage()]
    assert len(said) == 1 and bundle.version_id in said[0]


def test_policies_in_the_current_folder_comes_before_the_builtin(
    bare: Path, caplog: pytest.LogCaptureFixture
) -> None:
    init_bundle(bare / "policies")
    with caplog.at_level(logging.INFO, logger="cipipe.policy"):
        bundle, spec = policy_bundle(None)
    assert (bundle.origin, spec) == ("folder", "policies")
    assert not any("built into cipipe" in r.getMessage() for r in caplog.records)


def test_a_pin_holds_for_the_builtin_too(bare: Path) -> None:
    with pytest.raises(InputError) as caught:
        policy_bundle(None, pin="sha256:" + "0" * 64)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert "builtin" in str(caught.value)
    pinned = load_builtin_bundle().version_id
    assert policy_bundle(None, pin=pinned)[0].version_id == pinned


def test_init_copies_the_bundle_out(tmp_path: Path) -> None:
    written = init_bundle(tmp_path / "team" / "policies")
    assert sorted(p.name for p in written) == sorted(BUNDLE_FILES)
    copied = load_policy_bundle(tmp_path / "team" / "policies")
    assert copied.version_id == load_builtin_bundle().version_id


def test_init_refuses_a_folder_that_holds_files_unless_forced(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "risk-weights.yaml").write_text("edited: by the team\n")
    with pytest.raises(InputError) as caught:
        init_bundle(folder)
    assert caught.value.exit_code == ExitCode.BAD_INPUT and "--force" in str(caught.value)
    assert (folder / "risk-weights.yaml").read_text() == "edited: by the team\n"
    (folder / "NOTES.txt").write_text("ours\n")
    init_bundle(folder, force=True)
    assert load_policy_bundle(folder).version_id == load_builtin_bundle().version_id
    assert (folder / "NOTES.txt").read_text() == "ours\n"


def test_init_into_an_empty_folder_needs_no_force(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    assert len(init_bundle(tmp_path / "policies")) == len(BUNDLE_FILES)


def test_policy_init_command(cli: Cli, bare: Path) -> None:
    result = cli("policy", "init")
    assert result.exit_code == 0, result.stderr
    assert load_builtin_bundle().version_id in result.stdout
    assert (bare / "policies" / "risk-weights.yaml").is_file()
    again = cli("policy", "init", "policies")
    assert again.exit_code == ExitCode.BAD_INPUT
    assert "policies" in again.stderr and "--force" in again.stderr
    assert cli("policy", "init", "policies", "--force").exit_code == 0


def test_policy_check_with_no_policy_checks_the_builtin(cli: Cli, bare: Path) -> None:
    result = cli("policy", "check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"builtin: valid, version {load_builtin_bundle().version_id}"


def test_the_package_data_globs_take_every_file_of_the_bundle() -> None:
    """What the wheel holds (checked by hand with `pip wheel . -w DIR`): pyproject's
    package-data lines must match each file, or an installed cipipe has no built-in policy."""
    import fnmatch
    import tomllib

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["cipipe"]
    for path in builtin_folder().iterdir():
        relative = f"builtin_policy/{path.name}"
        assert any(fnmatch.fnmatch(relative, glob) for glob in globs), relative


def test_policy_serve_serves_the_builtin_when_there_is_no_policies_folder(bare: Path) -> None:
    from cipipe.cli.commands.policy import _served_folder

    assert _served_folder() == builtin_folder()
    init_bundle(bare / "policies")
    assert _served_folder() == Path("policies")

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.policyserver import SHIPPED


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    """A copy of the shipped policy bundle, free to edit."""
    folder = tmp_path / "policies"
    shutil.copytree(SHIPPED, folder)
    return folder


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"

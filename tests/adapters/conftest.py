"""Fixtures the adapter tests share."""

from __future__ import annotations

import pytest

from tests.support.sleeps import Sleeps


@pytest.fixture
def sleeps() -> Sleeps:
    """The waits a retrying client asked for, instead of taking them."""
    return Sleeps()

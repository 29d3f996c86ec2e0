"""The probe corpus's golden work folder (made once, at collection, because the table of cases
is derived from its documents) and the parametrisation of the table."""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

import pytest

from tests.probes.golden import Golden, make_golden
from tests.probes.table import Case, build_cases

_ROOTS: list[Path] = []


@cache
def corpus() -> tuple[Golden, tuple[Case, ...]]:
    root = Path(tempfile.mkdtemp(prefix="cipipe-probes-"))
    _ROOTS.append(root)
    golden = make_golden(root / "golden")
    scratch = root / "scratch"
    scratch.mkdir()
    return golden, tuple(build_cases(golden, scratch))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        _, cases = corpus()
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


def pytest_unconfigure(config: pytest.Config) -> None:
    for root in _ROOTS:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def golden() -> Golden:
    return corpus()[0]

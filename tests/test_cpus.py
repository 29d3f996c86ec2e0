"""The CPU budget: affinity first, capped by a cgroup v2 quota."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cipipe.cpus import cgroup_quota, usable_cpus


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max 100000\n", None),
        ("200000 100000\n", 2),
        ("150000 100000\n", 2),  # 1.5 CPUs: round up, a half core still runs a compiler
        ("50000 100000\n", 1),
        ("garbage\n", None),
        ("0 100000\n", None),
    ],
)
def test_cgroup_quota(tmp_path: Path, text: str, expected: int | None) -> None:
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text(text)
    assert cgroup_quota(cpu_max) == expected


def test_no_cgroup_file_means_no_quota(tmp_path: Path) -> None:
    assert cgroup_quota(tmp_path / "missing") is None


def test_usable_cpus_is_the_affinity_capped_by_the_quota(tmp_path: Path) -> None:
    affinity = len(os.sched_getaffinity(0))
    assert usable_cpus(tmp_path / "missing") == affinity
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("100000 100000\n")
    assert usable_cpus(cpu_max) == 1


def test_usable_cpus_follows_the_affinity(tmp_path: Path) -> None:
    before = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(before)})
        assert usable_cpus(tmp_path / "missing") == 1
    finally:
        os.sched_setaffinity(0, before)

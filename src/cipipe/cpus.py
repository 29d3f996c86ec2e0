"""How many CPUs this process may use: the one budget that parallel work (the analysers, the
builds, hashing) is sized by.

``os.cpu_count()`` counts the machine's cores, not this process's: a Jenkins agent pinned to two
cores of a 64-core host (``taskset``, a cgroup cpuset) or limited by a container's CPU quota
would otherwise start 64 compilers and thrash.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

# cgroup v2: "<quota> <period>" in microseconds, or "max <period>" for no limit.
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cpus(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """The CPUs this process may run on, capped by the container's CPU quota; at least 1."""
    # macOS and Windows have no affinity call: the machine's count is all there is.
    has_affinity = hasattr(os, "sched_getaffinity")
    cpus = len(os.sched_getaffinity(0)) if has_affinity else (os.cpu_count() or 1)
    quota = cgroup_quota(cpu_max)
    if quota is not None:
        cpus = min(cpus, quota)
    return max(1, cpus)


def cgroup_quota(cpu_max: Path = CGROUP_CPU_MAX) -> int | None:
    """The whole CPUs a cgroup v2 quota allows (rounded up), or None when there is none."""
    try:
        fields = cpu_max.read_text().split()
    except OSError:
        return None
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    if quota <= 0 or period <= 0:
        return None
    return max(1, math.ceil(quota / period))

"""One scheduler for every analyser: the checks share the CPU budget instead of each taking it.

Started side by side with a pool each, three tools on two CPUs ran four busy processes at once.
Here every piece of work (one clang-tidy file, one cppcheck run with its ``-j``, one
clang-format run) is a job that holds ``slots`` of the budget while it runs; jobs are taken from
one queue, largest first, by whichever slot is free, so a big file never starts last and keeps
the other CPUs idle at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Job(Generic[T]):
    """``size``: how much work it is (bytes of source), for the order; ``slots``: the CPUs it
    keeps busy (cppcheck's ``-j``), at most the budget."""

    run: Callable[[], T]
    size: int = 0
    slots: int = 1


class _Slots:
    """A counting semaphore that hands out several units at once, all or none, first come
    first served: a job waiting for cppcheck's several slots is not overtaken forever by
    one-slot jobs taking each slot as it frees."""

    def __init__(self, total: int) -> None:
        self._free = total
        self._changed = threading.Condition()
        self._tickets = 0
        self._serving = 0

    def take(self, count: int) -> None:
        with self._changed:
            ticket = self._tickets
            self._tickets += 1
            self._changed.wait_for(lambda: self._serving == ticket and self._free >= count)
            self._free -= count
            self._serving += 1
            self._changed.notify_all()

    def give(self, count: int) -> None:
        with self._changed:
            self._free += count
            self._changed.notify_all()


def largest_first(jobs: Sequence[Job[T]]) -> list[int]:
    """The jobs' indexes in the order they start: largest first, ties in their given order."""
    return sorted(range(len(jobs)), key=lambda i: -jobs[i].size)


def run_jobs(jobs: Sequence[Job[T]], budget: int) -> list[T]:
    """Run every job with at most ``budget`` slots busy; the results in the jobs' order.

    A job that raises does not stop the others: the first exception is raised here once
    every job has ended."""
    budget = max(1, budget)
    order = largest_first(jobs)
    results: dict[int, T] = {}
    errors: list[BaseException] = []
    slots = _Slots(budget)
    queue_lock = threading.Lock()

    def next_index() -> int | None:
        with queue_lock:
            return order.pop(0) if order else None

    def worker() -> None:
        while (index := next_index()) is not None:
            job = jobs[index]
            needed = min(max(1, job.slots), budget)
            slots.take(needed)
            try:
                results[index] = job.run()
            except Exception as exc:  # raised below, after the other jobs
                errors.append(exc)
            finally:
                slots.give(needed)

    workers = min(budget, max(1, len(jobs)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(workers):
            pool.submit(worker)
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(jobs))]

"""Independent files written by a small pool of worker processes (forms, briefs, Excel reports).

Writing a workbook or a Word document is CPU-bound Python (openpyxl, xlsxwriter, docxtpl), so threads do not
help; a process per core does. The work items and results must be picklable; the first error raised in a worker
is raised again in the parent, as it would have been in a serial run. ``jobs`` 1, or few items, runs serially.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

SERIAL_BELOW = 8  # fewer items than this are not worth starting processes for


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def parallel_map(
    function: Callable[[Item], Result], items: Sequence[Item], jobs: int | None = None
) -> Iterator[Result]:
    """``function`` applied to every item, results in the order of ``items`` (yielded as they are ready)."""
    workers = min(jobs or default_jobs(), len(items))
    if workers <= 1 or len(items) < SERIAL_BELOW:
        yield from map(function, items)
        return
    chunk = max(1, len(items) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(function, items, chunksize=chunk)

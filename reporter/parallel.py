"""Work spread over a small pool of worker processes.

``parallel_map``: independent files written in parallel (forms, briefs, Excel reports); ``parallel_stream``: the
same, each item sent to the workers as soon as the caller has made it. Writing a workbook or a Word document is
CPU-bound Python (openpyxl, xlsxwriter, docxtpl), so threads do not help; a process per core does. The work items
and results must be picklable; the first error raised in a worker is raised again in the parent, as it would have
been in a serial run. ``jobs`` 1, or few items, runs serially.

``isolated_map``: untrusted files read in workers, each item isolated from the others and from the parent. A
returned workbook can be crafted to crash the reader (an abort in native code), to make it run for ever or to
exhaust memory. Each item goes to one of a few long-lived worker processes, with a time limit per item and, where
the system allows it, a memory limit per worker; an item that kills or stalls its worker is reported as a
``WorkerFailure``, the worker is replaced, and the other items go on (an item sent ahead to it, not begun, goes to
another). The parent never runs the function itself, so nothing an item does can take the batch down with it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

SERIAL_BELOW = 8  # fewer items than this are not worth starting processes for


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _die_with_parent() -> None:  # pragma: no cover - runs in the worker
    """A worker must not outlive the command that started it: a killed command's worker would otherwise wait for
    work for ever, or go on reading a file no one waits for. A thread ends the worker as soon as the command's
    process ends (its sentinel: a pipe the command holds open on POSIX, the process handle on Windows)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _pool(workers: int, function: Callable[..., Any]) -> ProcessPoolExecutor:
    """Workers started from a fresh fork server (never a fork of this process: a forked worker would inherit the
    workspace lock and the store's connections), each ending with the command."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(function), initializer=_die_with_parent)


def parallel_map(
    function: Callable[[Item], Result], items: Sequence[Item], jobs: int | None = None
) -> Iterator[Result]:
    """``function`` applied to every item, results in the order of ``items`` (yielded as they are ready)."""
    workers = min(jobs or default_jobs(), len(items))
    if workers <= 1 or len(items) < SERIAL_BELOW:
        yield from map(function, items)
        return
    chunk = max(1, len(items) // (workers * 8))
    with _pool(workers, function) as pool:
        yield from pool.map(function, items, chunksize=chunk)


def parallel_stream(
    function: Callable[[Item], Result],
    items: Iterable[Item],
    count: int,
    jobs: int | None = None,
    *,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Result]:
    """``function`` applied to every item, each sent to a worker as soon as ``items`` yields it: the workers start
    on the first items while the caller still prepares the next ones (put the longest first). Results come in the
    order of ``items``, once the last one is sent. ``count`` is how many items ``items`` yields; with ``jobs`` 1,
    or few items, it runs serially, as ``parallel_map``. The first error in the order of ``items`` is raised, and
    the items not yet begun are dropped.

    ``meanwhile``: other work of this process, done once the last item is sent, while the workers finish theirs
    (serially: before the first item); its error is raised before any of the items'."""
    workers = min(jobs or default_jobs(), count)
    if workers <= 1 or count < SERIAL_BELOW:
        if meanwhile:
            meanwhile()
        yield from map(function, items)
        return
    with _pool(workers, function) as pool:
        futures: list[Future[Result]] = []
        try:
            for item in items:
                futures.append(pool.submit(function, item))
            if meanwhile:
                meanwhile()
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


@contextmanager
def beside(function: Callable[..., Result], *args: Any, jobs: int | None = None) -> Iterator[Callable[[], Result]]:
    """Run ``function(*args)`` in a worker process while the caller goes on with other work; the callable yielded
    waits for it and returns its result (or raises its error). With ``jobs`` 1 it runs when that callable is
    called, in this process."""
    if (jobs or default_jobs()) <= 1:
        yield lambda: function(*args)
        return
    with _pool(1, function) as pool:
        future = pool.submit(function, *args)
        yield future.result


def in_background(function: Callable[[], None]) -> None:
    """Start ``function()`` in a thread of this process, for work that fills this process's waits on its workers
    (``run`` loads pandas and python-docx while the readers read the returns: imports need no result, and a module
    still loading when it is imported again is waited for by Python's import lock). Its error is dropped: an import
    that failed fails again, and is reported, where the module is used."""

    def run() -> None:
        try:
            function()
        except Exception:  # see above
            pass

    threading.Thread(target=run, name="background", daemon=True).start()


# -- isolated_map: one untrusted item at a time in each worker, its next one waiting -------------------------

Shared = TypeVar("Shared")

ITEM_TIMEOUT_SECONDS = 120.0
STARTUP_SECONDS = 120.0  # a worker that has not begun its first item by then is taken as hung
WORKER_MEMORY_BYTES = 2 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class WorkerFailure:
    """An item the worker could not finish: ``reason`` is ``timeout``, ``crashed`` (the process died, e.g. out of
    memory or an abort in native code) or ``error`` (an exception escaped the function: ``detail`` names it)."""

    reason: str
    detail: str = ""


def _limit_memory(limit: int | None) -> None:  # pragma: no cover - runs in the worker
    if not limit:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # Windows, or a system that does not allow it
        pass


def _serve(
    conn: Connection, function: Callable[[Any, Any], Any], shared: Any, memory: int | None
) -> None:  # pragma: no cover - runs in the worker
    _die_with_parent()
    _limit_memory(memory)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, item = message
        conn.send((index, None, None))  # begun: the item's time runs from here, not from a worker still starting
        try:
            reply = (index, True, function(shared, item))
        except Exception as exc:  # MemoryError too: reported as this item's failure, and the worker goes on
            reply = (index, False, type(exc).__name__)
        conn.send(reply)


def child_environment() -> dict[str, str]:
    """The environment of a Python child of this command (the fork server, a reader of old workbooks): the import
    path this process has (``PYTHONPATH``), and the current folder not put before it (``PYTHONSAFEPATH``). A child
    started with ``-c`` or ``-m`` would otherwise import from the folder the command was run in first: a
    ``reporter`` folder of another version there (a checkout), or any ``docx.py``, was imported in its place and
    the workers died."""
    return {**os.environ, **_child_variables()}


def _child_variables() -> dict[str, str]:
    return {"PYTHONSAFEPATH": "1", "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry)}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` while the block runs (a child started in it inherits them), then as before."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _fork_server(modules: Sequence[str]) -> Any | None:
    """The ``forkserver`` context, its server started (with ``child_environment``) to import ``modules`` before it
    forks workers (no effect once this process's fork server runs); ``None`` where the system has none (Windows,
    where workers are spawned: spawn gives them this process's import path itself)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(modules))
    with _environment(_child_variables()):  # Python 3.11's fork server is given the path but does not use it
        forkserver.ensure_running()  # returns at once: the server imports the modules before it forks a worker
    return context


def _context(function: Callable[..., Any]) -> Any:
    """``forkserver`` where the system has it (cheap workers, no fork of a threaded parent or of its locks and
    connections), else ``spawn``. The fork server imports ``function``'s module once, before it forks workers."""
    return _fork_server([function.__module__]) or multiprocessing.get_context("spawn")


def warm(modules: Sequence[str], jobs: int | None = None) -> None:
    """Start the fork server now, importing ``modules`` (those of the functions the workers will run), so that
    the imports happen on another core while this process goes on; each worker is then forked with them loaded.
    Nothing with ``jobs`` 1 or without a fork server (Windows, where workers are spawned)."""
    if (jobs or default_jobs()) > 1:
        _fork_server(modules)


ITEMS_AHEAD = 2  # items sent to a worker at once: the next one waits in its pipe while the caller uses a result


@dataclass
class _Worker:
    process: Any
    conn: Connection
    sent: deque[tuple[int, float]] = field(default_factory=deque)  # (index, when sent) of its items, in order
    started: float | None = None  # when the worker said it began the first of them

    @property
    def busy(self) -> bool:
        return bool(self.sent)

    @property
    def index(self) -> int:
        """The item it works on (or begins next)."""
        return self.sent[0][0]

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def isolated_map(
    function: Callable[[Shared, Item], Result],
    items: Sequence[Item],
    shared: Shared,
    *,
    jobs: int = 1,
    timeout: float = ITEM_TIMEOUT_SECONDS,
    memory: int | None = WORKER_MEMORY_BYTES,
) -> Iterator[tuple[int, Result | WorkerFailure]]:
    """``function(shared, item)`` for every item in worker processes; yields ``(index, result)`` as each is done
    (not in order), a ``WorkerFailure`` in place of the result of an item that failed.

    ``function`` must be a module-level function; ``shared`` (sent once to each worker), the items and the
    results must be picklable."""
    if not items:
        return
    context = _context(function)
    pending = deque(enumerate(items))
    workers: list[_Worker] = []

    def start() -> _Worker:
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, function, shared, memory), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def send(worker: _Worker) -> None:
        index, item = pending.popleft()
        worker.sent.append((index, time.monotonic()))
        worker.conn.send((index, item))

    def assign() -> None:
        """An item to each idle worker first, then each one's next, while there are items."""
        for worker in workers:
            if pending and not worker.sent:
                send(worker)
        for worker in workers:
            while pending and len(worker.sent) < ITEMS_AHEAD:
                send(worker)

    def deadline(worker: _Worker) -> float:
        if worker.started is None:
            return worker.sent[0][1] + STARTUP_SECONDS + timeout
        return worker.started + timeout

    def replace(position: int) -> int:
        """A new worker in place of one that died or stalled (killed); the items it had not begun go back to the
        front of the queue. Returns the item it was on."""
        worker = workers[position]
        index = worker.index
        pending.extendleft((i, items[i]) for i, _ in reversed(list(worker.sent)[1:]))
        worker.stop(kill=True)
        workers[position] = start()
        return index

    try:
        workers = [start() for _ in range(max(1, min(jobs, len(items))))]
        while pending or any(w.busy for w in workers):
            assign()
            busy = [w for w in workers if w.busy]
            wait_for = max(0.0, min(deadline(w) for w in busy) - time.monotonic())
            ready = set(wait([w.conn for w in busy], timeout=wait_for))
            for position, worker in enumerate(workers):
                if not worker.busy:
                    continue
                if worker.conn in ready:
                    try:
                        index, ok, value = worker.conn.recv()
                    except (EOFError, OSError):  # the worker died on the item it was on
                        worker.process.join(timeout=5)
                        code = worker.process.exitcode
                        yield replace(position), WorkerFailure("crashed", f"exit {code}")
                        continue
                    if ok is None:  # it began its first item
                        worker.started = time.monotonic()
                        continue
                    worker.sent.popleft()
                    worker.started = None
                    assign()  # its next item is in its pipe already: it reads while the caller uses this result
                    yield index, value if ok else WorkerFailure("error", value)
                elif time.monotonic() >= deadline(worker):
                    yield replace(position), WorkerFailure("timeout", f"{timeout:.0f} s")
    finally:
        for worker in workers:
            worker.stop(kill=sys.exc_info()[0] is not None)

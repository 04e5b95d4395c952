"""One writing command at a time per workspace.

A writing command (parse into the store, forms, collect, ledger, report, run, send, remind, fetch, contacts
--template) holds an operating-system lock on ``.reporter/lock`` (filelock: released by the system when the process
ends, however it ends) and writes who holds it to ``.reporter/lock.json``: the command, process id, computer and
start time. A second command waits a few seconds, then stops with a message naming the holder. A ``lock.json``
found when the lock is free was left by a run that was killed: its temporary files are swept and a note says so.
Read-only commands (``status``, ``parse --no-store``, ``contacts`` without ``--template``) take no lock.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from reporter.errors import LockedError, WorkspaceError, os_error_message
from reporter.io.files import sweep_leftovers, write_text_atomic
from reporter.settings import Workspace

WAIT_SECONDS = 5.0
LOCK_NAME = "lock"
HOLDER_NAME = "lock.json"


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) the workspace."""

    command: str
    pid: int
    host: str
    started: str

    def describe(self) -> str:
        when = self.started.replace("T", " ")
        return f"{self.command}（进程 {self.pid}，计算机 {self.host}，{when} 开始）"


@dataclass
class Acquired:
    """The lock taken; ``note`` tells of a killed earlier run whose leftovers were swept."""

    holder: Holder
    note: str = ""


def _read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Holder(str(data["command"]), int(data["pid"]), str(data["host"]), str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def workspace_lock(workspace: Workspace, command: str, wait: float | None = None) -> Iterator[Acquired]:
    """Hold the workspace for ``command`` (e.g. ``reporter collect``); raise ``LockedError`` naming the holder when
    another command keeps it for more than ``wait`` seconds (default ``WAIT_SECONDS``)."""
    wait = WAIT_SECONDS if wait is None else wait
    folder = workspace.store_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(os_error_message(exc, folder)) from exc
    holder_path = folder / HOLDER_NAME
    lock = FileLock(str(folder / LOCK_NAME), timeout=wait)
    try:
        lock.acquire()
    except Timeout as exc:
        holder = _read_holder(holder_path)
        who = holder.describe() if holder else "另一个 reporter 命令"
        raise LockedError(
            f"工作区 {workspace.root} 正被{who}使用，等待{wait:g}秒后仍未结束。请等它运行完毕后再试"
        ) from exc
    except OSError as exc:
        raise WorkspaceError(os_error_message(exc, folder / LOCK_NAME)) from exc
    try:
        acquired = Acquired(Holder(command, os.getpid(), socket.gethostname(), _now()))
        stale = _read_holder(holder_path)
        swept = sweep_leftovers([workspace.root]) if stale is not None else []  # only a killed run leaves any
        if stale is not None:
            acquired.note = f"上次运行的{stale.describe()}未正常结束（可能被强行关闭）"
            acquired.note += f"，已清理其遗留的{len(swept)}个临时文件" if swept else ""
            acquired.note += "。已收集的数据完整，需要时请重新运行该命令"
        write_text_atomic(holder_path, json.dumps(asdict(acquired.holder), ensure_ascii=False))
        yield acquired
    finally:
        try:
            holder_path.unlink(missing_ok=True)
        finally:
            lock.release()


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")

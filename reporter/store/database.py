"""The connection to the workspace database (stdlib ``sqlite3``): opening, migrating, transactions."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from reporter.errors import StoreError
from reporter.store.schema import MIGRATIONS

BATCH_SECONDS = 1.0


def content_digest(data: object) -> str:
    """A stable hash of JSON-able data (keys sorted)."""
    return text_digest(canonical_json(data))


def canonical_json(data: object) -> str:
    """JSON-able data as ``content_digest`` hashes it (keys sorted): a caller that needs both the text and the hash
    serialises once."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def text_digest(text: str) -> str:
    """The hash of JSON text made by ``canonical_json`` (``content_digest`` of the data it holds)."""
    return hashlib.sha256(text.encode()).hexdigest()


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class Database:
    """An open workspace database, migrated to the current schema. Use as a context manager, or ``close()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"无法打开工作区数据库 {path}：{exc}") from exc
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        # A write-ahead log with synchronous=NORMAL: a commit no longer waits for the disk twice (a province's 1,000
        # returns collect about a third faster), and a crash can lose at most the last commits, never consistency.
        # Where the file system cannot hold a WAL (some network shares), SQLite keeps its rollback journal.
        try:
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error:
            pass
        self.migrate()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the schema up to date, one migration per transaction."""
        current = self.version
        if current > len(MIGRATIONS):
            raise StoreError(f"工作区数据库 {self.path} 由更新版本的 reporter 创建（版本{current}），请升级 reporter")
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            try:
                with self.transaction():
                    for statement in script.split(";"):
                        if statement.strip():
                            self.conn.execute(statement)
                    self.conn.execute(f"PRAGMA user_version = {number}")
            except sqlite3.Error as exc:
                raise StoreError(f"工作区数据库升级失败（第{number}步）：{exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing. Inside another transaction (a ``batch``) it is a savepoint of that one."""
        if self.conn.in_transaction:
            self.conn.execute("SAVEPOINT step")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK TO step")
                self.conn.execute("RELEASE step")
                raise
            self.conn.execute("RELEASE step")
            return
        self.conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    @contextmanager
    def batch(self, seconds: float = BATCH_SECONDS) -> Iterator[Callable[[], None]]:
        """Many transactions committed together: a commit (a wait for the disk) every ``seconds`` at most, when
        the caller says a step is complete (the function yielded), rather than one per step. Each step is still all
        or nothing (a savepoint); when one raises, the steps completed before it are committed. A crash loses at most
        the steps since the last commit, which the next run does again."""
        self.conn.execute("BEGIN")
        committed = time.monotonic()

        def step_done() -> None:
            nonlocal committed
            if time.monotonic() - committed >= seconds:
                self.conn.commit()
                self.conn.execute("BEGIN")
                committed = time.monotonic()

        try:
            yield step_done
        finally:
            self.conn.commit()

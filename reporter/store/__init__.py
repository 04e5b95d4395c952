"""The workspace store: an embedded SQLite database (stdlib ``sqlite3``), schema versioned by migrations.

One class per concern (notices and tasks, returns and answers, mail), combined in ``Store``. Everything read
from the store comes back as typed rows (``reporter.model``), never as plain dictionaries.
"""

from __future__ import annotations

from reporter.store.mail import MailTables
from reporter.store.notices import NoticeTables, SaveResult, TaskChange
from reporter.store.returns import ReturnRecord, ReturnTables

__all__ = ["ReturnRecord", "SaveResult", "Store", "TaskChange"]


class Store(NoticeTables, ReturnTables, MailTables):
    """Access to the workspace database. Use as a context manager, or call ``close()``."""

    def __enter__(self) -> Store:
        return self

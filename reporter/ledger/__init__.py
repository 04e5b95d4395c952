"""The master ledger (台账): the sheets written from the store (``sheets``) and the office's edits read back from
it before the next one is written (``readback``)."""

from __future__ import annotations

from reporter.ledger.changes import LedgerChange, LedgerChanges
from reporter.ledger.readback import LedgerOpenError, check_ledger_closed, read_back
from reporter.ledger.sheets import LedgerRecords, LedgerResult, build_sheets, ledger_records, write_ledger

__all__ = [
    "LedgerChange",
    "LedgerChanges",
    "LedgerOpenError",
    "LedgerRecords",
    "LedgerResult",
    "build_sheets",
    "check_ledger_closed",
    "ledger_records",
    "read_back",
    "write_ledger",
]

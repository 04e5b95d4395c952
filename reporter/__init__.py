"""reporter: a toolkit for a government supervision office (督查室).

Parse the yearly notice that breaks the government work report into tasks,
keep them in a workspace store and write the master ledger (台账).
"""

from __future__ import annotations

__version__ = "0.1.0"

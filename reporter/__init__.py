"""reporter: a toolkit for a government supervision office (督查室).

Parse the yearly notice that breaks the government work report into tasks,
keep them in a workspace store and write the master ledger (台账).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["consolidate"]


def __getattr__(name: str) -> object:
    """``reporter.consolidate(workspace, period)``: the period's numbers as pandas DataFrames (imported on first use,
    so that the command line does not load pandas before it needs it)."""
    if name == "consolidate":
        from reporter.consolidation import consolidate

        return consolidate
    raise AttributeError(name)

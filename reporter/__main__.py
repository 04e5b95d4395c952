"""Allow ``python -m reporter``."""

from __future__ import annotations

from reporter.cli import entry

if __name__ == "__main__":
    entry()

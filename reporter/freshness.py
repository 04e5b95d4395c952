"""Whether a ``reporter run`` would write the same ledger and reports as the last one (then it writes nothing).

The outputs are a function of the store, the workspace's files (``reporter.toml``, the address book, the
templates), reporter's own code, the period and the options. ``inputs_digest`` hashes all of them: whole small
tables, and for the large ones what changes whenever their content does (counts, highest row ids, the tasks'
content digests, which returns are current). The run compares it, and the outputs' own SHA-256, with what it
recorded when it last wrote them; anything different, a file missing or edited, and everything is written again.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path

from reporter.settings import CONFIG_NAME, Workspace
from reporter.store import Store
from reporter.store.database import content_digest

_WHOLE_TABLES = (
    "notices",
    "office_edits",
    "office_answers",
    "office_aliases",
    "districts",
    "periods",
    "ledger_pending",
    "mail_log",
    "send_backs",
    "no_form_units",
)
_SUMMARIES = (
    "SELECT count(*), max(updated_at), sum(active), group_concat(digest, '') FROM tasks",
    "SELECT count(*), group_concat(task_id || unit || role || via, '|') FROM task_units",
    "SELECT count(*), max(id), sum(current * id), group_concat(sha256, '') FROM returns",
    "SELECT count(*), max(return_id) FROM answers",
    "SELECT count(*), max(return_id) FROM indicator_answers",
)


@cache
def code_fingerprint() -> str:
    """A digest of reporter's own code and data: a new version writes everything again."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for file in sorted(package.rglob("*")):
        if file.suffix in (".py", ".toml", ".json") and "__pycache__" not in file.parts:
            digest.update(str(file.relative_to(package)).encode() + file.read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    except OSError:
        return "unreadable"


def inputs_digest(workspace: Workspace, store: Store, options: dict[str, object]) -> str:
    """What the run's ledger and reports are made from, as one digest (``options``: period, date, pdf …)."""
    tables = {table: store.conn.execute(f"SELECT * FROM {table}").fetchall() for table in _WHOLE_TABLES}
    parts = {
        "code": code_fingerprint(),
        "config": _file_digest(workspace.root / CONFIG_NAME),
        "contacts": _file_digest(workspace.contacts_path),
        "templates": sorted(
            (p.name, _file_digest(p)) for p in workspace.templates_dir.glob("*") if workspace.templates_dir.is_dir()
        ),
        "tables": {name: [tuple(row) for row in rows] for name, rows in tables.items()},
        "summaries": [tuple(store.conn.execute(sql).fetchone()) for sql in _SUMMARIES],
        "options": options,
        "day": date.today().isoformat(),  # nothing in the outputs should depend on it; a new day writes anyway
    }
    return content_digest(parts)


def outputs_digest(paths: list[Path], root: Path) -> dict[str, str]:
    """Each output file (relative to ``root``) with its SHA-256."""
    return {str(p.relative_to(root)): _file_digest(p) for p in paths}


def up_to_date(workspace: Workspace, store: Store, key: str, digest: str) -> bool:
    """Whether the outputs recorded under ``key`` were made from ``digest`` and are all still as written."""
    recorded = store.run_record(key)
    if recorded is None or recorded[0] != digest or not recorded[1]:
        return False
    return all(_file_digest(workspace.root / name) == sha for name, sha in recorded[1].items())

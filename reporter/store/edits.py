"""What the office changed in the ledger (台账), in the store.

* ``office_edits``: one row per task and ledger column the office changed (任务内容, 牵头单位, 完成时限, 督办状态 …),
  with the task attributes it sets, what the notice said when the edit was made, and, when a revised notice
  says something else again, that too (a conflict, kept until the office resolves it). The tasks the store
  returns carry the office's values: an edit wins over every re-parse.
* ``office_answers``: progress the office corrected in the ledger (an answer from 督查室), kept beside the
  units' answers.
* ``ledger_shown``: what the last ledger showed in each editable cell (a JSON list of task id, column and text
  per sheet), so that the next read tells the office's edits from values that changed in the store since
  (``ledger_cells``, one row per cell, in a store from before migration 13).
* ``ledger_pending``: cells the office typed that could not be applied, with why; the next ledger shows them
  as typed, marked, so nothing typed is lost.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from reporter.model import OFFICE, Answer, CollectiveUnit, OfficeEdit, Target, Task
from reporter.notices.units import District
from reporter.store.database import Database, now

CellKey = tuple[str, str, str]  # (sheet, task id, column)
PROPOSED, CONFIRMED, REJECTED = "proposed", "confirmed", "rejected"  # a district found in a notice


def apply_office_edits(task: Task, edits: list[OfficeEdit], aliases: dict[str, str] | None = None) -> Task:
    """``task`` with the office's values in place of the notice's, and unit names the office merged replaced by
    the name they were merged into (in place; returned for convenience)."""
    for edit in edits:
        for name, value in edit.value.items():
            if name == "collective_units":
                task.collective_units = [CollectiveUnit.from_dict(c) for c in value]
            elif name == "targets":
                task.targets = [Target.from_dict(t) for t in value]
            else:
                setattr(task, name, list(value) if isinstance(value, list) else value)
        if edit.field not in task.office_fields:
            task.office_fields.append(edit.field)
    if aliases:
        task.lead_units = _merged(task.lead_units, aliases)
        task.cooperating_units = [u for u in _merged(task.cooperating_units, aliases) if u not in task.lead_units]
        for collective in task.collective_units:
            collective.members = _merged(collective.members, aliases)
    return task


def _merged(units: list[str], aliases: dict[str, str]) -> list[str]:
    return list(dict.fromkeys(aliases.get(unit, unit) for unit in units))


def _edit(row: Any) -> OfficeEdit:
    return OfficeEdit(
        task_id=row["task_id"],
        field=row["field"],
        cell=row["cell"],
        value=json.loads(row["value_json"]),
        parsed=json.loads(row["parsed_json"]),
        conflict=None if row["conflict_json"] is None else json.loads(row["conflict_json"]),
        source=row["source"],
        at=row["at"],
    )


class OfficeTables(Database):
    """The office_edits, office_answers, ledger_cells, ledger_pending and ledger_meta tables."""

    def office_edits(self, task_id: str | None = None) -> list[OfficeEdit]:
        sql = "SELECT * FROM office_edits" + (" WHERE task_id = ?" if task_id else "") + " ORDER BY task_id, at"
        return [_edit(row) for row in self.conn.execute(sql, (task_id,) if task_id else ())]

    def office_edits_by_task(self) -> dict[str, list[OfficeEdit]]:
        by_task: dict[str, list[OfficeEdit]] = {}
        for edit in self.office_edits():
            by_task.setdefault(edit.task_id, []).append(edit)
        return by_task

    def _put_office_edit(self, edit: OfficeEdit) -> None:
        self.conn.execute(
            "INSERT INTO office_edits (task_id, field, cell, value_json, parsed_json, conflict_json, source, at)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(task_id, field) DO UPDATE SET cell=excluded.cell,"
            " value_json=excluded.value_json, parsed_json=excluded.parsed_json, conflict_json=excluded.conflict_json,"
            " source=excluded.source, at=excluded.at",
            (
                edit.task_id,
                edit.field,
                edit.cell,
                json.dumps(edit.value, ensure_ascii=False),
                json.dumps(edit.parsed, ensure_ascii=False),
                None if edit.conflict is None else json.dumps(edit.conflict, ensure_ascii=False),
                edit.source,
                edit.at,
            ),
        )

    def _drop_office_edit(self, task_id: str, field: str) -> None:
        self.conn.execute("DELETE FROM office_edits WHERE task_id = ? AND field = ?", (task_id, field))

    def _set_conflict(self, task_id: str, field: str, conflict: dict[str, Any] | None) -> None:
        self.conn.execute(
            "UPDATE office_edits SET conflict_json = ? WHERE task_id = ? AND field = ?",
            (None if conflict is None else json.dumps(conflict, ensure_ascii=False), task_id, field),
        )

    # -- unit names merged into another ---------------------------------------------------------------------

    def office_aliases(self) -> dict[str, str]:
        """Unit names the office merged in the ledger, each with the name it was merged into."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT name, canonical FROM office_aliases")}

    def _put_alias(self, name: str, canonical: str, source: str) -> None:
        self.conn.execute("UPDATE office_aliases SET canonical = ? WHERE canonical = ?", (canonical, name))
        self.conn.execute(
            "INSERT INTO office_aliases (name, canonical, source, at) VALUES (?,?,?,?) ON CONFLICT(name) DO UPDATE"
            " SET canonical=excluded.canonical, source=excluded.source, at=excluded.at",
            (name, canonical, source, now()),
        )

    def _drop_alias(self, name: str) -> None:
        self.conn.execute("DELETE FROM office_aliases WHERE name = ?", (name,))

    # -- districts found in the notices, proposed to the office -----------------------------------------------

    def stored_districts(self) -> list[tuple[District, str]]:
        """Districts found in the notices with their state: proposed, confirmed or rejected (by the office)."""
        rows = self.conn.execute("SELECT * FROM districts ORDER BY rowid")
        return [(District(r["name"], r["short"], r["kind"], government=r["unit"]), r["state"]) for r in rows.fetchall()]

    def propose_districts(self, districts: list[District], source: str) -> list[District]:
        """Record districts found in a notice that are new to the store; return those."""
        known = {r[0] for r in self.conn.execute("SELECT unit FROM districts")}
        new = [d for d in districts if d.unit not in known]
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO districts (unit, name, short, kind, state, source, at) VALUES (?,?,?,?,?,?,?)",
                [(d.unit, d.name, d.short, d.kind, PROPOSED, source, now()) for d in new],
            )
        return new

    def _set_district_state(self, unit: str, kind: str, state: str) -> None:
        self.conn.execute("UPDATE districts SET kind = ?, state = ?, at = ? WHERE unit = ?", (kind, state, now(), unit))

    # -- progress the office corrected --------------------------------------------------------------------

    def _add_office_answer(self, period: str, answer: Answer, source: str) -> None:
        self.conn.execute(
            "INSERT INTO office_answers (period, task_id, unit, progress, percent, status, problems, plan, source,"
            " saved_at, at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                period,
                answer.task_id,
                answer.unit,
                answer.progress,
                answer.percent,
                answer.status,
                answer.problems,
                answer.plan,
                source,
                answer.saved_at,
                now(),
            ),
        )

    def office_answers(self, period: str | None = None, *, current_only: bool = True) -> list[Answer]:
        """The office's corrections (the latest per task and period when ``current_only``), as answers."""
        rows = self.conn.execute(
            "SELECT * FROM office_answers" + (" WHERE period = ?" if period else "") + " ORDER BY period, task_id, id",
            (period,) if period else (),
        ).fetchall()
        latest = {(r["period"], r["task_id"]): r["id"] for r in rows}
        return [
            Answer(
                task_id=r["task_id"],
                role=OFFICE,
                progress=r["progress"],
                percent=r["percent"],
                status=r["status"],
                problems=r["problems"],
                plan=r["plan"],
                evidence="",
                reporter="",
                phone="",
                return_id=0,
                unit=r["unit"],
                period=r["period"],
                saved_at=r["saved_at"],
                received_at=r["at"],
                sha256="",
                file_name=r["source"],
                current=latest[(r["period"], r["task_id"])] == r["id"],
            )
            for r in rows
            if not current_only or latest[(r["period"], r["task_id"])] == r["id"]
        ]

    # -- what the last ledger showed, and what could not be applied ------------------------------------------

    def ledger_cells(self) -> dict[CellKey, str]:
        shown = self.conn.execute("SELECT sheet, cells_json FROM ledger_shown").fetchall()
        if not shown:  # a store from before migration 13: its rows, until the next ledger is written
            rows = self.conn.execute("SELECT sheet, task_id, field, value FROM ledger_cells")
            return {(r[0], r[1], r[2]): r[3] for r in rows}
        return {(sheet, task_id, field): value for sheet, text in shown for task_id, field, value in json.loads(text)}

    def save_ledger_cells(self, cells: dict[CellKey, str], meta: dict[str, str]) -> None:
        """Replace the record of what the ledger shows (called after the ledger is written)."""
        by_sheet: dict[str, list[tuple[str, str, str]]] = {}
        for (sheet, task_id, field), value in cells.items():
            by_sheet.setdefault(sheet, []).append((task_id, field, value))
        with self.transaction():
            self.conn.execute("DELETE FROM ledger_cells")  # the rows of a store from before migration 13
            self.conn.execute("DELETE FROM ledger_shown")
            self.conn.executemany(
                "INSERT INTO ledger_shown (sheet, cells_json) VALUES (?,?)",
                [(sheet, json.dumps(rows, ensure_ascii=False)) for sheet, rows in by_sheet.items()],
            )
            self.conn.executemany(
                "INSERT INTO ledger_meta (key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                list(meta.items()),
            )

    def save_ledger_meta(self, meta: dict[str, str]) -> None:
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO ledger_meta (key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                list(meta.items()),
            )

    def run_record(self, key: str) -> tuple[str, dict[str, str]] | None:
        """What a run last wrote under ``key``: the digest of its inputs and its files with their SHA-256."""
        row = self.conn.execute("SELECT value FROM ledger_meta WHERE key = ?", (f"run:{key}",)).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        return str(data["inputs"]), {str(k): str(v) for k, v in data["files"].items()}

    def save_run_record(self, key: str, inputs: str, files: dict[str, str]) -> None:
        self.save_ledger_meta({f"run:{key}": json.dumps({"inputs": inputs, "files": files}, ensure_ascii=False)})

    def form_key(self) -> bytes:
        """The secret that signs the forms' identity (``reporter.forms.identity``), made on first use."""
        row = self.conn.execute("SELECT value FROM ledger_meta WHERE key = 'form_key'").fetchone()
        if row is not None:
            return bytes.fromhex(row[0])
        key = secrets.token_bytes(32)
        with self.transaction():
            self.conn.execute("INSERT OR IGNORE INTO ledger_meta (key, value) VALUES ('form_key', ?)", (key.hex(),))
        return bytes.fromhex(self.conn.execute("SELECT value FROM ledger_meta WHERE key = 'form_key'").fetchone()[0])

    def no_form_units(self) -> frozenset[str]:
        """Units the office sends no form (类型 不发表)."""
        return frozenset(r[0] for r in self.conn.execute("SELECT unit FROM no_form_units"))

    def remembered_period(self) -> str | None:
        """The period of the last ``reporter forms``: the one the office is working on."""
        row = self.conn.execute("SELECT value FROM ledger_meta WHERE key = 'period:current'").fetchone()
        return str(row[0]) if row else None

    def remember_period(self, key: str) -> None:
        self.save_ledger_meta({"period:current": key})

    def ledger_meta(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT key, value FROM ledger_meta")}

    def ledger_pending(self) -> dict[CellKey, tuple[str, str]]:
        """Cells typed in the ledger that could not be applied: (value as typed, why)."""
        rows = self.conn.execute("SELECT sheet, task_id, field, value, message FROM ledger_pending")
        return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}

    def _set_pending(self, pending: dict[CellKey, tuple[str, str]]) -> None:
        self.conn.execute("DELETE FROM ledger_pending")
        at = now()
        self.conn.executemany(
            "INSERT INTO ledger_pending (sheet, task_id, field, value, message, at) VALUES (?,?,?,?,?,?)",
            [(*key, value, message, at) for key, (value, message) in pending.items()],
        )

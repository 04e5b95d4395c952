"""Notices and their tasks in the store: saving a re-parsed notice, the active tasks and their units, history.

Saving a re-parsed notice compares it with what is stored: an unchanged notice writes nothing; a revised one
updates task definitions and records every change in ``task_history``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from reporter.errors import StoreError
from reporter.model import Answer, HistoryEntry, Notice, OfficeEdit, StoredNotice, Task, TaskUnit
from reporter.notices.units import District
from reporter.store.database import canonical_json, content_digest, now, text_digest
from reporter.store.edits import CONFIRMED, CellKey, OfficeTables, apply_office_edits

OFFICE_NOTICE = "台账"  # the notice code of tasks the office added in the ledger

CHANGE_LABELS = {
    "added": "新增任务",
    "removed": "删除任务",
    "reworded": "任务内容修改",
    "leaders": "牵头领导变更",
    "units": "责任单位变更",
    "targets": "目标任务或分解变更",
    "office-edit": "台账修改",
    "office-revert": "采用通知原文",
    "office-conflict": "通知修订与台账修改不一致",
    "office-agrees": "通知修订后与台账一致",
    "unit-merged": "合并单位",
    "unit-unmerged": "取消合并单位",
    "district": "区县或开发园区确认",
}


@dataclass(frozen=True)
class TaskChange:
    """One difference between a stored task and its re-parsed version."""

    task_id: str
    change: str
    detail: str

    @property
    def label(self) -> str:
        return CHANGE_LABELS.get(self.change, self.change)


@dataclass(frozen=True)
class EditConflict:
    """A field the office edited in the ledger that a revised notice now gives otherwise: the office's value is
    kept until the office chooses in the ledger."""

    task_id: str
    field: str
    office: str
    notice: str


@dataclass
class SaveResult:
    """What saving a notice did."""

    code: str
    status: str  # "new", "unchanged" or "updated"
    tasks: int = 0
    changes: list[TaskChange] = field(default_factory=list)
    conflicts: list[EditConflict] = field(default_factory=list)


def _task_definition(task: dict[str, Any]) -> dict[str, Any]:
    """The parts of a task whose change matters (not its line number or warnings)."""
    keys = (
        "kind",
        "part",
        "section",
        "number",
        "text",
        "leaders",
        "leader_label",
        "lead_units",
        "cooperating_units",
        "collective_units",
        "responsible_persons",
        "target_text",
        "breakdown",
    )
    definition = {k: task[k] for k in keys}
    for key in (
        "deadline",
        "milestones",
        "parent",
        "parent_text",
    ):  # only when given, so that stores made before these keys stay unchanged
        if task.get(key):
            definition[key] = task[key]
    return definition


_UPSERT_TASK = """INSERT INTO tasks (id, notice_code, seq, kind, part, section, number, text, data_json, digest,
                                      active, created_at, updated_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?)
                   ON CONFLICT(id) DO UPDATE SET seq=excluded.seq, kind=excluded.kind, part=excluded.part,
                     section=excluded.section, number=excluded.number, text=excluded.text,
                     data_json=excluded.data_json, digest=excluded.digest, active=1,
                     updated_at=CASE WHEN tasks.digest = excluded.digest AND tasks.active = 1
                                     THEN tasks.updated_at ELSE excluded.updated_at END"""
_INSERT_HISTORY = (
    "INSERT INTO task_history (task_id, notice_code, change, detail, before_json, after_json, at)"
    " VALUES (?,?,?,?,?,?,?)"
)
_DELETE_UNITS = "DELETE FROM task_units WHERE task_id = ?"
_INSERT_UNIT = "INSERT INTO task_units (task_id, unit, role, via) VALUES (?,?,?,?)"


class _TaskWrites:
    """The rows a saved notice writes for its tasks, gathered and written together (``executemany``): a
    province's 10,000 tasks are four statements, not 40,000. Written in the order they were gathered, so that
    the history keeps its order; ``write`` before anything else writes to these tables."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.history: list[tuple[Any, ...]] = []
        self.tasks: list[tuple[Any, ...]] = []
        self.unit_tasks: list[tuple[str]] = []
        self.units: list[tuple[str, str, str, str]] = []

    def write(self) -> None:
        self.conn.executemany(_INSERT_HISTORY, self.history)
        self.conn.executemany(_UPSERT_TASK, self.tasks)  # before their units (foreign key)
        self.conn.executemany(_DELETE_UNITS, self.unit_tasks)
        self.conn.executemany(_INSERT_UNIT, self.units)
        for rows in (self.history, self.tasks, self.unit_tasks, self.units):
            rows.clear()


class NoticeTables(OfficeTables):
    """The notices, tasks, task_units and task_history tables (tasks as the office edited them)."""

    def save_notice(self, notice: Notice, sha256: str = "") -> SaveResult:
        """Store a parsed notice; return whether it was new, unchanged or updated, and what changed."""
        data = notice.to_dict()
        definitions = [_task_definition(t) for t in data["tasks"]]
        canonical = [canonical_json(d) for d in definitions]  # each task's definition serialised once
        # content_digest({"notice": …, "tasks": definitions}), from the texts already made
        notice_digest = text_digest(
            f'{{"notice": {canonical_json(data["notice"])}, "tasks": [{", ".join(canonical)}]}}'
        )
        code = notice.meta.code
        existing = self.conn.execute("SELECT * FROM notices WHERE code = ?", (code,)).fetchone()
        if existing and existing["digest"] == notice_digest:
            return SaveResult(code, "unchanged", len(notice.tasks))
        if existing and existing["title"] != notice.meta.title and existing["source"] != notice.meta.source:
            raise StoreError(
                f"{notice.meta.source} 与已导入的《{existing['title']}》（{existing['source']}）任务编号前缀同为“{code}”。"
                f'如是两份不同的通知，请在 reporter.toml 中为其中一份设置 [notices."{notice.meta.source}"] code'
            )
        at = now()
        changes: list[TaskChange] = []
        with self.transaction():
            self.conn.execute(
                """INSERT INTO notices (code, title, issuer, doc_number, date, year, source, sha256, digest,
                                        parts_json, warnings_json, parsed_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT(code) DO UPDATE SET title=excluded.title, issuer=excluded.issuer,
                     doc_number=excluded.doc_number, date=excluded.date, year=excluded.year,
                     source=excluded.source, sha256=excluded.sha256, digest=excluded.digest,
                     parts_json=excluded.parts_json, warnings_json=excluded.warnings_json,
                     parsed_at=excluded.parsed_at""",
                (
                    code,
                    notice.meta.title,
                    notice.meta.issuer,
                    notice.meta.doc_number,
                    notice.meta.date,
                    notice.meta.year,
                    notice.meta.source,
                    sha256,
                    notice_digest,
                    json.dumps(data["notice"]["parts"], ensure_ascii=False),
                    json.dumps([w.to_dict() for w in notice.all_problems()], ensure_ascii=False),
                    at,
                ),
            )
            stored = {row["id"]: row for row in self.conn.execute("SELECT * FROM tasks WHERE notice_code = ?", (code,))}
            edits = self.office_edits_by_task()
            aliases = self.office_aliases()
            conflicts: list[EditConflict] = []
            writes = _TaskWrites(self.conn)
            for seq, (task, task_dict, definition, text) in enumerate(
                zip(notice.tasks, data["tasks"], definitions, canonical, strict=True)
            ):
                task_digest = text_digest(text)
                old = stored.pop(task.id, None)
                if old is None or not old["active"]:
                    changes.append(TaskChange(task.id, "added", task.text[:40]))
                    writes.history.append((task.id, code, "added", task.text[:40], None, text, at))
                elif old["digest"] != task_digest:
                    before = _task_definition(json.loads(old["data_json"]))
                    before_text = canonical_json(before)
                    for change in _compare(task.id, before, definition):
                        changes.append(change)
                        writes.history.append((task.id, code, change.change, change.detail, before_text, text, at))
                writes.tasks.append(
                    (
                        task.id,
                        code,
                        seq,
                        task.kind,
                        task.part,
                        task.section,
                        task.number,
                        task.text,
                        json.dumps(task_dict, ensure_ascii=False),
                        task_digest,
                        at,
                        at,
                    )
                )
                office = edits.get(task.id, [])
                if office:
                    writes.write()  # checking the office's edits writes history of its own, after this task's
                conflicts += self._check_edits(office, task_dict, code, at)
                current = self.office_edits(task.id) if office else []  # _check_edits may have dropped some
                # the parsed task itself when nothing changes it (a copy otherwise: the notice stays as parsed)
                units = apply_office_edits(Task.from_dict(task_dict), current, aliases) if current or aliases else task
                writes.unit_tasks.append((task.id,))
                writes.units += _unit_rows(units)
            writes.write()
            for task_id, old in stored.items():
                if old["active"]:
                    changes.append(TaskChange(task_id, "removed", old["text"][:40]))
                    self._history(
                        task_id,
                        code,
                        "removed",
                        old["text"][:40],
                        _task_definition(json.loads(old["data_json"])),
                        None,
                        at,
                    )
                    self.conn.execute("UPDATE tasks SET active = 0, updated_at = ? WHERE id = ?", (at, task_id))
                    self.conn.execute("DELETE FROM task_units WHERE task_id = ?", (task_id,))
        return SaveResult(code, "updated" if existing else "new", len(notice.tasks), changes, conflicts)

    def _check_edits(self, edits: list[OfficeEdit], parsed: dict[str, Any], code: str, at: str) -> list[EditConflict]:
        """The office's edits of a task against the notice as now parsed: the notice now agrees (the edit is no
        longer needed), says what it said (nothing to do), or says something else again (a conflict)."""
        conflicts = []
        for edit in edits:
            now_parsed = {name: parsed.get(name) for name in edit.value}
            if now_parsed == edit.parsed:
                if edit.conflict is not None:
                    self._set_conflict(edit.task_id, edit.field, None)
                continue
            if now_parsed == edit.value:
                self._drop_office_edit(edit.task_id, edit.field)
                self._history(edit.task_id, code, "office-agrees", edit.field, edit.value, now_parsed, at)
                continue
            if edit.conflict != now_parsed:
                self._set_conflict(edit.task_id, edit.field, now_parsed)
                self._history(edit.task_id, code, "office-conflict", edit.field, edit.value, now_parsed, at)
            conflicts.append(EditConflict(edit.task_id, edit.field, edit.cell, show_value(now_parsed)))
        return conflicts

    def _write_units(self, task: Task) -> None:
        self.conn.execute(_DELETE_UNITS, (task.id,))
        self.conn.executemany(_INSERT_UNIT, _unit_rows(task))

    def conflicts(self) -> list[EditConflict]:
        """Every office edit that a revised notice contradicts, until the office resolves it."""
        return [
            EditConflict(e.task_id, e.field, e.cell, show_value(e.conflict))
            for e in self.office_edits()
            if e.conflict is not None
        ]

    def apply_office_changes(
        self,
        *,
        edits: list[OfficeEdit],
        reverted: list[tuple[str, str]],
        added: list[Task],
        answers: list[tuple[str, Answer]],
        pending: dict[CellKey, tuple[str, str]],
        source: str,
        read_sha256: str = "",
        merged: dict[str, str] | None = None,
        unmerged: list[str] | None = None,
        districts: list[tuple[District, str]] | None = None,
        no_forms: list[tuple[str, bool]] | None = None,
    ) -> None:
        """Record what the office changed in the ledger, in one transaction: definition edits (and conflicts it
        resolved by taking the notice's value), tasks it added, progress it corrected, cells not applied."""
        at = now()
        touched: set[str] = set()
        with self.transaction():
            for edit in edits:
                self._put_office_edit(edit)
                detail = f"{edit.field}：{show_value(edit.parsed)} → {edit.cell}（{source}）"
                self._history(edit.task_id, OFFICE_NOTICE, "office-edit", detail, edit.parsed, edit.value, at)
                touched.add(edit.task_id)
            for task_id, name in reverted:
                self._drop_office_edit(task_id, name)
                self._history(task_id, OFFICE_NOTICE, "office-revert", f"{name}（{source}）", None, None, at)
                touched.add(task_id)
            for task in added:
                self._add_office_task(task, source, at)
            for period, answer in answers:
                self._add_office_answer(period, answer, source)
            for name, canonical in (merged or {}).items():
                self._put_alias(name, canonical, source)
                self._history("", OFFICE_NOTICE, "unit-merged", f"{name} 并入 {canonical}（{source}）", None, None, at)
            for name in unmerged or []:
                self._drop_alias(name)
                self._history(
                    "", OFFICE_NOTICE, "unit-unmerged", f"{name} 不再并入其他单位（{source}）", None, None, at
                )
            for unit, excluded in no_forms or []:
                if excluded:
                    self.conn.execute(
                        "INSERT OR REPLACE INTO no_form_units (unit, source, at) VALUES (?,?,?)", (unit, source, at)
                    )
                else:
                    self.conn.execute("DELETE FROM no_form_units WHERE unit = ?", (unit,))
                detail = f"{unit}：{'不发填报表' if excluded else '恢复发填报表'}（{source}）"
                self._history("", OFFICE_NOTICE, "unit-no-form", detail, None, None, at)
            for district, state in districts or []:
                self.conn.execute(
                    "INSERT INTO districts (unit, name, short, kind, state, source, at) VALUES (?,?,?,?,?,?,?)"
                    " ON CONFLICT(unit) DO UPDATE SET kind=excluded.kind, state=excluded.state, at=excluded.at",
                    (district.unit, district.name, district.short, district.kind, state, source, at),
                )
                detail = f"{district.unit}：{district.kind if state == CONFIRMED else '不是区县或开发园区'}（{source}）"
                self._history("", OFFICE_NOTICE, "district", detail, None, None, at)
            if merged or unmerged:  # every task naming a unit merged or unmerged
                touched |= {row[0] for row in self.conn.execute("SELECT id FROM tasks WHERE active = 1")}
            self._set_pending(pending)
            self.conn.execute(
                "INSERT INTO ledger_meta (key, value) VALUES ('read_sha256', ?)"
                " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (read_sha256,),
            )
            if touched:
                aliases = self.office_aliases()
                by_task = self.office_edits_by_task()
                for row in self.conn.execute("SELECT id, data_json FROM tasks WHERE active = 1").fetchall():
                    if row["id"] in touched:
                        task = Task.from_dict(json.loads(row["data_json"]))
                        self._write_units(apply_office_edits(task, by_task.get(task.id, []), aliases))

    def _add_office_task(self, task: Task, source: str, at: str) -> None:
        """A task the office added in the ledger (批示交办 …): kept under the notice ``台账``."""
        self.conn.execute(
            "INSERT INTO notices (code, title, issuer, doc_number, date, year, source, sha256, digest, parts_json,"
            " warnings_json, parsed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(code) DO NOTHING",
            (OFFICE_NOTICE, "督查室在台账中增补的任务", "", "", "", 9999, source, "", "", "[]", "[]", at),
        )
        seq = self.conn.execute("SELECT COUNT(*) FROM tasks WHERE notice_code = ?", (OFFICE_NOTICE,)).fetchone()[0]
        definition = task.to_dict()
        self.conn.execute(
            "INSERT INTO tasks (id, notice_code, seq, kind, part, section, number, text, data_json, digest, active,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?)",
            (
                task.id,
                OFFICE_NOTICE,
                seq,
                task.kind,
                task.part,
                task.section,
                task.number,
                task.text,
                json.dumps(definition, ensure_ascii=False),
                content_digest(_task_definition(definition)),
                at,
                at,
            ),
        )
        self._history(task.id, OFFICE_NOTICE, "added", f"{task.text[:40]}（{source}）", None, definition, at)
        self._write_units(task)

    def parsed_task(self, task_id: str) -> dict[str, Any]:
        """A task as its notice gives it (the parser's JSON), without the office's edits."""
        row = self.conn.execute("SELECT data_json FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return json.loads(row["data_json"]) if row else {}

    def task_ids(self) -> set[str]:
        """Every task id ever stored (active or not): an id the office gives a new task must be new."""
        return {row[0] for row in self.conn.execute("SELECT id FROM tasks")}

    def _history(
        self,
        task_id: str,
        code: str,
        change: str,
        detail: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        at: str,
    ) -> None:
        self.conn.execute(
            _INSERT_HISTORY,
            (
                task_id,
                code,
                change,
                detail,
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
                at,
            ),
        )

    def notice_inputs(self) -> dict[str, tuple[str, str]]:
        """Notice file name -> (what it was parsed from, the code it was stored under)."""
        rows = self.conn.execute("SELECT source, input_key, code FROM notice_inputs")
        return {row["source"]: (row["input_key"], row["code"]) for row in rows}

    def record_notice_input(self, source: str, input_key: str, code: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO notice_inputs (source, input_key, code, at) VALUES (?,?,?,?)"
                " ON CONFLICT(source) DO UPDATE SET input_key=excluded.input_key, code=excluded.code, at=excluded.at",
                (source, input_key, code, now()),
            )

    def task_kinds(self) -> dict[str, list[str]]:
        """Notice code -> the kinds of its active tasks, in document order (without reading the tasks)."""
        result: dict[str, list[str]] = {}
        for row in self.conn.execute("SELECT notice_code, kind FROM tasks WHERE active = 1 ORDER BY notice_code, seq"):
            result.setdefault(row["notice_code"], []).append(row["kind"])
        return result

    def notices(self) -> list[StoredNotice]:
        """Stored notices, oldest year first."""
        rows = self.conn.execute(
            "SELECT * FROM notices WHERE code != ? ORDER BY year, code", (OFFICE_NOTICE,)
        ).fetchall()
        return [
            StoredNotice(
                code=row["code"],
                title=row["title"],
                issuer=row["issuer"],
                doc_number=row["doc_number"],
                date=row["date"],
                year=row["year"],
                source=row["source"],
                sha256=row["sha256"],
                parsed_at=row["parsed_at"],
                parts=json.loads(row["parts_json"]),
                warnings=json.loads(row["warnings_json"]),
            )
            for row in rows
        ]

    def tasks(self, *, kind: str | None = None) -> list[Task]:
        """Active tasks, in notice and document order."""
        sql = (
            "SELECT t.id, t.data_json, t.notice_code, t.updated_at FROM tasks t JOIN notices n ON n.code = t.notice_code"
            " WHERE t.active = 1" + (" AND t.kind = ?" if kind else "") + " ORDER BY n.year, n.code, t.seq"
        )
        rows = self.conn.execute(sql, (kind,) if kind else ()).fetchall()
        edits = self.office_edits_by_task()
        aliases = self.office_aliases()
        return [
            apply_office_edits(
                Task.from_dict(json.loads(r["data_json"]), notice=r["notice_code"], updated_at=r["updated_at"]),
                edits.get(r["id"], []),
                aliases,
            )
            for r in rows
        ]

    def has_tasks(self) -> bool:
        """Whether any notice has an active task (without reading them)."""
        return self.conn.execute("SELECT 1 FROM tasks WHERE active = 1 LIMIT 1").fetchone() is not None

    def task_units(self) -> list[TaskUnit]:
        """Every (task, unit, role) of active tasks."""
        rows = self.conn.execute(
            "SELECT u.task_id, u.unit, u.role, u.via FROM task_units u JOIN tasks t ON t.id = u.task_id"
            " WHERE t.active = 1"
        ).fetchall()
        return [TaskUnit(r["task_id"], r["unit"], r["role"], r["via"]) for r in rows]

    def history(self, task_id: str | None = None) -> list[HistoryEntry]:
        sql = "SELECT * FROM task_history" + (" WHERE task_id = ?" if task_id else "") + " ORDER BY id"
        return [
            HistoryEntry(
                id=r["id"],
                task_id=r["task_id"],
                notice_code=r["notice_code"],
                change=r["change"],
                detail=r["detail"],
                before=None if r["before_json"] is None else json.loads(r["before_json"]),
                after=None if r["after_json"] is None else json.loads(r["after_json"]),
                at=r["at"],
            )
            for r in self.conn.execute(sql, (task_id,) if task_id else ())
        ]


def _unit_rows(task: Task) -> list[tuple[str, str, str, str]]:
    """The task_units rows of a task: its units by role while it is supervised, none after."""
    return [(task.id, unit, role, via) for unit, role, via in task.units_by_role()] if task.supervised else []


def _compare(task_id: str, before: dict[str, Any], after: dict[str, Any]) -> list[TaskChange]:
    changes: list[TaskChange] = []
    if before["text"] != after["text"]:
        changes.append(TaskChange(task_id, "reworded", f"{before['text'][:30]} → {after['text'][:30]}"))
    if before["leaders"] != after["leaders"]:
        changes.append(
            TaskChange(task_id, "leaders", f"{'、'.join(before['leaders'])} → {'、'.join(after['leaders'])}")
        )
    unit_keys = ("lead_units", "cooperating_units", "collective_units")
    if any(before[k] != after[k] for k in unit_keys):
        old = "、".join(before["lead_units"])
        new = "、".join(after["lead_units"])
        detail = f"牵头 {old} → {new}" if old != new else "配合单位有变化"
        changes.append(TaskChange(task_id, "units", detail))
    if before["target_text"] != after["target_text"] or before["breakdown"] != after["breakdown"]:
        changes.append(TaskChange(task_id, "targets", after["target_text"][:40]))
    if not changes:
        changes.append(TaskChange(task_id, "reworded", "编号、板块或其他内容有变化"))
    return changes


def show_value(value: dict[str, Any] | None) -> str:
    """Task attributes as a ledger cell shows them: lists joined with 、."""
    if not value:
        return ""
    parts = []
    for name, item in value.items():
        if name in ("collective_units", "targets"):
            continue  # read from the cells shown beside it
        parts.append("、".join(item) if isinstance(item, list) else str(item))
    return "；".join(p for p in parts if p)

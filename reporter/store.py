"""The workspace store: an embedded SQLite database (stdlib ``sqlite3``), schema versioned by migrations.

Notices and their tasks live here. Saving a re-parsed notice compares it with what is stored: an unchanged
notice writes nothing; a revised one updates task definitions and records every change in ``task_history``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from reporter.errors import StoreError
from reporter.model import Notice

MIGRATIONS: list[str] = [
    # 1: notices, tasks, their units and history
    """
    CREATE TABLE notices (
        code TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        issuer TEXT NOT NULL,
        doc_number TEXT NOT NULL,
        date TEXT NOT NULL,
        year INTEGER,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        digest TEXT NOT NULL,
        parts_json TEXT NOT NULL,
        warnings_json TEXT NOT NULL,
        parsed_at TEXT NOT NULL
    );
    CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        notice_code TEXT NOT NULL REFERENCES notices(code),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        part TEXT NOT NULL,
        section TEXT NOT NULL,
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        data_json TEXT NOT NULL,
        digest TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX tasks_notice ON tasks(notice_code, seq);
    CREATE TABLE task_units (
        task_id TEXT NOT NULL REFERENCES tasks(id),
        unit TEXT NOT NULL,
        role TEXT NOT NULL,
        via TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (task_id, unit, role)
    );
    CREATE INDEX task_units_unit ON task_units(unit);
    CREATE TABLE task_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL,
        notice_code TEXT NOT NULL,
        change TEXT NOT NULL,
        detail TEXT NOT NULL,
        before_json TEXT,
        after_json TEXT,
        at TEXT NOT NULL
    );
    """,
]

CHANGE_LABELS = {
    "added": "新增任务",
    "removed": "删除任务",
    "reworded": "任务内容修改",
    "leaders": "牵头领导变更",
    "units": "责任单位变更",
    "targets": "目标任务或分解变更",
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


@dataclass
class SaveResult:
    """What saving a notice did."""

    code: str
    status: str  # "new", "unchanged" or "updated"
    tasks: int = 0
    changes: list[TaskChange] = field(default_factory=list)


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _task_definition(task: dict) -> dict:
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
    return {k: task[k] for k in keys}


class Store:
    """Access to the workspace database. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"无法打开工作区数据库 {path}：{exc}") from exc
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.migrate()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @property
    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        """Bring the schema up to date, one migration per transaction."""
        current = self.version
        if current > len(MIGRATIONS):
            raise StoreError(f"工作区数据库 {self.path} 由更新版本的 reporter 创建（版本{current}），请升级 reporter")
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            try:
                with self._transaction():
                    for statement in script.split(";"):
                        if statement.strip():
                            self.conn.execute(statement)
                    self.conn.execute(f"PRAGMA user_version = {number}")
            except sqlite3.Error as exc:
                raise StoreError(f"工作区数据库升级失败（第{number}步）：{exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    # -- notices ----------------------------------------------------------------------------------

    def save_notice(self, notice: Notice, sha256: str = "") -> SaveResult:
        """Store a parsed notice; return whether it was new, unchanged or updated, and what changed."""
        data = notice.to_dict()
        digest = _digest({"notice": data["notice"], "tasks": [_task_definition(t) for t in data["tasks"]]})
        code = notice.meta.code
        existing = self.conn.execute("SELECT * FROM notices WHERE code = ?", (code,)).fetchone()
        if existing and existing["digest"] == digest:
            return SaveResult(code, "unchanged", len(notice.tasks))
        if existing and existing["title"] != notice.meta.title and existing["source"] != notice.meta.source:
            raise StoreError(
                f"{notice.meta.source} 与已导入的《{existing['title']}》（{existing['source']}）任务编号前缀同为“{code}”。"
                f'如是两份不同的通知，请在 reporter.toml 中为其中一份设置 [notices."{notice.meta.source}"] code'
            )
        now = _now()
        changes: list[TaskChange] = []
        with self._transaction():
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
                    digest,
                    json.dumps(data["notice"]["parts"], ensure_ascii=False),
                    json.dumps([w.to_dict() for w in notice.all_problems()], ensure_ascii=False),
                    now,
                ),
            )
            stored = {row["id"]: row for row in self.conn.execute("SELECT * FROM tasks WHERE notice_code = ?", (code,))}
            for seq, (task, task_dict) in enumerate(zip(notice.tasks, data["tasks"], strict=True)):
                definition = _task_definition(task_dict)
                task_digest = _digest(definition)
                old = stored.pop(task.id, None)
                if old is None or not old["active"]:
                    changes.append(TaskChange(task.id, "added", task.text[:40]))
                    self._history(task.id, code, "added", task.text[:40], None, definition, now)
                elif old["digest"] != task_digest:
                    before = _task_definition(json.loads(old["data_json"]))
                    for change in _compare(task.id, before, definition):
                        changes.append(change)
                        self._history(task.id, code, change.change, change.detail, before, definition, now)
                self.conn.execute(
                    """INSERT INTO tasks (id, notice_code, seq, kind, part, section, number, text, data_json,
                                          digest, active, created_at, updated_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?)
                       ON CONFLICT(id) DO UPDATE SET seq=excluded.seq, kind=excluded.kind, part=excluded.part,
                         section=excluded.section, number=excluded.number, text=excluded.text,
                         data_json=excluded.data_json, digest=excluded.digest, active=1,
                         updated_at=CASE WHEN tasks.digest = excluded.digest AND tasks.active = 1
                                         THEN tasks.updated_at ELSE excluded.updated_at END""",
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
                        now,
                        now,
                    ),
                )
                self.conn.execute("DELETE FROM task_units WHERE task_id = ?", (task.id,))
                self.conn.executemany(
                    "INSERT INTO task_units (task_id, unit, role, via) VALUES (?,?,?,?)",
                    [(task.id, unit, role, via) for unit, role, via in task.units_by_role()],
                )
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
                        now,
                    )
                    self.conn.execute("UPDATE tasks SET active = 0, updated_at = ? WHERE id = ?", (now, task_id))
                    self.conn.execute("DELETE FROM task_units WHERE task_id = ?", (task_id,))
        return SaveResult(code, "updated" if existing else "new", len(notice.tasks), changes)

    def _history(
        self, task_id: str, code: str, change: str, detail: str, before: dict | None, after: dict | None, at: str
    ) -> None:
        self.conn.execute(
            "INSERT INTO task_history (task_id, notice_code, change, detail, before_json, after_json, at)"
            " VALUES (?,?,?,?,?,?,?)",
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

    def notices(self) -> list[dict]:
        """Stored notices, oldest year first."""
        rows = self.conn.execute("SELECT * FROM notices ORDER BY year, code").fetchall()
        return [
            dict(row) | {"parts": json.loads(row["parts_json"]), "warnings": json.loads(row["warnings_json"])}
            for row in rows
        ]

    def tasks(self, *, kind: str | None = None) -> list[dict]:
        """Active tasks as dictionaries (the parser's JSON), in notice and document order."""
        sql = (
            "SELECT t.data_json, t.notice_code, t.updated_at FROM tasks t JOIN notices n ON n.code = t.notice_code"
            " WHERE t.active = 1" + (" AND t.kind = ?" if kind else "") + " ORDER BY n.year, n.code, t.seq"
        )
        rows = self.conn.execute(sql, (kind,) if kind else ()).fetchall()
        return [json.loads(r["data_json"]) | {"notice": r["notice_code"], "updated_at": r["updated_at"]} for r in rows]

    def task_units(self) -> list[dict]:
        """Every (task, unit, role) of active tasks."""
        rows = self.conn.execute(
            "SELECT u.task_id, u.unit, u.role, u.via FROM task_units u JOIN tasks t ON t.id = u.task_id"
            " WHERE t.active = 1"
        ).fetchall()
        return [dict(r) for r in rows]

    def history(self, task_id: str | None = None) -> list[dict]:
        sql = "SELECT * FROM task_history" + (" WHERE task_id = ?" if task_id else "") + " ORDER BY id"
        return [dict(r) for r in self.conn.execute(sql, (task_id,) if task_id else ())]


def _compare(task_id: str, before: dict, after: dict) -> list[TaskChange]:
    changes = []
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

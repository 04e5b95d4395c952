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
    # 2: reporting periods, forms sent, returned forms and their answers
    """
    CREATE TABLE periods (
        key TEXT PRIMARY KEY,
        due TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE forms (
        unit TEXT NOT NULL,
        period TEXT NOT NULL,
        file TEXT NOT NULL,
        version INTEGER NOT NULL,
        task_ids_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (unit, period)
    );
    CREATE TABLE returns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sha256 TEXT NOT NULL UNIQUE,
        period TEXT NOT NULL,
        unit TEXT NOT NULL,
        file_name TEXT NOT NULL,
        archive TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        form_version INTEGER NOT NULL,
        reporter TEXT NOT NULL,
        phone TEXT NOT NULL,
        sender TEXT NOT NULL DEFAULT '',
        current INTEGER NOT NULL DEFAULT 0,
        problems_json TEXT NOT NULL
    );
    CREATE INDEX returns_unit_period ON returns(unit, period);
    CREATE TABLE answers (
        return_id INTEGER NOT NULL REFERENCES returns(id),
        task_id TEXT NOT NULL,
        role TEXT NOT NULL,
        progress TEXT NOT NULL,
        percent REAL,
        status TEXT NOT NULL,
        problems TEXT NOT NULL,
        plan TEXT NOT NULL,
        evidence TEXT NOT NULL,
        reporter TEXT NOT NULL,
        phone TEXT NOT NULL,
        PRIMARY KEY (return_id, task_id)
    );
    CREATE INDEX answers_task ON answers(task_id);
    CREATE TABLE indicator_answers (
        return_id INTEGER NOT NULL REFERENCES returns(id),
        task_id TEXT NOT NULL,
        row INTEGER NOT NULL,
        district TEXT NOT NULL,
        indicator TEXT NOT NULL,
        unit TEXT NOT NULL,
        target REAL,
        completed REAL,
        note TEXT NOT NULL,
        PRIMARY KEY (return_id, task_id, row)
    );
    """,
    # 3: e-mail sent to units, and messages and files taken from the mailbox
    """
    CREATE TABLE mail_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        period TEXT NOT NULL,
        unit TEXT NOT NULL,
        kind TEXT NOT NULL,
        recipients TEXT NOT NULL,
        message_id TEXT NOT NULL,
        status TEXT NOT NULL,
        attachment_sha256 TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX mail_log_unit ON mail_log(period, unit, kind);
    CREATE TABLE fetched_messages (
        message_id TEXT PRIMARY KEY,
        sender TEXT NOT NULL,
        subject TEXT NOT NULL,
        received_at TEXT NOT NULL,
        period TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    );
    CREATE TABLE fetched_files (
        sha256 TEXT PRIMARY KEY,
        message_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        file_name TEXT NOT NULL,
        received_at TEXT NOT NULL,
        period TEXT NOT NULL
    );
    """,
]

ANSWER_FIELDS = ("progress", "percent", "status", "problems", "plan", "evidence", "reporter", "phone")

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


@dataclass
class ReturnRecord:
    """One accepted returned form, ready to be stored with its answers."""

    sha256: str
    period: str
    unit: str
    file_name: str
    archive: str
    saved_at: str
    form_version: int
    reporter: str = ""
    phone: str = ""
    sender: str = ""
    problems: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)


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

    # -- periods, forms, returns and answers ------------------------------------------------------------

    def set_period_due(self, key: str, due: str) -> None:
        with self._transaction():
            self.conn.execute(
                "INSERT INTO periods (key, due, updated_at) VALUES (?,?,?)"
                " ON CONFLICT(key) DO UPDATE SET due=excluded.due, updated_at=excluded.updated_at",
                (key, due, _now()),
            )

    def period_due(self, key: str) -> str | None:
        row = self.conn.execute("SELECT due FROM periods WHERE key = ?", (key,)).fetchone()
        return row["due"] if row else None

    def periods_with_returns(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT period FROM returns ORDER BY period")]

    def save_forms(self, period: str, forms: list[tuple[str, str, int, list[str]]]) -> None:
        """Record the forms written for a period: ``(unit, file, version, task_ids)``."""
        now = _now()
        with self._transaction():
            self.conn.executemany(
                "INSERT INTO forms (unit, period, file, version, task_ids_json, created_at) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(unit, period) DO UPDATE SET file=excluded.file, version=excluded.version,"
                " task_ids_json=excluded.task_ids_json, created_at=excluded.created_at",
                [(unit, period, file, version, json.dumps(ids), now) for unit, file, version, ids in forms],
            )

    def forms(self, period: str) -> list[dict]:
        rows = self.conn.execute("SELECT * FROM forms WHERE period = ? ORDER BY unit", (period,)).fetchall()
        return [dict(r) | {"task_ids": json.loads(r["task_ids_json"])} for r in rows]

    # -- mail -------------------------------------------------------------------------------------------------

    def log_mail(
        self,
        period: str,
        unit: str,
        kind: str,
        recipients: list[str],
        message_id: str,
        status: str,
        sha256: str,
        detail: str,
    ) -> None:
        with self._transaction():
            self.conn.execute(
                "INSERT INTO mail_log (period, unit, kind, recipients, message_id, status, attachment_sha256, detail, at)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (period, unit, kind, ", ".join(recipients), message_id, status, sha256, detail, _now()),
            )

    def mail_log(self, period: str | None = None, kind: str | None = None) -> list[dict]:
        clauses, params = [], []
        if period:
            clauses.append("period = ?")
            params.append(period)
        if kind:
            clauses.append("kind = ?")
            params.append(kind)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [dict(r) for r in self.conn.execute(f"SELECT * FROM mail_log{where} ORDER BY id", params)]

    def was_sent(self, period: str, unit: str, kind: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM mail_log WHERE period = ? AND unit = ? AND kind = ? AND status = 'sent' LIMIT 1",
            (period, unit, kind),
        ).fetchone()
        return row is not None

    def message_fetched(self, message_id: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM fetched_messages WHERE message_id = ?", (message_id,)).fetchone()
        return row is not None

    def save_fetched(self, headers: dict, period: str, files: list[tuple[str, str]]) -> None:
        """Record a processed message and the files ``(sha256, name)`` taken from it, in one transaction."""
        with self._transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO fetched_messages (message_id, sender, subject, received_at, period, fetched_at)"
                " VALUES (?,?,?,?,?,?)",
                (headers["message_id"], headers["sender"], headers["subject"], headers["received_at"], period, _now()),
            )
            self.conn.executemany(
                "INSERT OR IGNORE INTO fetched_files (sha256, message_id, sender, file_name, received_at, period)"
                " VALUES (?,?,?,?,?,?)",
                [
                    (sha, headers["message_id"], headers["sender"], name, headers["received_at"], period)
                    for sha, name in files
                ],
            )

    def fetched_file(self, sha256: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM fetched_files WHERE sha256 = ?", (sha256,)).fetchone()
        return dict(row) if row else None

    def fetched_hashes(self) -> set[str]:
        hashes = {r[0] for r in self.conn.execute("SELECT sha256 FROM fetched_files")}
        return hashes | {r[0] for r in self.conn.execute("SELECT sha256 FROM returns")}

    def has_return(self, unit: str, period: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM returns WHERE unit = ? AND period = ? LIMIT 1", (unit, period))
        return row.fetchone() is not None

    def return_by_sha(self, sha256: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM returns WHERE sha256 = ?", (sha256,)).fetchone()
        return dict(row) if row else None

    def save_return(self, record: ReturnRecord) -> tuple[int, bool]:
        """Store a return and its answers in one transaction; return its id and whether it is now current."""
        with self._transaction():
            cursor = self.conn.execute(
                """INSERT INTO returns (sha256, period, unit, file_name, archive, saved_at, received_at,
                                        form_version, reporter, phone, sender, current, problems_json)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?)""",
                (
                    record.sha256,
                    record.period,
                    record.unit,
                    record.file_name,
                    record.archive,
                    record.saved_at,
                    _now(),
                    record.form_version,
                    record.reporter,
                    record.phone,
                    record.sender,
                    json.dumps(record.problems, ensure_ascii=False),
                ),
            )
            return_id = int(cursor.lastrowid)
            for answer in record.answers:
                self._insert_answer(return_id, answer)
            self.conn.executemany(
                "INSERT INTO indicator_answers (return_id, task_id, row, district, indicator, unit, target,"
                " completed, note) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        return_id,
                        i["task_id"],
                        i["row"],
                        i["district"],
                        i["indicator"],
                        i["unit"],
                        i["target"],
                        i["completed"],
                        i["note"],
                    )
                    for i in record.indicators
                ],
            )
            current = self._refresh_current(record.unit, record.period)
        return return_id, current == return_id

    def _insert_answer(self, return_id: int, answer: dict) -> None:
        self.conn.execute(
            "INSERT INTO answers (return_id, task_id, role, " + ", ".join(ANSWER_FIELDS) + ")"
            " VALUES (?,?,?," + ",".join("?" * len(ANSWER_FIELDS)) + ")",
            (return_id, answer["task_id"], answer["role"], *(answer[f] for f in ANSWER_FIELDS)),
        )

    def _refresh_current(self, unit: str, period: str) -> int:
        """Mark the newest return (by the time the unit saved it, then by hash) as the unit's current one."""
        newest = self.conn.execute(
            "SELECT id FROM returns WHERE unit = ? AND period = ? ORDER BY saved_at DESC, sha256 DESC LIMIT 1",
            (unit, period),
        ).fetchone()[0]
        self.conn.execute("UPDATE returns SET current = (id = ?) WHERE unit = ? AND period = ?", (newest, unit, period))
        return newest

    def returns(self, period: str | None = None, *, current_only: bool = False) -> list[dict]:
        clauses, params = [], []
        if period:
            clauses.append("period = ?")
            params.append(period)
        if current_only:
            clauses.append("current = 1")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(f"SELECT * FROM returns{where} ORDER BY period, unit, saved_at", params)
        return [dict(r) for r in rows]

    def answers(self, period: str | None = None, *, current_only: bool = True) -> list[dict]:
        """Answers joined with their return (unit, period, saved_at, sha256), in task order."""
        clauses, params = [], []
        if current_only:
            clauses.append("r.current = 1")
        if period:
            clauses.append("r.period = ?")
            params.append(period)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(
            "SELECT a.*, r.unit, r.period, r.saved_at, r.received_at, r.sha256, r.file_name, r.current"
            f" FROM answers a JOIN returns r ON r.id = a.return_id{where} ORDER BY r.period, a.task_id, r.unit",
            params,
        )
        return [dict(r) for r in rows]

    def latest_answers_before(self, unit: str, period: str) -> dict[str, dict]:
        """A unit's most recent current answers from periods before ``period``, by task id (for pre-filling)."""
        row = self.conn.execute(
            "SELECT id FROM returns WHERE unit = ? AND period < ? AND current = 1 ORDER BY period DESC LIMIT 1",
            (unit, period),
        ).fetchone()
        if row is None:
            return {}
        rows = self.conn.execute("SELECT * FROM answers WHERE return_id = ?", (row[0],))
        return {r["task_id"]: dict(r) for r in rows}

    def indicator_answers(self, period: str | None = None) -> list[dict]:
        """Current livelihood-indicator answers, with the returning unit and period."""
        params = [period] if period else []
        rows = self.conn.execute(
            "SELECT i.*, r.unit, r.period, r.saved_at FROM indicator_answers i JOIN returns r ON r.id = i.return_id"
            " WHERE r.current = 1" + (" AND r.period = ?" if period else "") + " ORDER BY r.period, i.task_id, i.row",
            params,
        )
        return [dict(r) for r in rows]


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

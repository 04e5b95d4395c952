"""Reporting periods, forms written, returned forms, their answers and indicator answers in the store."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from reporter.model import Answer, AnswerValues, FormRecord, IndicatorAnswer, IndicatorValues, ReturnRow, SentBack
from reporter.store.database import Database, now

ANSWER_FIELDS = ("progress", "percent", "status", "problems", "plan", "evidence", "reporter", "phone")
_STORED_FIELDS = ("task_id", "role", *ANSWER_FIELDS)  # an answer's columns after its return_id
_STORED_VALUES = attrgetter(*_STORED_FIELDS)


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
    arrived_at: str = ""  # when it reached the office: the mail's date, or the file's time in the returns folder
    reporter: str = ""
    phone: str = ""
    sender: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)
    answers: list[AnswerValues] = field(default_factory=list)
    indicators: list[IndicatorValues] = field(default_factory=list)


def _return_row(row: sqlite3.Row) -> ReturnRow:
    return ReturnRow(
        id=row["id"],
        sha256=row["sha256"],
        period=row["period"],
        unit=row["unit"],
        file_name=row["file_name"],
        archive=row["archive"],
        saved_at=row["saved_at"],
        received_at=row["received_at"],
        form_version=row["form_version"],
        reporter=row["reporter"],
        phone=row["phone"],
        sender=row["sender"],
        current=bool(row["current"]),
        problems=json.loads(row["problems_json"]),
    )


# Answer's fields, each from its column of ``answers a JOIN returns r`` (a field added to Answer must be added here)
_ANSWER_COLUMNS = {
    "task_id": "a.task_id",
    "role": "a.role",
    **{name: f"a.{name}" for name in ANSWER_FIELDS},
    "return_id": "a.return_id",
    **{name: f"r.{name}" for name in ("unit", "period", "saved_at", "received_at", "sha256", "file_name", "current")},
}
_ANSWER_NAMES = tuple(f.name for f in fields(Answer))
_ANSWER_SELECT = ", ".join(_ANSWER_COLUMNS[name] for name in _ANSWER_NAMES)
# an answer without its return's fields (task_id … return_id), for pre-filling a form
_VALUES_SELECT = ", ".join(_ANSWER_COLUMNS[name] for name in _ANSWER_NAMES[: _ANSWER_NAMES.index("return_id") + 1])


@dataclass(frozen=True)
class PeriodRecords:
    """How many answers a period holds (the units' and the office's corrections), and a signature that changes
    whenever any of them is added or stops being current; counted in SQL, no row is loaded."""

    period: str
    records: int
    units: int
    superseded: int
    corrections: int
    last_received: str
    signature: str


class ReturnTables(Database):
    """The periods, forms, returns, answers and indicator_answers tables."""

    def set_period_due(self, key: str, due: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO periods (key, due, updated_at) VALUES (?,?,?)"
                " ON CONFLICT(key) DO UPDATE SET due=excluded.due, updated_at=excluded.updated_at",
                (key, due, now()),
            )

    def period_due(self, key: str) -> str | None:
        row = self.conn.execute("SELECT due FROM periods WHERE key = ?", (key,)).fetchone()
        return row["due"] if row else None

    def has_period_returns(self, period: str) -> bool:
        return self.conn.execute("SELECT 1 FROM returns WHERE period = ? LIMIT 1", (period,)).fetchone() is not None

    def periods_with_returns(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT period FROM returns ORDER BY period")]

    def save_forms(self, period: str, forms: list[tuple[str, str, int, list[str]]]) -> None:
        """Record the forms written for a period: ``(unit, file, version, task_ids)``."""
        written = now()
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO forms (unit, period, file, version, task_ids_json, created_at) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(unit, period) DO UPDATE SET file=excluded.file, version=excluded.version,"
                " task_ids_json=excluded.task_ids_json, created_at=excluded.created_at",
                [(unit, period, file, version, json.dumps(ids), written) for unit, file, version, ids in forms],
            )

    def drop_forms(self, period: str, units: list[str]) -> None:
        """Forget the period's forms of these units (withdrawn: they are sent none any more)."""
        with self.transaction():
            self.conn.executemany("DELETE FROM forms WHERE period = ? AND unit = ?", [(period, u) for u in units])

    def forms(self, period: str) -> list[FormRecord]:
        rows = self.conn.execute("SELECT * FROM forms WHERE period = ? ORDER BY unit", (period,)).fetchall()
        return [
            FormRecord(r["unit"], r["period"], r["file"], r["version"], json.loads(r["task_ids_json"]), r["created_at"])
            for r in rows
        ]

    def has_return(self, unit: str, period: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM returns WHERE unit = ? AND period = ? LIMIT 1", (unit, period))
        return row.fetchone() is not None

    def save_send_back(self, sent_back: SentBack) -> None:
        """Record a refused return (the same bytes refused again keep their first arrival)."""
        with self.transaction():
            self.conn.execute(
                """INSERT INTO send_backs (sha256, period, unit, file_name, reason, arrived_at, at)
                   VALUES (?,?,?,?,?,?,?)
                   ON CONFLICT(sha256) DO UPDATE SET period = excluded.period, unit = excluded.unit,
                       file_name = excluded.file_name, reason = excluded.reason""",
                (
                    sent_back.sha256,
                    sent_back.period,
                    sent_back.unit,
                    sent_back.file_name,
                    sent_back.reason,
                    sent_back.arrived_at,
                    now(),
                ),
            )

    def send_backs(self, period: str) -> list[SentBack]:
        """The period's refused returns, earliest arrival first."""
        rows = self.conn.execute(
            "SELECT sha256, period, unit, file_name, reason, arrived_at FROM send_backs WHERE period = ?"
            " ORDER BY arrived_at, sha256",
            (period,),
        )
        return [SentBack(*r) for r in rows]

    def periods_with_send_backs(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT period FROM send_backs ORDER BY period")]

    def send_back_by_sha(self, sha256: str) -> SentBack | None:
        row = self.conn.execute(
            "SELECT sha256, period, unit, file_name, reason, arrived_at FROM send_backs WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return SentBack(*row) if row else None

    def replaced_since(self, sent_back: SentBack) -> bool:
        """Whether the unit's current return for that period arrived after this refused one."""
        row = self.conn.execute(
            "SELECT 1 FROM returns WHERE unit = ? AND period = ? AND current = 1 AND arrived_at > ? LIMIT 1",
            (sent_back.unit, sent_back.period, sent_back.arrived_at),
        )
        return row.fetchone() is not None

    def return_by_sha(self, sha256: str) -> ReturnRow | None:
        row = self.conn.execute("SELECT * FROM returns WHERE sha256 = ?", (sha256,)).fetchone()
        return _return_row(row) if row else None

    def save_return(self, record: ReturnRecord) -> tuple[int, bool]:
        """Store a return and its answers in one transaction; return its id and whether it is now current."""
        with self.transaction():
            cursor = self.conn.execute(
                """INSERT INTO returns (sha256, period, unit, file_name, archive, saved_at, received_at,
                                        form_version, reporter, phone, sender, current, problems_json, arrived_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?,?)""",
                (
                    record.sha256,
                    record.period,
                    record.unit,
                    record.file_name,
                    record.archive,
                    record.saved_at,
                    now(),
                    record.form_version,
                    record.reporter,
                    record.phone,
                    record.sender,
                    json.dumps(record.problems, ensure_ascii=False),
                    record.arrived_at or now(),
                ),
            )
            return_id = int(cursor.lastrowid or 0)
            self.conn.executemany(
                f"INSERT INTO answers (return_id, {', '.join(_STORED_FIELDS)})"
                f" VALUES (?,{','.join('?' * len(_STORED_FIELDS))})",
                [(return_id, *_STORED_VALUES(a)) for a in record.answers],
            )
            self.conn.executemany(
                "INSERT INTO indicator_answers (return_id, task_id, row, district, indicator, unit, target,"
                " completed, note) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (return_id, i.task_id, i.row, i.district, i.indicator, i.unit, i.target, i.completed, i.note)
                    for i in record.indicators
                ],
            )
            current = self._refresh_current(record.unit, record.period)
        return return_id, current == return_id

    def _refresh_current(self, unit: str, period: str) -> int:
        """Mark the return that reached the office last (then the one collected last) as the unit's current one;
        never by the saved time written inside the workbook, which the unit's computer sets."""
        newest = int(
            self.conn.execute(
                "SELECT id FROM returns WHERE unit = ? AND period = ? ORDER BY arrived_at DESC, id DESC LIMIT 1",
                (unit, period),
            ).fetchone()[0]
        )
        self.conn.execute("UPDATE returns SET current = (id = ?) WHERE unit = ? AND period = ?", (newest, unit, period))
        return newest

    def returns(self, period: str | None = None, *, current_only: bool = False) -> list[ReturnRow]:
        clauses, params = [], []
        if period:
            clauses.append("period = ?")
            params.append(period)
        if current_only:
            clauses.append("current = 1")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.conn.execute(f"SELECT * FROM returns{where} ORDER BY period, unit, saved_at", params)
        return [_return_row(r) for r in rows]

    def answers(self, period: str | None = None, *, current_only: bool = True) -> list[Answer]:
        """Answers with their return (unit, period, saved_at, sha256 …), in period and task order."""
        clauses, params = [], []
        if current_only:
            clauses.append("r.current = 1")
        if period:
            clauses.append("r.period = ?")
            params.append(period)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples in the order of Answer's fields: a month's 40,000 answers, fast
        rows = cursor.execute(
            f"SELECT {_ANSWER_SELECT} FROM answers a JOIN returns r ON r.id = a.return_id{where}"
            " ORDER BY r.period, a.task_id, r.unit",
            params,
        )
        answers = [Answer(*row) for row in rows]
        for answer in answers:
            answer.current = bool(answer.current)
        return answers

    def period_records(self) -> dict[str, PeriodRecords]:
        """Each period's answer counts and signature (see ``PeriodRecords``)."""
        units = dict(self.conn.execute("SELECT period, COUNT(DISTINCT unit) FROM returns GROUP BY period").fetchall())
        found: dict[str, list[Any]] = {}
        for row in self.conn.execute(
            "SELECT r.period, COUNT(*), MAX(a.return_id), SUM(1 - r.current), SUM(r.current * r.id), MAX(r.received_at)"
            " FROM answers a JOIN returns r ON r.id = a.return_id GROUP BY r.period"
        ):
            found[row[0]] = [row[1], row[3], 0, row[5], f"{row[1]}:{row[2]}:{row[4]}"]
        for row in self.conn.execute(
            "SELECT period, COUNT(*), MAX(id), COUNT(DISTINCT task_id), MAX(at) FROM office_answers GROUP BY period"
        ):
            entry = found.setdefault(row[0], [0, 0, 0, "", ""])
            entry[0] += row[1]
            entry[1] += row[1] - row[3]  # an office correction is superseded by a later one of the same task
            entry[2] = row[1]
            entry[3] = max(entry[3], row[4])
            entry[4] += f"|{row[1]}:{row[2]}"
        return {
            period: PeriodRecords(period, records, units.get(period, 0), superseded, corrections, last, signature)
            for period, (records, superseded, corrections, last, signature) in sorted(found.items())
        }

    def latest_answers_of_units_before(self, units: list[str], period: str) -> dict[str, dict[str, Answer]]:
        """Each unit's most recent current answers from periods before ``period``, by task id (for pre-filling);
        one query for a province's thousand units."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute(
            f"SELECT r.unit, {_VALUES_SELECT}"
            " FROM answers a JOIN returns r ON r.id = a.return_id WHERE r.id IN ("
            " SELECT (SELECT x.id FROM returns x WHERE x.unit = u.unit AND x.period < ? AND x.current = 1"
            " ORDER BY x.period DESC LIMIT 1) FROM (SELECT DISTINCT unit FROM returns) u)",
            (period,),
        )
        found: dict[str, dict[str, Answer]] = {unit: {} for unit in units}
        for unit, *values in rows:
            if unit in found:
                found[unit][values[0]] = Answer(*values)
        return found

    def indicator_answers(self, period: str | None = None) -> list[IndicatorAnswer]:
        """Current livelihood-indicator answers, with the returning unit and period."""
        params = [period] if period else []
        rows = self.conn.execute(
            "SELECT i.*, r.unit AS returned_by, r.period, r.saved_at FROM indicator_answers i"
            " JOIN returns r ON r.id = i.return_id"
            " WHERE r.current = 1" + (" AND r.period = ?" if period else "") + " ORDER BY r.period, i.task_id, i.row",
            params,
        )
        return [
            IndicatorAnswer(
                task_id=r["task_id"],
                row=r["row"],
                district=r["district"],
                completed=r["completed"],
                note=r["note"],
                indicator=r["indicator"],
                unit=r["unit"],
                target=r["target"],
                return_id=r["return_id"],
                returned_by=r["returned_by"],
                period=r["period"],
                saved_at=r["saved_at"],
            )
            for r in rows
        ]

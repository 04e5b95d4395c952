"""Who has reported (报送情况): each unit's returns for a period against the due date, and unanswered tasks. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from reporter.contacts import Contact
from reporter.model import LEAD, Answer, MailLogEntry, ReturnRow, Task, TaskUnit
from reporter.periods import Period

DEPARTMENT_KIND = "部门单位"


@dataclass
class UnitStatus:
    """One unit's reporting status (报送情况) for a period."""

    unit: str
    kind: str
    lead: int
    cooperating: int
    returned_at: str = ""
    late: bool = False
    returns: int = 0
    reporter: str = ""
    phone: str = ""
    file: str = ""
    contact: str = ""
    reminders: int = 0

    @property
    def returned(self) -> bool:
        return bool(self.returned_at)

    @property
    def label(self) -> str:
        if not self.returned:
            return "未报送"
        return "逾期报送" if self.late else "按时报送"

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "kind": self.kind,
            "lead_tasks": self.lead,
            "cooperating_tasks": self.cooperating,
            "status": self.label,
            "returned_at": self.returned_at,
            "late": self.late,
            "returns": self.returns,
            "reporter": self.reporter,
            "phone": self.phone,
            "file": self.file,
            "contact": self.contact,
            "reminders": self.reminders,
        }


@dataclass
class StatusReport:
    period: Period
    due: date
    units: list[UnitStatus]
    unanswered: list[Task]

    def unit(self, name: str) -> UnitStatus | None:
        return next((u for u in self.units if u.unit == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.key,
            "due": self.due.isoformat(),
            "units": [u.to_dict() for u in self.units],
            "unanswered_tasks": [{"id": t.id, "text": t.text[:60]} for t in self.unanswered],
        }


def reporting_status(
    period: Period,
    due: date,
    active: list[Task],
    task_units: list[TaskUnit],
    returns: list[ReturnRow],
    answers: list[Answer],
    *,
    kinds: dict[str, str],
    contacts: dict[str, Contact],
    mail_log: list[MailLogEntry],
) -> StatusReport:
    """Who has returned the period's form and who has not, and which of the ``active`` tasks have no answer.

    ``returns``: every return of the period; ``answers``: its current answers; ``mail_log``: its reminders;
    ``kinds``: the district or zone kind of a unit (others are 部门单位).
    """
    ids = {t.id for t in active}
    counts: dict[str, list[int]] = {}
    for entry in task_units:
        if entry.task_id in ids:
            counts.setdefault(entry.unit, [0, 0])[0 if entry.role == LEAD else 1] += 1
    reminders: dict[str, int] = {}
    for mail in mail_log:
        if mail.kind == "reminder" and mail.status in ("sent", "outbox"):
            reminders[mail.unit] = reminders.get(mail.unit, 0) + 1
    by_unit: dict[str, list[ReturnRow]] = {}
    for row in returns:
        by_unit.setdefault(row.unit, []).append(row)
    rows = []
    for unit, (lead, cooperating) in counts.items():
        mine = by_unit.get(unit, [])
        status = UnitStatus(unit, kinds.get(unit, DEPARTMENT_KIND), lead, cooperating, returns=len(mine))
        contact = contacts.get(unit)
        if contact:
            status.contact = " ".join(filter(None, [contact.person, contact.phone]))
        status.reminders = reminders.get(unit, 0)
        current = next((r for r in mine if r.current), None)
        if current:
            first = min(r.saved_at for r in mine)
            status.returned_at = first
            status.late = date.fromisoformat(first[:10]) > due
            status.reporter, status.phone, status.file = current.reporter, current.phone, current.file_name
        rows.append(status)
    rows.sort(key=lambda s: (s.returned, s.late is False, s.unit))
    answered = {a.task_id for a in answers}
    unanswered = [t for t in active if t.id not in answered]
    return StatusReport(period, due, rows, unanswered)

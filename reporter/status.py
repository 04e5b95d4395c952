"""Who has reported (报送情况): each unit's returns for a period against the due date, and unanswered tasks. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from reporter.contacts import Contact
from reporter.model import LEAD, Answer, MailLogEntry, ReturnRow, SentBack, Task, TaskUnit
from reporter.periods import RED, YELLOW, Period
from reporter.progress import LIGHT_FILLS

DEPARTMENT_KIND = "部门单位"
NO_FORM_KIND = "不发表"  # 责任单位 类型: a unit named in the notice that the office sends no form

# The reporting states (报送情况), one vocabulary for status, the ledger, the reports and the reminders
ON_TIME, LATE, SENT_BACK, NOT_REPORTED = "按时报送", "逾期报送", "已退回", "未报送"
# How each state is coloured wherever it is shown (the ledger's 报送情况, the report's sheets): by its meaning, as
# the lights are; 按时报送 is left white
REPORTING_FILLS = {NOT_REPORTED: LIGHT_FILLS[RED], SENT_BACK: LIGHT_FILLS[RED], LATE: LIGHT_FILLS[YELLOW]}


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
    sent_back: str = ""  # 已退回: why its last file was refused, while no good return of the period has come
    sent_back_file: str = ""

    @property
    def returned(self) -> bool:
        """Whether a return of the unit was accepted for the period."""
        return bool(self.returned_at)

    @property
    def label(self) -> str:
        if not self.returned:
            return SENT_BACK if self.sent_back else NOT_REPORTED
        return LATE if self.late else ON_TIME

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
            "sent_back_reason": self.sent_back,
            "sent_back_file": self.sent_back_file,
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
    sent_back: Sequence[SentBack] = (),
    no_forms: frozenset[str] = frozenset(),
) -> StatusReport:
    """Who has returned the period's form and who has not, and which of the ``active`` tasks have no answer.

    ``returns``: every return of the period; ``answers``: its current answers; ``mail_log``: its reminders;
    ``kinds``: the district or zone kind of a unit (others are 部门单位); ``sent_back``: the period's refused returns
    (a unit with no accepted return is 已退回, with the reason of its last refused file); ``no_forms``: units the
    office sends no form, which are not expected to report.
    """
    ids = {t.id for t in active}
    counts: dict[str, list[int]] = {}
    for entry in task_units:
        if entry.task_id in ids and entry.unit not in no_forms:
            counts.setdefault(entry.unit, [0, 0])[0 if entry.role == LEAD else 1] += 1
    reminders: dict[str, int] = {}
    for mail in mail_log:
        if mail.kind == "reminder" and mail.status in ("sent", "outbox"):
            reminders[mail.unit] = reminders.get(mail.unit, 0) + 1
    by_unit: dict[str, list[ReturnRow]] = {}
    for row in returns:
        by_unit.setdefault(row.unit, []).append(row)
    refused = {row.unit: row for row in sorted(sent_back, key=lambda r: r.arrived_at)}  # the last one of each unit
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
        elif unit in refused:
            status.sent_back, status.sent_back_file = refused[unit].reason, refused[unit].file_name
        rows.append(status)
    rows.sort(key=lambda s: (s.returned, s.late is False, s.unit))
    answered = {a.task_id for a in answers}
    unanswered = [t for t in active if t.id not in answered]
    return StatusReport(period, due, rows, unanswered)

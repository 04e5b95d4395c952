"""The domain model: a parsed notice (serialisable to the documented JSON) and the typed rows the store returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reporter.problems import Problem

ProgressCallback = Callable[[str, int, int], None]  # (step, done, total): drives the CLI's progress bars

WORK = "work"
LIVELIHOOD = "livelihood"

LEAD = "lead"
COOPERATING = "cooperating"
OFFICE = "office"  # an answer the supervision office entered in the ledger (核实后更正)
ROLE_LABELS = {LEAD: "牵头", COOPERATING: "配合", OFFICE: "督查室核实"}

# 督办状态: a task under supervision, closed as done (销号), or no longer supervised.
SUPERVISED = "督办中"
CLOSED = "已销号"
STOPPED = "停止督办"
SUPERVISION_STATES = (SUPERVISED, CLOSED, STOPPED)
# Other words offices use for the same states (办结 is how a finished task is closed in many offices)
SUPERVISION_SYNONYMS = {"已办结": CLOSED, "办结": CLOSED, "销号": CLOSED, "已完结": CLOSED, "停止": STOPPED}


@dataclass
class Target:
    """A quantitative target found in a task's text: ``地区生产总值 增长 7 %``."""

    indicator: str
    comparator: str
    value: float
    unit: str
    qualifier: str = ""
    text: str = ""

    @property
    def bound(self) -> str:
        """``at_least``, ``at_most``, ``about`` or ``exact``."""
        if self.qualifier in ("以上", "以上水平") or self.comparator in ("超过", "突破", "不低于", "高于"):
            return "at_least"
        if self.qualifier in ("以内", "以下") or self.comparator in ("控制在", "不超过", "低于"):
            return "at_most"
        if self.qualifier in ("左右", "上下"):
            return "about"
        return "exact"

    def to_dict(self) -> dict:
        return {
            "indicator": self.indicator,
            "comparator": self.comparator,
            "value": self.value,
            "unit": self.unit,
            "qualifier": self.qualifier,
            "bound": self.bound,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Target:
        return cls(
            indicator=data["indicator"],
            comparator=data["comparator"],
            value=data["value"],
            unit=data["unit"],
            qualifier=data.get("qualifier", ""),
            text=data.get("text", ""),
        )


@dataclass
class BreakdownRow:
    """One row of a livelihood project's district breakdown (任务分解)."""

    table: str
    indicator: str
    unit: str
    columns: list[str]
    raw: list[str]
    values: dict[str, float | None]
    percent: bool = False
    aligned: bool = True
    total: float | None = None
    check: dict | None = None

    def to_dict(self) -> dict:
        return {
            "table": self.table,
            "indicator": self.indicator,
            "unit": self.unit,
            "columns": self.columns,
            "values": self.values,
            "raw": self.raw,
            "percent": self.percent,
            "aligned": self.aligned,
            "total": self.total,
            "check": self.check,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BreakdownRow:
        return cls(
            table=data["table"],
            indicator=data["indicator"],
            unit=data["unit"],
            columns=list(data["columns"]),
            raw=list(data["raw"]),
            values=dict(data["values"]),
            percent=data.get("percent", False),
            aligned=data.get("aligned", True),
            total=data.get("total"),
            check=data.get("check"),
        )


@dataclass
class CollectiveUnit:
    """A collective responsible party (市级有关部门, 各区县（市）政府 …) and what it expands to."""

    name: str
    role: str
    members: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "members": self.members}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CollectiveUnit:
        return cls(name=data["name"], role=data["role"], members=list(data.get("members", [])))


@dataclass
class Task:
    """A numbered work-report task or a livelihood project."""

    id: str
    kind: str
    part: str
    section: str
    number: int
    text: str
    leaders: list[str] = field(default_factory=list)
    leader_label: str = ""
    lead_units: list[str] = field(default_factory=list)
    cooperating_units: list[str] = field(default_factory=list)
    collective_units: list[CollectiveUnit] = field(default_factory=list)
    responsible_persons: list[str] = field(default_factory=list)
    target_text: str = ""
    targets: list[Target] = field(default_factory=list)
    breakdown: list[BreakdownRow] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    line: int = 0
    deadline: str = ""  # ISO date from 完成时限 or the text (``6月底前``), "" when none is given
    deadline_text: str = ""
    milestones: list[dict] = field(default_factory=list)  # {"when": "一季度", "date": "2024-03-31", "text": …}
    parent: str = ""  # for a sub-item (（1）…) of a numbered task: the task's id; its text is in parent_text
    parent_text: str = ""
    source_lines: list[tuple[int, str]] = field(default_factory=list)  # for ``parse --explain``; not in JSON
    read_as: list[str] = field(default_factory=list)  # how the fields were read, where not from their own label
    notice: str = ""  # stored tasks: the code of the notice they come from; not in the parser's JSON
    updated_at: str = ""  # stored tasks: when the definition last changed
    supervision: str = ""  # stored tasks: 督办状态 set by the office (已销号, 停止督办); "" is 督办中
    supervision_note: str = ""  # and the reason it gave
    office_fields: list[str] = field(default_factory=list)  # ledger columns the office changed for this task

    @property
    def supervised(self) -> bool:
        """Whether the task is still under supervision (forms, counts and lights are for these only)."""
        return self.supervision in ("", SUPERVISED)

    @property
    def year(self) -> str:
        """The notice year the id starts with (``2021`` of ``2021-G2-006``)."""
        return self.id.split("-")[0]

    @property
    def full_text(self) -> str:
        """The text as forms and reports show it: a livelihood project with its target."""
        return self.text if self.kind != LIVELIHOOD else f"{self.text}：{self.target_text}"

    def units_by_role(self) -> list[tuple[str, str, str]]:
        """Every responsible unit as ``(unit, role, via)``: real units, then members of collectives."""
        seen: set[tuple[str, str]] = set()
        result: list[tuple[str, str, str]] = []
        entries = [(u, LEAD, "") for u in self.lead_units] + [(u, COOPERATING, "") for u in self.cooperating_units]
        for collective in self.collective_units:
            entries += [(m, collective.role, collective.name) for m in collective.members]
        for unit, role, via in entries:
            if (unit, role) in seen or (role == COOPERATING and (unit, LEAD) in seen):
                continue
            seen.add((unit, role))
            result.append((unit, role, via))
        return result

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "part": self.part,
            "section": self.section,
            "number": self.number,
            "text": self.text,
            "leaders": self.leaders,
            "leader_label": self.leader_label,
            "lead_units": self.lead_units,
            "cooperating_units": self.cooperating_units,
            "collective_units": [c.to_dict() for c in self.collective_units],
            "responsible_persons": self.responsible_persons,
            "target_text": self.target_text,
            "targets": [t.to_dict() for t in self.targets],
            "breakdown": [b.to_dict() for b in self.breakdown],
            "warnings": [w.to_dict() for w in self.warnings],
            "line": self.line,
            "deadline": self.deadline,
            "deadline_text": self.deadline_text,
            "milestones": self.milestones,
            "parent": self.parent,
            "parent_text": self.parent_text,
            "read_as": self.read_as,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, notice: str = "", updated_at: str = "") -> Task:
        """A task from the parser's JSON (as kept in the store); warnings are not restored."""
        return cls(
            id=data["id"],
            kind=data["kind"],
            part=data["part"],
            section=data["section"],
            number=data["number"],
            text=data["text"],
            leaders=list(data.get("leaders", [])),
            leader_label=data.get("leader_label", ""),
            lead_units=list(data.get("lead_units", [])),
            cooperating_units=list(data.get("cooperating_units", [])),
            collective_units=[CollectiveUnit.from_dict(c) for c in data.get("collective_units", [])],
            responsible_persons=list(data.get("responsible_persons", [])),
            target_text=data.get("target_text", ""),
            targets=[Target.from_dict(t) for t in data.get("targets", [])],
            breakdown=[BreakdownRow.from_dict(b) for b in data.get("breakdown", [])],
            line=data.get("line", 0),
            deadline=data.get("deadline", ""),
            deadline_text=data.get("deadline_text", ""),
            milestones=list(data.get("milestones", [])),
            parent=data.get("parent", ""),
            parent_text=data.get("parent_text", ""),
            read_as=list(data.get("read_as", [])),
            notice=notice,
            updated_at=updated_at,
        )


@dataclass
class NoticeMeta:
    """What identifies a notice: issuer, document number, date, year, title."""

    code: str
    title: str = ""
    issuer: str = ""
    doc_number: str = ""
    date: str = ""
    year: int | None = None
    source: str = ""

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "issuer": self.issuer,
            "doc_number": self.doc_number,
            "date": self.date,
            "year": self.year,
            "source": self.source,
        }


@dataclass
class Notice:
    """A parsed notice: metadata, its parts and sections, its tasks in document order, and warnings."""

    meta: NoticeMeta
    parts: list[dict] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def all_problems(self) -> list[Problem]:
        """Notice-level warnings followed by every task's warnings."""
        return self.warnings + [w for t in self.tasks for w in t.warnings]

    def to_dict(self) -> dict:
        notice = self.meta.to_dict()
        notice["parts"] = self.parts
        return {
            "notice": notice,
            "tasks": [t.to_dict() for t in self.tasks],
            "warnings": [w.to_dict() for w in self.warnings],
        }


# -- what the store holds besides notices: typed rows, never plain dicts, across module boundaries ------------


@dataclass(frozen=True)
class TaskUnit:
    """One responsible unit of an active task: its role, and the collective it came through (``via``)."""

    task_id: str
    unit: str
    role: str
    via: str = ""


@dataclass
class AnswerValues:
    """What a unit wrote on its form for one task."""

    task_id: str
    role: str
    progress: str = ""
    percent: float | None = None
    status: str = ""
    problems: str = ""
    plan: str = ""
    evidence: str = ""
    reporter: str = ""
    phone: str = ""


@dataclass
class Answer(AnswerValues):
    """A stored answer with the return it came in."""

    return_id: int = 0
    unit: str = ""
    period: str = ""
    saved_at: str = ""
    received_at: str = ""
    sha256: str = ""
    file_name: str = ""
    current: bool = True


@dataclass
class IndicatorValues:
    """A district government's completed amount for one livelihood indicator (one breakdown row)."""

    task_id: str
    row: int
    district: str
    completed: float | None
    note: str = ""
    indicator: str = ""
    unit: str = ""  # the indicator's unit of measure (个, 万元 …)
    target: float | None = None


@dataclass
class IndicatorAnswer(IndicatorValues):
    """A stored indicator answer with the return it came in."""

    return_id: int = 0
    returned_by: str = ""
    period: str = ""
    saved_at: str = ""


@dataclass
class ReturnRow:
    """One accepted returned form as stored."""

    id: int
    sha256: str
    period: str
    unit: str
    file_name: str
    archive: str
    saved_at: str
    received_at: str
    form_version: int
    reporter: str
    phone: str
    sender: str
    current: bool
    problems: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SentBack:
    """A returned form refused whole (退回) that names a unit of the workspace: the unit is 已退回 for the period
    until a good return of its arrives."""

    sha256: str
    period: str
    unit: str
    file_name: str
    reason: str  # the first error, as the collect showed it
    arrived_at: str  # when it reached the office (the mail's date, or the file's time in the returns folder)


@dataclass
class StoredNotice:
    """A notice as stored: its metadata, parts and the warnings of its last parse."""

    code: str
    title: str
    issuer: str
    doc_number: str
    date: str
    year: int | None
    source: str
    sha256: str
    parsed_at: str
    parts: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class OfficeEdit:
    """A task definition cell the office changed in the ledger, and what the notice said."""

    task_id: str
    field: str  # the ledger column: 任务内容, 牵头单位, 督办状态 …
    cell: str  # the cell as the office typed it
    value: dict[str, Any]  # the task attributes it sets
    parsed: dict[str, Any]  # the same attributes as the notice gave them when the office made the edit
    conflict: dict[str, Any] | None  # as a revised notice gives them, when that differs from both
    source: str  # 台账.xlsx, when it was saved and by whom
    at: str


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change of a task's definition."""

    id: int
    task_id: str
    notice_code: str
    change: str
    detail: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: str


@dataclass(frozen=True)
class FormRecord:
    """A form written for a unit and period."""

    unit: str
    period: str
    file: str
    version: int
    task_ids: list[str]
    created_at: str


@dataclass(frozen=True)
class MailLogEntry:
    """One message sent (or written to the outbox) to a unit."""

    id: int
    period: str
    unit: str
    kind: str
    recipients: str
    message_id: str
    status: str  # sent, failed, outbox; pending: handed to the server, its answer not (yet) recorded
    attachment_sha256: str
    detail: str
    at: str
    attempt: int = 0  # 1, 2, … for this unit, period and kind; 0 in records older than the attempt count


@dataclass(frozen=True)
class FetchedRecord:
    """A workbook taken from a message in the mailbox, by its hash."""

    sha256: str
    message_id: str
    sender: str
    file_name: str
    received_at: str
    period: str


@dataclass(frozen=True)
class MessageHeaders:
    """What is kept of a fetched message."""

    message_id: str
    sender: str
    subject: str
    received_at: str

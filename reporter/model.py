"""The domain model of a parsed notice: plain dataclasses, serialisable to the documented JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from reporter.problems import Problem

WORK = "work"
LIVELIHOOD = "livelihood"

LEAD = "lead"
COOPERATING = "cooperating"
ROLE_LABELS = {LEAD: "牵头", COOPERATING: "配合"}


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


@dataclass
class CollectiveUnit:
    """A collective responsible party (市级有关部门, 各区县（市）政府 …) and what it expands to."""

    name: str
    role: str
    members: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "members": self.members}


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
        }


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

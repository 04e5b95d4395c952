"""What goes into each unit's fill-in form (填报表): which tasks, which indicators, what is pre-filled.

Planning only; the workbook itself is written by ``reporter.io.formbook``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from reporter.model import COOPERATING, LEAD, LIVELIHOOD, ROLE_LABELS, AnswerValues, Task, TaskUnit
from reporter.notices.units import UnitDirectory
from reporter.periods import Period, time_progress
from reporter.text import safe_file_stem

FORM_VERSION = 2  # 2: the hidden sheet carries the form's keyed identity
FORM_MARKER = "reporter-form"
META_SHEET = "_reporter"
TASKS_SHEET = "填报任务"
INDICATORS_SHEET = "民生实事指标"
INSTRUCTIONS_SHEET = "填报说明"

# Columns a unit fills, in form order: (field, heading).
FILL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("progress", "进展情况"),
    ("percent", "完成进度(%)"),
    ("status", "状态"),
    ("problems", "存在问题"),
    ("plan", "下步计划"),
    ("evidence", "佐证材料"),
    ("reporter", "填报人"),
    ("phone", "联系电话"),
)
# Columns the office fills and protects.
FIXED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "任务编号"),
    ("kind", "类别"),
    ("text", "任务内容"),
    ("leaders", "牵头领导"),
    ("role", "本单位职责"),
    ("targets", "量化指标"),
    ("expected", "序时进度(%)"),
)
INDICATOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "指标编号"),
    ("project", "民生实事项目"),
    ("indicator", "指标"),
    ("unit", "计量单位"),
    ("target", "本地区目标"),
    ("completed", "累计完成"),
    ("rate", "完成率"),
    ("note", "备注"),
)
PREVIOUS_PREFIX = "上期"


@dataclass
class FormTask:
    """One row of a unit's tasks sheet."""

    id: str
    kind: str
    text: str
    leaders: str
    role: str
    targets: str
    expected: float | None
    previous: AnswerValues | None = None  # the unit's answer of the period before, pre-filled

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def previous_values(self) -> list[object]:
        """The previous answer in form column order (``None`` for an empty cell)."""
        if self.previous is None:
            return [None] * len(FILL_COLUMNS)
        values = [getattr(self.previous, name) for name, _ in FILL_COLUMNS]
        return [None if v in (None, "") else v for v in values]


@dataclass
class FormIndicator:
    """One livelihood-project indicator row for a district government."""

    key: str
    task_id: str
    row: int
    project: str
    indicator: str
    unit: str
    target: float
    district: str
    previous: float | None = None


@dataclass
class FormPlan:
    """Everything one unit's form holds."""

    unit: str
    period: Period
    due: date
    workspace: str
    office: str
    contact: str
    tasks: list[FormTask] = field(default_factory=list)
    indicators: list[FormIndicator] = field(default_factory=list)
    identity: str = ""  # the keyed digest of what the form is (reporter.forms.identity), written in its hidden sheet

    @property
    def lead_count(self) -> int:
        return sum(1 for t in self.tasks if t.role == LEAD)

    @property
    def cooperating_count(self) -> int:
        return sum(1 for t in self.tasks if t.role == COOPERATING)

    @property
    def file_name(self) -> str:
        return f"{safe_file_name(self.unit)}-{self.period.key}-填报表.xlsx"


def safe_file_name(name: str) -> str:
    """A file-name-safe version of a unit name (no path separators or characters Windows refuses)."""
    return safe_file_stem(name, "未命名单位")


def indicator_key(task_id: str, row: int) -> str:
    return f"{task_id}-{row + 1}"


def plan_forms(
    tasks: list[Task],
    task_units: list[TaskUnit],
    period: Period,
    due: date,
    directory: UnitDirectory,
    *,
    workspace: str,
    office: str,
    contact: str,
    previous: Mapping[str, Mapping[str, AnswerValues]] | None = None,
    previous_indicators: dict[str, dict[str, float]] | None = None,
) -> list[FormPlan]:
    """One plan per real responsible unit, in the order units first appear in the notices."""
    previous = previous or {}
    previous_indicators = previous_indicators or {}
    order = {t.id: i for i, t in enumerate(tasks)}
    shown = {  # what every unit's row of a task shows, worked out once a task (a province's task has four units)
        t.id: (
            "民生实事" if t.kind == LIVELIHOOD else "工作任务",
            t.full_text,
            "、".join(t.leaders),
            "\n".join(target.text for target in t.targets),
            time_progress(t, period),
        )
        for t in tasks
    }
    plans: dict[str, FormPlan] = {}
    for entry in sorted(task_units, key=lambda e: (order.get(e.task_id, 0), e.role != LEAD)):
        task_shown = shown.get(entry.task_id)
        if task_shown is None:
            continue
        kind, text, leaders, targets, expected = task_shown
        unit = entry.unit
        plan = plans.get(unit)
        if plan is None:
            plan = plans[unit] = FormPlan(unit, period, due, workspace, office, contact)
        plan.tasks.append(
            FormTask(
                id=entry.task_id,
                kind=kind,
                text=text,
                leaders=leaders,
                role=entry.role,
                targets=targets,
                expected=expected,
                previous=previous.get(unit, {}).get(entry.task_id),
            )
        )
    for plan in plans.values():
        plan.tasks.sort(key=lambda t: (t.role != LEAD, order[t.id]))
        district = directory.district(plan.unit)
        if district is not None and district.unit == plan.unit:
            plan.indicators = district_indicators(tasks, district.unit, directory, previous_indicators.get(plan.unit))
    return list(plans.values())


def district_indicators(
    tasks: list[Task], unit: str, directory: UnitDirectory, previous: dict[str, float] | None = None
) -> list[FormIndicator]:
    """The livelihood-project indicators whose district breakdown gives ``unit``'s district a target."""
    previous = previous or {}
    found = []
    for task in tasks:
        if task.kind != LIVELIHOOD:
            continue
        for index, row in enumerate(task.breakdown):
            if not row.aligned:
                continue
            for column, value in row.values.items():
                district = directory.district(column)
                if district is None or district.unit != unit or value is None:
                    continue
                key = indicator_key(task.id, index)
                found.append(
                    FormIndicator(
                        key=key,
                        task_id=task.id,
                        row=index,
                        project=task.text,
                        indicator=row.indicator or task.text,
                        unit=row.unit,
                        target=value,
                        district=district.short,
                        previous=previous.get(key),
                    )
                )
    return found

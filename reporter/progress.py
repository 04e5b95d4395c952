"""Each task's progress for a period: the lead unit's answer, the cooperating units' answers, conflicts, light."""

from __future__ import annotations

from dataclasses import dataclass, field

from reporter.model import LEAD, OFFICE, Answer, Task, TaskUnit
from reporter.periods import LightRules, Period, time_progress, traffic_light

CONFLICT_PERCENT_GAP = 30.0
_OPPOSED = {("已完成", "未启动"), ("已完成", "进度滞后"), ("未启动", "已完成"), ("未启动", "正常推进")}


@dataclass
class TaskProgress:
    """Where a task stands in a period."""

    task_id: str
    expected: float | None
    lead: Answer | None = None
    cooperating: list[Answer] = field(default_factory=list)
    light: str = ""
    conflicts: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)

    @property
    def answered_units(self) -> list[str]:
        return ([self.lead.unit] if self.lead else []) + [a.unit for a in self.cooperating]


def contradictions(status: str, percent: float | None, expected: float | None = None) -> list[str]:
    """Where an answer contradicts itself: 未启动 with progress, 已完成 short of 100 %, 进度滞后 while at or ahead of
    序时进度 (``expected``, when known)."""
    found = []
    if status == "未启动" and percent is not None and percent > 0:
        found.append(f"状态为“未启动”，但完成进度为{percent:g}%")
    if status == "已完成" and percent is not None and percent < 100:
        found.append(f"状态为“已完成”，但完成进度只有{percent:g}%")
    if status == "进度滞后" and percent is not None and expected is not None and percent >= expected:
        found.append(f"状态为“进度滞后”，但完成进度{percent:g}%已达到序时进度{expected:g}%")
    return found


def conflicts_between(lead: Answer, other: Answer) -> str:
    """A sentence when a cooperating unit's answer contradicts the lead unit's, else ``""``."""
    lead_status, other_status = lead.status or "", other.status or ""
    if (lead_status, other_status) in _OPPOSED:
        return f"牵头单位{lead.unit}报“{lead_status}”，配合单位{other.unit}报“{other_status}”"
    lead_pct, other_pct = lead.percent, other.percent
    if lead_pct is not None and other_pct is not None and abs(lead_pct - other_pct) >= CONFLICT_PERCENT_GAP:
        return f"牵头单位{lead.unit}报完成{lead_pct:g}%，配合单位{other.unit}报{other_pct:g}%"
    return ""


def note_decreases(progress: dict[str, TaskProgress], previous: dict[str, TaskProgress]) -> None:
    """需核实 also says where the lead's percent went down since the period before."""
    for task_id, now in progress.items():
        before = previous.get(task_id)
        if now.lead is None or before is None or before.lead is None:
            continue
        old, new = before.lead.percent, now.lead.percent
        if old is not None and new is not None and new < old:
            now.conflicts.append(f"完成进度从上期{old:g}%降至{new:g}%")


def compute_progress(
    tasks: list[Task], task_units: list[TaskUnit], answers: list[Answer], period: Period, rules: LightRules
) -> dict[str, TaskProgress]:
    """Progress of every task from the current answers of one period. A correction the office entered in the
    ledger (role ``office``) stands for the lead unit's answer, unless the lead unit saved a newer one since."""
    units_of: dict[str, list[TaskUnit]] = {}
    for entry in task_units:
        units_of.setdefault(entry.task_id, []).append(entry)
    answers_of: dict[str, dict[str, Answer]] = {}
    office: dict[str, Answer] = {}
    for answer in answers:
        if answer.role == OFFICE:
            office[answer.task_id] = answer
        else:
            answers_of.setdefault(answer.task_id, {})[answer.unit] = answer
    result: dict[str, TaskProgress] = {}
    for task in tasks:
        progress = TaskProgress(task.id, time_progress(task, period))
        entries = units_of.get(task.id, [])
        progress.responsible = [e.unit for e in entries]
        given = answers_of.get(task.id, {})
        for entry in entries:
            found = given.get(entry.unit)
            if found is None:
                continue
            answer = found
            if entry.role == LEAD and progress.lead is None:
                progress.lead = answer
            else:
                progress.cooperating.append(answer)
        known = set(progress.responsible)
        progress.cooperating += [a for unit, a in given.items() if unit not in known]
        correction = office.get(task.id)
        if correction is not None and (progress.lead is None or progress.lead.saved_at <= correction.saved_at):
            progress.lead = correction
        if progress.lead:
            progress.light = traffic_light(
                progress.lead.percent, progress.lead.status or "", progress.expected, period, rules
            )
            lead = progress.lead
            own = [f"{lead.unit}{text}" for text in contradictions(lead.status or "", lead.percent, progress.expected)]
            others = [c for other in progress.cooperating if (c := conflicts_between(lead, other))]
            progress.conflicts = own + others
        result[task.id] = progress
    return result

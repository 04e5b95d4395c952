"""Each task's progress for a period: the lead unit's answer, the cooperating units' answers, conflicts, light."""

from __future__ import annotations

from dataclasses import dataclass, field

from reporter.model import LEAD, OFFICE, Answer, Task, TaskUnit
from reporter.periods import BLUE, GREEN, RED, YELLOW, LightRules, Period, due_soon, time_progress, traffic_light

CONFLICT_PERCENT_GAP = 30.0

# The one vocabulary of where a task stands, used by the ledger, the Excel report and every brief.
DONE = "已完成"  # the lead reported 已完成 (and not a percent short of 100) or 100 %
ON_SCHEDULE = "达到序时进度"  # 绿灯
SLIGHTLY_BEHIND = "略滞后"  # 黄灯: behind 序时进度 by at most ``yellow_gap`` points
WELL_BEHIND = "明显滞后"  # 红灯
UNDETERMINED = "无法判定"  # the lead answered with neither a status nor a percent to judge by
UNREPORTED = "未报"  # no lead unit answered (never counted as 0 %)
CATEGORIES = (DONE, ON_SCHEDULE, SLIGHTLY_BEHIND, WELL_BEHIND, UNDETERMINED, UNREPORTED)
LAGGING = (SLIGHTLY_BEHIND, WELL_BEHIND)  # 进度滞后 = 略滞后 + 明显滞后
CATEGORY_DEFINITIONS = {
    DONE: "牵头单位报“已完成”或完成进度达到100%",
    ON_SCHEDULE: "完成进度达到或超过序时进度（绿灯；完成时限临近的亮蓝灯）",
    SLIGHTLY_BEHIND: "完成进度落后序时进度{gap}个百分点以内（黄灯）",
    WELL_BEHIND: "完成进度落后序时进度超过{gap}个百分点，或逾期仍未启动（红灯）",
    UNDETERMINED: "牵头单位已报送，但未填状态和完成进度",
    UNREPORTED: "牵头单位本期未报送",
}
# One colour per light and per 进度分类, for every workbook: the ledger's cells, the report's cells and its charts
LIGHT_FILLS = {GREEN: "C6EFCE", BLUE: "BDD7EE", YELLOW: "FFEB9C", RED: "FFC7CE"}
CATEGORY_FILLS = {
    DONE: LIGHT_FILLS[GREEN],
    ON_SCHEDULE: "E2EFDA",  # a paler green than 已完成
    SLIGHTLY_BEHIND: LIGHT_FILLS[YELLOW],
    WELL_BEHIND: LIGHT_FILLS[RED],
    UNDETERMINED: "EDEDED",  # light grey
    UNREPORTED: "D9D9D9",  # grey
}
_OPPOSED = {("已完成", "未启动"), ("已完成", "进度滞后"), ("未启动", "已完成"), ("未启动", "正常推进")}


@dataclass
class TaskProgress:
    """Where a task stands in a period."""

    task_id: str
    expected: float | None
    lead: Answer | None = None  # the lead unit's answer that sets the light: of several co-leads, the worst
    co_leads: list[Answer] = field(default_factory=list)  # the other lead units' answers (never demoted to 配合)
    missing_leads: list[str] = field(default_factory=list)  # lead units that sent nothing while another did
    cooperating: list[Answer] = field(default_factory=list)
    light: str = ""
    conflicts: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)

    @property
    def answered_units(self) -> list[str]:
        return ([self.lead.unit] if self.lead else []) + [a.unit for a in (*self.co_leads, *self.cooperating)]

    @property
    def category(self) -> str:
        """Where the task stands, in the one vocabulary (``CATEGORIES``)."""
        lead = self.lead
        if lead is None:
            return UNREPORTED
        if (lead.status == "已完成" and (lead.percent is None or lead.percent >= 100)) or (
            lead.percent is not None and lead.percent >= 100
        ):
            return DONE
        categories = {GREEN: ON_SCHEDULE, BLUE: ON_SCHEDULE, YELLOW: SLIGHTLY_BEHIND, RED: WELL_BEHIND}
        return categories.get(self.light, UNDETERMINED)

    @property
    def leads(self) -> list[Answer]:
        """Every lead unit's answer, the one that sets the light first."""
        return ([self.lead] if self.lead else []) + self.co_leads


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


def conflicts_between(lead: Answer, other: Answer, role: str = "配合单位") -> str:
    """A sentence when another unit's answer (a cooperating unit's, or a co-lead's with ``role`` 牵头单位)
    contradicts the lead unit's, else ``""``."""
    lead_status, other_status = lead.status or "", other.status or ""
    if (lead_status, other_status) in _OPPOSED:
        return f"牵头单位{lead.unit}报“{lead_status}”，{role}{other.unit}报“{other_status}”"
    lead_pct, other_pct = lead.percent, other.percent
    if lead_pct is not None and other_pct is not None and abs(lead_pct - other_pct) >= CONFLICT_PERCENT_GAP:
        return f"牵头单位{lead.unit}报完成{lead_pct:g}%，{role}{other.unit}报{other_pct:g}%"
    return ""


_LIGHT_ORDER = {RED: 0, YELLOW: 1, BLUE: 2, GREEN: 2, "": 3}  # the worst first


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
    """Progress of every task from the current answers of one period.

    Several lead units (牵头单位：A、B) are all leads: the task's light is the worst of their answers', whose answer
    is ``lead``; the others are ``co_leads``, listed beside it, never counted as cooperating. A correction the office
    entered in the ledger (role ``office``) stands for the lead's answer, unless the lead saved a newer one since."""
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
        leads: list[Answer] = []
        for entry in entries:
            found = given.get(entry.unit)
            if found is None:
                if entry.role == LEAD:
                    progress.missing_leads.append(entry.unit)
            elif entry.role == LEAD:
                leads.append(found)
            else:
                progress.cooperating.append(found)
        known = set(progress.responsible)
        progress.cooperating += [a for unit, a in given.items() if unit not in known]
        if not leads:
            progress.missing_leads = []  # 牵头单位未报送 is said once, for the task
        lights = [traffic_light(a.percent, a.status or "", progress.expected, period, rules) for a in leads]
        if leads:
            worst = min(range(len(leads)), key=lambda i: (_LIGHT_ORDER[lights[i]], i))
            progress.lead, progress.light = leads[worst], lights[worst]
            progress.co_leads = [a for i, a in enumerate(leads) if i != worst]
        correction = office.get(task.id)
        if correction is not None and (progress.lead is None or progress.lead.saved_at <= correction.saved_at):
            progress.lead = correction
            progress.light = traffic_light(
                correction.percent, correction.status or "", progress.expected, period, rules
            )
        if progress.light == GREEN and progress.category != DONE and due_soon(task.deadline, period, rules):
            progress.light = BLUE  # 即将到期: on schedule so far, but its deadline is near
        if progress.lead:
            lead = progress.lead
            own = [
                f"{answer.unit}{text}"
                for answer in progress.leads
                for text in contradictions(answer.status or "", answer.percent, progress.expected)
            ]
            co = [c for other in progress.co_leads if (c := conflicts_between(lead, other, "牵头单位"))]
            others = [c for other in progress.cooperating if (c := conflicts_between(lead, other))]
            progress.conflicts = own + co + others
        result[task.id] = progress
    return result

"""What each supervision report says: plain dictionaries (template contexts) from the period snapshot. Pure.

The keys of these dictionaries are the variables the Word templates may use; the README lists them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from reporter.model import LIVELIHOOD, WORK, IndicatorAnswer, Task
from reporter.periods import LIGHT_LABELS, RED, YELLOW, Period
from reporter.progress import TaskProgress
from reporter.status import UnitStatus

Row = dict[str, Any]  # one task, indicator or group as the templates see it

STATUS_ORDER = ("已完成", "正常推进", "进度滞后", "未启动", "其他", "未报送")
LIGHT_ORDER = ("绿灯", "黄灯", "红灯", "未亮灯")


@dataclass
class ReportData:
    """Everything the reports need, taken from the period snapshot."""

    workspace: str
    office: str
    period: Period
    previous: Period | None
    due: date
    tasks: list[Task]  # the tasks running in the period
    progress: dict[str, TaskProgress]
    previous_progress: dict[str, TaskProgress]
    unit_status: list[UnitStatus]
    indicators: list[IndicatorAnswer]
    districts: list[tuple[str, str]]  # (short name, government unit)
    today: date = field(default_factory=date.today)
    ranked: list[Row] | None = field(default=None, repr=False)  # ranked_indicators, computed once


def task_row(task: Task, progress: TaskProgress | None) -> Row:
    """One task as the reports show it."""
    lead = progress.lead if progress else None
    status = (lead.status if lead else "") or ("未报送" if lead is None else "其他")
    percent = lead.percent if lead else None
    return {
        "id": task.id,
        "number": task.number,
        "text": task.full_text,
        "short_text": _short(task.text),
        "part": task.part,
        "section": task.section or task.part,
        "leaders": "、".join(task.leaders),
        "lead_unit": "、".join(task.lead_units)
        or (progress.responsible[0] if progress and progress.responsible else ""),
        "progress": lead.progress if lead else "",
        "percent": "" if percent is None else f"{percent:g}",
        "expected": "" if not progress or progress.expected is None else f"{progress.expected:g}",
        "status": status,
        "light": LIGHT_LABELS.get(progress.light if progress else "", "") or "未亮灯",
        "problems": lead.problems if lead else "",
        "plan": lead.plan if lead else "",
        "reported_by": lead.unit if lead else "",
        "conflicts": "；".join(progress.conflicts) if progress else "",
        "lagging": bool(progress and progress.light in (RED, YELLOW)),
    }


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _counts(rows: list[Row], key: str, order: tuple[str, ...]) -> list[Row]:
    counter = Counter(r[key] for r in rows)
    return [{"name": name, "count": counter.get(name, 0)} for name in order]


def lagging_rows(rows: list[Row]) -> list[Row]:
    """Lagging tasks, red before yellow, then by id."""
    return sorted((r for r in rows if r["lagging"]), key=lambda r: (r["light"] != "红灯", r["id"]))


def summary(rows: list[Row]) -> Row:
    return {
        "total": len(rows),
        "by_status": _counts(rows, "status", STATUS_ORDER),
        "by_light": _counts(rows, "light", LIGHT_ORDER),
        "lagging": sum(1 for r in rows if r["lagging"]),
        "red": sum(1 for r in rows if r["light"] == "红灯"),
        "yellow": sum(1 for r in rows if r["light"] == "黄灯"),
        "green": sum(1 for r in rows if r["light"] == "绿灯"),
        "done": sum(1 for r in rows if r["status"] == "已完成"),
        "unreported": sum(1 for r in rows if r["status"] == "未报送"),
    }


def _grouped(rows: list[Row]) -> list[Row]:
    parts: dict[str, dict[str, list[Row]]] = {}
    for row in rows:
        parts.setdefault(row["part"], {}).setdefault(row["section"], []).append(row)
    return [
        {"name": part, "sections": [{"name": name, "tasks": tasks} for name, tasks in sections.items()]}
        for part, sections in parts.items()
    ]


def _base(data: ReportData) -> Row:
    return {
        "workspace": data.workspace,
        "office": data.office,
        "period": data.period.key,
        "period_label": data.period.label,
        "due": data.due.isoformat(),
        "date": f"{data.today.year}年{data.today.month}月{data.today.day}日",
    }


def _unreported_units(data: ReportData, units: set[str] | None = None) -> list[str]:
    return [u.unit for u in data.unit_status if not u.returned and (units is None or u.unit in units)]


def responsible(data: ReportData, task: Task) -> list[str]:
    """Every unit responsible for a task (lead, cooperating, members of collectives)."""
    return data.progress[task.id].responsible if task.id in data.progress else []


def tasks_of(data: ReportData, unit: str) -> list[Task]:
    return [t for t in data.tasks if unit in responsible(data, t)]


def leaders(data: ReportData) -> list[str]:
    return list(dict.fromkeys(leader for task in data.tasks for leader in task.leaders))


def _status_of(data: ReportData, unit: str) -> UnitStatus | None:
    return next((u for u in data.unit_status if u.unit == unit), None)


def leader_context(data: ReportData, leader: str) -> Row:
    """A leader's brief: summary, lagging tasks first, then every task by part and section."""
    tasks = [t for t in data.tasks if leader in t.leaders]
    rows = [task_row(t, data.progress.get(t.id)) for t in tasks]
    units = {u for t in tasks for u in responsible(data, t)}
    return _base(data) | {
        "leader": leader,
        "summary": summary(rows),
        "lagging": lagging_rows(rows),
        "parts": _grouped(rows),
        "tasks": rows,
        "unreported_units": _unreported_units(data, units),
    }


def district_context(data: ReportData, short: str, unit: str) -> Row:
    """A district's brief: its livelihood indicators with rank, its work tasks, its reporting status."""
    indicators = ranked_indicators(data)
    mine = [i for i in indicators if i["district"] == short]
    tasks = tasks_of(data, unit)
    rows = []
    for task in tasks:
        row = task_row(task, data.progress.get(task.id))
        own = data.progress[task.id]
        answer = next((a for a in (*own.co_leads, *own.cooperating) if a.unit == unit), None)
        if row["reported_by"] != unit and answer:
            row |= {"own_progress": answer.progress, "own_status": answer.status}
        else:
            row |= {"own_progress": row["progress"] if row["reported_by"] == unit else "", "own_status": ""}
        rows.append(row)
    status = _status_of(data, unit)
    return _base(data) | {
        "district": short,
        "unit": unit,
        "indicators": mine,
        "tasks": rows,
        "summary": summary(rows),
        "reported": bool(status and status.returned),
        "reported_at": status.returned_at.replace("T", " ") if status else "",
        "late": bool(status and status.late),
    }


def ranked_indicators(data: ReportData) -> list[Row]:
    """Every district's indicator row with percent complete and rank among districts (1 = best); computed once."""
    if data.ranked is not None:
        return data.ranked
    projects = {t.id: t.text for t in data.tasks}
    rows: list[Row] = []
    for item in data.indicators:
        target, completed = item.target, item.completed
        rate = round(100 * completed / target, 1) if target and completed is not None else None
        rows.append(
            {
                "task_id": item.task_id,
                "row": item.row,
                "project": projects.get(item.task_id, ""),
                "indicator": item.indicator,
                "district": item.district,
                "unit": item.unit,
                "target": "" if target is None else f"{target:g}",
                "completed": "" if completed is None else f"{completed:g}",
                "rate": "" if rate is None else f"{rate:g}",
                "rate_value": rate,
            }
        )
    groups: dict[tuple[str, int], list[Row]] = {}
    for row in rows:
        groups.setdefault((row["task_id"], row["row"]), []).append(row)
    for group in groups.values():
        ranked = sorted((r for r in group if r["rate_value"] is not None), key=lambda r: -r["rate_value"])
        for row in group:
            row["rank"] = ""
            row["of"] = len(group)
        for index, row in enumerate(ranked):
            row["rank"] = str(1 + sum(1 for other in ranked[:index] if other["rate_value"] > row["rate_value"]))
    data.ranked = rows
    return rows


def unit_context(data: ReportData, unit: str) -> Row:
    """A unit's own brief: its tasks and what it reported."""
    tasks = tasks_of(data, unit)
    rows = [task_row(t, data.progress.get(t.id)) for t in tasks]
    status = _status_of(data, unit)
    return _base(data) | {
        "unit": unit,
        "tasks": rows,
        "summary": summary(rows),
        "reported": bool(status and status.returned),
        "reported_at": status.returned_at.replace("T", " ") if status else "",
        "late": bool(status and status.late),
    }


def monthly_context(data: ReportData) -> Row:
    """The monthly supervision brief (月度督查通报): overall figures, by part and leader, livelihood, lagging, units."""
    rows = [task_row(t, data.progress.get(t.id)) for t in data.tasks if t.kind == WORK]
    livelihood = [task_row(t, data.progress.get(t.id)) for t in data.tasks if t.kind == LIVELIHOOD]
    by_part = [
        {"name": part, **summary([r for r in rows if r["part"] == part])}
        for part in dict.fromkeys(r["part"] for r in rows)
    ]
    by_section = [
        {"part": part, "name": section, **summary([r for r in rows if (r["part"], r["section"]) == (part, section)])}
        for part, section in dict.fromkeys((r["part"], r["section"]) for r in rows)
    ]
    by_leader = []
    for leader in leaders(data):
        mine = [task_row(t, data.progress.get(t.id)) for t in data.tasks if leader in t.leaders]
        by_leader.append({"name": leader, **summary(mine)})
    previous_rows = [task_row(t, data.previous_progress.get(t.id)) for t in data.tasks if t.kind == WORK]
    current, before = summary(rows), summary(previous_rows)
    change = {key: current[key] - before[key] for key in ("done", "green", "yellow", "red", "lagging", "unreported")}
    late = [u.unit for u in data.unit_status if u.returned and u.late]
    return _base(data) | {
        "summary": current,
        "previous_period_label": data.previous.label if data.previous else "",
        "previous_summary": before,
        "change": change,
        "by_part": by_part,
        "by_section": by_section,
        "by_leader": by_leader,
        "livelihood": livelihood,
        "livelihood_summary": summary(livelihood),
        "indicators": ranked_indicators(data),
        "lagging": lagging_rows(rows + livelihood),
        "unreported_units": _unreported_units(data),
        "late_units": late,
        "units_total": len(data.unit_status),
        "units_reported": sum(1 for u in data.unit_status if u.returned),
    }

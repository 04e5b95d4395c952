"""One consolidation of a reporting period: every number the briefs, the Excel report and the ledger show.

``consolidate_snapshot`` turns the period snapshot into pandas DataFrames (tasks, leaders, units, indicators,
districts) once; the Word briefs and the Excel workbooks take their tables and counts from it, so a count such as
进度滞后 has one definition everywhere. Offices that analyse in Jupyter call ``reporter.consolidate(workspace,
period)``, which reads the workspace's store (as of the last ``reporter run``/``collect``) and returns the same.

The vocabulary (``reporter.progress.CATEGORIES``): 已完成, 达到序时进度 (绿灯), 略滞后 (黄灯), 明显滞后 (红灯),
无法判定, 未报. A task whose lead units sent nothing is 未报, never 0 %.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from reporter.forms.plan import district_indicators
from reporter.model import LEAD, LIVELIHOOD, WORK, Answer, StoredNotice, Task
from reporter.periods import LIGHT_LABELS, Period
from reporter.progress import (
    CATEGORIES,
    DONE,
    LAGGING,
    ON_SCHEDULE,
    SLIGHTLY_BEHIND,
    UNDETERMINED,
    UNREPORTED,
    WELL_BEHIND,
    TaskProgress,
)
from reporter.settings import Workspace, load_workspace
from reporter.snapshot import PeriodSnapshot, load_snapshot, resolve_period
from reporter.status import NOT_REPORTED, UnitStatus
from reporter.store import Store

KIND_LABELS = {WORK: "工作任务", LIVELIHOOD: "民生实事"}
RATE_CAP = 100.0  # in a district's composite rate, an indicator completed beyond its target counts as 100 %

# A leader written as a post (市长, 常务副市长, 县委书记) is not a person: no 同志 after it.
_POST = re.compile(r"^(常务)?副?(省|市|县|区|州|旗|盟)?(委)?(长|书记|主任|秘书长|副秘书长)$")


def is_post(leader: str) -> bool:
    """Whether a 牵头领导 is a post (市长、副市长) rather than a named person."""
    return bool(_POST.match(leader))


def leader_groups(task: Task) -> list[str]:
    """The leaders a task is reported under: each named person on their own; posts written together (市长、副市长)
    are one collective, the mayor's, never two people."""
    people = [leader for leader in task.leaders if not is_post(leader)]
    posts = [leader for leader in task.leaders if is_post(leader)]
    return [*people, *(["、".join(posts)] if posts else [])]


def addressed(leader: str) -> str:
    """How a brief names a leader: 陈仲朝同志, but 市长、副市长 as written."""
    return leader if all(is_post(part) for part in leader.split("、")) else f"{leader}同志"


@dataclass(frozen=True)
class Counts:
    """How many tasks stand where, in the one vocabulary, with shares of the total."""

    total: int
    by_category: dict[str, int]

    @classmethod
    def of(cls, categories: Iterable[str]) -> Counts:
        values = list(categories)
        return cls(len(values), {name: values.count(name) for name in CATEGORIES})

    @property
    def lagging(self) -> int:
        return sum(self.by_category[name] for name in LAGGING)

    @property
    def reported(self) -> int:
        return self.total - self.by_category[UNREPORTED]

    def share(self, count: int) -> str:
        """``86%`` of the total (``0%`` of none)."""
        return f"{round(100 * count / self.total) if self.total else 0}%"

    def context(self) -> dict[str, object]:
        """The counts as the Word templates see them (``summary.done``, ``summary.done_share`` …)."""
        names = {
            DONE: "done",
            ON_SCHEDULE: "on_schedule",
            SLIGHTLY_BEHIND: "slightly_behind",
            WELL_BEHIND: "well_behind",
            UNDETERMINED: "undetermined",
            UNREPORTED: "unreported",
        }
        result: dict[str, object] = {"total": self.total}
        for category, name in names.items():
            result[name] = self.by_category[category]
            result[f"{name}_share"] = self.share(self.by_category[category])
        for name, value in (("lagging", self.lagging), ("reported", self.reported)):
            result[name] = value
            result[f"{name}_share"] = self.share(value)
        result["on_track"] = self.by_category[DONE] + self.by_category[ON_SCHEDULE]
        result["on_track_share"] = self.share(int(str(result["on_track"])))
        return result


@dataclass
class Consolidation:
    """A period's numbers as DataFrames; every report reads them from here.

    - ``tasks``: one row per task running and supervised in the period (work tasks and livelihood projects,
      column ``kind``), with the lead's answer, 序时进度, light and ``category``;
    - ``task_leaders``: task × leader group (市长、副市长 as one), for counts by leader;
    - ``responsibilities``: task × responsible unit with its role (牵头/配合) and its own answer, if any;
    - ``units``: one row per responsible unit with its reporting status;
    - ``indicators``: one row per livelihood indicator × district with a target, answered or not (``reported``);
    - ``districts``: one row per district with its reporting status, indicators and composite rank.
    """

    period: Period
    previous: Period | None
    due: date
    tasks: pd.DataFrame
    task_leaders: pd.DataFrame
    responsibilities: pd.DataFrame
    units: pd.DataFrame
    indicators: pd.DataFrame
    districts: pd.DataFrame
    notices: list[StoredNotice] = field(default_factory=list)
    issue: int = 1  # the brief's 期号: the periods with returns up to this one
    _leader_tasks: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lagging: dict[str | None, pd.DataFrame] = field(default_factory=dict, init=False, repr=False, compare=False)
    _unit_tasks: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False, compare=False)
    _joined: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)

    def counts(self, kind: str | None = WORK, *, task_ids: Iterable[str] | None = None) -> Counts:
        """The counts of ``kind``'s tasks (``None``: work tasks and livelihood projects), or of ``task_ids``."""
        frame = self.tasks[["id", "kind", "category"]]  # not every column: filtering the texts costs more than counting
        if kind is not None:
            frame = frame[frame["kind"] == kind]
        if task_ids is not None:
            frame = frame[frame["id"].isin(list(task_ids))]
        return Counts.of(frame["category"])

    def previous_counts(self, kind: str | None = WORK) -> Counts | None:
        if self.previous is None:
            return None
        frame = self.tasks if kind is None else self.tasks[self.tasks["kind"] == kind]
        return Counts.of(frame["previous_category"])

    def leaders(self) -> list[str]:
        """Leader groups in the order of the notice."""
        return list(dict.fromkeys(self.task_leaders["leader"]))

    def responsibilities_of(self, unit: str) -> pd.DataFrame:
        """The unit's tasks with its own answer beside the task's standing (set by the lead units); the tasks'
        columns are joined once for every unit, the unit's rows picked once (its brief and its workbook both ask),
        so not to be changed in place."""
        if unit not in self._unit_tasks:
            if self._joined is None:  # every unit's rows, joined once
                columns = ["id", "short_text", "lead_units", "category", "light", "percent", "expected"]
                self._joined = self.responsibilities.merge(self.tasks[columns], on="id", how="left")
            joined = self._joined
            self._unit_tasks[unit] = joined[joined["unit"] == unit].reset_index(drop=True)
        return self._unit_tasks[unit]

    def tasks_of_leader(self, leader: str) -> pd.DataFrame:
        """The leader's tasks; picked once per leader (the 通报, the 汇总表, the leader's brief and its workbook all
        ask), so not to be changed in place."""
        if leader not in self._leader_tasks:
            ids = self.task_leaders.loc[self.task_leaders["leader"] == leader, "id"]
            self._leader_tasks[leader] = self.tasks[self.tasks["id"].isin(ids)]
        return self._leader_tasks[leader]

    def lagging(self, leader: str | None = None) -> pd.DataFrame:
        """The lagging tasks (of ``leader``, or all), in the order the briefs list them (``lagging_order``); sorted
        once per leader, so not to be changed in place."""
        if leader not in self._lagging:
            self._lagging[leader] = lagging_order(self.tasks if leader is None else self.tasks_of_leader(leader))
        return self._lagging[leader]


def lagging_order(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s lagging tasks: 明显滞后 before 略滞后, the furthest behind first, then in notice order (a subset
    of the result, e.g. one kind's, keeps this order)."""
    lagging = frame[frame["category"].isin(LAGGING)].copy()
    lagging["_gap"] = (lagging["expected"] - lagging["percent"]).fillna(0)
    lagging["_red"] = lagging["category"] != WELL_BEHIND
    return lagging.sort_values(["_red", "_gap"], ascending=[True, False], kind="stable").drop(columns=["_gap", "_red"])


_TASK_COLUMNS = [
    "id", "kind", "kind_label", "number", "part", "section", "text", "short_text", "leaders", "lead_units",
    "cooperating_units", "deadline", "status", "percent", "expected", "light", "category", "lagging", "progress",
    "problems", "plan", "reported_by", "missing_leads", "check", "previous_category", "previous_percent",
]  # fmt: skip


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _task_record(task: Task, now: TaskProgress | None, before: TaskProgress | None) -> dict[str, object]:
    lead = now.lead if now else None
    leads = now.leads if now else []
    several = len(leads) > 1
    check = list(now.conflicts) if now else []
    if now and now.missing_leads:
        check.insert(0, f"牵头单位{'、'.join(now.missing_leads)}未报送")
    return {
        "id": task.id,
        "kind": task.kind,
        "kind_label": KIND_LABELS.get(task.kind, task.kind),
        "number": task.number,
        "part": task.part,
        "section": task.section or task.part,
        "text": task.full_text,
        "short_text": _short(task.text),
        "leaders": "、".join(task.leaders),
        "lead_units": "、".join(task.lead_units) or (now.responsible[0] if now and now.responsible else ""),
        "cooperating_units": "、".join(task.cooperating_units),
        "deadline": task.deadline,
        "status": (lead.status or "") if lead else "",
        "percent": lead.percent if lead and lead.percent is not None else float("nan"),
        "expected": now.expected if now and now.expected is not None else float("nan"),
        "light": LIGHT_LABELS.get(now.light if now else "", ""),
        "category": now.category if now else UNREPORTED,
        "lagging": bool(now and now.category in LAGGING),
        "progress": "\n".join(f"{a.unit}：{a.progress}" for a in leads) if several else (lead.progress if lead else ""),
        "problems": "；".join(dict.fromkeys(a.problems for a in leads if a.problems)),
        "plan": lead.plan if lead else "",
        "reported_by": "、".join(a.unit for a in leads),
        "missing_leads": "、".join(now.missing_leads) if now else "",
        "check": "；".join(check),
        "previous_category": before.category if before else UNREPORTED,
        "previous_percent": before.lead.percent
        if before and before.lead and before.lead.percent is not None
        else float("nan"),
    }


def consolidate_snapshot(workspace: Workspace, snapshot: PeriodSnapshot) -> Consolidation:
    """The period's consolidation from its snapshot (pure: reads no file)."""
    period, status = snapshot.require_period()
    tasks = pd.DataFrame(
        [_task_record(t, snapshot.progress.get(t.id), snapshot.previous_progress.get(t.id)) for t in snapshot.active],
        columns=_TASK_COLUMNS,
    )
    task_leaders = pd.DataFrame(
        [(t.id, leader) for t in snapshot.active for leader in leader_groups(t)], columns=["id", "leader"]
    )
    responsibilities = _responsibilities(snapshot)
    lagging_of: dict[str, int] = {}
    for lagging, lead_units in zip(tasks["lagging"], tasks["lead_units"], strict=True):  # not every column's rows
        if lagging:
            for unit in str(lead_units).split("、"):
                lagging_of[unit] = lagging_of.get(unit, 0) + 1
    units = pd.DataFrame(
        [
            {
                "unit": u.unit,
                "kind": u.kind,
                "lead_tasks": u.lead,
                "cooperating_tasks": u.cooperating,
                "reported": u.returned,
                "late": u.late,
                "status": u.label,
                "returned_at": u.returned_at.replace("T", " ")[:16],
                "lagging_lead_tasks": lagging_of.get(u.unit, 0),
                "sent_back": u.sent_back,
            }
            for u in _official_order(workspace, snapshot, status.units)
        ],
        columns=[
            "unit", "kind", "lead_tasks", "cooperating_tasks", "reported", "late", "status", "returned_at",
            "lagging_lead_tasks", "sent_back",
        ],
    )  # fmt: skip
    indicators = _indicators(workspace, snapshot)
    districts = _districts(workspace, indicators, units)
    notice_codes = {t.notice for t in snapshot.active}
    return Consolidation(
        period=period,
        previous=snapshot.previous,
        due=status.due,
        tasks=tasks,
        task_leaders=task_leaders,
        responsibilities=responsibilities,
        units=units,
        indicators=indicators,
        districts=districts,
        notices=[n for n in snapshot.notices if n.code in notice_codes],
        issue=snapshot.issue,
    )


def _responsibilities(snapshot: PeriodSnapshot) -> pd.DataFrame:
    active = {t.id for t in snapshot.active}
    records = []
    answers_of: dict[str, dict[str, Answer]] = {}  # each task's answers by unit, gathered once per task
    for entry in snapshot.task_units:
        if entry.task_id not in active:
            continue
        if entry.task_id not in answers_of:
            progress = snapshot.progress.get(entry.task_id)
            answers_of[entry.task_id] = (
                {a.unit: a for a in (*progress.leads, *progress.cooperating)} if progress else {}
            )
        answer = answers_of[entry.task_id].get(entry.unit)
        records.append(
            {
                "id": entry.task_id,
                "unit": entry.unit,
                "role": "牵头" if entry.role == LEAD else "配合",
                "own_status": (answer.status or "") if answer else "",
                "own_percent": answer.percent if answer and answer.percent is not None else float("nan"),
                "own_progress": answer.progress if answer else "",
                "answered": answer is not None,
            }
        )
    columns = ["id", "unit", "role", "own_status", "own_percent", "own_progress", "answered"]
    return pd.DataFrame(records, columns=columns).drop_duplicates(["id", "unit"])


def _official_order(workspace: Workspace, snapshot: PeriodSnapshot, units: list[UnitStatus]) -> list[UnitStatus]:
    """Districts in the configured order, then the other units in the order the notices first name them."""
    rank = {d.unit: i for i, d in enumerate(workspace.districts)}
    for entry in snapshot.task_units:
        rank.setdefault(entry.unit, len(rank))
    return sorted(units, key=lambda u: rank.get(u.unit, len(rank)))


def _indicators(workspace: Workspace, snapshot: PeriodSnapshot) -> pd.DataFrame:
    """Every indicator × district with a target, its answer when one came (``reported``), rate and rank."""
    directory = workspace.directory()
    answers = {(a.task_id, a.row, a.district): a for a in snapshot.indicators}
    records = []
    for district in workspace.districts:
        for item in district_indicators(snapshot.active, district.unit, directory):
            answer = answers.get((item.task_id, item.row, item.district))
            completed = answer.completed if answer and answer.completed is not None else None
            rate = round(100 * completed / item.target, 1) if completed is not None and item.target else None
            records.append(
                {
                    "task_id": item.task_id,
                    "row": item.row,
                    "project": item.project,
                    "indicator": item.indicator,
                    "measure": item.unit,
                    "district": item.district,
                    "unit": district.unit,
                    "target": item.target,
                    "completed": float("nan") if completed is None else completed,
                    "rate": float("nan") if rate is None else rate,
                    "reported": completed is not None,
                }
            )
    columns = [
        "task_id", "row", "project", "indicator", "measure", "district", "unit", "target", "completed", "rate",
        "reported", "rank", "of",
    ]  # fmt: skip
    frame = pd.DataFrame(records, columns=columns[:-2])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    group = frame.groupby(["task_id", "row"])["rate"]
    frame["rank"] = group.rank(ascending=False, method="min").astype("Int64")
    frame["of"] = group.transform("size")
    order = {t.id: i for i, t in enumerate(snapshot.active)}
    frame["_order"] = frame["task_id"].map(order)
    return (
        frame.sort_values(["_order", "row", "rank"], na_position="last").drop(columns="_order").reset_index(drop=True)
    )


def _districts(workspace: Workspace, indicators: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Every district: reported or not, late, its indicators, composite rate (mean of capped rates) and rank."""
    by_unit = units.set_index("unit") if not units.empty else units
    records = []
    for district in workspace.districts:
        mine = indicators[indicators["district"] == district.short]
        rates = mine["rate"].dropna().clip(upper=RATE_CAP)
        reported = bool(district.unit in by_unit.index and by_unit.loc[district.unit, "reported"])
        records.append(
            {
                "district": district.short,
                "name": district.name,
                "unit": district.unit,
                "kind": district.kind,
                "reported": reported,
                "late": bool(district.unit in by_unit.index and by_unit.loc[district.unit, "late"]),
                "status": str(by_unit.loc[district.unit, "status"]) if district.unit in by_unit.index else NOT_REPORTED,
                "returned_at": str(by_unit.loc[district.unit, "returned_at"]) if district.unit in by_unit.index else "",
                "indicators": len(mine),
                "indicators_reported": int(mine["reported"].sum()),
                "composite_rate": round(float(rates.mean()), 1) if len(rates) else float("nan"),
            }
        )
    frame = pd.DataFrame(
        records,
        columns=[
            "district", "name", "unit", "kind", "reported", "late", "status", "returned_at", "indicators",
            "indicators_reported", "composite_rate",
        ],
    )  # fmt: skip
    frame["rank"] = frame["composite_rate"].rank(ascending=False, method="min").astype("Int64")
    return frame


def consolidate(workspace: Workspace | str | Path, period: str | None = None) -> Consolidation:
    """The consolidation of ``period`` (``"2021-06"``; default: the workspace's current period) from the store.

    ``workspace``: a loaded ``Workspace`` or the folder holding ``reporter.toml``. Reads only; run ``reporter
    collect`` or ``reporter run`` first so that the store holds the latest returns and ledger edits.
    """
    loaded = workspace if isinstance(workspace, Workspace) else load_workspace(Path(workspace))
    with Store(loaded.store_path) as store:
        snapshot = load_snapshot(loaded, store, resolve_period(loaded, store, period))
    return consolidate_snapshot(loaded, snapshot)

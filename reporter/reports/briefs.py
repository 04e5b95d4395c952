"""What each brief says: template contexts (plain dictionaries) from the period's consolidation. Pure.

Every count comes from ``Consolidation.counts`` and every table from its DataFrames, so the 通报, the leaders' and
districts' briefs, their Excel companions and the 督查汇总表 show the same numbers. The keys of these dictionaries
are the variables the Word templates may use; the README lists them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool, is_float, is_integer

from reporter.consolidation import Consolidation, Counts, addressed
from reporter.model import LIVELIHOOD, WORK
from reporter.progress import CATEGORY_DEFINITIONS, UNREPORTED, WELL_BEHIND
from reporter.settings import BriefSettings
from reporter.status import SENT_BACK
from reporter.text import chinese_count, chinese_date

Row = dict[str, Any]  # one task, indicator, unit or district as the templates see it

PROGRESS_LIMIT = 80  # 最新进展 in a leader's 附件 table; the whole text is in the Excel companion
INLINE_LIMIT = 6  # lagging items named in the prose (一是…六是…); the rest are in 附件1
LEAD_UNITS_INLINE = 30  # unreported lead units named in the prose; all are in the 报送情况 附件


@dataclass
class ReportData:
    """Everything the briefs need: the consolidation and how the office heads and signs its documents."""

    workspace: str
    office: str
    consolidation: Consolidation
    briefs: BriefSettings
    yellow_gap: float
    not_started_month: int
    signed: date  # 成文日期: the period's due date unless given

    @property
    def period_label(self) -> str:
        return self.consolidation.period.label


def missing(value: object) -> bool:
    """None, NaN or pandas' NA: a number nobody reported."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def number(value: object) -> str:
    """A number as the briefs print it: ``50``, ``49.6``; blank when missing."""
    return "" if missing(value) else f"{float(str(value)):g}"


def records(frame: pd.DataFrame) -> list[Row]:
    """The frame's rows as dictionaries keyed by column name, with the values ``DataFrame.to_dict("records")``
    gives (numpy numbers as Python numbers, pandas' NA as None), built column by column: pandas converts row by
    row and cell by cell, seconds for a province's 10,000 tasks."""
    names = [str(name) for name in frame.columns]
    if not names:
        return [{} for _ in range(len(frame))]
    columns = [_cells(column) for _, column in frame.items()]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _cells(column: pd.Series) -> list[Any]:
    """One column's values as ``to_dict("records")`` gives them."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biufc":  # numbers: Python numbers, NaN as float NaN
        return column.to_numpy().tolist()
    if isinstance(dtype, pd.StringDtype):  # text and the dtype's missing value; pandas' NA becomes None
        values = column.to_numpy(dtype=object).tolist()
        return [None if value is pd.NA else value for value in values] if dtype.na_value is pd.NA else values
    if dtype == np.dtype(object) or isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return [_native(value) for value in column]
    return list(column)  # dates and durations: pandas' Timestamp and Timedelta


def _native(value: object) -> object:
    """A cell of a text, mixed or nullable column as ``to_dict`` gives it (pandas' ``maybe_box_native``): numpy
    numbers as Python numbers, numpy dates and durations as pandas', NA as None."""
    if is_float(value):
        return float(value)
    if is_integer(value):
        return int(value)
    if is_bool(value):
        return bool(value)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    return None if value is pd.NA else value


def task_rows(frame: pd.DataFrame) -> list[Row]:
    """Tasks as the templates see them, numbers formatted."""
    rows = []
    for index, record in enumerate(records(frame), start=1):
        record["index"] = index
        record["lead_unit"] = record["lead_units"]
        record["percent"] = number(record["percent"])
        record["expected"] = number(record["expected"])
        record["light"] = record["light"] or "未亮灯"
        record["progress_short"] = _short(str(record["progress"]), PROGRESS_LIMIT)
        rows.append(record)
    return rows


_CLAUSE_END = re.compile(r"[，；。：,;]")


def headline(text: str, least: int = 8, most: int = 30) -> str:
    """A task named in prose: its first clauses, cut at punctuation once ``least`` characters are reached
    (``加快建设国际消费中心城市``), and at ``most`` characters with … only when no clause ends before."""
    text = text.strip()
    for match in _CLAUSE_END.finditer(text):
        if match.start() >= least:
            cut = text[: match.start()]
            return cut if len(cut) <= most else cut[: most - 1] + "…"
    return text.rstrip("。") if len(text) <= most else text[: most - 1] + "…"


def title_lines(title: str, width: int = 20) -> list[str]:
    """A title over two lines when longer than one (2号 on the 156 mm 版心: 20 characters), broken after
    政府工作报告 or before 推进情况 where it can be, the first line the longer (梯形)."""
    if len(title) <= width:
        return [title]
    for mark in ("政府工作报告", "目标任务"):
        at = title.find(mark)
        if 0 < at and at + len(mark) < len(title) and len(title) - at - len(mark) <= width:
            cut = at + len(mark)
            if cut <= width:
                return [title[:cut], title[cut:]]
    half = (len(title) + 1) // 2
    return [title[:half], title[half:]]


def _state(row: Row) -> str:
    """One clause of where a lagging task stands."""
    if row["status"] == "未启动" and not row["percent"]:
        return "尚未启动"
    if row["percent"] and row["expected"]:
        gap = float(row["expected"]) - float(row["percent"])
        return f"完成{row['percent']}%，落后序时进度{gap:g}个百分点"
    return f"自报“{row['status']}”" if row["status"] else "进度滞后"


def lagging_items(lagging: pd.DataFrame, limit: int = INLINE_LIMIT) -> list[Row]:
    """The lagging tasks named in the prose: 一是…（牵头单位），one clause of state; ``lagging`` in the order of
    ``Consolidation.lagging``."""
    rows = task_rows(lagging.head(limit))
    return [
        {"ordinal": chinese_count(i), "text": headline(str(row["text"])), "lead_unit": row["lead_unit"],
         "state": _state(row), "category": row["category"]}
        for i, row in enumerate(rows, start=1)
    ]  # fmt: skip


def lagging_sentence(lagging: pd.DataFrame, limit: int = INLINE_LIMIT) -> str:
    """``一是…（市交通局），完成30%，落后序时进度20个百分点；二是…。`` — the worst ones, named inline; ``lagging``
    in the order of ``Consolidation.lagging``."""
    items = lagging_items(lagging, limit)
    if not items:
        return ""
    if len(items) == 1:
        return f"{items[0]['text']}（{items[0]['lead_unit']}），{items[0]['state']}。"
    clauses = [f"{i['ordinal']}是{i['text']}（{i['lead_unit']}），{i['state']}" for i in items]
    return "；".join(clauses) + "。"


def counts_context(counts: Counts) -> Row:
    """The counts, with the light names older templates used (绿灯 = 已完成 + 达到序时进度)."""
    row = counts.context()
    row |= {"green": row["on_track"], "yellow": row["slightly_behind"], "red": row["well_behind"]}
    return row


def _change(now: Counts, before: Counts | None, label: str) -> str:
    if before is None:
        return ""
    parts = []
    for name, value, old in (
        ("已完成", now.by_category["已完成"], before.by_category["已完成"]),
        ("进度滞后", now.lagging, before.lagging),
        ("未报", now.by_category[UNREPORTED], before.by_category[UNREPORTED]),
    ):
        delta = value - old
        parts.append(f"{name}{'增加' if delta > 0 else '减少'}{abs(delta)}项" if delta else f"{name}持平")
    return f"与{label}相比，" + "，".join(parts) + "。"


def _judgement(counts: Counts) -> str:
    """One line on how the tasks go, from the share on track and the share unreported."""
    if not counts.total:
        return "本期没有纳入督查的任务"
    on_track = (counts.by_category["已完成"] + counts.by_category["达到序时进度"]) / counts.total
    if on_track >= 0.8:
        verdict = "各项目标任务总体推进有序"
    elif on_track >= 0.5:
        verdict = "大部分目标任务推进顺利，但仍有部分任务进度滞后"
    else:
        verdict = "目标任务推进总体偏慢，滞后事项较多"
    if counts.by_category[UNREPORTED] / counts.total >= 0.1:
        verdict += "，部分牵头单位未按时报送进展"
    return verdict


def threshold(data: ReportData, document: str = "本通报") -> str:
    """The lag threshold, stated once in each brief."""
    gap = f"{data.yellow_gap:g}"
    return (
        f"{document}以序时进度为基准：完成进度落后序时进度{gap}个百分点以内的为略滞后，超过{gap}个百分点"
        f"或{data.not_started_month}月后仍未启动的为明显滞后；牵头单位未报送的任务单列为未报，不按零进度计。"
    )


def definitions(data: ReportData) -> list[Row]:
    return [
        {"name": name, "text": text.format(gap=f"{data.yellow_gap:g}")} for name, text in CATEGORY_DEFINITIONS.items()
    ]


def _basis(data: ReportData) -> str:
    """根据《…》（文号） — the notices the tasks come from."""
    cited = [
        f"《{n.title}》" + (f"（{n.doc_number}）" if n.doc_number else "")
        for n in data.consolidation.notices
        if n.title
    ]
    return "根据" + "和".join(cited) if cited else "根据政府工作报告目标任务责任分解"


def _titled(context: Row) -> Row:
    return context | {"title_lines": title_lines(str(context["title"]))}


def _base(data: ReportData, document: str = "本通报") -> Row:
    c = data.consolidation
    return {
        "workspace": data.workspace,
        "office": data.office,
        "period": c.period.key,
        "period_label": c.period.label,
        "as_of": f"{c.period.end.month}月底",
        "due": chinese_date(c.due),
        "due_short": chinese_date(c.due, year=False),
        "date": chinese_date(data.signed),
        "issue": c.issue,
        "head": data.briefs.head,
        "bulletin_head": data.briefs.head_style == "简报",
        "recipients": data.briefs.recipients,
        "copy_to": data.briefs.copy_to,
        "threshold": threshold(data, document),
        "definitions": definitions(data),
    }


def _district_rank(data: ReportData) -> tuple[str, list[str]]:
    """民生实事: the composite ranking sentence and the districts that sent no figures."""
    districts = data.consolidation.districts
    ranked = districts.dropna(subset=["composite_rate"]).sort_values(["rank", "district"])
    missing = list(districts.loc[districts["composite_rate"].isna() & (districts["indicators"] > 0), "district"])
    if ranked.empty:
        return "", missing
    names = list(ranked["district"])
    top = "、".join(names[:3])
    sentence = f"按各项指标平均完成率（单项超过100%按100%计）综合排名，前三位依次为{top}"
    if len(names) > 5:
        sentence += f"，后三位依次为{'、'.join(names[-3:])}"
    return sentence + "。", missing


def unit_rows(frame: pd.DataFrame) -> list[Row]:
    rows = records(frame)
    for index, row in enumerate(rows, start=1):
        row["index"] = index
        row["returned_short"] = short_time(str(row["returned_at"]))
    return rows


def short_time(stamp: str) -> str:
    """``2021-06-24 18:00`` -> ``6月24日18:00`` (blank stays blank)."""
    if len(stamp) < 10:
        return stamp
    day = f"{int(stamp[5:7])}月{int(stamp[8:10])}日"
    return day + stamp[11:16]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def district_rows(data: ReportData) -> list[Row]:
    frame = data.consolidation.districts.sort_values(["rank", "district"], na_position="last", kind="stable")
    rows = []
    for index, row in enumerate(records(frame), start=1):
        rows.append(
            row
            | {
                "index": index,
                "rank": "—" if missing(row["rank"]) else f"第{int(row['rank'])}名",
                "composite_rate": number(row["composite_rate"]) or "未报",
                "indicators_text": f"{row['indicators_reported']}/{row['indicators']}",
                "report": row["status"],
            }
        )
    return rows


def indicator_rows(frame: pd.DataFrame) -> list[Row]:
    rows = []
    for row in records(frame):
        reported = bool(row["reported"])
        rows.append(
            row
            | {
                "target": number(row["target"]),
                "completed": number(row["completed"]) if reported else "未报",
                "rate": number(row["rate"]) if reported else "未报",
                "rank": "—" if missing(row["rank"]) else f"{int(row['rank'])}/{row['of']}",
            }
        )
    return rows


def own_rows(c: Consolidation, unit: str) -> list[Row]:
    """A unit's tasks: its role, its own answer, and the task's standing set by the lead units."""
    rows = []
    for index, row in enumerate(records(c.responsibilities_of(unit)), start=1):
        own = "；".join(
            filter(None, [row["own_status"], f"{number(row['own_percent'])}%" if number(row["own_percent"]) else ""])
        )
        rows.append(
            row
            | {
                "index": index,
                "own_percent": number(row["own_percent"]),
                "own": own or ("已报送" if row["answered"] else "未报"),
                "percent": number(row["percent"]),
                "expected": number(row["expected"]),
                "lead_unit": row["lead_units"],
            }
        )
    return rows


def by_leader(data: ReportData) -> list[Row]:
    c = data.consolidation
    rows = []
    for leader in c.leaders():
        ids = c.tasks_of_leader(leader)
        rows.append({"name": leader, **counts_context(Counts.of(ids["category"]))})
    return rows


def monthly_context(data: ReportData) -> Row:
    """The monthly 通报: 导语, 总体情况 with shares, 滞后事项 inline, 民生实事 ranking, 报送情况, 下一步工作要求,
    落款, 附件 (滞后任务清单, 分牵头领导情况, 民生实事分区县完成情况, 报送情况)."""
    c = data.consolidation
    counts, living = c.counts(WORK), c.counts(LIVELIHOOD)
    previous = c.previous_counts(WORK)
    lagging = c.lagging()
    ranking, missing = _district_rank(data)
    units = c.units
    lead_units = units[(units["lead_tasks"] > 0) & ~units["reported"]]
    late = units[units["late"]]
    requirements = [
        {"ordinal": f"（{chinese_count(i)}）", "text": text.replace("{office}", data.office)}
        for i, text in enumerate(data.briefs.requirements, start=1)
    ]
    attachments = ["进度滞后任务清单", "分牵头领导推进情况", "民生实事项目分区县完成情况", "报送情况"]
    return _titled(
        _base(data)
        | {
            "title": f"{c.period.label}政府工作报告目标任务推进情况通报",
            "basis": _basis(data),
            "judgement": _judgement(counts),
            "summary": counts_context(counts),
            "previous_period_label": c.previous.label if c.previous else "",
            "change": _change(counts, previous, c.previous.label if c.previous else ""),
            "well_behind_count": counts.by_category[WELL_BEHIND],
            "lagging_sentence": lagging_sentence(lagging[lagging["kind"] == WORK]),
            "lagging_more": max(0, counts.lagging - min(INLINE_LIMIT, counts.lagging)),
            "livelihood_summary": counts_context(living),
            "livelihood_lagging_sentence": lagging_sentence(lagging[lagging["kind"] == LIVELIHOOD], 3),
            "district_ranking": ranking,
            "districts_missing": missing,
            "units_total": len(units),
            "units_reported": int(units["reported"].sum()),
            "units_on_time": int((units["reported"] & ~units["late"]).sum()),
            "units_late": len(late),
            "late_units": list(late["unit"]),
            "unreported_units": list(units.loc[~units["reported"], "unit"]),
            "sent_back_units": list(units.loc[units["status"] == SENT_BACK, "unit"]),
            "unreported_lead_units": list(lead_units["unit"]),
            "unreported_lead_units_named": list(lead_units["unit"])[:LEAD_UNITS_INLINE],
            "requirements": requirements,
            "attachments": [{"number": i, "title": t} for i, t in enumerate(attachments, start=1)],
            "lagging": task_rows(lagging),
            "by_leader": by_leader(data),
            "districts": district_rows(data),
            "units": unit_rows(units),
        }
    )


def leader_context(data: ReportData, leader: str) -> Row:
    """A leader's brief: that leader's tasks only; the lead units that did not report are that leader's."""
    c = data.consolidation
    tasks = c.tasks_of_leader(leader)
    counts = Counts.of(tasks["category"])
    lead_units = [u for units in tasks.loc[tasks["category"] == UNREPORTED, "lead_units"] for u in units.split("、")]
    missing = [u for t in tasks["missing_leads"] for u in t.split("、") if u]
    lagging = c.lagging(leader)
    return _titled(
        _base(data, "本专报")
        | {
            "leader": leader,
            "addressed": addressed(leader),
            "title": f"{c.period.label}政府工作报告目标任务推进情况专报",
            "summary": counts_context(counts),
            "judgement": _judgement(counts),
            "lagging_sentence": lagging_sentence(lagging),
            "lagging_more": max(0, counts.lagging - min(INLINE_LIMIT, counts.lagging)),
            "lagging": task_rows(lagging),
            "tasks": task_rows(tasks),
            "unreported_units": list(dict.fromkeys(lead_units + missing)),
        }
    )


def district_context(data: ReportData, district: str) -> Row:
    """A district's brief: its own reporting, its indicators and rank, its own answers on the tasks it shares (the
    city lead unit's standing only as a reference). A district that sent nothing gets a one-page notice."""
    c = data.consolidation
    row = c.districts[c.districts["district"] == district].iloc[0]
    unit = str(row["unit"])
    indicators = c.indicators[c.indicators["district"] == district]
    own = own_rows(c, unit)
    rank = "" if missing(row["rank"]) else f"第{int(row['rank'])}名"
    ranked = int(c.districts["composite_rate"].notna().sum())
    return _titled(
        _base(data, "本专报")
        | {
            "district": district,
            "unit": unit,
            "title": f"{row['name']}{c.period.label}目标任务推进情况专报",
            "reported": bool(row["reported"]),
            "late": bool(row["late"]),
            "reported_at": short_time(str(row["returned_at"])),
            "indicators": indicator_rows(indicators),
            "indicators_total": int(row["indicators"]),
            "indicators_reported": int(row["indicators_reported"]),
            "composite_rate": number(row["composite_rate"]),
            "rank": rank,
            "ranked": ranked,
            "tasks": own,
            "lead": [t for t in own if t["role"] == "牵头"],
            "lead_tasks": sum(1 for t in own if t["role"] == "牵头"),
            "cooperating_tasks": sum(1 for t in own if t["role"] == "配合"),
            "answered_tasks": sum(1 for t in own if t["own_status"] or t["own_percent"]),
        }
    )


def unit_context(data: ReportData, unit: str) -> Row:
    """A unit's own brief: its tasks, what it reported, and where each task stands."""
    c = data.consolidation
    row = c.units[c.units["unit"] == unit].iloc[0]
    own = own_rows(c, unit)
    return _titled(
        _base(data, "本专报")
        | {
            "unit": unit,
            "title": f"{unit}{c.period.label}目标任务推进情况",
            "tasks": own,
            "summary": counts_context(Counts.of(t["category"] for t in own)),
            "reported": bool(row["reported"]),
            "reported_at": short_time(str(row["returned_at"])),
            "late": bool(row["late"]),
        }
    )

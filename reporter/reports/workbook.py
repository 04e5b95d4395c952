"""The Excel reports: the consolidated 督查汇总表 and each leader's and district's companion workbook.

Every sheet is a table of the period's consolidation (numbers as numbers, filterable), so a count here equals the
same count in the Word briefs and the ledger. Each sheet title says whether 民生实事 projects are included.
"""

from __future__ import annotations

import math

import pandas as pd

from reporter.consolidation import Consolidation, Counts
from reporter.io.xlsx import PAPER_A4, ChartSpec, Column, Sheet
from reporter.model import LIVELIHOOD, WORK
from reporter.progress import CATEGORIES, CATEGORY_FILLS, UNREPORTED, WELL_BEHIND
from reporter.reports.briefs import own_rows, records, short_time
from reporter.status import REPORTING_FILLS

SUMMARY = "汇总"
BY_LEADER = "分领导"
BY_DISTRICT = "分区县"


def value(item: object) -> object:
    """A cell value: a number as a number, a missing one blank (never 0)."""
    if item is None or item is pd.NA or (isinstance(item, float) and math.isnan(item)):
        return None
    if hasattr(item, "item"):  # numpy scalars
        return item.item()
    return item


def _name(c: Consolidation) -> str:
    """Sheet titles start with the period only: a title wider than its table is clipped in Excel and on paper."""
    return c.period.label


def _summary_sheet(c: Consolidation, title: str, task_ids: list[str] | None = None) -> Sheet:
    """Counts by category: work tasks, livelihood projects and both, with shares."""
    work = c.counts(WORK, task_ids=task_ids)
    living = c.counts(LIVELIHOOD, task_ids=task_ids)
    both = c.counts(None, task_ids=task_ids)
    rows: list[list[object]] = []
    for category in CATEGORIES:
        rows.append(
            [
                category,
                work.by_category[category],
                _share(work, work.by_category[category]),
                living.by_category[category],
                _share(living, living.by_category[category]),
                both.by_category[category],
            ]
        )
    rows.append(["合计", work.total, _share(work, work.total), living.total, _share(living, living.total), both.total])
    sheet = Sheet(
        SUMMARY,
        title,
        [
            Column("进度分类", 12, 14, wrap=False),
            Column("工作任务（项）", 10, 14, wrap=False),
            Column("占比", 8, 10, wrap=False, number_format="0%"),
            Column("民生实事（项）", 10, 14, wrap=False),
            Column("占比", 8, 10, wrap=False, number_format="0%"),
            Column("合计（项）", 10, 12, wrap=False),
        ],
        rows,
        paper=PAPER_A4,
    )
    sheet.conditional = {0: CATEGORY_FILLS}
    sheet.charts = [
        ChartSpec(
            "pie",
            "工作任务进度分类（不含民生实事）",
            SUMMARY,
            0,
            [1],
            len(CATEGORIES),
            "H3",
            colours=CATEGORY_FILLS,
        )
    ]
    return sheet


def _share(counts: Counts, count: int) -> float | None:
    return round(count / counts.total, 4) if counts.total else None


def _task_columns() -> list[Column]:
    return [
        Column("类别", 8, 10, wrap=False),
        Column("任务编号", 12, 14, wrap=False),
        Column("任务内容", 30, 50),
        Column("牵头领导", 8, 14),
        Column("牵头单位", 12, 24),
        Column("完成进度（%）", 8, 10, wrap=False, number_format="0.##"),
        Column("序时进度（%）", 8, 10, wrap=False, number_format="0.0"),
        Column("状态", 8, 10, wrap=False),
        Column("进度分类", 10, 12, wrap=False),
        Column("最新进展", 24, 50),
        Column("存在问题", 16, 40),
        Column("需核实", 16, 40),
        Column("报送单位", 12, 24),
    ]


def _task_values(row: dict[str, object]) -> list[object]:
    return [
        row["kind_label"],
        row["id"],
        row["text"],
        row["leaders"],
        row["lead_units"],
        value(row["percent"]),
        value(row["expected"]),
        row["status"],
        row["category"],
        row["progress"],
        row["problems"],
        row["check"],
        row["reported_by"],
    ]


def _tasks_sheet(name: str, title: str, frame: pd.DataFrame) -> Sheet:
    sheet = Sheet(name, title, _task_columns(), [_task_values(r) for r in records(frame)])
    sheet.conditional = {8: CATEGORY_FILLS}
    return sheet


def _leaders_sheet(c: Consolidation, title: str) -> Sheet:
    rows = []
    for leader in c.leaders():
        counts = Counts.of(c.tasks_of_leader(leader)["category"])
        rows.append([leader, counts.total, *[counts.by_category[k] for k in CATEGORIES]])
    sheet = Sheet(
        BY_LEADER,
        title,
        [Column("牵头领导", 10, 16), Column("任务数", 8, 10, wrap=False)]
        + [Column(k, 8, 14, wrap=False) for k in CATEGORIES],
        rows,
        paper=PAPER_A4,
    )
    sheet.charts = [
        ChartSpec(
            "stacked",
            "分牵头领导任务进度（含民生实事）",
            BY_LEADER,
            0,
            list(range(2, 2 + len(CATEGORIES))),
            len(rows),
            "A" + str(len(rows) + 6),
            colours=CATEGORY_FILLS,
        )
    ]
    return sheet


def _districts_sheet(c: Consolidation, title: str) -> Sheet:
    frame = c.districts.sort_values(["rank", "district"], na_position="last", kind="stable")
    rows = [
        [
            value(r["rank"]),
            r["district"],
            r["status"],
            r["indicators"],
            r["indicators_reported"],
            value(r["composite_rate"]),
        ]
        for r in records(frame)
    ]
    sheet = Sheet(
        BY_DISTRICT,
        title,
        [
            Column("排名", 6, 8, wrap=False),
            Column("区县（市）", 10, 14, wrap=False),
            Column("报送情况", 8, 10, wrap=False),
            Column("应报指标", 8, 10, wrap=False),
            Column("已报指标", 8, 10, wrap=False),
            Column("平均完成率（%）", 12, 16, wrap=False, number_format="0.0"),
        ],
        rows,
        paper=PAPER_A4,
    )
    sheet.conditional = {2: REPORTING_FILLS}
    ranked = int(frame["composite_rate"].notna().sum())
    if ranked:
        sheet.charts = [ChartSpec("bar", "民生实事分区县平均完成率（%）", BY_DISTRICT, 1, [5], ranked, "H3")]
    return sheet


def _indicators_sheet(name: str, title: str, frame: pd.DataFrame) -> Sheet:
    rows = [
        [
            r["project"],
            r["indicator"],
            r["district"],
            r["measure"],
            value(r["target"]),
            value(r["completed"]),
            value(r["rate"]),
            value(r["rank"]),
            "已报" if r["reported"] else "未报",
        ]
        for r in records(frame)
    ]
    sheet = Sheet(
        name,
        title,
        [
            Column("项目", 14, 24),
            Column("指标", 16, 30),
            Column("区县（市）", 8, 12, wrap=False),
            Column("计量单位", 8, 10, wrap=False),
            Column("目标", 8, 12, wrap=False, number_format="0.##"),
            Column("累计完成", 8, 12, wrap=False, number_format="0.##"),
            Column("完成率（%）", 8, 12, wrap=False, number_format="0.0"),
            Column("排名", 6, 8, wrap=False),
            Column("报送情况", 8, 10, wrap=False),
        ],
        rows,
    )
    sheet.conditional = {8: {"未报": CATEGORY_FILLS[WELL_BEHIND]}}
    return sheet


def _units_sheet(name: str, title: str, frame: pd.DataFrame) -> Sheet:
    rows = [
        [
            r["unit"],
            r["kind"],
            r["lead_tasks"],
            r["cooperating_tasks"],
            r["status"],
            short_time(str(r["returned_at"])),
            r["lagging_lead_tasks"],
        ]
        for r in records(frame)
    ]
    sheet = Sheet(
        name,
        title,
        [
            Column("单位", 16, 30),
            Column("类型", 8, 10, wrap=False),
            Column("牵头任务", 8, 10, wrap=False),
            Column("配合任务", 8, 10, wrap=False),
            Column("报送情况", 8, 10, wrap=False),
            Column("报送时间", 12, 14, wrap=False),
            Column("牵头任务进度滞后", 10, 16, wrap=False),
        ],
        rows,
    )
    sheet.conditional = {4: REPORTING_FILLS}
    return sheet


def build_report_sheets(c: Consolidation) -> list[Sheet]:
    """Every sheet of the consolidated 督查汇总表."""
    name = _name(c)
    units = c.units
    return [
        _summary_sheet(c, f"{name}任务进度汇总"),
        _leaders_sheet(c, f"{name}分牵头领导任务进度（含民生实事）"),
        _districts_sheet(c, f"{name}民生实事分区县完成情况"),
        _tasks_sheet("任务明细", f"{name}任务进度明细（含民生实事）", c.tasks),
        _indicators_sheet("区县指标明细", f"{name}民生实事分区县指标明细", c.indicators),
        _units_sheet("分单位", f"{name}分责任单位报送情况", units),
        _tasks_sheet("滞后任务", f"{name}进度滞后任务（含民生实事）", c.lagging()),
        _units_sheet("未报送单位", f"{name}未报送单位", units[~units["reported"]]),
    ]


def leader_sheets(c: Consolidation, leader: str) -> list[Sheet]:
    """A leader's companion workbook: the same tables as the brief, that leader's tasks only."""
    name = f"{leader}牵头任务"
    tasks = c.tasks_of_leader(leader)
    ids = list(tasks["id"])
    unreported = [u for units in tasks.loc[tasks["category"] == UNREPORTED, "lead_units"] for u in units.split("、")]
    units = c.units[c.units["unit"].isin(unreported)]
    return [
        _summary_sheet(c, f"{name}进度汇总", ids),
        _tasks_sheet("滞后任务", f"{name}进度滞后任务", c.lagging(leader)),
        _tasks_sheet("任务明细", f"{name}任务进度明细", tasks),
        _units_sheet("未报送单位", f"{name}未报送的牵头单位", units),
    ]


def district_sheets(c: Consolidation, district: str) -> list[Sheet]:
    """A district's companion workbook: its reporting, its indicators with rank, its own answers on its tasks."""
    name = f"{district}{c.period.label}"
    row = c.districts[c.districts["district"] == district]
    unit = str(row["unit"].iloc[0])
    tasks = own_rows(c, unit)
    task_sheet = Sheet(
        "工作任务",
        f"{name}承担的任务（全市进度仅作参考）",
        [
            Column("任务编号", 12, 14, wrap=False),
            Column("任务内容", 30, 50),
            Column("本地区职责", 8, 10, wrap=False),
            Column("本地区状态", 8, 10, wrap=False),
            Column("本地区完成进度（%）", 10, 12, wrap=False, number_format="0.##"),
            Column("本地区报送进展", 24, 50),
            Column("牵头单位", 12, 24),
            Column("全市进度分类（参考）", 12, 14, wrap=False),
        ],
        [
            [
                t["id"],
                t["short_text"],
                t["role"],
                t["own_status"],
                float(t["own_percent"]) if t["own_percent"] else None,
                t["own_progress"],
                t["lead_unit"],
                t["category"],
            ]
            for t in tasks
        ],
    )
    return [
        _units_sheet("报送情况", f"{name}报送情况", c.units[c.units["unit"] == unit]),
        _indicators_sheet(
            "民生实事指标", f"{name}民生实事分解指标完成情况", c.indicators[c.indicators["district"] == district]
        ),
        task_sheet,
    ]

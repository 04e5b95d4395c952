"""The consolidated Excel report (督查汇总表): summary with native charts, and sheets by leader, district and unit."""

from __future__ import annotations

from pathlib import Path

from reporter.io.xlsx import PAPER_A4, ChartSpec, Column, Sheet, write_workbook
from reporter.ledger import LIGHT_COLOURS
from reporter.periods import GREEN, RED, YELLOW
from reporter.reports.briefs import (
    LIGHT_ORDER,
    STATUS_ORDER,
    ReportData,
    Row,
    lagging_rows,
    leaders,
    ranked_indicators,
    task_row,
)

LIGHT_CONDITIONAL = {"绿灯": LIGHT_COLOURS[GREEN], "黄灯": LIGHT_COLOURS[YELLOW], "红灯": LIGHT_COLOURS[RED]}
SUMMARY = "汇总"
BY_LEADER = "分领导"
BY_DISTRICT = "分区县"


def _task_columns() -> list[Column]:
    return [
        Column("任务编号", 10, 14, wrap=False),
        Column("任务内容", 30, 50),
        Column("牵头单位", 12, 24),
        Column("完成进度（%）", 8, 10, wrap=False),
        Column("序时进度（%）", 8, 10, wrap=False),
        Column("状态", 8, 10, wrap=False),
        Column("亮灯", 6, 8, wrap=False),
        Column("最新进展", 24, 50),
        Column("存在问题", 16, 40),
    ]


def _task_values(row: Row) -> list[object]:
    return [
        row["id"],
        row["text"],
        row["lead_unit"],
        row["percent"],
        row["expected"],
        row["status"],
        row["light"],
        row["progress"],
        row["problems"],
    ]


def build_report_sheets(data: ReportData) -> list[Sheet]:
    """Every sheet of the consolidated report."""
    name = f"{data.workspace}{data.period.label}"
    rows = [task_row(t, data.progress.get(t.id)) for t in data.tasks]
    status_rows = [[s, sum(1 for r in rows if r["status"] == s)] for s in STATUS_ORDER]
    light_rows = [[light, sum(1 for r in rows if r["light"] == light)] for light in LIGHT_ORDER]
    summary = Sheet(
        SUMMARY,
        f"{data.period.label}汇总",
        [Column("分类", 10, 12, wrap=False), Column("任务数", 8, 10, wrap=False)],
        status_rows + light_rows,
        paper=PAPER_A4,
    )
    summary.conditional = {0: LIGHT_CONDITIONAL}
    leader_rows = []
    for leader in leaders(data):
        mine = [r for r in rows if leader in r["leaders"].split("、")]
        leader_rows.append([leader, *[sum(1 for r in mine if r["light"] == light) for light in LIGHT_ORDER], len(mine)])
    by_leader = Sheet(
        BY_LEADER,
        f"{name}分牵头领导亮灯情况",
        [Column("牵头领导", 8, 14), *[Column(light, 6, 8, wrap=False) for light in LIGHT_ORDER], Column("合计", 6, 8)],
        leader_rows,
        paper=PAPER_A4,
    )
    indicators = ranked_indicators(data)
    district_rows = []
    for short, _unit in data.districts:
        mine = [i for i in indicators if i["district"] == short and i["rate_value"] is not None]
        average = round(sum(i["rate_value"] for i in mine) / len(mine), 1) if mine else 0
        district_rows.append([short, len(mine), average])
    by_district = Sheet(
        BY_DISTRICT,
        f"{name}民生实事分区县完成情况",
        [
            Column("区县（市）", 10, 12, wrap=False),
            Column("已报指标数", 8, 10, wrap=False),
            Column("平均完成率（%）", 10, 12),
        ],
        district_rows,
        paper=PAPER_A4,
    )
    summary.charts = [
        ChartSpec("pie", "任务状态分布", SUMMARY, 0, [1], len(STATUS_ORDER), "D3"),
        ChartSpec(
            "stacked",
            "分牵头领导亮灯情况",
            BY_LEADER,
            0,
            [1, 2, 3, 4],
            len(leader_rows),
            "D20",
            colours=["00B050", "FFC000", "FF0000", "BFBFBF"],
        ),
        ChartSpec("bar", "民生实事分区县平均完成率", BY_DISTRICT, 0, [2], len(district_rows), "M3"),
    ]
    leader_detail = Sheet(
        "领导任务明细",
        f"{name}分牵头领导任务明细",
        [Column("牵头领导", 8, 14), *_task_columns()],
        [[leader, *_task_values(r)] for leader in leaders(data) for r in rows if leader in r["leaders"].split("、")],
    )
    leader_detail.conditional = {7: LIGHT_CONDITIONAL}
    district_detail = Sheet(
        "区县指标明细",
        f"{name}民生实事分区县指标明细",
        [
            Column("项目", 14, 24),
            Column("指标", 16, 30),
            Column("区县（市）", 8, 10, wrap=False),
            Column("计量单位", 6, 10, wrap=False),
            Column("目标", 8, 10, wrap=False),
            Column("累计完成", 8, 10, wrap=False),
            Column("完成率（%）", 8, 10, wrap=False),
            Column("排名", 6, 8, wrap=False),
        ],
        [
            [i["project"], i["indicator"], i["district"], i["unit"], i["target"], i["completed"], i["rate"], i["rank"]]
            for i in indicators
        ],
    )
    units = Sheet(
        "分单位",
        f"{name}分责任单位情况",
        [
            Column("单位", 16, 30),
            Column("牵头任务", 8, 10, wrap=False),
            Column("配合任务", 8, 10, wrap=False),
            Column("报送情况", 8, 10, wrap=False),
            Column("报送时间", 16, 20, wrap=False),
            Column("牵头任务红灯", 8, 12, wrap=False),
            Column("牵头任务黄灯", 8, 12, wrap=False),
        ],
        [
            [
                u.unit,
                u.lead,
                u.cooperating,
                u.label,
                u.returned_at.replace("T", " "),
                sum(1 for r in rows if r["reported_by"] == u.unit and r["light"] == "红灯"),
                sum(1 for r in rows if r["reported_by"] == u.unit and r["light"] == "黄灯"),
            ]
            for u in data.unit_status
        ],
    )
    units.conditional = {3: {"未报送": LIGHT_COLOURS[RED], "逾期报送": LIGHT_COLOURS[YELLOW]}}
    lagging = Sheet("滞后任务", f"{name}进度滞后任务", _task_columns(), [_task_values(r) for r in lagging_rows(rows)])
    lagging.conditional = {6: LIGHT_CONDITIONAL}
    unreported = Sheet(
        "未报送单位",
        f"{name}未报送单位",
        [Column("单位", 16, 30), Column("牵头任务", 8, 10, wrap=False), Column("配合任务", 8, 10, wrap=False)],
        [[u.unit, u.lead, u.cooperating] for u in data.unit_status if not u.returned],
        paper=PAPER_A4,
    )
    return [summary, by_leader, by_district, leader_detail, district_detail, units, lagging, unreported]


def write_report_workbook(data: ReportData, path: Path, *, font: str, title_font: str) -> Path:
    write_workbook(path, build_report_sheets(data), font=font, title_font=title_font)
    return path

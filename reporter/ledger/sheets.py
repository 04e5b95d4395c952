"""The master ledger (台账): what goes on each sheet, built from the store. Writing is in ``reporter.io.xlsx``.

The task sheets are also where the office works: the columns in ``EDITABLE`` (and the progress columns in
``CORRECTABLE``) are read back before the next ledger is written (``reporter.ledger.readback``). What each of
those cells shows is recorded in the store, so that the next read tells the office's edits apart; cells the
office changed are tinted, a conflict with a revised notice and a cell that could not be applied are marked
with a note."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from reporter.contacts import Contact
from reporter.errors import ReporterError
from reporter.io.workbooks import whole_file_sha256
from reporter.io.xlsx import PAPER_A3, PAPER_A4, Column, Sheet, write_workbook
from reporter.ledger.changes import LedgerChanges
from reporter.model import (
    COOPERATING,
    LEAD,
    LIVELIHOOD,
    ROLE_LABELS,
    SUPERVISED,
    SUPERVISION_STATES,
    WORK,
    Answer,
    OfficeEdit,
    StoredNotice,
    Task,
)
from reporter.notices.units import DISTRICT_KIND, ZONE_KIND
from reporter.parallel import beside
from reporter.periods import LIGHT_LABELS, Period
from reporter.progress import CATEGORY_FILLS, LIGHT_FILLS, TaskProgress
from reporter.settings import Workspace
from reporter.snapshot import PeriodSnapshot
from reporter.status import DEPARTMENT_KIND, NO_FORM_KIND, REPORTING_FILLS, StatusReport
from reporter.store import Store
from reporter.store.edits import PROPOSED
from reporter.store.notices import show_value
from reporter.store.returns import PeriodRecords

PROGRESS_COLUMNS = [
    "报送期",
    "最新进展",
    "完成进度（%）",
    "状态",
    "序时进度（%）",
    "亮灯",
    "进度分类",  # computed like 亮灯: never read back
    "存在问题",
    "下步计划",
    "佐证材料",
    "配合单位反馈",
    "需核实",
    "报送单位",
    "报送时间",
]
EDITED_COLOUR = "DDEBF7"  # light blue: a cell the office changed
CONFLICT_COLOUR = "F8CBAD"  # orange: the office's value kept against a revised notice
PENDING_COLOUR = "FF9999"  # red: typed by the office, not applied (the note says why)
# Task definition columns the office may edit, per sheet, and the task attributes each one sets.
EDITABLE: dict[str, dict[str, tuple[str, ...]]] = {
    "工作任务": {
        "板块": ("section",),
        "任务内容": ("text",),
        "牵头领导": ("leaders",),
        "牵头单位": ("lead_units", "collective_units"),
        "配合单位": ("cooperating_units", "collective_units"),
        "完成时限": ("deadline", "deadline_text"),
        "督办状态": ("supervision",),
        "状态说明": ("supervision_note",),
    },
    "民生实事": {
        "项目名称": ("text",),
        "目标任务": ("target_text",),
        "牵头领导": ("leaders",),
        "责任单位": ("lead_units", "collective_units"),
        "配合单位": ("cooperating_units", "collective_units"),
        "完成时限": ("deadline", "deadline_text"),
        "督办状态": ("supervision",),
        "状态说明": ("supervision_note",),
    },
}
# Progress columns the office may correct (after a phone call with the unit): an answer from 督查室.
CORRECTABLE = ("最新进展", "完成进度（%）", "状态", "存在问题", "下步计划")
ID_COLUMNS = {"工作任务": "任务编号", "民生实事": "项目编号"}
SHEET_WORK = "工作任务"
SHEET_PRINT = "打印"  # output only: never read back
SHEET_LIVELIHOOD = "民生实事"
SHEET_BREAKDOWN = "民生实事分解"
SHEET_UNITS = "责任单位"
SHEET_LEADERS = "牵头领导"
SHEET_WARNINGS = "解析警告"
SHEET_STATUS = "报送情况"
SHEET_HISTORY = "报送历史"
SHEET_INDICATORS = "民生实事完成情况"
SHEET_EDITS = "台账修改"
KEEP_OFFICE = "保留台账"
TAKE_NOTICE = "采用通知"
RESOLUTIONS = (KEEP_OFFICE, TAKE_NOTICE)
MERGE_INTO = "合并到（规范名称）"  # 责任单位: the office merges a unit name into another
MERGED_NAMES = "已合并的名称"  # and sees (and can undo) what was merged into a unit
RENAME_TO = "改为（换人或更名）"  # 牵头领导: a leader renamed or replaced on all of their tasks
CONTACT_COLUMNS = ("联系人", "电子邮箱", "联系电话")  # 责任单位: kept in step with input/通讯录.xlsx
TO_CONFIRM = "（待确认）"  # 责任单位 类型 of a district found in a notice, until the office confirms it
UNIT_KINDS = (DEPARTMENT_KIND, DISTRICT_KIND, ZONE_KIND, NO_FORM_KIND)
ID_LIST_LIMIT = 60  # 责任单位: a longer list of task ids is shown as a count and its first few ids
PRINT_TEXT_LIMIT = 120  # 打印: 最新进展 cut to this many characters
PRINT_CHECK_LIMIT = 60  # 打印: 需核实 cut to this many characters


@dataclass(frozen=True)
class LedgerResult:
    path: Path
    backup: Path | None
    work_tasks: int
    livelihood_projects: int
    units: int
    leaders: int
    warnings: int
    changes: LedgerChanges | None = None  # what the office had changed in the previous ledger, read back first


def _join(items: list[str]) -> str:
    return "、".join(items)


def _collectives(task: Task) -> str:
    return _join([c.name for c in task.collective_units])


def _targets(task: Task) -> str:
    return "\n".join(t.text for t in task.targets)


def _progress_columns() -> list[Column]:
    return [
        Column("报送期", 8, 9, wrap=False),
        Column("最新进展", 20, 50),
        Column("完成进度（%）", 8, 10, wrap=False, number_format="0"),
        Column("状态", 8, 10, wrap=False),
        Column("序时进度（%）", 8, 10, wrap=False, number_format="0.0"),
        Column("亮灯", 6, 8, wrap=False),
        Column("进度分类", 8, 14, wrap=False),
        Column("存在问题", 16, 40),
        Column("下步计划", 16, 40),
        Column("佐证材料", 12, 30),
        Column("配合单位反馈", 16, 50),
        Column("需核实", 12, 30),
        Column("报送单位", 10, 20),
        Column("报送时间", 10, 18, wrap=False),
    ]


def _supervision_columns() -> list[Column]:
    return [Column("完成时限", 10, 12, wrap=False), Column("督办状态", 8, 10, wrap=False), Column("状态说明", 12, 30)]


def _supervision_values(task: Task) -> list[object]:
    return [task.deadline, task.supervision or SUPERVISED, task.supervision_note]


def _progress_values(progress: TaskProgress | None, period: Period | None, task: Task) -> list[object]:
    if progress is None or period is None or not task.supervised:
        return [""] * len(PROGRESS_COLUMNS)
    lead = progress.lead
    cooperating = "\n".join(
        f"{a.unit}：{'；'.join(filter(None, [a.status, _percent(a.percent), a.progress]))}"
        for a in progress.cooperating
    )
    check = "；".join(progress.conflicts)
    if not progress.lead and progress.cooperating:
        check = "；".join(filter(None, ["牵头单位未报送", check]))
    if progress.missing_leads:
        check = "；".join(filter(None, [f"牵头单位{_join(progress.missing_leads)}未报送", check]))
    leads = progress.leads
    several = len(leads) > 1  # co-leads: each one's progress, the light set by the worst (listed first)
    return [
        period.key if (progress.lead or progress.cooperating) else "",
        "\n".join(f"{a.unit}：{a.progress}" for a in leads) if several else (lead.progress if lead else ""),
        "" if lead is None or lead.percent is None else lead.percent,
        lead.status if lead else "",
        "" if progress.expected is None else progress.expected,
        LIGHT_LABELS[progress.light],
        progress.category,
        lead.problems if lead else "",
        lead.plan if lead else "",
        lead.evidence if lead else "",
        cooperating,
        check,
        _join([a.unit for a in leads]),
        lead.saved_at if lead else "",
    ]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:g}%"


def _light_fills(rows: list[list[object]], first_progress_column: int) -> dict[tuple[int, int], str]:
    """亮灯 and 进度分类 in their light colours."""
    column = first_progress_column + PROGRESS_COLUMNS.index("亮灯")
    by_label = {label: LIGHT_FILLS[light] for light, label in LIGHT_LABELS.items() if light}
    fills = {(r, column): by_label[str(row[column])] for r, row in enumerate(rows) if row[column] in by_label}
    return fills | _category_fills(rows, first_progress_column + PROGRESS_COLUMNS.index("进度分类"))


def _category_fills(rows: list[list[object]], column: int) -> dict[tuple[int, int], str]:
    return {
        (r, column): CATEGORY_FILLS[str(row[column])] for r, row in enumerate(rows) if row[column] in CATEGORY_FILLS
    }


def build_sheets(
    workspace: Workspace, store: Store, snapshot: PeriodSnapshot, periods: dict[str, PeriodRecords] | None = None
) -> list[Sheet]:
    """Every sheet of the ledger: the snapshot's tasks with its period's progress, plus the store's notices
    (parse warnings) and the periods answered, with their records workbooks (报送历史)."""
    name = workspace.name or "政府工作报告目标任务"
    tasks = snapshot.tasks
    work = [t for t in tasks if t.kind == WORK]
    livelihood = [t for t in tasks if t.kind == LIVELIHOOD]
    period = snapshot.period
    progress = snapshot.progress

    work_sheet = Sheet(
        SHEET_WORK,
        f"{name}台账（政府工作报告目标任务）",
        [
            Column("任务编号", 10, 14, wrap=False),
            Column("年度", 6, 6, wrap=False),
            Column("部分", 10, 18),
            Column("板块", 12, 24),
            Column("序号", 5, 6, wrap=False),
            Column("任务内容", 30, 60),
            Column("牵头领导", 8, 14),
            Column("牵头单位", 12, 24),
            Column("配合单位", 14, 30),
            Column("其他责任主体", 14, 24),
            Column("量化指标", 14, 30),
            *_supervision_columns(),
            *_progress_columns(),
        ],
        [
            [
                t.id,
                t.year,
                t.part,
                t.section,
                t.number,
                t.text,
                _join(t.leaders),
                _join(t.lead_units),
                _join(t.cooperating_units),
                _collectives(t),
                _targets(t),
                *_supervision_values(t),
                *_progress_values(progress.get(t.id), period, t),
            ]
            for t in work
        ],
    )
    work_sheet.fills = _light_fills(work_sheet.rows, 14)
    livelihood_sheet = Sheet(
        SHEET_LIVELIHOOD,
        f"{name}台账（民生实事项目）",
        [
            Column("项目编号", 10, 14, wrap=False),
            Column("年度", 6, 6, wrap=False),
            Column("序号", 5, 6, wrap=False),
            Column("项目名称", 14, 24),
            Column("目标任务", 30, 60),
            Column("牵头领导", 8, 14),
            Column("责任单位", 12, 24),
            Column("配合单位", 14, 30),
            Column("其他责任主体", 14, 24),
            Column("责任人", 10, 24),
            *_supervision_columns(),
            *_progress_columns(),
        ],
        [
            [
                t.id,
                t.year,
                t.number,
                t.text,
                t.target_text,
                _join(t.leaders),
                _join(t.lead_units),
                _join(t.cooperating_units),
                _collectives(t),
                _join(t.responsible_persons),
                *_supervision_values(t),
                *_progress_values(progress.get(t.id), period, t),
            ]
            for t in livelihood
        ],
    )
    livelihood_sheet.fills = _light_fills(livelihood_sheet.rows, 13)
    office_edits, pending = store.office_edits(), store.ledger_pending()  # read once for every sheet
    for sheet, items in ((work_sheet, work), (livelihood_sheet, livelihood)):
        _mark_office_cells(sheet, items, office_edits)
        _mark_pending(sheet, pending)
    edits = [_edits_sheet(name, office_edits)] if office_edits else []  # when the office has changed something
    return [
        work_sheet,
        _print_sheet(name, snapshot),
        livelihood_sheet,
        *edits,
        _breakdown_sheet(workspace, name, livelihood),
        _units_sheet(workspace, name, snapshot, store, pending),
        _leaders_sheet(name, tasks),
        _status_sheet(name, snapshot.status),
        _indicators_sheet(name, snapshot),
        _history_sheet(workspace, name, store.period_records() if periods is None else periods),
        _warnings_sheet(name, store.notices()),
    ]


def _mark_office_cells(sheet: Sheet, tasks: list[Task], edits: list[OfficeEdit]) -> None:
    """Tint the cells the office changed; a conflict with a revised notice gets a note saying what to do; the
    督办状态 column gets its list."""
    titles = [c.title for c in sheet.columns]
    conflicts = {(e.task_id, e.field): e for e in edits if e.conflict is not None}
    for r, task in enumerate(tasks):
        for column in task.office_fields:
            if column in titles:
                sheet.fills[(r, titles.index(column))] = EDITED_COLOUR
        for column in titles:
            c = titles.index(column)
            edit = conflicts.get((task.id, column))
            if edit is not None:
                sheet.fills[(r, c)] = CONFLICT_COLOUR
                sheet.notes[(r, c)] = (
                    f"修订后的通知写作“{show_value(edit.conflict)}”，此处保留台账的修改。"
                    f"如采用通知，请在“{SHEET_EDITS}”表该行的“处理”栏选择“{TAKE_NOTICE}”"
                )
    sheet.choices[titles.index("督办状态")] = list(SUPERVISION_STATES)


def _mark_pending(sheet: Sheet, pending: dict[tuple[str, str, str], tuple[str, str]]) -> None:
    """Cells the office typed that could not be applied: shown as typed, in red, with why (rows by their first
    cell: the task id, or the unit)."""
    mine = {(key[1], key[2]): item for key, item in pending.items() if key[0] == sheet.name}
    if not mine:
        return
    titles = [c.title for c in sheet.columns]
    for r, row in enumerate(sheet.rows):
        for c, column in enumerate(titles):
            item = mine.get((str(row[0]), column))
            if item is not None:
                row[c] = item[0]
                sheet.fills[(r, c)] = PENDING_COLOUR
                sheet.notes[(r, c)] = f"未采用：{item[1]}"


# 打印: fixed widths (characters) chosen so that every column together fits A3 landscape at 100 % or a little less.
_PRINT_COLUMNS = [
    Column("类别", 9, 9, wrap=False),
    Column("任务编号", 12, 12, wrap=False),
    Column("任务内容", 40, 40),
    Column("牵头领导", 9, 9),
    Column("牵头单位", 16, 16),
    Column("完成时限", 11, 11, wrap=False),
    Column("完成进度（%）", 8, 8, wrap=False, number_format="0"),
    Column("序时进度（%）", 8, 8, wrap=False, number_format="0.0"),
    Column("进度分类", 13, 13, wrap=False),
    Column("最新进展", 44, 44),
    Column("存在问题", 24, 24),
    Column("需核实", 20, 20),
]
_PRINT_ALWAYS = ("任务编号", "任务内容")  # shown even when every other column is left out
_PRINT_IF_VARIED = ("类别", "完成时限")  # left out when every row has the same value (named in the title instead)


def _print_sheet(name: str, snapshot: PeriodSnapshot) -> Sheet:
    """The period's supervised tasks (work tasks, then livelihood projects) on A3 landscape paper for a leader to
    read: a dozen columns at most, long text cut short, columns with nothing to say left out. Output only."""
    period = snapshot.period
    tasks = snapshot.active if period is not None else [t for t in snapshot.tasks if t.supervised]
    ordered = [t for t in tasks if t.kind == WORK] + [t for t in tasks if t.kind == LIVELIHOOD]
    rows = [_print_row(t, snapshot.progress.get(t.id), period) for t in ordered]
    keep: list[int] = []
    constants: list[str] = []
    for index, column in enumerate(_PRINT_COLUMNS):
        values = {cell_text(row[index]) for row in rows}
        if column.title in _PRINT_ALWAYS:
            keep.append(index)
        elif values <= {""}:
            continue
        elif column.title in _PRINT_IF_VARIED and len(values) == 1 and len(rows) > 1:
            constants.append(f"{column.title}：{values.pop()}")
        else:
            keep.append(index)
    what = f"{period.label}推进情况" if period is not None else "督办任务"
    sheet = Sheet(
        SHEET_PRINT,
        f"{name}（{'；'.join([what, *constants])}）",
        [_PRINT_COLUMNS[i] for i in keep],
        [[row[i] for i in keep] for row in rows],
        landscape=True,
        paper=PAPER_A3,
    )
    titles = [c.title for c in sheet.columns]
    if "进度分类" in titles:
        sheet.fills = _category_fills(sheet.rows, titles.index("进度分类"))
    return sheet


def _print_row(task: Task, progress: TaskProgress | None, period: Period | None) -> list[object]:
    values = dict(zip(PROGRESS_COLUMNS, _progress_values(progress, period, task), strict=True))
    text = f"{task.text}：{task.target_text}" if task.kind == LIVELIHOOD and task.target_text else task.text
    return [
        "工作任务" if task.kind == WORK else "民生实事",
        task.id,
        text,
        _join(task.leaders),
        _join(task.lead_units),
        task.deadline,
        values["完成进度（%）"],
        values["序时进度（%）"],
        values["进度分类"],
        _shorten(str(values["最新进展"]), PRINT_TEXT_LIMIT),
        values["存在问题"],
        _shorten(str(values["需核实"]), PRINT_CHECK_LIMIT),
    ]


def _shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters: a longer text is cut and ends with ``…``."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _id_summary(ids: list[str], limit: int = ID_LIST_LIMIT) -> str:
    """Task ids joined, or, when that is longer than ``limit`` characters, ``共125项：2021-G-001、…等``."""
    full = _join(ids)
    if len(full) <= limit:
        return full
    head = f"共{len(ids)}项："
    shown: list[str] = []
    for task_id in ids:
        if len(head + _join([*shown, task_id]) + "等") > limit:
            break
        shown.append(task_id)
    return head + _join(shown) + "等"


def _edits_sheet(name: str, office_edits: list[OfficeEdit]) -> Sheet:
    """Every change the office made in the ledger that is in force, conflicts first, with a 处理 column."""
    edits = sorted(office_edits, key=lambda e: (e.conflict is None, e.task_id, e.field))
    rows: list[list[object]] = [
        [
            e.task_id,
            e.field,
            e.cell,
            show_value(e.parsed),
            "" if e.conflict is None else show_value(e.conflict),
            "待处理：修订后的通知与台账修改不一致" if e.conflict is not None else "已采用台账修改",
            "",
            e.source,
        ]
        for e in edits
    ]
    sheet = Sheet(
        SHEET_EDITS,
        f"{name}台账（台账修改记录：督查室在台账中所作的修改，以台账为准）",
        [
            Column("任务编号", 10, 14, wrap=False),
            Column("栏目", 8, 12, wrap=False),
            Column("台账值", 16, 40),
            Column("通知原文", 16, 40),
            Column("修订后的通知", 16, 40),
            Column("状态", 12, 30),
            Column("处理", 10, 12, wrap=False),
            Column("来源", 16, 40),
        ],
        rows,
    )
    sheet.fills = {(r, 5): CONFLICT_COLOUR for r, e in enumerate(edits) if e.conflict is not None}
    sheet.choices[6] = list(RESOLUTIONS)
    return sheet


def _status_sheet(name: str, report: StatusReport | None) -> Sheet:
    rows: list[list[object]] = []
    fills: dict[tuple[int, int], str] = {}
    title = f"{name}（报送情况）"
    if report is not None:
        title = f"{name}（{report.period.label}报送情况，截止日期 {report.due.isoformat()}）"
        for index, unit in enumerate(report.units):
            rows.append(
                [
                    unit.unit,
                    unit.kind,
                    unit.lead,
                    unit.cooperating,
                    unit.label,
                    unit.returned_at.replace("T", " ")[:16],
                    unit.returns or "",
                    unit.reporter,
                    unit.phone,
                    unit.file or unit.sent_back_file,
                    unit.sent_back,
                ]
            )
            if unit.label in REPORTING_FILLS:
                fills[(index, 4)] = REPORTING_FILLS[unit.label]
    sheet = Sheet(
        SHEET_STATUS,
        title,
        [
            Column("单位", 16, 30),
            Column("类型", 8, 10, wrap=False),
            Column("牵头任务", 8, 10, wrap=False),
            Column("配合任务", 8, 10, wrap=False),
            Column("报送情况", 8, 10, wrap=False),
            Column("报送时间", 16, 20, wrap=False),
            Column("报送次数", 8, 10, wrap=False),
            Column("填报人", 8, 12),
            Column("联系电话", 12, 16, wrap=False),
            Column("文件", 16, 40),
            Column("退回原因", 20, 50),
        ],
        rows,
    )
    sheet.fills = fills
    return sheet


def _indicators_sheet(name: str, snapshot: PeriodSnapshot) -> Sheet:
    rows: list[list[object]] = []
    period = snapshot.period
    for item in snapshot.indicators:
        target, completed = item.target, item.completed
        rate = round(100 * completed / target, 1) if target and completed is not None else ""
        rows.append(
            [
                item.task_id,
                item.indicator,
                item.district,
                item.unit,
                "" if target is None else target,
                "" if completed is None else completed,
                rate,
                item.note,
                item.saved_at,
            ]
        )
    return Sheet(
        SHEET_INDICATORS,
        f"{name}（{period.label if period else ''}民生实事项目分区县完成情况）",
        [
            Column("项目编号", 10, 14, wrap=False),
            Column("指标", 16, 40),
            Column("区县（市）", 8, 12, wrap=False),
            Column("计量单位", 6, 10, wrap=False),
            Column("目标", 8, 12, wrap=False, number_format="General"),
            Column("累计完成", 8, 12, wrap=False, number_format="General"),
            Column("完成率（%）", 8, 10, wrap=False, number_format="0.0"),
            Column("备注", 12, 30),
            Column("报送时间", 16, 20, wrap=False),
        ],
        rows,
    )


HISTORY_FOLDER = "报送历史"  # output/报送历史/2021-06报送记录.xlsx: every answer received for one period
RECORDS_FORMAT = "1"  # bumped when the records files' layout changes: each is written again


def records_path(workspace: Workspace, period: str) -> Path:
    """The workbook of every answer received for ``period`` (the units' returns and the office's corrections)."""
    return workspace.output_dir / HISTORY_FOLDER / f"{period}报送记录.xlsx"


def _period_label(workspace: Workspace, period: str) -> str:
    try:
        return workspace.period(period).label
    except ReporterError:  # a period of another schedule (the workspace's frequency changed)
        return period


def _records_rows(answers: list[Answer]) -> list[list[object]]:
    answers = sorted(answers, key=lambda a: a.task_id)  # stable: the office's corrections after the units'
    return [
        [
            a.period,
            a.task_id,
            a.unit,
            ROLE_LABELS.get(a.role, a.role),
            a.progress,
            "" if a.percent is None else a.percent,
            a.status,
            a.problems,
            a.plan,
            a.evidence,
            "是" if a.current else "否（已被替代）",
            a.file_name,
            a.sha256[:16],
            a.saved_at,
            a.received_at,
        ]
        for a in answers
    ]


def _records_sheet(workspace: Workspace, period: str, answers: list[Answer]) -> Sheet:
    name = workspace.name or "政府工作报告目标任务"
    return Sheet(
        "报送记录",
        f"{name}{_period_label(workspace, period)}报送记录（每行一条，含被替代的报送和督查室更正）",
        [
            Column("报送期", 8, 9, wrap=False),
            Column("任务编号", 10, 14, wrap=False),
            Column("单位", 12, 24),
            Column("职责", 5, 6, wrap=False),
            Column("进展情况", 20, 50),
            Column("完成进度（%）", 8, 10, wrap=False, number_format="0"),
            Column("状态", 8, 10, wrap=False),
            Column("存在问题", 12, 30),
            Column("下步计划", 12, 30),
            Column("佐证材料", 12, 30),
            Column("当前有效", 8, 14, wrap=False),
            Column("文件名", 12, 30),
            Column("原件指纹", 16, 18, wrap=False),
            Column("填报保存时间", 16, 20, wrap=False),
            Column("收集时间", 16, 20, wrap=False),
        ],
        _records_rows(answers),
    )


def _history_sheet(workspace: Workspace, name: str, periods: dict[str, PeriodRecords]) -> Sheet:
    """报送历史: one row per period, newest first, with its counts and the workbook holding its records (so that a
    ledger write does not grow with the months)."""
    rows, links = [], {}
    for index, info in enumerate(sorted(periods.values(), key=lambda p: p.period, reverse=True)):
        target = f"{HISTORY_FOLDER}/{records_path(workspace, info.period).name}"
        rows.append(
            [
                info.period,
                _period_label(workspace, info.period),
                info.records,
                info.units,
                info.superseded,
                info.corrections,
                info.last_received.replace("T", " ")[:16],
                target,
            ]
        )
        links[(index, 7)] = target
    return Sheet(
        SHEET_HISTORY,
        f"{name}（报送历史：每期一行；每期的全部报送记录在 output/{HISTORY_FOLDER}/ 中，点击文件名打开）",
        [
            Column("报送期", 8, 9, wrap=False),
            Column("期间", 10, 16, wrap=False),
            Column("报送记录（条）", 15, 16, wrap=False),
            Column("报送单位（个）", 15, 16, wrap=False),
            Column("被替代的记录（条）", 19, 20, wrap=False),
            Column("督查室更正（条）", 17, 18, wrap=False),
            Column("最近收集时间", 16, 20, wrap=False),
            Column("报送记录文件", 20, 40, wrap=False),
        ],
        rows,
        landscape=False,
        paper=PAPER_A4,
        links=links,
    )


def stale_records(workspace: Workspace, store: Store, periods: dict[str, PeriodRecords]) -> dict[str, str]:
    """The periods whose records workbook is missing or older than their answers, with their new signature."""
    meta = store.ledger_meta()
    stale = {}
    for period, info in periods.items():
        signature = f"{RECORDS_FORMAT}:{workspace.name}:{workspace.font}:{info.signature}"
        if meta.get(f"records:{period}") != signature or not records_path(workspace, period).exists():
            stale[period] = signature
    return stale


def write_period_records(workspace: Workspace, periods: list[str]) -> list[Path]:
    """Write the records workbook of each period given (reading the store itself: it may run in a worker)."""
    written: list[Path] = []
    if not periods:
        return written
    with Store(workspace.store_path) as store:
        for period in periods:
            answers = store.answers(period, current_only=False) + store.office_answers(period, current_only=False)
            path = records_path(workspace, period)
            sheet = _records_sheet(workspace, period, answers)
            write_workbook(path, [sheet], font=workspace.font, title_font=workspace.title_font)
            written.append(path)
    return written


def _breakdown_sheet(workspace: Workspace, name: str, projects: list[Task]) -> Sheet:
    configured = [d.short for d in workspace.districts]
    seen = list(dict.fromkeys(c for p in projects for row in p.breakdown for c in row.columns))  # first seen first
    columns = [c for c in configured if c in seen]
    first_row = {c: min(i for p in projects for i, r in enumerate(p.breakdown) if c in r.columns) for c in seen}
    columns += sorted((c for c in seen if c not in columns), key=lambda c: first_row[c])  # stable: ties stay in order
    rows: list[list[object]] = []
    for project in projects:
        for row in project.breakdown:
            cells: list[object] = [row.values.get(c, "") if row.aligned else "" for c in columns]
            values = ["/" if v is None else v for v in cells]
            check = row.check
            if check is None:
                verdict = ""
            elif check["ok"]:
                verdict = "一致（与其他行合计）" if check.get("combined") else "一致"
            else:
                verdict = f"不一致：合计{check['total']:g}，目标{check['target_value']:g}{check['target_unit']}"
            if not row.aligned:
                verdict = "；".join(filter(None, [verdict, "列数与表头不符，数值未对应区县"]))
            rows.append(
                [
                    project.id,
                    project.text,
                    row.table,
                    row.indicator or project.text,
                    row.unit,
                    *values,
                    "" if row.total is None else row.total,
                    check["target"] if check else "",
                    verdict,
                    "" if row.aligned else " ".join(row.raw),
                ]
            )
    return Sheet(
        SHEET_BREAKDOWN,
        f"{name}台账（民生实事项目任务分解）",
        [
            Column("项目编号", 10, 14, wrap=False),
            Column("项目名称", 14, 24),
            Column("分解表", 8, 12),
            Column("指标", 14, 30),
            Column("计量单位", 6, 10, wrap=False),
            *[Column(c, 6, 10, wrap=False, number_format="General") for c in columns],
            Column("合计", 8, 12, wrap=False, number_format="General"),
            Column("对应目标", 16, 40),
            Column("核对", 10, 30),
            Column("原文数值（未对齐）", 12, 40),
        ],
        rows,
    )


def _units_sheet(
    workspace: Workspace,
    name: str,
    snapshot: PeriodSnapshot,
    store: Store,
    pending: dict[tuple[str, str, str], tuple[str, str]],
) -> Sheet:
    """Task counts per unit, and the columns the office keeps there: 合并到, 已合并的名称 and the unit's contact
    (联系人, 电子邮箱, 联系电话, kept in step with input/通讯录.xlsx)."""
    task_units, tasks, aliases, contacts = (
        snapshot.task_units,
        snapshot.tasks,
        store.office_aliases(),
        snapshot.contacts,
    )
    proposed = {d.unit: f"{d.kind}{TO_CONFIRM}" for d, state in store.stored_districts() if state == PROPOSED}
    order = {t.id: i for i, t in enumerate(tasks)}
    per_unit: dict[str, dict[str, list[str]]] = {}
    district_kind = {**proposed, **{d.unit: d.kind for d in workspace.districts}}
    district_kind |= dict.fromkeys(snapshot.no_forms, NO_FORM_KIND)
    for entry in task_units:
        per_unit.setdefault(entry.unit, {LEAD: [], COOPERATING: []})[entry.role].append(entry.task_id)
    counted: list[tuple[str, str, list[str], list[str]]] = []
    for unit, roles in per_unit.items():
        lead = sorted(roles[LEAD], key=lambda i: order[i])
        coop = sorted(roles[COOPERATING], key=lambda i: order[i])
        counted.append((unit, district_kind.get(unit, DEPARTMENT_KIND), lead, coop))
    counted.sort(key=lambda r: (-len(r[2]), -(len(r[2]) + len(r[3])), r[0]))
    counted += [(unit, kind, [], []) for unit, kind in proposed.items() if unit not in per_unit]  # no task yet
    merged: dict[str, list[str]] = {}
    for alias, canonical in sorted(aliases.items()):
        merged.setdefault(canonical, []).append(alias)
    rows: list[list[object]] = [
        [
            unit,
            kind,
            len(lead),
            len(coop),
            len(lead) + len(coop),
            _id_summary(lead),
            _id_summary(coop),
            "",
            _join(merged.get(unit, [])),
            *_contact_values(contacts.get(unit)),
        ]
        for unit, kind, lead, coop in counted
    ]
    sheet = Sheet(
        SHEET_UNITS,
        f"{name}台账（责任单位任务统计）",
        [
            Column("单位", 16, 30),
            Column("类型", 10, 18, wrap=False),
            Column("牵头任务数", 8, 10, wrap=False),
            Column("配合任务数", 8, 10, wrap=False),
            Column("合计", 6, 8, wrap=False),
            Column("牵头任务编号", 20, 60),
            Column("配合任务编号", 20, 60),
            Column(MERGE_INTO, 14, 30),
            Column(MERGED_NAMES, 14, 40),
            Column("联系人", 8, 12),
            Column("电子邮箱", 20, 40),
            Column("联系电话", 12, 16, wrap=False),
        ],
        rows,
        landscape=True,  # printed: A3 landscape, one page wide
        paper=PAPER_A3,
    )
    titles = [c.title for c in sheet.columns]
    sheet.choices[titles.index("类型")] = list(UNIT_KINDS)
    for r, (_, _, lead, coop) in enumerate(counted):  # a list shown as a count: in full in the cell's note
        for title, ids in (("牵头任务编号", lead), ("配合任务编号", coop)):
            if len(_join(ids)) > ID_LIST_LIMIT:
                sheet.notes[(r, titles.index(title))] = f"{title}（共{len(ids)}项）：{_join(ids)}"
    for r, row in enumerate(sheet.rows):
        if str(row[1]).endswith(TO_CONFIRM):
            sheet.fills[(r, 1)] = CONFLICT_COLOUR
            sheet.notes[(r, 1)] = "从通知中识别出的区县或开发园区，请确认：选择“区县”或“开发园区”，不是则选择“部门单位”"
    _mark_pending(sheet, pending)
    return sheet


def _contact_values(contact: Contact | None) -> list[object]:
    if contact is None:
        return ["", "", ""]
    return [contact.person, "；".join(contact.emails), contact.phone]


def _leaders_sheet(name: str, tasks: list[Task]) -> Sheet:
    per_leader: dict[str, list[Task]] = {}
    for task in tasks:
        for leader in task.leaders:
            per_leader.setdefault(leader, []).append(task)
    ordered = sorted(per_leader.items(), key=lambda item: (-len(item[1]), item[0]))
    rows: list[list[object]] = [
        [
            leader,
            len(items),
            sum(1 for t in items if t.kind == WORK),
            sum(1 for t in items if t.kind == LIVELIHOOD),
            _join([t.id for t in items]),
            "",
        ]
        for leader, items in ordered
    ]
    return Sheet(
        SHEET_LEADERS,
        f"{name}台账（牵头领导任务统计）",
        [
            Column("领导", 8, 14),
            Column("任务数", 6, 8, wrap=False),
            Column("工作任务", 8, 10, wrap=False),
            Column("民生实事", 8, 10, wrap=False),
            Column("任务编号", 30, 80),
            Column(RENAME_TO, 12, 20),
        ],
        rows,
    )


def _warnings_sheet(name: str, notices: list[StoredNotice]) -> Sheet:
    rows: list[list[object]] = []
    for notice in notices:
        for warning in notice.warnings:
            location = warning.get("location", {})
            where = " ".join(
                filter(
                    None,
                    [
                        location.get("file", ""),
                        f"第{location['line']}行" if location.get("line") else "",
                        location.get("task", ""),
                    ],
                )
            )
            rows.append([notice.code, warning["code"], where, warning["message"]])
    return Sheet(
        SHEET_WARNINGS,
        f"{name}台账（通知解析警告，请核对）",
        [
            Column("通知", 8, 10, wrap=False),
            Column("代码", 16, 28, wrap=False),
            Column("位置", 16, 40),
            Column("说明", 40, 90),
        ],
        rows,
    )


def cell_text(value: object) -> str:
    """A ledger cell as compared between what was written and what is read back: text stripped, ``40.0`` as
    ``40``, a date as ``2021-12-31``, an empty cell as ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.6g}" if value != int(value) else str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


@dataclass
class LedgerRecords:
    """The periods' records (报送历史) as the ledger lists them, and the records workbooks being written."""

    periods: dict[str, PeriodRecords]
    stale: dict[str, str]  # period -> signature of the workbooks being written
    written: Callable[[], object]  # waits for them (raises the worker's error)


@contextmanager
def ledger_records(workspace: Workspace, store: Store) -> Iterator[LedgerRecords]:
    """Start writing the records workbooks that are missing or older than their answers (a month's collect: that
    month's) in a worker, while the caller goes on (the snapshot, the ledger); once the office's edits are read
    back, which may add answers of the office."""
    periods = store.period_records()
    stale = stale_records(workspace, store, periods)
    with beside(write_period_records, workspace, list(stale), jobs=workspace.jobs if stale else 1) as written:
        yield LedgerRecords(periods, stale, written)


def write_ledger(
    workspace: Workspace,
    store: Store,
    snapshot: PeriodSnapshot,
    changes: LedgerChanges | None = None,
    records: LedgerRecords | None = None,
) -> LedgerResult:
    """Write ``output/台账.xlsx`` (atomically, keeping the previous one in ``output/备份/``), and record what its
    editable cells show, for the next read-back. ``changes``: what was read back from the previous one;
    ``records``: the records workbooks the caller started (``ledger_records``), else they are started here.

    Progress columns show the snapshot's period (none when it was loaded without one)."""
    if records is None:
        with ledger_records(workspace, store) as started:
            return write_ledger(workspace, store, snapshot, changes, started)
    sheets = build_sheets(workspace, store, snapshot, records.periods)
    backup = write_workbook(
        workspace.ledger_path,
        sheets,
        font=workspace.font,
        title_font=workspace.title_font,
        backup_dir=workspace.output_dir / "备份",
    )
    _record_cells(workspace, store, snapshot, sheets)  # while the worker finishes the records workbooks
    records.written()
    if records.stale:
        store.save_ledger_meta({f"records:{period}": signature for period, signature in records.stale.items()})
    by_name = {s.name: s for s in sheets}
    return LedgerResult(
        path=workspace.ledger_path,
        backup=backup,
        work_tasks=len(by_name[SHEET_WORK].rows),
        livelihood_projects=len(by_name[SHEET_LIVELIHOOD].rows),
        units=len(by_name[SHEET_UNITS].rows),
        leaders=len(by_name[SHEET_LEADERS].rows),
        warnings=len(by_name[SHEET_WARNINGS].rows),
        changes=changes,
    )


def _record_cells(workspace: Workspace, store: Store, snapshot: PeriodSnapshot, sheets: list[Sheet]) -> None:
    """What the ledger just written shows in its editable cells, for the next read-back."""
    by_name = {s.name: s for s in sheets}
    cells: dict[tuple[str, str, str], str] = {}
    for name, id_column in ID_COLUMNS.items():
        sheet = by_name[name]
        titles = [c.title for c in sheet.columns]
        watched = [(titles.index(t), t) for t in (*EDITABLE[name], *CORRECTABLE)]
        key = titles.index(id_column)
        for row in sheet.rows:
            for index, title in watched:
                cells[(name, str(row[key]), title)] = cell_text(row[index])
    units = by_name[SHEET_UNITS]
    unit_titles = [c.title for c in units.columns]
    for row in units.rows:
        for title in ("类型", MERGED_NAMES, *CONTACT_COLUMNS):
            cells[(SHEET_UNITS, str(row[0]), title)] = cell_text(row[unit_titles.index(title)])
    period = snapshot.period.key if snapshot.period else ""
    written = {"period": period, "written_at": datetime.now().isoformat(timespec="seconds")}
    written["written_sha256"] = whole_file_sha256(workspace.ledger_path)  # unchanged since: nothing to read back
    store.save_ledger_cells(cells, written)

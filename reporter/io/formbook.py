"""Writing a unit's fill-in workbook (填报表) with openpyxl: protected, validated, with hidden metadata."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from reporter.forms.plan import (
    FILL_COLUMNS,
    FIXED_COLUMNS,
    FORM_MARKER,
    FORM_VERSION,
    INDICATOR_COLUMNS,
    INDICATORS_SHEET,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    PREVIOUS_PREFIX,
    TASKS_SHEET,
    FormPlan,
)
from reporter.forms.values import STATUSES
from reporter.io.xlsx import (
    BORDER,
    PAPER_A3,
    STYLE_CENTER,
    STYLE_FILL_CENTER,
    STYLE_FILL_TEXT,
    STYLE_HEADER,
    STYLE_TEXT,
    STYLE_TITLE,
    Column,
    register_styles,
    row_height,
    save_atomic,
    set_value,
)

HEADER_ROW = 3
CHANGED_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: changed since last period
_WIDTHS = {
    "id": (12, False),
    "kind": (8, False),
    "text": (48, True),
    "leaders": (10, True),
    "role": (8, False),
    "targets": (20, True),
    "expected": (9, False),
    "progress": (40, True),
    "percent": (9, False),
    "status": (10, False),
    "problems": (24, True),
    "plan": (24, True),
    "evidence": (20, True),
    "reporter": (8, False),
    "phone": (13, False),
}


def write_form(plan: FormPlan, path: Path, *, font: str = "宋体", title_font: str = "黑体") -> None:
    """Write one unit's form atomically."""
    workbook = Workbook()
    register_styles(workbook, font, title_font)
    instructions = workbook.active
    assert isinstance(instructions, Worksheet)  # a new workbook starts with one worksheet
    instructions.title = INSTRUCTIONS_SHEET
    _instructions(instructions, plan, font, title_font)
    _tasks_sheet(workbook.create_sheet(TASKS_SHEET), plan, font, title_font)
    if plan.indicators:
        _indicators_sheet(workbook.create_sheet(INDICATORS_SHEET), plan, font, title_font)
    _metadata(workbook.create_sheet(META_SHEET), plan)
    workbook.active = 1
    save_atomic(workbook, path)


def _title(ws: Worksheet, text: str, subtitle: str, ncols: int, title_font: str, font: str) -> None:
    set_value(ws.cell(row=1, column=1), text)
    ws.cell(row=1, column=1).style = STYLE_TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 32
    set_value(ws.cell(row=2, column=1), subtitle)
    ws.cell(row=2, column=1).font = Font(name=font, size=10)
    ws.cell(row=2, column=1).alignment = Alignment(horizontal="left", vertical="center")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    ws.row_dimensions[2].height = 20


def _instructions(ws: Worksheet, plan: FormPlan, font: str, title_font: str) -> None:
    lines = [
        f"一、本表由{plan.office or '督查室'}下发，请{plan.unit}填报{plan.period.label}政府工作报告目标任务推进情况，"
        f"于{plan.due.year}年{plan.due.month}月{plan.due.day}日前报送。",
        f"二、请在“{TASKS_SHEET}”工作表中填写浅绿色的列（{'、'.join(h for _, h in FILL_COLUMNS)}），"
        "其余内容已锁定，请勿修改。本单位牵头的任务排在前面，配合的任务排在后面，配合任务请填写本单位承担部分的进展。",
        "三、完成进度填写0到100之间的数字（如 80 表示完成80%）；状态请从下拉列表中选择"
        f"（{'、'.join(STATUSES)}）。序时进度为报送期末已过时间占任务期限的比例，供对照。",
        "四、表中已预填本单位上期报送的内容，请在此基础上修改；本期修改过的单元格显示为浅黄色。",
        "五、请勿删除或修改“任务编号”列，勿删除任务行；可以调整行高列宽、排序、筛选，文件名可以修改。",
    ]
    if plan.indicators:
        lines.append(f"六、请另在“{INDICATORS_SHEET}”工作表中填写各民生实事指标截至报送期末的累计完成数（只填数字）。")
    lines.append(
        f"{'七' if plan.indicators else '六'}、填好后请保存为 .xlsx 格式（WPS 请选择“Excel 文件(*.xlsx)”）按原渠道报送。"
    )
    if plan.contact:
        lines.append(f"联系人：{plan.contact}")
    _title(ws, f"{plan.period.label}目标任务推进情况填报说明", f"{plan.workspace}", 2, title_font, font)
    body = Font(name=font, size=12)
    row = 3
    facts = [
        ("填报单位", plan.unit),
        ("报送期", plan.period.label),
        ("截止日期", plan.due.isoformat()),
        ("牵头任务", f"{plan.lead_count}项"),
        ("配合任务", f"{plan.cooperating_count}项"),
    ]
    if plan.indicators:
        facts.append(("民生实事指标", f"{len(plan.indicators)}项"))
    for label, value in facts:
        set_value(ws.cell(row=row, column=1), label)
        set_value(ws.cell(row=row, column=2), value)
        for column in (1, 2):
            ws.cell(row=row, column=column).font = Font(name=title_font if column == 1 else font, size=12)
            ws.cell(row=row, column=column).border = BORDER
        row += 1
    row += 1
    for line in lines:
        cell = ws.cell(row=row, column=1)
        set_value(cell, line)
        cell.font = body
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.row_dimensions[row].height = row_height([line], [100], [Column("", wrap=True)], 12)
        row += 1
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 86
    ws.page_setup.paperSize = 9
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    assert ws.sheet_properties.pageSetUpPr is not None  # openpyxl creates it with the sheet
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True


def _header(ws: Worksheet, titles: list[str], font: str) -> None:
    for index, title in enumerate(titles, start=1):
        cell = ws.cell(row=HEADER_ROW, column=index)
        set_value(cell, title)
        cell.style = STYLE_HEADER
    ws.row_dimensions[HEADER_ROW].height = 30


def _protect(ws: Worksheet) -> None:
    """Lock the sheet but let units resize, sort, filter and add links."""
    protection = ws.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.insertHyperlinks = False
    protection.sort = False
    protection.autoFilter = False


def _print_setup(ws: Worksheet, last_column: int, last_row: int) -> None:
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2).coordinate
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(last_column)}{max(last_row, HEADER_ROW)}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.paperSize = PAPER_A3
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    assert ws.sheet_properties.pageSetUpPr is not None  # openpyxl creates it with the sheet
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    assert ws.oddFooter is not None  # openpyxl creates it with the sheet
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _tasks_sheet(ws: Worksheet, plan: FormPlan, font: str, title_font: str) -> None:
    fields = [f for f, _ in FIXED_COLUMNS] + [f for f, _ in FILL_COLUMNS]
    titles = [h for _, h in FIXED_COLUMNS] + [h for _, h in FILL_COLUMNS]
    previous_titles = [f"{PREVIOUS_PREFIX}{h}" for _, h in FILL_COLUMNS]
    ncols = len(titles)
    _title(
        ws,
        f"{plan.unit}{plan.period.label}目标任务推进情况填报表",
        f"报送期：{plan.period.label}    截止日期：{plan.due.isoformat()}    "
        f"牵头任务{plan.lead_count}项，配合任务{plan.cooperating_count}项    浅绿色列为填报内容",
        ncols,
        title_font,
        font,
    )
    _header(ws, titles + previous_titles, title_font)
    first_fill = len(FIXED_COLUMNS) + 1
    columns = [Column(t, _WIDTHS[f][0], _WIDTHS[f][0], wrap=_WIDTHS[f][1]) for f, t in zip(fields, titles, strict=True)]
    for offset, task in enumerate(plan.tasks):
        r = HEADER_ROW + 1 + offset
        fixed = [
            task.id,
            task.kind,
            task.text,
            task.leaders,
            task.role_label,
            task.targets,
            task.expected,
        ]
        filled = task.previous_values()
        for c, value in enumerate(fixed + filled + filled, start=1):
            cell = ws.cell(row=r, column=c)
            set_value(cell, value)
            field_name = fields[c - 1] if c <= ncols else ""
            wrap = _WIDTHS.get(field_name, (0, True))[1]
            if first_fill <= c <= ncols:
                cell.style = STYLE_FILL_TEXT if wrap else STYLE_FILL_CENTER
            else:
                cell.style = STYLE_TEXT if wrap else STYLE_CENTER
        ws.row_dimensions[r].height = max(
            30, row_height(fixed + [v or "" for v in filled], [c.max_width for c in columns], columns, 10)
        )
    last_row = HEADER_ROW + len(plan.tasks)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.max_width
    for index in range(ncols + 1, ncols + len(previous_titles) + 1):
        ws.column_dimensions[get_column_letter(index)].hidden = True
    ws.column_dimensions[get_column_letter(fields.index("percent") + 1)].number_format = "0"
    if plan.tasks:
        first, last = HEADER_ROW + 1, last_row
        for offset in range(len(FILL_COLUMNS)):
            letter = get_column_letter(first_fill + offset)
            shadow = get_column_letter(ncols + 1 + offset)
            ws.conditional_formatting.add(
                f"{letter}{first}:{letter}{last}",
                FormulaRule(formula=[f'TRIM({letter}{first}&"")<>TRIM({shadow}{first}&"")'], fill=CHANGED_FILL),
            )
        percent = get_column_letter(fields.index("percent") + 1)
        status = get_column_letter(fields.index("status") + 1)
        percent_rule = DataValidation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2="100",
            allow_blank=True,
            showInputMessage=True,
            showErrorMessage=True,
            promptTitle="完成进度",
            prompt="填写0到100之间的数字，如 80 表示完成80%",
            errorTitle="完成进度填写有误",
            error="完成进度应为0到100之间的数字",
        )
        percent_rule.add(f"{percent}{first}:{percent}{last}")
        status_rule = DataValidation(
            type="list",
            formula1='"' + ",".join(STATUSES) + '"',
            allow_blank=True,
            showInputMessage=True,
            showErrorMessage=True,
            promptTitle="状态",
            prompt="请从下拉列表中选择：" + "、".join(STATUSES),
            errorTitle="状态填写有误",
            error="请从下拉列表中选择：" + "、".join(STATUSES),
        )
        status_rule.add(f"{status}{first}:{status}{last}")
        ws.add_data_validation(percent_rule)
        ws.add_data_validation(status_rule)
    _protect(ws)
    _print_setup(ws, ncols, last_row)
    ws.print_area = f"A1:{get_column_letter(ncols)}{max(last_row, HEADER_ROW)}"


def _indicators_sheet(ws: Worksheet, plan: FormPlan, font: str, title_font: str) -> None:
    titles = [h for _, h in INDICATOR_COLUMNS]
    _title(
        ws,
        f"{plan.unit}{plan.period.label}民生实事项目指标完成情况",
        "请在“累计完成”列填写截至报送期末的累计完成数（只填数字，计量单位见左侧）",
        len(titles),
        title_font,
        font,
    )
    _header(ws, titles, title_font)
    widths = [14, 24, 30, 10, 12, 12, 10, 24]
    fill_columns = {titles.index("累计完成") + 1, titles.index("备注") + 1}
    for offset, item in enumerate(plan.indicators):
        r = HEADER_ROW + 1 + offset
        values = [item.key, item.project, item.indicator, item.unit, item.target, item.previous, None, None]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            set_value(cell, value)
            wrap = c in (2, 3, 8)
            if c in fill_columns:
                cell.style = STYLE_FILL_TEXT if wrap else STYLE_FILL_CENTER
            else:
                cell.style = STYLE_TEXT if wrap else STYLE_CENTER
        rate = ws.cell(row=r, column=7)
        rate.value = f'=IF(AND(ISNUMBER(F{r}),E{r}>0),F{r}/E{r},"")'
        rate.number_format = "0.0%"
        ws.row_dimensions[r].height = 30
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    last_row = HEADER_ROW + len(plan.indicators)
    rule = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle="累计完成",
        prompt="填写截至报送期末的累计完成数，只填数字",
        errorTitle="累计完成填写有误",
        error="累计完成应为不小于0的数字",
    )
    rule.add(f"F{HEADER_ROW + 1}:F{last_row}")
    ws.add_data_validation(rule)
    _protect(ws)
    _print_setup(ws, len(titles), last_row)


def _metadata(ws: Worksheet, plan: FormPlan) -> None:
    """Key/value rows that identify the form whatever the file is renamed to."""
    rows: list[list[object]] = [
        [FORM_MARKER, FORM_VERSION],
        ["workspace", plan.workspace],
        ["unit", plan.unit],
        ["period", plan.period.key],
        ["due", plan.due.isoformat()],
        ["created", datetime.now().isoformat(timespec="seconds")],
        ["tasks_sheet", TASKS_SHEET],
        ["indicators_sheet", INDICATORS_SHEET if plan.indicators else ""],
    ]
    rows += [["task", task.id, task.role] for task in plan.tasks]
    rows += [["indicator", item.key, item.task_id, item.row, item.district] for item in plan.indicators]
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            set_value(ws.cell(row=r, column=c), value)
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True

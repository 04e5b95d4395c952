"""Writing a unit's fill-in workbook (填报表) with xlsxwriter: protected, validated, with hidden metadata."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

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
    BORDER_COLOUR,
    FILL_COLOUR,
    PAPER_A3,
    PAPER_A4,
    Book,
    Column,
    body_style,
    clean_text,
    colour,
    footer,
    header_style,
    row_height,
    row_heights,
    save_atomic,
    set_width,
    title_style,
    write_row,
    write_value,
)

HEADER_ROW = 3  # Excel's numbering: the header is the third row, tasks start on the fourth
CHANGED_FILL = "FFF2CC"  # light yellow: changed since last period
HIDDEN_WIDTH = 13  # the hidden previous-period copies
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
# Sheet protection without a password. xlsxwriter's options say what stays allowed; objects and scenarios are
# left unprotected as before. The fill sheets also let a unit resize columns and rows, sort, filter and add links.
# Excel and WPS sort nothing on a protected sheet that holds a locked cell in the rows sorted, whatever the sheet
# allows: so every cell of a table's rows is unlocked (the columns a unit must not change are guarded by a
# validation that refuses whatever is typed there, ``_guard``), and the filter spans the hidden columns too, so
# that a sort moves whole rows, hidden copies included. The title and header rows stay locked.
_LOCKED = {"objects": True, "scenarios": True}
_FILL_SHEET = _LOCKED | {
    "format_columns": True,
    "format_rows": True,
    "insert_hyperlinks": True,
    "sort": True,
    "autofilter": True,
}


def write_form(plan: FormPlan, path: Path, *, font: str = "宋体", title_font: str = "黑体") -> None:
    """Write one unit's form atomically."""

    def write(temp: Path) -> None:
        book = Book(temp, in_memory=True)  # a small workbook: no temporary files
        _instructions(book, book.add_sheet(INSTRUCTIONS_SHEET), plan, font, title_font)
        tasks = book.add_sheet(TASKS_SHEET)
        _tasks_sheet(book, tasks, plan, font, title_font)
        if plan.indicators:
            _indicators_sheet(book, book.add_sheet(INDICATORS_SHEET), plan, font, title_font)
        _metadata(book.add_sheet(META_SHEET), plan)
        tasks.activate()
        book.close()

    save_atomic(write, path)


def _title(book: Book, ws: Worksheet, text: str, subtitle: str, ncols: int, title_font: str, font: str) -> None:
    ws.merge_range(0, 0, 0, ncols - 1, clean_text(text), book.format(title_style(title_font)))
    ws.set_row(0, 32)
    subtitle_format = book.format({"font_name": font, "font_size": 10, "align": "left", "valign": "vcenter"})
    ws.merge_range(1, 0, 1, ncols - 1, clean_text(subtitle), subtitle_format)
    ws.set_row(1, 20)


def _margins(ws: Worksheet, side: float) -> None:
    """Page margins in inches: ``side`` left and right, 1 top and bottom, 0.5 for the header and footer."""
    ws.set_margins(left=side, right=side, top=1, bottom=1)
    ws.set_header("", {"margin": 0.5})
    ws.set_footer("", {"margin": 0.5})


def _instructions(book: Book, ws: Worksheet, plan: FormPlan, font: str, title_font: str) -> None:
    lines = [
        f"一、本表由{plan.office or '督查室'}下发，请{plan.unit}填报{plan.period.label}政府工作报告目标任务推进情况，"
        f"于{plan.due.year}年{plan.due.month}月{plan.due.day}日前报送。",
        f"二、请在“{TASKS_SHEET}”工作表中填写浅绿色的列（{'、'.join(h for _, h in FILL_COLUMNS)}），"
        "其余各列不可修改。本单位牵头的任务排在前面，配合的任务排在后面，配合任务请填写本单位承担部分的进展。",
        "三、完成进度填写0到100之间的数字（如 80 表示完成80%）；状态请从下拉列表中选择"
        f"（{'、'.join(STATUSES)}）。序时进度为报送期末已过时间占任务期限的比例，供对照。",
        "四、表中已预填本单位上期报送的内容，请在此基础上修改；本期修改过的单元格显示为浅黄色。",
        "五、请勿删除或修改“任务编号”列，勿删除任务行；可以调整行高列宽，可以用表头的筛选按钮排序、筛选"
        "（整行一起移动），文件名可以修改。",
    ]
    if plan.indicators:
        lines.append(f"六、请另在“{INDICATORS_SHEET}”工作表中填写各民生实事指标截至报送期末的累计完成数（只填数字）。")
    lines.append(
        f"{'七' if plan.indicators else '六'}、填好后请保存为 .xlsx 格式（WPS 请选择“Excel 文件(*.xlsx)”）按原渠道报送。"
    )
    if plan.contact:
        lines.append(f"联系人：{plan.contact}")
    _title(book, ws, f"{plan.period.label}目标任务推进情况填报说明", f"{plan.workspace}", 2, title_font, font)
    facts = [
        ("填报单位", plan.unit),
        ("报送期", plan.period.label),
        ("截止日期", plan.due.isoformat()),
        ("牵头任务", f"{plan.lead_count}项"),
        ("配合任务", f"{plan.cooperating_count}项"),
    ]
    if plan.indicators:
        facts.append(("民生实事指标", f"{len(plan.indicators)}项"))
    border = {"border": 1, "border_color": colour(BORDER_COLOUR), "font_size": 12}
    label_format = book.format(border | {"font_name": title_font})
    value_format = book.format(border | {"font_name": font})
    row = 2
    for label, value in facts:
        ws.write_string(row, 0, clean_text(label), label_format)
        ws.write_string(row, 1, clean_text(value), value_format)
        row += 1
    row += 1
    line_format = book.format({"font_name": font, "font_size": 12, "text_wrap": True, "valign": "top"})
    for line in lines:
        ws.set_row(row, row_height([line], [100], [Column("", wrap=True)], 12))
        ws.merge_range(row, 0, row, 1, clean_text(line), line_format)
        row += 1
    set_width(ws, 0, 0, 16)
    set_width(ws, 1, 1, 86)
    ws.set_paper(PAPER_A4)
    ws.fit_to_pages(1, 0)
    _margins(ws, 0.75)
    ws.protect("", _LOCKED)


def _header(book: Book, ws: Worksheet, titles: list[str], title_font: str) -> None:
    header = book.format(header_style(title_font))
    ws.set_row(HEADER_ROW - 1, 30)
    for index, title in enumerate(titles):
        ws.write_string(HEADER_ROW - 1, index, clean_text(title), header)


def _print_setup(ws: Worksheet, last_column: int, last_row: int, filtered: int) -> None:
    """Frozen ids and header, a filter over the table's first ``filtered`` columns (the hidden ones included, so that
    a sort moves them with their rows), A3 landscape one page wide, the header on every page. ``last_column`` and
    ``last_row`` count from 1, as in Excel."""
    ws.freeze_panes(HEADER_ROW, 1)
    ws.autofilter(HEADER_ROW - 1, 0, max(last_row, HEADER_ROW) - 1, filtered - 1)
    ws.repeat_rows(HEADER_ROW - 1)
    ws.set_paper(PAPER_A3)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    _margins(ws, 0.4)
    ws.set_footer(footer(), {"margin": 0.5})


def _cell_formats(book: Book, font: str, wraps: list[bool], fill_columns: set[int]) -> list[Format]:
    """A format per column (0-based): wrapped or centred text, light green where the unit fills; every cell
    unlocked, so that the rows can be sorted (the others are guarded, ``_guard``)."""
    formats = []
    for index, wrap in enumerate(wraps):
        filled = index in fill_columns
        align = "left" if wrap else "center"
        style = body_style(font, align, wrap=wrap, fill=FILL_COLOUR if filled else "", unlocked=True)
        formats.append(book.format(style))
    return formats


def _guard(ws: Worksheet, top: int, bottom: int, columns: list[int], office: str) -> None:
    """Refuse whatever is typed into ``columns`` of rows ``top`` to ``bottom`` (0-based): cells the office filled,
    unlocked only so that the rows can be sorted. A validation whose formula is never true refuses every entry;
    clearing a cell or pasting is not checked, and the collect reads rows by their 任务编号 whatever else changed."""
    rule = {
        "validate": "custom",
        "value": "=FALSE()",
        "ignore_blank": True,
        "show_input": False,
        "error_title": "请勿修改",
        "error_message": f"本列由{office or '督查室'}填写，请勿修改；请只填写浅绿色的列。",
    }
    for first, last in _runs(columns):
        ws.data_validation(top, first, bottom, last, rule)


def _runs(columns: list[int]) -> list[tuple[int, int]]:
    """Sorted column indexes as runs of neighbours: [0, 1, 2, 6] -> [(0, 2), (6, 6)]."""
    runs: list[tuple[int, int]] = []
    for column in sorted(columns):
        if runs and runs[-1][1] == column - 1:
            runs[-1] = (runs[-1][0], column)
        else:
            runs.append((column, column))
    return runs


def _tasks_sheet(book: Book, ws: Worksheet, plan: FormPlan, font: str, title_font: str) -> None:
    fields = [f for f, _ in FIXED_COLUMNS] + [f for f, _ in FILL_COLUMNS]
    titles = [h for _, h in FIXED_COLUMNS] + [h for _, h in FILL_COLUMNS]
    previous_titles = [f"{PREVIOUS_PREFIX}{h}" for _, h in FILL_COLUMNS]
    ncols = len(titles)
    _title(
        book,
        ws,
        f"{plan.unit}{plan.period.label}目标任务推进情况填报表",
        f"报送期：{plan.period.label}    截止日期：{plan.due.isoformat()}    "
        f"牵头任务{plan.lead_count}项，配合任务{plan.cooperating_count}项    浅绿色列为填报内容",
        ncols,
        title_font,
        font,
    )
    _header(book, ws, titles + previous_titles, title_font)
    first_fill = len(FIXED_COLUMNS)  # 0-based: the first column a unit fills
    columns = [Column(t, _WIDTHS[f][0], _WIDTHS[f][0], wrap=_WIDTHS[f][1]) for f, t in zip(fields, titles, strict=True)]
    wraps = [c.wrap for c in columns] + [True] * len(previous_titles)  # the hidden copies as wrapped text
    formats = _cell_formats(book, font, wraps, set(range(first_fill, ncols)))
    widths = [c.max_width for c in columns]
    height = row_heights(widths, columns, 10)
    for offset, task in enumerate(plan.tasks):
        r = HEADER_ROW + offset  # 0-based: the row below the header
        fixed = [task.id, task.kind, task.text, task.leaders, task.role_label, task.targets, task.expected]
        filled = task.previous_values()
        ws.set_row(r, max(30, height(fixed + [v or "" for v in filled])))
        write_row(ws, r, fixed + filled + filled, formats)
    last_row = HEADER_ROW + len(plan.tasks)  # Excel's numbering
    percent_column = fields.index("percent")
    for index, column in enumerate(columns):
        number_format = book.format({"num_format": "0"}) if index == percent_column else None  # for rows typed below
        set_width(ws, index, index, column.max_width, number_format)
    set_width(ws, ncols, ncols + len(previous_titles) - 1, HIDDEN_WIDTH, hidden=True)
    if plan.tasks:
        top, bottom = HEADER_ROW, last_row - 1  # 0-based: the first and the last task row
        _guard(ws, top, bottom, [*range(first_fill), *range(ncols, ncols + len(previous_titles))], plan.office)
        # A cell unlike its hidden copy of last period's answer turns yellow: one rule over the filled block, its
        # references relative to the block's first cell (each cell is compared with the copy as far to its right)
        changed = book.format({"bg_color": colour(CHANGED_FILL)})
        cell, copy = f"{xl_col_to_name(first_fill)}{top + 1}", f"{xl_col_to_name(ncols)}{top + 1}"
        rule = {"type": "formula", "criteria": f'=TRIM({cell}&"")<>TRIM({copy}&"")', "format": changed}
        ws.conditional_format(top, first_fill, bottom, ncols - 1, rule)
        ws.data_validation(
            top,
            percent_column,
            bottom,
            percent_column,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": 0,
                "maximum": 100,
                "ignore_blank": True,
                "input_title": "完成进度",
                "input_message": "填写0到100之间的数字，如 80 表示完成80%",
                "error_title": "完成进度填写有误",
                "error_message": "完成进度应为0到100之间的数字",
            },
        )
        status_column = fields.index("status")
        ws.data_validation(
            top,
            status_column,
            bottom,
            status_column,
            {
                "validate": "list",
                "source": list(STATUSES),
                "ignore_blank": True,
                "input_title": "状态",
                "input_message": "请从下拉列表中选择：" + "、".join(STATUSES),
                "error_title": "状态填写有误",
                "error_message": "请从下拉列表中选择：" + "、".join(STATUSES),
            },
        )
    ws.protect("", _FILL_SHEET)
    _print_setup(ws, ncols, last_row, ncols + len(previous_titles))
    ws.print_area(0, 0, max(last_row, HEADER_ROW) - 1, ncols - 1)


def _indicators_sheet(book: Book, ws: Worksheet, plan: FormPlan, font: str, title_font: str) -> None:
    titles = [h for _, h in INDICATOR_COLUMNS]
    _title(
        book,
        ws,
        f"{plan.unit}{plan.period.label}民生实事项目指标完成情况",
        "请在“累计完成”列填写截至报送期末的累计完成数（只填数字，计量单位见左侧）",
        len(titles),
        title_font,
        font,
    )
    _header(book, ws, titles, title_font)
    widths = [14, 24, 30, 10, 12, 12, 10, 24]
    completed, rate = titles.index("累计完成"), titles.index("完成率")
    wraps = [index in (1, 2, 7) for index in range(len(titles))]
    formats = _cell_formats(book, font, wraps, {completed, titles.index("备注")})
    rate_format = book.format(body_style(font, "center", unlocked=True, number_format="0.0%"))  # sortable
    for offset, item in enumerate(plan.indicators):
        r = HEADER_ROW + offset  # 0-based
        n = r + 1  # Excel's numbering, in the formula
        values = [item.key, item.project, item.indicator, item.unit, item.target, item.previous, None, None]
        for c, value in enumerate(values):
            if c != rate:
                write_value(ws, r, c, value, formats[c])
        done, target = item.previous, item.target
        cached: float | str = done / target if isinstance(done, int | float) and target > 0 else ""  # as Excel has it
        ws.write_formula(r, rate, f'=IF(AND(ISNUMBER(F{n}),E{n}>0),F{n}/E{n},"")', rate_format, cached)
        ws.set_row(r, 30)
    for index, width in enumerate(widths):
        set_width(ws, index, index, width)
    last_row = HEADER_ROW + len(plan.indicators)
    fixed = [index for index in range(len(titles)) if index not in (completed, titles.index("备注"))]
    _guard(ws, HEADER_ROW, last_row - 1, fixed, plan.office)
    ws.data_validation(
        HEADER_ROW,
        completed,
        last_row - 1,
        completed,
        {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "ignore_blank": True,
            "input_title": "累计完成",
            "input_message": "填写截至报送期末的累计完成数，只填数字",
            "error_title": "累计完成填写有误",
            "error_message": "累计完成应为不小于0的数字",
        },
    )
    ws.protect("", _FILL_SHEET)
    _print_setup(ws, len(titles), last_row, len(titles))


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
        ["identity", plan.identity],
    ]
    rows += [["task", task.id, task.role] for task in plan.tasks]
    rows += [["indicator", item.key, item.task_id, item.row, item.district] for item in plan.indicators]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            write_value(ws, r, c, value)
    _margins(ws, 0.75)
    ws.very_hidden()
    ws.protect("", _LOCKED)

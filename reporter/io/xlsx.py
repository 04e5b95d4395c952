"""Writing print-ready workbooks with openpyxl. All openpyxl calls for output live here.

Every cell value that comes from a notice or a unit is written as text (or a number), never as a formula:
openpyxl turns a string that starts with ``=`` into a formula, so such strings are forced back to text.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from reporter.errors import OutputError
from reporter.text import display_width

if TYPE_CHECKING:
    from openpyxl.cell import _CellSetValue

PAPER_A3 = 8
PAPER_A4 = 9
_INVALID_TITLE = re.compile(r"[\[\]:*?/\\]")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


@dataclass
class Column:
    """A column: heading, preferred width bounds, and whether it holds long text."""

    title: str
    min_width: float = 6
    max_width: float = 50
    wrap: bool = True
    number_format: str = ""


@dataclass
class Sheet:
    """A sheet to write: a title row, a header row, data rows."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list[object]] = field(default_factory=list)
    landscape: bool = True
    paper: int = PAPER_A3
    fills: dict[tuple[int, int], str] = field(default_factory=dict)  # (row index, column index) -> RGB
    conditional: dict[int, dict[str, str]] = field(default_factory=dict)  # column index -> {text: RGB}
    charts: list[ChartSpec] = field(default_factory=list)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)  # (row index, column index) -> cell note
    choices: dict[int, list[str]] = field(default_factory=dict)  # column index -> the values a dropdown offers


@dataclass
class ChartSpec:
    """A native Excel chart over columns of a sheet's data rows, anchored on some sheet."""

    kind: str  # "pie", "bar" or "stacked"
    title: str
    source: str  # sheet name holding the data
    categories: int  # column index (0-based) of the labels
    values: list[int]  # column indexes (0-based) of the series
    rows: int  # number of data rows
    anchor: str  # e.g. "E3"
    first_row: int = 0  # first data row (0-based) within the sheet's rows
    colours: list[str] = field(default_factory=list)  # one RGB per series, or per slice of a pie


def safe_sheet_title(name: str) -> str:
    """An Excel-safe sheet title: no ``[]:*?/\\``, at most 31 characters."""
    cleaned = _INVALID_TITLE.sub("_", name).strip("'") or "Sheet"
    return cleaned[:31]


def set_value(cell: Cell | MergedCell, value: object) -> None:
    """Assign a value; text is always text, even when it starts with ``=``."""
    if isinstance(cell, MergedCell):
        raise TypeError(f"{cell.coordinate} lies inside a merged range and cannot hold a value")
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
    cell.value = cast("_CellSetValue", value)  # openpyxl refuses a type it cannot store (ValueError)
    if cell.data_type == "f":
        cell.data_type = "s"


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


STYLE_TITLE = "报表标题"
STYLE_HEADER = "报表表头"
STYLE_TEXT = "报表正文"
STYLE_CENTER = "报表居中"
STYLE_NUMBER = "报表数字"
STYLE_FILL_TEXT = "填报文字"
STYLE_FILL_CENTER = "填报居中"
FILL_COLOUR = "E2EFDA"  # light green: cells a unit fills


def register_styles(workbook: Workbook, font: str, title_font: str) -> None:
    """Named cell styles, shared by every cell (setting fonts cell by cell costs 10x more with openpyxl)."""
    body = Font(name=font, size=10)
    fill = PatternFill("solid", fgColor=FILL_COLOUR)
    unlocked = Protection(locked=False)
    styles = [
        NamedStyle(
            STYLE_TITLE,
            font=Font(name=title_font, size=16, bold=True),
            alignment=Alignment(horizontal="center", vertical="center"),
        ),
        NamedStyle(
            STYLE_HEADER,
            font=Font(name=title_font, size=11, bold=True),
            fill=HEADER_FILL,
            border=BORDER,
            alignment=Alignment(horizontal="center", wrap_text=True, vertical="center"),
        ),
        NamedStyle(
            STYLE_TEXT,
            font=body,
            border=BORDER,
            alignment=Alignment(horizontal="left", wrap_text=True, vertical="center"),
        ),
        NamedStyle(STYLE_CENTER, font=body, border=BORDER, alignment=Alignment(horizontal="center", vertical="center")),
        NamedStyle(STYLE_NUMBER, font=body, border=BORDER, alignment=Alignment(horizontal="right", vertical="center")),
        NamedStyle(
            STYLE_FILL_TEXT,
            font=body,
            border=BORDER,
            fill=fill,
            protection=unlocked,
            alignment=Alignment(horizontal="left", wrap_text=True, vertical="center"),
        ),
        NamedStyle(
            STYLE_FILL_CENTER,
            font=body,
            border=BORDER,
            fill=fill,
            protection=unlocked,
            alignment=Alignment(horizontal="center", vertical="center"),
        ),
    ]
    for style in styles:
        workbook.add_named_style(style)


def write_workbook(
    path: Path, sheets: list[Sheet], *, font: str = "宋体", title_font: str = "黑体", backup_dir: Path | None = None
) -> Path | None:
    """Write sheets to ``path`` atomically; keep the previous file in ``backup_dir``. Return the backup path."""
    workbook = Workbook()
    default = workbook.active
    assert isinstance(default, Worksheet)  # a new workbook starts with one worksheet
    workbook.remove(default)
    register_styles(workbook, font, title_font)
    for sheet in sheets:
        _write_sheet(workbook, sheet, font, title_font)
    for sheet in sheets:
        for chart in sheet.charts:
            _add_chart(workbook, sheet, chart)
    return save_atomic(workbook, path, backup_dir)


def _add_chart(workbook: Workbook, sheet: Sheet, spec: ChartSpec) -> None:
    source = workbook[safe_sheet_title(spec.source)]
    first = 3 + spec.first_row
    last = first + max(spec.rows, 1) - 1
    chart: PieChart | BarChart
    if spec.kind == "pie":
        chart = PieChart()
    else:
        chart = bar = BarChart()
        bar.type = "bar"
        bar.grouping = "stacked" if spec.kind == "stacked" else "clustered"
        if spec.kind == "stacked":
            bar.overlap = 100
        bar.height = max(7.5, 0.6 * spec.rows + 3)
    chart.title = spec.title
    chart.width = 16
    with_titles = spec.first_row == 0  # the header row names the series only when the data starts below it
    for column in spec.values:
        data = Reference(source, min_col=column + 1, min_row=first - 1 if with_titles else first, max_row=last)
        chart.add_data(data, titles_from_data=with_titles)
    chart.set_categories(Reference(source, min_col=spec.categories + 1, min_row=first, max_row=last))
    if spec.kind == "pie":  # one colour per slice: the colours carry meaning (green on track, red well behind)
        for index, colour in enumerate(spec.colours):
            point = DataPoint(idx=index)
            point.graphicalProperties.solidFill = colour
            chart.series[0].dPt.append(point)
    else:
        for series, colour in zip(chart.series, spec.colours, strict=False):
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour
    target: Worksheet = workbook[safe_sheet_title(sheet.name)]  # every sheet written here is a worksheet
    target.add_chart(chart, spec.anchor)


def _write_sheet(workbook: Workbook, spec: Sheet, font: str, title_font: str) -> None:
    ws = workbook.create_sheet(safe_sheet_title(spec.name))
    ncols = max(1, len(spec.columns))

    title = ws.cell(row=1, column=1)
    set_value(title, spec.title)
    title.style = STYLE_TITLE
    if ncols > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 32

    for index, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=2, column=index)
        set_value(cell, column.title)
        cell.style = STYLE_HEADER

    for r, row in enumerate(spec.rows, start=3):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            set_value(cell, value)
            column = spec.columns[c - 1] if c <= len(spec.columns) else Column("")
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            cell.style = STYLE_NUMBER if numeric else (STYLE_TEXT if column.wrap else STYLE_CENTER)
            if column.number_format and numeric:
                cell.number_format = column.number_format
            if (r - 3, c - 1) in spec.fills:
                cell.fill = PatternFill("solid", fgColor=spec.fills[(r - 3, c - 1)])
            if (r - 3, c - 1) in spec.notes:
                note = Comment(_ILLEGAL_XML.sub("", spec.notes[(r - 3, c - 1)]), "reporter")
                note.width, note.height = 240, 120
                cell.comment = note

    for index, column in enumerate(spec.columns, start=1):
        widest = max(
            [display_width(column.title)]
            + [
                max((display_width(part) for part in str(row[index - 1]).splitlines()), default=0)
                for row in spec.rows
                if index - 1 < len(row) and row[index - 1] is not None
            ]
        )
        ws.column_dimensions[get_column_letter(index)].width = max(column.min_width, min(column.max_width, widest + 2))

    widths = [ws.column_dimensions[get_column_letter(i)].width for i in range(1, ncols + 1)]
    ws.row_dimensions[2].height = row_height([c.title for c in spec.columns], widths, spec.columns, 11)
    for r, row in enumerate(spec.rows, start=3):
        ws.row_dimensions[r].height = row_height(row, widths, spec.columns, 10)

    last_row = max(2, len(spec.rows) + 2)
    for column_index, colours in spec.conditional.items() if spec.rows else ():
        letter = get_column_letter(column_index + 1)
        for text, colour in colours.items():
            ws.conditional_formatting.add(
                f"{letter}3:{letter}{last_row}",
                CellIsRule(operator="equal", formula=[f'"{text}"'], fill=PatternFill("solid", bgColor=colour)),
            )
    for column_index, values in spec.choices.items():
        letter = get_column_letter(column_index + 1)
        listed = ",".join(v.replace('"', "") for v in values)
        validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
        validation.error = f"请从下拉列表中选择：{'、'.join(values)}"
        validation.errorTitle = "输入值无效"
        validation.showErrorMessage = True
        ws.add_data_validation(validation)
        validation.add(f"{letter}3:{letter}{max(last_row, 2) + 200}")  # rows the office adds below too
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(ncols)}{last_row}"
    ws.print_title_rows = "2:2"
    ws.page_setup.paperSize = spec.paper
    ws.page_setup.orientation = "landscape" if spec.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.font = font


def row_height(values: list[object], widths: list[float], columns: list[Column], size: int) -> float:
    """Points needed to show every wrapped cell of a row in full (Excel and LibreOffice do not refit on open)."""
    lines = 1
    for value, width, column in zip(values, widths, columns, strict=False):
        if value is None or value == "":
            continue
        usable = max(1.0, width - 1.5)
        count = 0
        for part in str(value).splitlines() or [""]:
            count += max(1, math.ceil(display_width(part) / usable)) if column.wrap else 1
        lines = max(lines, count)
    return round(lines * size * 1.35 + 4, 1)


def save_atomic(workbook: Workbook, path: Path, backup_dir: Path | None = None, keep: int = 20) -> Path | None:
    """Save to a temporary file beside ``path``, back up the old file, then rename into place."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
        os.close(handle)
        temp = Path(temp_name)
        try:
            workbook.save(temp)
            backup = None
            if path.exists() and backup_dir is not None:
                backup_dir.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
                backup = backup_dir / f"{path.stem}-{stamp}{path.suffix}"
                shutil.copy2(path, backup)
                _prune(backup_dir, path, keep)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
            os.replace(temp, path)
            return backup
        finally:
            temp.unlink(missing_ok=True)
    except PermissionError as exc:
        raise OutputError(f"无法写入 {path}：文件可能正在 Excel/WPS 中打开，请关闭后重试") from exc
    except OSError as exc:
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from exc


def _prune(backup_dir: Path, path: Path, keep: int) -> None:
    backups = sorted(backup_dir.glob(f"{path.stem}-*{path.suffix}"))
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)

"""Writing print-ready workbooks with xlsxwriter. Every output workbook is written here or in ``formbook``.

xlsxwriter streams a workbook out once: 2-4x faster than openpyxl and, in constant-memory mode, in bounded memory
(a province's ledger). Workbooks that are read or edited in place are not touched here (reading is ``workbooks``).

Every cell value that comes from a notice or a unit is written as text or a number, never as a formula: text goes
through ``write_string`` (a string that starts with ``=`` stays text) without the characters XML cannot hold.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from typing import Any, cast

from xlsxwriter import Workbook
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellBlankTuple, CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet

from reporter.io.files import replacing
from reporter.text import display_width

PAPER_A3 = 8
PAPER_A4 = 9
_INVALID_TITLE = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
BORDER_COLOUR = "808080"
HEADER_FILL = "D9E1F2"
FILL_COLOUR = "E2EFDA"  # light green: cells a unit fills
FOOTER = "第 &P 页，共 &N 页"
LARGE_WORKBOOK_CELLS = 2_000_000  # from here on rows are streamed to disk (xlsxwriter's constant-memory mode)
PIXELS_PER_CHARACTER = 7  # Excel's width unit: the widest digit of the default font (Calibri 11) at 96 dpi
_DATE_FORMATS = ((datetime, "yyyy-mm-dd h:mm:ss"), (date, "yyyy-mm-dd"), (time, "h:mm:ss"))


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
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # (row index, column index) -> relative path


@dataclass
class ChartSpec:
    """A native Excel chart over columns of a sheet's data rows, anchored on some sheet.

    ``colours`` maps a label to the RGB it stands for: a pie's slices are coloured by their category's text, the
    series of a bar chart by their heading, so a colour follows its meaning whatever order the rows are in. Points
    and series not named there keep the chart's own colours."""

    kind: str  # "pie", "bar" or "stacked"
    title: str
    source: str  # sheet name holding the data
    categories: int  # column index (0-based) of the labels
    values: list[int]  # column indexes (0-based) of the series
    rows: int  # number of data rows
    anchor: str  # e.g. "E3"
    first_row: int = 0  # first data row (0-based) within the sheet's rows
    colours: Mapping[str, str] = field(default_factory=dict)  # label -> RGB


def safe_sheet_title(name: str) -> str:
    """An Excel-safe sheet title: no ``[]:*?/\\``, at most 31 characters."""
    cleaned = _INVALID_TITLE.sub("_", name).strip("'") or "Sheet"
    return cleaned[:31]


def clean_text(text: str) -> str:
    """Text without the control characters XML cannot hold (tab, line feed and carriage return stay)."""
    return text if text.isprintable() else _ILLEGAL_XML.sub("", text)  # most text has no control character


def colour(rgb: str) -> str:
    """``"RRGGBB"`` (or ARGB ``"AARRGGBB"``) as xlsxwriter's ``"#RRGGBB"``."""
    return "#" + rgb.lstrip("#")[-6:].upper()


def quoted_sheet(name: str) -> str:
    """A sheet name as it stands in a reference: ``'汇总'``."""
    return "'" + safe_sheet_title(name).replace("'", "''") + "'"


class _Worksheet(Worksheet):
    """xlsxwriter's worksheet, writing the cells a ledger is made of (a shared string, a number or a date, or a
    blank, each with its format) itself, a row at a time: xlsxwriter builds a list of attributes and escapes each
    of them for every cell, and looks up every column of every row, which was the largest part of writing a
    province's ledger, records and forms. Any other cell, and every cell when rows are streamed, goes through
    xlsxwriter's own code; tests compare the two outputs byte for byte."""

    def _write_rows(self) -> None:
        """xlsxwriter's ``_write_rows``: the same ``<row>`` elements, the cells of each written as one string."""
        if self.constant_memory:  # rows already streamed (``_write_single_row``)
            super()._write_rows()
            return
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        first, last = self.dim_colmin, self.dim_colmax
        letters: dict[int, str] = {}
        indexes: dict[int, int] = {}  # id(format) -> its xf index (fixed once the workbook is being written)
        write = self.fh.write
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            if not cells:
                if row_num in row_info or row_num in comments:  # formatting or notes only
                    self._write_empty_row(row_num, spans.get(row_num // 16), row_info.get(row_num))
                continue
            self._write_row(row_num, spans.get(row_num // 16), row_info.get(row_num))
            number = str(row_num + 1)
            parts: list[str] = []
            for col_num in sorted(cells):
                if not first <= col_num <= last:
                    continue
                cell = cells[col_num]
                kind = type(cell)
                cell_format = cell.format
                if cell_format is None or not (
                    kind is CellStringTuple
                    or kind is CellNumberTuple
                    or kind is CellDatetimeTuple
                    or kind is CellBlankTuple
                ):
                    write("".join(parts))
                    parts.clear()
                    self._write_cell(row_num, col_num, cell)
                    continue
                letter = letters.get(col_num)
                if letter is None:
                    letter = letters[col_num] = xl_col_to_name(col_num)
                index = indexes.get(id(cell_format))
                if index is None:
                    index = indexes[id(cell_format)] = cell_format._get_xf_index()
                if kind is CellStringTuple:
                    parts.append(f'<c r="{letter}{number}" s="{index}" t="s"><v>{cell.string}</v></c>')
                elif kind is CellBlankTuple:
                    parts.append(f'<c r="{letter}{number}" s="{index}"/>')
                else:
                    parts.append(f'<c r="{letter}{number}" s="{index}"><v>{cell.number:.16G}</v></c>')
            write("".join(parts))
            self._xml_end_tag("row")

    def _calculate_spans(self) -> None:
        """xlsxwriter's: the ``spans`` of each block of 16 rows, from the first and last column of each row's cells
        and notes (not from every column of every row)."""
        spans: dict[int, str] = {}
        low: int | None = None
        high = 0
        first, last = self.dim_colmin, self.dim_colmax
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            for found in (self.table.get(row_num), self.comments.get(row_num)):
                if not found:
                    continue
                lowest, highest = min(found), max(found)
                if lowest < first or highest > last:  # not for cells written within the sheet's extent
                    inside = [c for c in found if first <= c <= last]
                    if not inside:
                        continue
                    lowest, highest = min(inside), max(inside)
                low, high = (lowest, highest) if low is None else (min(low, lowest), max(high, highest))
            if (row_num + 1) % 16 == 0 or row_num == self.dim_rowmax:
                if low is not None:
                    spans[row_num // 16] = f"{low + 1}:{high + 1}"
                    low = None
        self.row_spans = spans

    def check_row(self, row: int, cells: int) -> bool:
        """Whether a row of ``cells`` cells from the first column is within the sheet, its extent recorded as
        xlsxwriter records each cell's: ``put_row`` may then write each of the row's cells."""
        return cells > 0 and not (self._check_dimensions(row, 0) or self._check_dimensions(row, cells - 1))

    def put_row(
        self,
        row: int,
        values: Sequence[object],
        text_formats: Sequence[Format],
        number_formats: Sequence[Format],
        other: Callable[[int, object], None],
        special: Container[int] = (),
    ) -> None:
        """The cells of a row ``check_row`` passed, from its first column, as ``write_value`` writes them, straight
        into the cell table (without converting the arguments and checking the bounds for every cell): text without
        the characters XML cannot hold, or a blank (``None``, empty text) with the column's text format, a finite
        number with its number format. ``other(column, value)`` writes any other value (a date, a boolean, a text
        xlsxwriter may shorten) and every column in ``special``, in its place: the shared strings are numbered as
        xlsxwriter numbers them. Not for a sheet whose rows are streamed."""
        cells = self.table[row]
        shared = self.str_table._get_shared_string_index
        longest = self.xls_strmax // 2
        for col, value in enumerate(values):
            if col in special:
                other(col, value)
            elif type(value) is str:
                text = clean_text(value)
                if not text:
                    cells[col] = CellBlankTuple(text_formats[col])
                elif len(text) <= longest:
                    cells[col] = CellStringTuple(shared(text), text_formats[col])
                else:
                    other(col, value)
            elif value is None:
                cells[col] = CellBlankTuple(text_formats[col])
            elif (type(value) is int or type(value) is float) and math.isfinite(value):
                cells[col] = CellNumberTuple(value, number_formats[col])
            else:
                other(col, value)

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        """xlsxwriter's, once per formula: it tries some 250 patterns on each (the conditional formats' rules,
        a few per sheet, alike in every workbook of a run)."""
        key = (formula, expand_future_functions, self.use_future_functions)
        prepared = _PREPARED_FORMULAS.get(key)
        if prepared is None:
            prepared = super()._prepare_formula(formula, expand_future_functions)
            if len(_PREPARED_FORMULAS) < _FORMULAS_KEPT:
                _PREPARED_FORMULAS[key] = prepared
        return prepared


_FORMULAS_KEPT = 1024
_PREPARED_FORMULAS: dict[tuple[str, bool, bool], str] = {}


class Book:
    """An xlsxwriter workbook being written, with each distinct cell format made once."""

    def __init__(self, path: Path, *, constant_memory: bool = False, in_memory: bool = False) -> None:
        """``constant_memory``: each row is streamed to a temporary file once the next one is started (cells are
        written row by row); ``in_memory``: no temporary files at all (small workbooks)."""
        self.workbook = Workbook(
            str(path),
            {
                "constant_memory": constant_memory,
                "in_memory": in_memory,
                "strings_to_formulas": False,  # text is never a formula, even through write() or merge_range()
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._formats: dict[tuple[tuple[str, Any], ...], Format] = {}

    def add_sheet(self, name: str) -> Worksheet:
        return self.workbook.add_worksheet(safe_sheet_title(name), worksheet_class=_Worksheet)

    def format(self, properties: Mapping[str, Any]) -> Format:
        key = tuple(sorted(properties.items()))
        found = self._formats.get(key)
        if found is None:
            found = self._formats[key] = self.workbook.add_format(dict(properties))
        return found

    def close(self) -> None:
        try:
            self.workbook.close()
        except FileCreateError as exc:  # xlsxwriter wraps the OSError of creating the file
            cause = exc.args[0] if exc.args else None
            raise cause if isinstance(cause, OSError) else OSError(str(exc)) from exc


def title_style(title_font: str) -> dict[str, Any]:
    return {"font_name": title_font, "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"}


def header_style(title_font: str) -> dict[str, Any]:
    return {
        "font_name": title_font,
        "font_size": 11,
        "bold": True,
        "pattern": 1,
        "bg_color": colour(HEADER_FILL),
        "border": 1,
        "border_color": colour(BORDER_COLOUR),
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
    }


def body_style(
    font: str, align: str, *, wrap: bool = False, fill: str = "", unlocked: bool = False, number_format: str = ""
) -> dict[str, Any]:
    """A bordered 10 pt data cell: ``align`` left (text), center or right (numbers); ``fill`` an RGB."""
    style: dict[str, Any] = {
        "font_name": font,
        "font_size": 10,
        "border": 1,
        "border_color": colour(BORDER_COLOUR),
        "align": align,
        "valign": "vcenter",
    }
    if wrap:
        style["text_wrap"] = True
    if fill:
        style |= {"pattern": 1, "bg_color": colour(fill)}
    if unlocked:
        style["locked"] = False
    if number_format:
        style["num_format"] = number_format
    return style


def write_value(ws: Worksheet, row: int, column: int, value: object, cell_format: Format | None = None) -> None:
    """Write a value (0-based row and column): text as text, never a formula; numbers as numbers; None blank."""
    if isinstance(value, str):
        if text := clean_text(value):
            ws.write_string(row, column, text, cell_format)
        else:  # an empty cell, formatted (read back as empty, not as "")
            ws.write_blank(row, column, None, cell_format)
    elif value is None:
        ws.write_blank(row, column, None, cell_format)
    elif isinstance(value, bool):
        ws.write_boolean(row, column, value, cell_format)
    elif isinstance(value, int | float):
        if math.isfinite(value):
            ws.write_number(row, column, value, cell_format)
        else:  # Excel has no NaN or infinity
            ws.write_blank(row, column, None, cell_format)
    elif isinstance(value, date | time):
        ws.write_datetime(row, column, value, cell_format)
    else:
        raise ValueError(f"无法写入 Excel 单元格的值类型：{type(value).__name__}")


def write_row(ws: Worksheet, row: int, values: Sequence[object], formats: Sequence[Format]) -> None:
    """``write_value`` for the cells of a row from its first column, each with its column's format. In a sheet of
    ``Book`` whose row is within bounds, text, blanks and numbers go straight into the cell table (``put_row``): the
    same file, without checking every cell (a province's forms: 1,000 workbooks of 1,000 cells)."""

    def other(column: int, value: object) -> None:
        write_value(ws, row, column, value, formats[column])

    fast = _fast_row(ws, row, len(values))
    if fast is None:
        for column, value in enumerate(values):
            other(column, value)
    else:
        fast.put_row(row, values, formats, formats, other)


def _fast_row(ws: Worksheet, row: int, cells: int) -> _Worksheet | None:
    """``ws`` as our worksheet class when each of the row's ``cells`` cells may go straight into its table."""
    if hasattr(ws, "check_row") and not ws.constant_memory and ws.check_row(row, cells):  # not xlsxwriter's class
        return cast("_Worksheet", ws)
    return None


def set_width(
    ws: Worksheet, first: int, last: int, width: float, cell_format: Format | None = None, **options: Any
) -> None:
    """Column width in Excel's stored unit, characters of 7 pixels with the cell padding included (as openpyxl
    stored it; xlsxwriter's ``set_column`` adds the padding to the width given)."""
    ws.set_column_pixels(first, last, int(width * PIXELS_PER_CHARACTER + 0.5), cell_format, options or None)


def footer(font: str = "") -> str:
    """The page-number footer, centred, in ``font`` when given."""
    return f'&C&"{font}"{FOOTER}' if font else f"&C{FOOTER}"


def write_workbook(
    path: Path, sheets: list[Sheet], *, font: str = "宋体", title_font: str = "黑体", backup_dir: Path | None = None
) -> Path | None:
    """Write sheets to ``path`` atomically; keep the previous file in ``backup_dir``. Return the backup path."""

    # A workbook is assembled in memory, its text in one shared-strings table, with no temporary files: a province's
    # ledger (400,000 cells) takes about 30 % less CPU than streamed, for about 60 MB more. A larger one streams
    # each row to a temporary file as soon as the next one starts: memory stays flat. Charts need their data kept
    # for the values they cache (which WPS shows), so a large workbook with charts keeps its cells.
    large = sum(len(row) for sheet in sheets for row in sheet.rows) > LARGE_WORKBOOK_CELLS
    charts = any(sheet.charts for sheet in sheets)

    def write(temp: Path) -> None:
        book = Book(temp, constant_memory=large and not charts, in_memory=not large)
        worksheets = {}
        for sheet in sheets:
            worksheets[safe_sheet_title(sheet.name)] = _write_sheet(book, sheet, font, title_font)
        by_title = {safe_sheet_title(sheet.name): sheet for sheet in sheets}
        for sheet in sheets:
            for chart in sheet.charts:
                _add_chart(
                    book, worksheets[safe_sheet_title(sheet.name)], chart, by_title[safe_sheet_title(chart.source)]
                )
        book.close()

    return save_atomic(write, path, backup_dir)


def _add_chart(book: Book, target: Worksheet, spec: ChartSpec, source: Sheet) -> None:
    """The chart, with each point's value as its label (none on an empty point) and the colours by meaning. The
    values it shows are cached in the chart (xlsxwriter reads them from the cells written), for the programs that
    draw a chart without calculating the workbook: WPS, gnumeric, Excel's protected view."""
    reference = quoted_sheet(spec.source)
    first = 3 + spec.first_row
    last = first + max(spec.rows, 1) - 1
    data = source.rows[spec.first_row : spec.first_row + spec.rows]
    if spec.kind == "pie":
        chart = book.workbook.add_chart({"type": "pie"})
        height = 7.5
    else:
        chart = book.workbook.add_chart(
            {"type": "bar", "subtype": "stacked" if spec.kind == "stacked" else "clustered"}
        )
        height = max(7.5, 0.6 * spec.rows + 3)
    with_titles = spec.first_row == 0  # the header row names the series only when the data starts below it
    label = xl_col_to_name(spec.categories)
    line = {"color": colour(BORDER_COLOUR)}  # outlined like the sheet's cells: a light fill stays visible
    for column in spec.values:
        letter = xl_col_to_name(column)
        points = [_cell(row, column) for row in data]
        series: dict[str, Any] = {
            "categories": f"={reference}!${label}${first}:${label}${last}",
            "values": f"={reference}!${letter}${first}:${letter}${last}",
            "data_labels": {
                "value": True,
                "custom": [None if _shown(point) else {"delete": True} for point in points],
            },
        }
        if with_titles:
            series["name"] = f"={reference}!${letter}${first - 1}"
        if spec.kind == "pie":  # one colour per slice, by its category
            names = [str(_cell(row, spec.categories) or "") for row in data]
            series["points"] = [
                {"fill": {"color": colour(spec.colours[name])}, "border": line} if name in spec.colours else None
                for name in names
            ]
        elif (heading := source.columns[column].title if column < len(source.columns) else "") in spec.colours:
            series["fill"] = {"color": colour(spec.colours[heading])}
            series["border"] = line
        if spec.kind == "stacked":
            series["overlap"] = 100
        chart.add_series(series)
    chart.set_title({"name": spec.title})
    chart.set_size({"width": _cm_to_pixels(16), "height": _cm_to_pixels(height)})
    target.insert_chart(spec.anchor, chart, {"object_position": 2})  # moves with its cell, keeps its size


def _cell(row: list[object], column: int) -> object:
    return row[column] if column < len(row) else None


def _shown(value: object) -> bool:
    """Whether a point gets a label: a number other than 0 (a zero slice or bar has nothing to label)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value != 0


def _cm_to_pixels(cm: float) -> int:
    return round(cm / 2.54 * 96)


def _widths(spec: Sheet) -> list[float]:
    """Each column as wide as its longest line (heading included), within the column's bounds."""
    widths = []
    for index, column in enumerate(spec.columns):
        full = column.max_width - 2  # a line this wide makes the column as wide as it may be: no need to look on
        widest = display_width(column.title)
        if widest < full:
            for row in spec.rows:
                if index < len(row) and (value := row[index]) is not None:
                    line = _widest_line(value if isinstance(value, str) else str(value))
                    if line > widest:
                        widest = line
                        if widest >= full:
                            break
        widths.append(max(column.min_width, min(column.max_width, widest + 2)))
    return widths


def _widest_line(text: str) -> int:
    return max(map(display_width, text.splitlines()), default=0)


def _write_sheet(book: Book, spec: Sheet, font: str, title_font: str) -> Worksheet:
    ws = book.add_sheet(spec.name)
    ncols = max(1, len(spec.columns))
    widths = _widths(spec)
    for index, width in enumerate(widths):
        set_width(ws, index, index, width)

    title = book.format(title_style(title_font))
    if ncols > 1:
        ws.merge_range(0, 0, 0, ncols - 1, clean_text(spec.title), title)
    else:
        ws.write_string(0, 0, clean_text(spec.title), title)
    ws.set_row(0, 32)

    header = book.format(header_style(title_font))
    ws.set_row(1, row_height([c.title for c in spec.columns], widths, spec.columns, 11))
    for index, column in enumerate(spec.columns):
        ws.write_string(1, index, clean_text(column.title), header)

    _write_rows(book, ws, spec, widths, font)

    last_row = max(2, len(spec.rows) + 2)  # the last row in Excel's numbering
    for column_index, colours in spec.conditional.items() if spec.rows else ():
        for text, rgb in colours.items():
            rule = {
                "type": "cell",
                "criteria": "==",
                "value": f'"{text}"',
                "format": book.format({"bg_color": colour(rgb)}),
            }
            ws.conditional_format(2, column_index, last_row - 1, column_index, rule)
    for column_index, values in spec.choices.items():
        dropdown = {
            "validate": "list",
            "source": [v.replace('"', "") for v in values],
            "ignore_blank": True,
            "show_input": False,
            "error_title": "输入值无效",
            "error_message": f"请从下拉列表中选择：{'、'.join(values)}",
        }
        ws.data_validation(2, column_index, last_row + 200 - 1, column_index, dropdown)  # rows the office adds too
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, last_row - 1, ncols - 1)
    ws.repeat_rows(1)
    ws.set_paper(spec.paper)
    if spec.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header("", {"margin": 0.5})
    ws.set_footer(footer(font), {"margin": 0.5})
    return ws


def _write_rows(book: Book, ws: Worksheet, spec: Sheet, widths: list[float], font: str) -> None:
    """Data rows from the third row on, each as high as its longest wrapped cell; fills and notes by cell."""
    columns = spec.columns
    longest = max((len(row) for row in spec.rows), default=0)
    text_styles = [body_style(font, "left", wrap=True) if c.wrap else body_style(font, "center") for c in columns]
    number_styles = [body_style(font, "right", number_format=c.number_format) for c in columns]
    text_styles += [body_style(font, "left", wrap=True)] * (longest - len(columns))  # cells beyond the columns
    number_styles += [body_style(font, "right")] * (longest - len(columns))
    text_formats = [book.format(style) for style in text_styles]
    number_formats = [book.format(style) for style in number_styles]
    fills: dict[int, dict[int, str]] = {}
    for (r, c), rgb in spec.fills.items():
        fills.setdefault(r, {})[c] = rgb
    notes: dict[int, dict[int, str]] = {}
    for (r, c), text in spec.notes.items():
        notes.setdefault(r, {})[c] = text
    links: dict[int, dict[int, str]] = {}
    for (r, c), target in spec.links.items():
        links.setdefault(r, {})[c] = target
    height = row_heights(widths, columns, 10)

    def cell(excel_row: int, c: int, value: object, row_fills: dict[int, str], row_links: dict[int, str]) -> None:
        """A cell written by xlsxwriter: a link, a fill, a date, a boolean …, or any cell of a streamed sheet."""
        if type(value) is str and c not in row_fills and (text := clean_text(value)):
            if c in row_links:  # a file beside the workbook, opened by a click
                ws.write_url(excel_row, c, "external:" + row_links[c], text_formats[c], string=text)
            else:
                ws.write_string(excel_row, c, text, text_formats[c])
            return
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if c in row_fills or isinstance(value, date | time):
            style = (number_styles if numeric else text_styles)[c] | _date_format(value)
            if c in row_fills:
                style |= {"pattern": 1, "bg_color": colour(row_fills[c])}
            cell_format = book.format(style)
        else:
            cell_format = (number_formats if numeric else text_formats)[c]
        write_value(ws, excel_row, c, value, cell_format)

    for r, row in enumerate(spec.rows):
        excel_row = r + 2
        ws.set_row(excel_row, height(row))
        row_fills, row_links = fills.get(r, {}), links.get(r, {})
        fast = _fast_row(ws, excel_row, len(row))  # every cell of the row is written
        if fast is None:
            for c, value in enumerate(row):
                cell(excel_row, c, value, row_fills, row_links)
        else:
            special = row_fills.keys() | row_links.keys() if row_fills or row_links else ()
            fast.put_row(
                excel_row,
                row,
                text_formats,
                number_formats,
                partial(cell, excel_row, row_fills=row_fills, row_links=row_links),
                special,
            )
        for c, note in notes.get(r, {}).items():
            if c < len(row):  # a note on a cell the row has
                ws.write_comment(excel_row, c, clean_text(note), {"author": "reporter", "width": 240, "height": 120})


def _date_format(value: object) -> dict[str, str]:
    for kind, number_format in _DATE_FORMATS:
        if isinstance(value, kind):
            return {"num_format": number_format}
    return {}


def row_height(values: list[object], widths: list[float], columns: list[Column], size: int) -> float:
    """Points needed to show every wrapped cell of a row in full (Excel and LibreOffice do not refit on open)."""
    return row_heights(widths, columns, size)(values)


def row_heights(widths: list[float], columns: list[Column], size: int) -> Callable[[list[object]], float]:
    """``row_height`` for the rows of one sheet, the columns' bounds worked out once."""
    bounds = [(column.wrap, width - 1.5, max(1.0, width - 1.5)) for width, column in zip(widths, columns, strict=False)]

    def height(values: list[object]) -> float:
        lines = 1
        for value, (wrap, one_line, usable) in zip(values, bounds, strict=False):  # plain loops: a province's rows
            if value is None or value == "":
                continue
            text = value if isinstance(value, str) else str(value)
            if text.isprintable() and (not wrap or 2 * len(text) <= one_line):
                continue  # one line, whatever its characters (most cells: checked in C)
            parts = text.splitlines()
            if wrap:
                count = 0
                for part in parts:
                    count += math.ceil(display_width(part) / usable) or 1  # an empty line takes a line too
            else:
                count = len(parts)
            if count > lines:
                lines = count
        return round(lines * size * 1.35 + 4, 1)

    return height


def save_atomic(
    write: Callable[[Path], None], path: Path, backup_dir: Path | None = None, keep: int = 20
) -> Path | None:
    """Have ``write`` write the workbook to a temporary file beside ``path``, back up the old file (the latest
    ``keep`` backups are kept in ``backup_dir``), then rename the new one into place. Return the backup path."""
    backup = None
    with replacing(path) as temp:
        write(temp)
        if path.exists() and backup_dir is not None:
            backup_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            backup = backup_dir / f"{path.stem}-{stamp}{path.suffix}"
            shutil.copy2(path, backup)
            _prune(backup_dir, path, keep)
    return backup


def _prune(backup_dir: Path, path: Path, keep: int) -> None:
    backups = sorted(backup_dir.glob(f"{path.stem}-*{path.suffix}"))
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)

"""Notices in other formats turned into lines of text for the one parser: .docx, .html, .pdf, .xlsx/.csv, .doc/.wps.

Every reader returns lines in document order. Tables become tab-separated lines, except task tables (序号 |
工作任务 | 牵头领导 | 牵头单位 | 配合单位 …), which are written out the way a text notice says the same thing
(``1.任务`` / ``牵头领导：…`` / ``牵头单位：…；配合单位：…``), so that one parser reads them all.

The files themselves are opened by ``reporter.io`` (python-docx, pdfplumber, python-calamine, LibreOffice), which
hands back plain data; everything about what that data means is decided here.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from reporter.errors import SourceError
from reporter.forms.values import clean_text
from reporter.io.docx_read import DocxTable, DocxUnreadable, read_docx
from reporter.io.office import OfficeError, convert_with_office
from reporter.io.pdf_read import PdfLine, PdfTable, PdfUnreadable, read_pdf
from reporter.io.workbooks import WorkbookRejected, read_workbook
from reporter.notices.decode import decode_text

# -- task tables ----------------------------------------------------------------------------------------------

_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "序"),
    "section": ("板块", "类别", "领域", "分类", "工作类别", "类型"),
    "task": ("工作任务", "目标任务", "任务", "任务内容", "重点工作", "主要任务", "工作内容", "具体任务", "项目名称"),
    "leader": (
        "牵头领导",
        "牵头市领导",
        "分管市领导",
        "分管领导",
        "责任领导",
        "联系领导",
        "牵头负责领导",
        "分管省领导",
        "牵头省领导",
        "分管县领导",
        "牵头县领导",
        "分管区领导",
        "牵头区领导",
        "区领导",
        "县领导",
        "市领导",
    ),
    "lead": ("牵头单位", "牵头部门", "牵头责任单位", "主办单位"),
    "responsible": ("责任单位", "责任部门", "承办单位"),
    "cooperating": ("配合单位", "配合部门", "协同责任单位", "协同单位", "协办单位", "参与单位"),
    "deadline": ("完成时限", "时限", "完成时间", "时间节点"),
}
_CN_NUMBERS = "一二三四五六七八九十"


def _header_key(text: str) -> str:
    return re.sub(r"[\s（）()]", "", unicodedata.normalize("NFKC", text))


def map_task_columns(header: list[str]) -> dict[str, int]:
    """Column index of each field found in a header row (by name, any order)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        for field, names in _HEADER_SYNONYMS.items():
            if key in names and field not in found:
                found[field] = index
    return found


def is_task_header(header: list[str]) -> bool:
    columns = map_task_columns(header)
    return "task" in columns and bool({"leader", "lead", "responsible"} & columns.keys())


def task_table_lines(rows: list[list[str]], *, start_section: int = 0) -> list[str]:
    """A task table as notice lines; a header repeated on a new page is skipped, merged section cells kept."""
    header = rows[0]
    columns = map_task_columns(header)
    lines: list[str] = []
    section, section_count, number, sub = None, start_section, 0, 0

    def cell(row: list[str], field: str) -> str:
        index = columns.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    for row in rows[1:]:
        if map_task_columns(row) == columns or not any(c.strip() for c in row):
            continue  # a repeated header, or an empty row
        values = [c.strip() for c in row if c.strip()]
        if len(set(values)) == 1 and not cell(row, "number").isdigit() and len(row) > 2:
            section_count += 1  # a heading row spanning the table
            lines.append(_heading(values[0], section_count))
            section = values[0]
            continue
        current = cell(row, "section")
        if current and current != section:
            section_count += 1
            lines.append(_heading(current, section_count))
            section = current
        task = cell(row, "task")
        written = cell(row, "number")
        owns = any(cell(row, f) for f in ("leader", "lead", "responsible", "cooperating"))
        if number and not written and "number" in columns and owns:
            sub += 1  # a sub-row of the numbered task above, with its own leader or units
            lines.append(f"（{sub}）{task}")
        elif not task:
            continue
        else:
            number = int(written) if written.isdigit() else number + 1
            sub = 0
            lines.append(f"{number}.{task}")
        if cell(row, "leader"):
            lines.append(f"牵头领导：{cell(row, 'leader')}")
        units = []
        if cell(row, "lead"):
            units.append(f"牵头单位：{cell(row, 'lead')}")
            responsible = cell(row, "responsible")
            cooperating = "、".join(filter(None, [cell(row, "cooperating"), responsible]))
            if cooperating:
                units.append(f"配合单位：{cooperating}")
        elif cell(row, "responsible"):
            units.append(f"责任单位：{cell(row, 'responsible')}")
            if cell(row, "cooperating"):
                units.append(f"配合单位：{cell(row, 'cooperating')}")
        elif cell(row, "cooperating"):
            units.append(f"配合单位：{cell(row, 'cooperating')}")
        if units:
            lines.append("；".join(units))
        if cell(row, "deadline"):
            lines.append(f"完成时限：{cell(row, 'deadline')}")
    return lines


def _heading(text: str, count: int) -> str:
    if re.match(r"^[一二三四五六七八九十]+、", text):
        return text
    numeral = _CN_NUMBERS[count - 1] if count <= 10 else ("十" + _CN_NUMBERS[count - 11] if count <= 19 else str(count))
    return f"{numeral}、{text}"


def table_lines(rows: list[list[str]]) -> list[str]:
    """Any table: a task table as notice lines, others as tab-separated rows."""
    rows = [[re.sub(r"\s*\n\s*", "", c or "").strip() for c in row] for row in rows if row]
    if not rows:
        return []
    for index, row in enumerate(rows[:3]):
        if is_task_header(row):
            return task_table_lines(rows[index:])
    joined: list[list[str]] = []
    for row in rows:
        if not any(row):
            continue
        if joined and row[0] and not any(row[1:]) and sum(1 for c in joined[-1] if c) >= 2:
            joined[-1][0] += row[0]  # the wrapped tail of the first cell, split off as a row of its own (PDF)
            continue
        joined.append(list(row))
    return ["\t".join(row).rstrip() for row in joined]


# -- .docx ---------------------------------------------------------------------------------------------------


def docx_lines(path: Path) -> list[str]:
    """Paragraphs and tables in document order; Word's automatic numbering written out as text."""
    try:
        blocks = read_docx(path)
    except ImportError as exc:  # pragma: no cover - python-docx is a dependency
        raise SourceError("缺少 python-docx，无法读取 .docx") from exc
    except DocxUnreadable as exc:
        raise SourceError(f"{path.name}：无法打开（文件已损坏，或不是 Word 2007 及以上的 .docx）") from exc
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, DocxTable):
            lines += table_lines(block.rows)
            continue
        prefix, text = block.list_label, block.text
        lines.append(prefix + text if prefix and not re.match(r"^\s*[\d一二三四五六七八九十（(]", text) else text)
    return lines


# -- .html -----------------------------------------------------------------------------------------------------

_SKIP_TAGS = {"script", "style", "nav", "header", "footer", "aside", "noscript", "form", "button", "iframe", "select"}
_SKIP_HINT = re.compile(
    r"nav|menu|breadcrumb|crumb|share|footer|header|sidebar|related|toolbar|copyright|position|location", re.I
)
_BODY_HINT = re.compile(r"article|content|TRS_Editor|zoom|detail|main-?text|wenzhang|pages_content|con_text", re.I)
_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "tr",
    "table",
    "blockquote",
    "pre",
}


class _Extractor(HTMLParser):
    """Text of a page in reading order; tables kept as rows of cells; chrome (nav, footers, share buttons) dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, body)
        self.lines: list[tuple[bool, str]] = []  # (inside the article body, text)
        self.current: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.body_seen = False

    @property
    def skipping(self) -> bool:
        return any(skipped for _, skipped, _ in self.stack)

    @property
    def in_body(self) -> bool:
        return any(body for _, _, body in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
        skipped = tag in _SKIP_TAGS or bool(names and _SKIP_HINT.search(names) and not _BODY_HINT.search(names))
        body = bool(names and _BODY_HINT.search(names))
        self.body_seen |= body
        if tag in ("br", "img", "hr", "meta", "link", "input"):
            if tag == "br":
                self._flush()
            return
        if tag in _BLOCKS:
            self._flush()
        if tag == "table" and not self.skipping:
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self.cell = []
        self.stack.append((tag, skipped, body))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.tables and self.cell is not None:
            if self.tables[-1]:
                self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None
        if tag == "table" and self.tables and not self.skipping:
            rows = self.tables.pop()
            body = self.in_body
            for line in table_lines(rows):
                self.lines.append((body, line))
        while self.stack:
            open_tag, _, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif not self.tables:
            self.current.append(data)

    def _flush(self) -> None:
        text = "".join(self.current).replace("\xa0", " ").strip()
        if text:
            self.lines.append((self.in_body, text))
        self.current = []


def html_lines(data: bytes, name: str) -> list[str]:
    """The article body of a saved web page (UTF-8 or GBK/GB2312, as its meta tag or bytes say)."""
    text = _decode_html(data, name)
    extractor = _Extractor()
    extractor.feed(text)
    extractor.close()
    extractor._flush()
    if extractor.body_seen and any(inside for inside, _ in extractor.lines):
        return [line for inside, line in extractor.lines if inside]
    return [line for _, line in extractor.lines]


def _decode_html(data: bytes, name: str) -> str:
    declared = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", data[:4096])
    candidates = [declared.group(1).decode().lower()] if declared else []
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        encoding = "gb18030" if encoding in ("gb2312", "gbk") else encoding
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise SourceError(f"{name}：网页的文字编码无法识别")


# -- .pdf ----------------------------------------------------------------------------------------------------

# A line that starts something new is never the tail of a wrapped line: a task number, a heading, a label.
_STRUCTURAL = re.compile(
    r"^(\d{1,4}\s*[.．、]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|"
    r"(牵头|联系|分管|责任|配合|协同)[^：:]{0,6}[：:]|目标任务[：:]|任务分解)"
)
_DASHED_NUMBER = re.compile(r"^[—\-－–]+\s*\d{1,4}\s*[—\-－–]+$")  # — 3 —, anywhere on a page
_PAGE_NUMBER = re.compile(r"^[\s—\-－–]*\d{1,4}[\s—\-－–]*$|^第\s*\d+\s*页(，?共\s*\d+\s*页)?$")


@dataclass(frozen=True)
class _Text:
    """A text line of a page: its text, right end and height (lines equal in all three are the same line)."""

    text: str
    right: float
    height: float


@dataclass
class _Table:
    """A table in reading order and the last page it runs over."""

    rows: list[list[str]]
    page: int


def pdf_lines(path: Path) -> list[str]:
    """Text lines of a PDF with a text layer, in reading order: ruled tables as rows (a table or a row that runs
    over a page break is joined again), page numbers and running headers/footers dropped, and wrapped title or
    prose lines joined."""
    try:
        pages = read_pdf(path)
    except ImportError as exc:  # pragma: no cover - a dependency
        raise SourceError("缺少 pdfplumber，无法读取 PDF") from exc
    except PdfUnreadable as exc:
        raise SourceError(f"{path.name}：无法读取 PDF（{exc.error}），文件可能已损坏或加密") from exc
    raw_pages = [[_page_item(item) for item in page] for page in pages]  # text lines, and tables as rows
    if not any(isinstance(item, list) or item.text.strip() for page in raw_pages for item in page):
        raise SourceError(f"{path.name}：PDF 中没有文字层（可能是扫描件），请使用原始的 Word 文件或文字版")
    repeated = _running_lines([[item.text for item in page if isinstance(item, _Text)] for page in raw_pages])
    # The right margin of the text block over the whole document (a page of short lines has no full line).
    right = max((item.right for page in raw_pages for item in page if isinstance(item, _Text)), default=0.0)
    entries: list[_Table | tuple[str, bool]] = []  # tables, and (text, wrapped at the right margin)
    for number, page in enumerate(raw_pages, start=1):
        texts = [item for item in page if isinstance(item, _Text)]
        for item in page:
            if isinstance(item, list):
                previous = entries[-1] if entries else None
                if isinstance(previous, _Table) and previous.page == number - 1:
                    _continue_table(previous.rows, item)  # the table runs on from the previous page
                    previous.page = number
                else:
                    entries.append(_Table(item, number))
                continue
            stripped = item.text.strip()
            position = texts.index(item)
            at_edge = position < 2 or position >= len(texts) - 2
            if (
                stripped in repeated
                or _DASHED_NUMBER.match(stripped)
                or (at_edge and _is_page_number(stripped, number))
            ):
                continue
            entries.append((item.text, item.right >= right - 1.5 * item.height))
    lines: list[str] = []
    joining = False
    for entry in entries:
        if isinstance(entry, _Table):
            lines += table_lines(entry.rows)
            joining = False
            continue
        text, wrapped = entry
        if joining and lines and not _STRUCTURAL.match(text.strip()):
            lines[-1] += text.strip()
        else:
            lines.append(text)
        # Only lines the parser cannot continue itself (titles, headings, prose) are joined: field lines
        # (``牵头单位：…``) and task lines (``12.…``) are continued by the parser from the next line anyway.
        last = lines[-1].strip()
        joining = (
            wrapped
            and not last.endswith(("。", "；", "：", ";", ":"))
            and not re.search(r"[：:]", last)
            and not re.match(r"^\d{1,4}\s*[.．、]", last)
        )
    return lines


def _page_item(item: PdfLine | PdfTable) -> _Text | list[list[str]]:
    """A line as its text, right end and height; a table as its rows, a cell's wrapped lines joined."""
    if isinstance(item, PdfTable):
        return [[re.sub(r"\s*\n\s*", "", cell) for cell in row] for row in item.rows]
    return _Text(item.text, item.x1, max(1.0, item.bottom - item.top))


def _continue_table(rows: list[list[str]], more: list[list[str]]) -> None:
    """Append a table's continuation: a repeated header is dropped, a row split by the page break rejoined."""
    if more and rows and [c.strip() for c in more[0]] == [c.strip() for c in rows[0]]:
        more = more[1:]
    if more and rows and len(more[0]) == len(rows[-1]):
        first = more[0]
        empty_elsewhere = sum(1 for c in first if c.strip()) < sum(1 for c in rows[-1] if c.strip())
        if empty_elsewhere:  # the tail of the last row's cells
            rows[-1] = [a + b for a, b in zip(rows[-1], first, strict=True)]
            more = more[1:]
    rows.extend(more)


def _is_page_number(text: str, page: int) -> bool:
    """``3`` or ``第3页`` on page 3 (or 2, when the cover is not counted): a bare number elsewhere is data."""
    match = re.search(r"\d{1,4}", text)
    return bool(_PAGE_NUMBER.match(text) and match and int(match.group()) in (page, page - 1))


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines at the top or bottom of most pages (running headers and footers)."""
    if len(pages) < 3:
        return set()
    counts: dict[str, int] = {}
    for page in pages:
        edges = {line.strip() for line in page[:2] + page[-2:] if line.strip()}
        for line in edges:
            counts[line] = counts.get(line, 0) + 1
    return {line for line, count in counts.items() if count >= max(3, len(pages) * 0.6)}


# -- task lists in .xlsx / .csv -------------------------------------------------------------------------------


def task_list_lines(rows: list[list[str]], name: str) -> list[str]:
    """A spreadsheet task list: the header row found by names, each row written as a task."""
    for index, row in enumerate(rows[:15]):
        if is_task_header(row):
            title = next((r[0] for r in rows[:index] if r and r[0]), "")
            head = [title] if title else []
            return [*head, "目标任务责任分解", *task_table_lines(rows[index:])]
    found = "、".join(c for row in rows[:5] for c in row if c)[:200]
    raise SourceError(
        f"{name}：找不到任务清单的表头（需要“工作任务/目标任务/任务”列和“牵头领导/牵头单位/责任单位”等列）。"
        f"前几行的内容是：{found or '（空）'}"
    )


def spreadsheet_rows(path: Path) -> list[list[str]]:
    """The rows of the first visible, non-empty sheet of a workbook, as text."""
    try:
        workbook = read_workbook(path)
    except WorkbookRejected as exc:
        raise SourceError(f"{path.name}：{exc.message}") from exc
    sheet = next((s for s in workbook.sheets if s.visible and any(any(r) for r in s.rows)), None)
    if sheet is None:
        raise SourceError(f"{path.name}：工作簿是空的")
    return [[clean_text(v) for v in row] for row in sheet.rows]


def csv_rows(data: bytes, name: str) -> list[list[str]]:
    """The rows of a .csv file (UTF-8, UTF-16 or GBK), cells stripped."""
    text, _ = decode_text(data, name)
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


# -- .doc / .wps through LibreOffice ------------------------------------------------------------------------------


def converted_docx_lines(path: Path) -> list[str]:
    """A .doc or .wps notice converted to .docx by LibreOffice, then read as one."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            converted = convert_with_office([path], "docx", Path(folder), timeout=300)
        except OfficeError as exc:
            raise SourceError(f"{path.name}：LibreOffice 转换失败，请在 Word/WPS 中“另存为” .docx 后重试") from exc
        if converted is None:
            raise SourceError(
                f"{path.name}：{path.suffix} 格式需要 LibreOffice 转换，但本机未安装。请在 Word/WPS 中“另存为” .docx 后重试"
            )
        if not converted:
            raise SourceError(f"{path.name}：LibreOffice 未能转换，请在 Word/WPS 中“另存为” .docx 后重试")
        return docx_lines(converted[0])

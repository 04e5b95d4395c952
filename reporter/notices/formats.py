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
from itertools import pairwise
from pathlib import Path

from reporter.errors import SourceError
from reporter.forms.values import clean_text
from reporter.io.docx_read import DocxParagraph, DocxTable, DocxUnreadable, read_docx
from reporter.io.office import OfficeError, convert_with_office
from reporter.io.pdf_read import PdfLine, PdfTable, PdfUnreadable, read_pdf
from reporter.io.workbooks import WorkbookRejected, read_workbook
from reporter.notices.decode import decode_text
from reporter.text import CHINESE_NUMBER, chinese_count, to_simplified

# -- task tables ----------------------------------------------------------------------------------------------

# Header cells by field. A table may have several task-like columns (项目名称 | 主要内容, 任务名称 | 指标要求): the
# last one is the task and the first names its project or group (``name``). ``progress`` columns (进展情况, 形象进度,
# 总投资 …) are recognised so that they are never taken for the task; they are not written out.
_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "序", "序列"),
    "section": ("板块", "类别", "领域", "分类", "工作类别", "类型", "大类", "门类"),
    "task": (
        "工作任务", "目标任务", "任务", "任务内容", "重点工作", "主要任务", "工作内容", "具体任务", "项目名称",
        "任务名称", "项目", "名称", "项目内容", "主要内容", "建设内容", "具体内容", "内容与要求", "重点工作任务",
        "重点任务", "工作目标", "指标要求", "目标要求", "工作要求", "任务要求", "工作事项", "实事项目",
        "民生实事项目", "主要目标任务", "目标任务及要求", "指标名称", "工作措施", "具体措施", "主要措施",
        "建设规模及内容", "建设规模和内容", "项目建设内容",
    ),
    "leader": (
        "牵头领导", "牵头市领导", "分管市领导", "分管领导", "责任领导", "联系领导", "牵头负责领导", "分管省领导",
        "牵头省领导", "分管县领导", "牵头县领导", "分管区领导", "牵头区领导", "区领导", "县领导", "市领导",
    ),
    "lead": (
        "牵头单位", "牵头部门", "牵头责任单位", "主办单位", "牵头单位及主要负责人", "牵头单位及责任人", "主责单位",
        "主责部门", "牵头责任部门",
    ),
    "responsible": ("责任单位", "责任部门", "承办单位", "实施单位", "责任主体", "责任单位及责任人"),
    "cooperating": (
        "配合单位", "配合部门", "协同责任单位", "协同单位", "协办单位", "参与单位", "协作单位", "配合责任单位",
    ),
    "person": ("责任人", "主要负责人", "项目责任人", "具体责任人"),
    "deadline": ("完成时限", "时限", "完成时间", "时间节点", "时限要求", "完成期限", "时间要求"),
    "progress": (
        "进展情况", "形象进度", "完成情况", "工作进度", "落实进展情况", "进度", "进度状态", "情况说明", "备注",
        "目标进度", "总投资", "投资额", "计划投资", "起止年限", "建设年限", "目标类型", "责任目标类型",
    ),
}  # fmt: skip
_EXACT_FIELDS = {name: field for field, names in _HEADER_SYNONYMS.items() for name in names}
HEADER_WORDS = frozenset(_EXACT_FIELDS)
# Header words not in the lists above, read by their shape (short cells only).
_GENERIC_FIELDS = (
    ("leader", re.compile(r"^[\u4e00-\u9fa5]{0,6}领导$")),
    ("lead", re.compile(r"^牵头.{0,4}(单位|部门)")),
    ("cooperating", re.compile(r"(配合|协同|协办|协作|参与).{0,4}(单位|部门)")),
    ("responsible", re.compile(r"^(责任|主体|实施|承办).{0,2}(单位|部门)")),
    ("person", re.compile(r"(责任人|负责人)$")),
    ("deadline", re.compile(r"时限|完成时间|时间节点|完成期限")),
    ("progress", re.compile(r"进展|进度|完成情况|情况说明|备注|投资|年限|完成率|完成比例|计划|状态")),
)
UNIT_FIELDS = ("lead", "responsible", "cooperating")
_PINYIN_GLOSS = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňḿ]+\)")
_SPACES = re.compile(r"\s+")
_BRACKETED = re.compile(r"[（(][^（()）]*[）)]")
_ENUMERATED = re.compile(
    rf"^(?:(?P<numeral>{CHINESE_NUMBER})、|[（(](?P<bracketed>{CHINESE_NUMBER})[）)])\s*(?P<text>.*)$"
)


def plain_text(text: str) -> str:
    """A cell as read for matching: NFKC, traditional characters as simplified, pinyin glosses (``區(qū)``) dropped."""
    text = _PINYIN_GLOSS.sub("", unicodedata.normalize("NFKC", text))
    return to_simplified(text)


def header_key(text: str) -> str:
    """A header cell as compared with the vocabulary: no spaces (``任 务 名 称``), no bracketed note (``(万元)``)."""
    return _BRACKETED.sub("", _SPACES.sub("", plain_text(text))).strip(":：*")


def header_field(text: str, *, generic: bool = True) -> str | None:
    """The field a header cell names (``牵头 市领导`` -> leader), or None."""
    key = header_key(text)
    if not key:
        return None
    if key in _EXACT_FIELDS:
        return _EXACT_FIELDS[key]
    if generic and len(key) <= 10:
        for field, pattern in _GENERIC_FIELDS:
            if pattern.search(key):
                return field
    return None


def map_task_columns(header: list[str]) -> dict[str, int]:
    """Column index of each field found in a header row (by name, any order). Of several task-like columns the
    last is ``task`` and the first ``name`` (the project or group the task belongs to)."""
    found: dict[str, int] = {}
    tasks: list[int] = []
    for index, cell in enumerate(header):
        field = header_field(cell)
        if field == "task":
            tasks.append(index)
        elif field is not None and field not in found:
            found[field] = index
    if tasks:
        found["task"] = tasks[-1]
        if len(tasks) > 1:
            found["name"] = tasks[0]
    return found


def is_task_header(header: list[str]) -> bool:
    columns = map_task_columns(header)
    return "task" in columns and bool({"leader", "lead", "responsible"} & columns.keys())


def task_table_lines(rows: list[list[str]], *, start_section: int = 0) -> list[str]:
    """A task table as notice lines; a header repeated on a new page is skipped, merged section cells kept."""
    return [line for _, line in task_table_entries(rows, start_section=start_section)]


@dataclass
class _TaskRow:
    """One body row of a task table, read by its header."""

    index: int
    number: str
    name: str
    task: str
    fields: dict[str, str]

    @property
    def owns_units(self) -> bool:
        return any(self.fields.get(field) for field in UNIT_FIELDS)

    @property
    def owns(self) -> bool:
        return self.owns_units or bool(self.fields.get("leader"))


@dataclass
class _TaskGroup:
    """A numbered row and the un-numbered rows under it that carry their own leader or units."""

    number: int
    row: _TaskRow
    subs: list[_TaskRow]


def task_table_entries(
    rows: list[list[str]], *, start_section: int = 0, spanning: bool = True
) -> list[tuple[int, str]]:
    """:func:`task_table_lines`, each line with the index (in ``rows``) of the row it was written from.

    A row spanning the table (one value; with ``spanning=False``, the same value in every cell), or a new value
    in a 板块/类别 column, is a heading ``一、…``. Rows without a number
    under a numbered row, with a leader or units of their own, are its sub-items ``（1）…`` (when the numbered row
    has units of its own too, it is the first sub-item and its project name the task's title). Numbering that
    starts again at 1 with no heading before it starts a new heading (``一、第一部分`` / ``二、第二部分``), so that
    the parser keeps both lists.
    """
    header = rows[0]
    columns = map_task_columns(header)

    def cell(row: list[str], field: str) -> str:
        index = columns.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    def is_heading(row: list[str]) -> bool:
        values = {c.strip() for c in row if c.strip()}
        full = spanning or all(c.strip() for c in row)
        return len(values) == 1 and not cell(row, "number").isdigit() and len(row) > 2 and full

    body = [
        (index, row)
        for index, row in enumerate(rows[1:], start=1)
        if any(c.strip() for c in row) and map_task_columns(row) != columns  # not empty, not a repeated header
    ]
    data = [row for _, row in body if not is_heading(row)]
    if "number" in columns and not any(cell(row, "number").isdigit() for row in data):
        del columns["number"]  # a 序号 column left empty
    numbered = "number" in columns
    names = [cell(row, "name") for row in data]
    spans = any(not name for name in names[1:]) or any(a == b for a, b in pairwise(names))
    name_is_section = "name" in columns and (
        (not numbered and spans) or (any(names) and all(_ENUMERATED.match(n) for n in names if n))
    )

    items: list[tuple[int, str] | _TaskGroup] = []  # headings (row index, text) and tasks
    section: str | None = None
    number = 0
    for index, row in body:
        if is_heading(row):
            section = next(c.strip() for c in row if c.strip())
            items.append((index, section))
            continue
        current = cell(row, "section") or (cell(row, "name") if name_is_section else "")
        if current and current != section:
            items.append((index, current))
            section = current
        fields = {f: cell(row, f) for f in ("leader", *UNIT_FIELDS, "person", "deadline")}
        _split_persons(header, columns, fields)
        written = cell(row, "number")
        current_row = _TaskRow(index, written, "" if name_is_section else cell(row, "name"), cell(row, "task"), fields)
        last = items[-1] if items else None
        if number and not written and numbered and current_row.owns and isinstance(last, _TaskGroup):
            last.subs.append(current_row)  # a sub-row of the numbered task above, with its own leader or units
            continue
        if not current_row.task and not current_row.name:
            continue
        number = int(written) if written.isdigit() else number + 1
        items.append(_TaskGroup(number, current_row, []))
    items = _restarted_lists(items)

    lines: list[tuple[int, str]] = []
    section_count = start_section
    for item in items:
        if not isinstance(item, _TaskGroup):
            section_count += 1
            lines.append((item[0], _heading(item[1], section_count)))
            continue
        first, subs = item.row, item.subs
        if subs and first.owns_units:  # the numbered row is the first of its sub-items
            lines.append((first.index, f"{item.number}.{first.name or first.task}"))
            lines += _field_lines(first, ("leader", "deadline"))  # shared by sub-rows that do not give their own
            own = {**first.fields, "leader": "", "deadline": ""}
            subs = [_TaskRow(first.index, "", "", first.task or first.name, own), *item.subs]
        else:
            lines.append((first.index, f"{item.number}.{_title(first.name, first.task)}"))
            lines += _field_lines(first)
        for k, sub in enumerate(subs, start=1):
            lines.append((sub.index, f"（{k}）{sub.task}"))
            lines += _field_lines(sub)
    return lines


def _title(name: str, task: str) -> str:
    if not name or task.startswith(name):
        return task
    return f"{name}：{task}" if task else name


def _field_lines(row: _TaskRow, only: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """The labelled lines of a row (all fields, or ``only`` these)."""
    value = {f: v for f, v in row.fields.items() if only is None or f in only}
    lines = []
    if value.get("leader"):
        lines.append(f"牵头领导：{value['leader']}")
    units = []
    lead, responsible, cooperating = (value.get(f, "") for f in UNIT_FIELDS)
    if lead:
        units.append(f"牵头单位：{lead}")
        if joined := "、".join(filter(None, [cooperating, responsible])):
            units.append(f"配合单位：{joined}")
    elif responsible:
        units.append(f"责任单位：{responsible}")
        if cooperating:
            units.append(f"配合单位：{cooperating}")
    elif cooperating:
        units.append(f"配合单位：{cooperating}")
    if units:
        lines.append("；".join(units))
    if value.get("person"):
        lines.append(f"责任人：{value['person']}")
    if value.get("deadline"):
        lines.append(f"完成时限：{value['deadline']}")
    return [(row.index, line) for line in lines]


_PERSON_AFTER_UNIT = re.compile(
    r"^(?P<unit>.+?)\s+(?P<person>[\u4e00-\u9fa5]{2,4}(?:[、，,]\s*[\u4e00-\u9fa5]{2,4})*)$"
)


def _split_persons(header: list[str], columns: dict[str, int], fields: dict[str, str]) -> None:
    """``市民政局 伍泽国`` in a 牵头单位及主要负责人 column: the unit, and the person as 责任人."""
    for field in UNIT_FIELDS:
        index = columns.get(field)
        if index is None or not re.search(r"负责人|责任人", header[index]) or not fields[field]:
            continue
        match = _PERSON_AFTER_UNIT.match(fields[field])
        if match:
            fields[field] = match.group("unit").strip()
            fields["person"] = "、".join(filter(None, [fields["person"], match.group("person")]))


def _restarted_lists(items: list[tuple[int, str] | _TaskGroup]) -> list[tuple[int, str] | _TaskGroup]:
    """Numbering that starts again (``1 … 32``, ``1 … 152``) with no heading before it: a heading for each list."""
    restarts: list[int] = []
    previous = 0
    heading_seen = False
    for position, item in enumerate(items):
        if not isinstance(item, _TaskGroup):
            heading_seen = True
            continue
        if item.number < previous and not heading_seen:
            restarts.append(position)
        previous, heading_seen = item.number, False
    if not restarts:
        return items
    first_task = next(i for i, item in enumerate(items) if isinstance(item, _TaskGroup))
    starts = (
        restarts if any(not isinstance(item, _TaskGroup) for item in items[:first_task]) else [first_task, *restarts]
    )
    result: list[tuple[int, str] | _TaskGroup] = []
    count = 0
    for position, item in enumerate(items):
        if position in starts:
            count += 1
            index = item.row.index if isinstance(item, _TaskGroup) else item[0]
            result.append((index, f"第{chinese_count(count)}部分"))
        result.append(item)
    return result


def _heading(text: str, count: int) -> str:
    enumerated = _ENUMERATED.match(text)
    if enumerated and enumerated.group("numeral"):
        return text
    if enumerated and enumerated.group("text"):  # （一）经济发展 -> 一、经济发展
        return f"{enumerated.group('bracketed')}、{enumerated.group('text')}"
    return f"{chinese_count(count)}、{text}"


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
            lines += table_lines([["\n".join(map(_as_shown, cell)) for cell in row] for row in block.rows])
        else:
            lines.append(_as_shown(block))
    return lines


# A paragraph that starts with its own number (一、 1. （一） ①): a list label before it would number it twice.
_OWN_NUMBER = re.compile(
    rf"^\s*(?:\d{{1,4}}\s*[.．、]|{CHINESE_NUMBER}\s*[、.．]|[（(](?:\d{{1,3}}|{CHINESE_NUMBER})[）)]|[①-⑳])"
)


def _as_shown(paragraph: DocxParagraph) -> str:
    """A paragraph as Word shows it: its list label, then its text (unless the text carries its own number)."""
    label, text = paragraph.list_label, paragraph.text
    return label + text if label and not _OWN_NUMBER.match(text) else text


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
    rf"^(\d{{1,4}}\s*[.．、]|{CHINESE_NUMBER}、|[（(]{CHINESE_NUMBER}[）)]|"
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

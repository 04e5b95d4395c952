"""Task tables whose text lost every separator: a .docx table pasted into a web page by a document-sharing site.

What is left of such a table is one run of characters, the header glued to the rows and every cell to the next::

    序号项目名称主要内容区政府分管领导牵头单位配合单位1增加教育资源供给实施新建……增加学位5000个。何某某教育局经开区各街道2促进就业……

The grammar of a task table still holds in it, and is what this module reads:

* the header is a run of header words (序号, 项目名称, 主要内容, 区政府分管领导, 牵头单位 …, the vocabulary of
  :mod:`reporter.notices.formats`) with nothing between them;
* a row starts with its number, in sequence, right after the header or after the last unit of the row before;
* a row's text ends with a full stop and is followed by its leader, a personal name of two or three characters
  (a known surname first), and then its units, each ending in 局, 委, 办, 中心, 公司, 街道, 区 … (a bracket
  such as ``(邹区镇)`` belongs to the unit before it); the first unit leads, the others cooperate;
* text after the units with a leader and units of its own is a sub-row of the same number; text after them
  without is the rest of the row's text;
* the site numbers its pages ``1、`` ``2、`` … at the start of each line, even inside a cell; those are dropped,
  and so is the header repeated after a page break.

Where a leader's name and the unit after it could be cut in two ways (``张某民政局``), the cut that leaves the
unit starting with a department's name (民政, 教育 … from the lexicon) or a place (市, 区, 各 …) is taken.
The table is written out as the rows of a task table (:func:`reporter.notices.formats.task_table_entries`), so
the one parser reads it like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from reporter.notices.formats import HEADER_WORDS, header_field
from reporter.notices.lexicon import Lexicon, default_lexicon
from reporter.notices.units import COMPOUND_SURNAMES, HAN_NAME, SURNAMES
from reporter.text import to_simplified, to_traditional

_NUMBER_WORDS = ("序号", "编号")
_MIN_HEADER = 4  # header words in a row: 序号 项目名称 牵头单位 配合单位
_MIN_BODY = 10  # characters glued after the header on its line
_UNIT_SUFFIXES = (
    "管委会", "委员会", "办公室", "政府", "中心", "公司", "集团", "街道", "银行", "分局", "支队", "大队", "妇联",
    "局", "委", "办", "厅", "署", "院", "所", "站", "队", "部", "处", "室", "区", "园", "镇", "乡", "县", "馆",
    "会", "社", "行", "台", "校", "团", "联",
)  # fmt: skip
_UNIT_END_CHARS = frozenset(suffix[-1] for suffix in _UNIT_SUFFIXES) | frozenset(")）")
_PLACE_STARTS = ("市", "区", "县", "镇", "乡", "各", "省", "州", "团")
_NOT_IN_UNIT = re.compile(r"[、，,。；;：:！!？?“”\"《》\s\d%]")
_PLACE_WORDS = re.compile(r"[省市区县镇乡村街]")
_SPACE = re.compile(r"\s")
_PAGE_MARK = re.compile(r"^(\d{1,3})、")
_ROW_NUMBER = re.compile(r"(?<![\d.．%])(\d{1,3})(?![\d.．%])(?=[\u4e00-\u9fa5“\"《（(])")
_SENTENCE_END = "。；;！!？?"
_ROW_BEFORE = _UNIT_END_CHARS | frozenset(_SENTENCE_END)  # a row number follows a unit or the end of a sentence
_MAX_UNIT = 16


@dataclass
class _Row:
    number: str
    text: str
    leader: str = ""
    units: list[str] = field(default_factory=list)
    line: int = 0


def _header_at(key: str, start: int) -> tuple[list[str], int] | None:
    """The header words glued together from ``start`` (each as written) and where they end."""
    words: list[str] = []
    position = start
    longest = max(len(word) for word in HEADER_WORDS)
    while position < len(key):
        exact = next(
            (
                key[position : position + n]
                for n in range(longest, 0, -1)
                if key[position : position + n] in HEADER_WORDS
            ),
            None,
        )
        if exact is not None and (len(exact) > 1 or not words):
            words.append(exact)
            position += len(exact)
            continue
        generic = None
        for n in range(2, 9):  # 区政府分管领导: a header word with a qualifier in front
            piece = key[position : position + n]
            rest = key[position + n :]
            if not piece.isspace() and _SPACE.search(piece):
                break  # cells with spaces between them are not glued
            if header_field(piece) and (not rest or any(rest.startswith(w) for w in HEADER_WORDS if len(w) > 1)):
                generic = piece
                break
        if generic is None:
            break
        words.append(generic)
        position += len(generic)
    fields = [header_field(word) for word in words]
    if len(words) < _MIN_HEADER or fields[0] != "number" or "task" not in fields:
        return None
    if not {"lead", "responsible", "leader"} & set(filter(None, fields)):
        return None
    return words, position


def _find_header(key: str) -> tuple[int, list[str], int] | None:
    for word in _NUMBER_WORDS:
        start = key.find(word)
        while start != -1:
            found = _header_at(key, start)
            if found is not None:
                return start, found[0], found[1]
            start = key.find(word, start + 1)
    return None


def _is_name(text: str) -> bool:
    if not HAN_NAME.fullmatch(text) or _PLACE_WORDS.search(text):
        return False  # 全区城镇……: a place, not 全区 the person
    return text[:2] in COMPOUND_SURNAMES or (text[0] in SURNAMES and len(text) <= 3)


def _unit_at(text: str, start: int, lexicon: Lexicon) -> int | None:
    """The end of the unit name starting at ``start`` (the shortest that ends like a unit), or None."""
    verbs, stems = lexicon.task_verbs, frozenset(lexicon.department_stems)
    if text.startswith(verbs, start):
        return None  # 推进……: a row's text, not a unit
    for end in range(start + 2, min(start + _MAX_UNIT, len(text)) + 1):
        piece = text[start:end]
        if _NOT_IN_UNIT.search(piece[-1]):
            return None
        if piece.count("(") + piece.count("（") != piece.count(")") + piece.count("）"):
            continue  # inside a bracket: 高新园(邹区镇)
        if piece.lstrip("".join(_PLACE_STARTS)) in stems:
            continue  # 人社 of 人社局: a department's name goes on to its ending
        if piece.endswith(_UNIT_SUFFIXES) or (piece[-1] in ")）" and len(piece) > 3):
            while end < len(text) and text[end] in "(（":  # a bracket after the name belongs to it
                close = min((i for i in (text.find(")", end), text.find("）", end)) if i != -1), default=-1)
                if close == -1 or close - end > 12:
                    break
                end = close + 1
            return end
    return None


def _units_at(text: str, start: int, lexicon: Lexicon) -> tuple[list[str], int]:
    units: list[str] = []
    position = start
    while position < len(text):
        end = _unit_at(text, position, lexicon)
        if end is None:
            break
        units.append(text[position:end])
        position = end
    return units, position


def _starts_unit(text: str, lexicon: Lexicon) -> bool:
    return text.startswith(_PLACE_STARTS) or text.startswith(lexicon.department_stems)


def _tail_at(text: str, position: int, lexicon: Lexicon) -> tuple[str, list[str], int] | None:
    """A leader and the units after them, starting at ``position``: (leader, units, end), or None."""
    options = []
    for length in (3, 2):
        name = text[position : position + length]
        if not _is_name(name):
            continue
        units, end = _units_at(text, position + length, lexicon)
        if units:
            options.append((not _starts_unit(text[position + length :], lexicon), length != 3, name, units, end))
    if not options:
        return None
    _, _, name, units, end = min(options)
    return name, units, end


def _rows(body: str, lines_of: list[int], lexicon: Lexicon) -> list[_Row]:
    """The rows of a glued table body (numbers in sequence start rows; each row's text, leader and units)."""
    starts: list[tuple[int, str]] = []
    expected = 1
    for match in _ROW_NUMBER.finditer(body):
        at = match.start()
        if int(match.group(1)) == expected and (at == 0 or body[at - 1] in _ROW_BEFORE):
            starts.append((at, match.group(1)))
            expected += 1
    rows: list[_Row] = []
    for k, (at, number) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else len(body)
        text = body[at + len(number) : stop]
        offset = at + len(number)
        row = _Row(number, "", line=lines_of[at])
        cursor = 0
        position = 0
        while position < len(text):
            tail = _tail_at(text, position, lexicon) if position and text[position - 1] in _SENTENCE_END else None
            if tail is None:
                position += 1
                continue
            leader, units, end = tail
            if row.leader:  # a sub-row of the same number, with its own leader and units
                rows.append(row)
                row = _Row("", "", line=lines_of[offset + cursor])
            row.text, row.leader, row.units = text[cursor:position], leader, units
            cursor = position = end
        if cursor < len(text):
            if row.leader:
                row.text += text[cursor:]  # more of the row's text, after its units: the rest of its cell
            else:
                row.text = text[cursor:]
        rows.append(row)
    return rows


@cache
def _number_written() -> tuple[str, ...]:
    """序号 and 编号 as the text may have them before conversion: simplified or traditional (序號, 編號)."""
    return (*_NUMBER_WORDS, *(to_traditional(word) for word in _NUMBER_WORDS))


def glued_header(line: str) -> tuple[str, list[str]] | None:
    """A line that is a glued header and nothing more (after an optional title): (the title, the header words)."""
    text = line.strip()
    if not any(word in text for word in _number_written()):
        return None
    key = to_simplified(text)
    found = _find_header(key if len(key) == len(text) else text)
    if found is None or found[2] != len(text):
        return None
    start, words, _ = found
    return text[:start].strip(), words


@dataclass(frozen=True)
class GluedTable:
    """A glued table found at a line: the text before its header, the task table, and the line after it."""

    prefix: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (source line index, cells)
    end: int


def glued_table(lines: list[str], i: int, lexicon: Lexicon | None = None) -> GluedTable | None:
    """The glued table whose header is on line ``i`` (0-based), read up to the next blank line; ``lexicon`` gives
    the words that tell a task's text from a unit (the package's, with a workspace's additions)."""
    line = lines[i].strip()
    if len(line) < 20 or not any(word in line for word in _number_written()):
        return None
    key = to_simplified(line)
    if len(key) != len(line):
        key = line
    found = _find_header(key)
    if found is None:
        return None
    start, words, header_end = found
    if len(line) - header_end < _MIN_BODY or " " in line[header_end : header_end + _MIN_BODY]:
        return None
    pieces = [line[header_end:]]
    lines_of = [i] * len(pieces[0])
    page = _PAGE_MARK.match(line)
    expected_page = int(page.group(1)) + 1 if page else None
    j = i + 1
    while j < len(lines) and lines[j].strip():
        text = lines[j].strip()
        mark = _PAGE_MARK.match(text)
        if mark and (expected_page is None or int(mark.group(1)) == expected_page):
            expected_page = int(mark.group(1)) + 1
            text = text[mark.end() :]
        pieces.append(text)
        lines_of += [j] * len(text)
        j += 1
    body = "".join(pieces)
    glued_header = line[start:header_end]
    while (at := body.find(glued_header)) != -1:  # the header again after a page break
        body = body[:at] + body[at + len(glued_header) :]
        del lines_of[at : at + len(glued_header)]
    rows = _rows(body, lines_of, lexicon or default_lexicon())
    if not any(row.leader or row.units for row in rows):
        return None
    fields = [header_field(word) for word in words]
    prefix = line[:start]
    if page and expected_page is not None and expected_page > int(page.group(1)) + 1:
        prefix = prefix[page.end() :]  # the site's page number, not the title's
    return GluedTable(prefix.strip(), words, [(row.line, _cells(row, fields)) for row in rows], j)


def _cells(row: _Row, fields: list[str | None]) -> list[str]:
    """A row's values in the header's columns: its text in the task column, the first unit in 牵头单位."""
    cells = [""] * len(fields)

    def put(kind: str, value: str) -> None:
        if kind in fields:
            cells[fields.index(kind)] = value

    put("number", row.number)
    task_columns = [k for k, kind in enumerate(fields) if kind == "task"]
    cells[task_columns[-1]] = row.text
    put("leader", row.leader)
    others = "cooperating" if "cooperating" in fields else "responsible"  # where the units after the first go
    if "lead" in fields and others in fields:
        put("lead", row.units[0] if row.units else "")
        put(others, "、".join(row.units[1:]))
    else:
        put("lead" if "lead" in fields else "responsible", "、".join(row.units))
    return cells

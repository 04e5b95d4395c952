"""Task tables recovered from text in which they were flattened (web pages, PDF text, reposts).

A task table copied out of a web page or a PDF loses its grid. What is left is one of:

* one cell per line (with or without blank lines between the cells), empty cells dropped, so that rows have
  different numbers of cells and a cell spanning several rows (a project name, a group) appears only once;
* one row per line, cells separated by ``|`` (with empty ``| |`` cells) or by tabs;
* one row per line, cells separated by spaces, the unit last (``1 地区生产总值增长7%以上。 发改委``).

:func:`recover_tables` finds the header of such a table by its vocabulary (序号, 目标任务, 牵头市领导, 牵头单位 …,
a header cell wrapped over two lines such as ``牵头`` / ``市领导``, or a two-level header), cuts the cells that
follow into rows and places each cell in its column, then writes the rows out through
:func:`reporter.notices.formats.task_table_entries` as the lines of a text notice (``1.任务`` / ``牵头领导：…`` /
``牵头单位：…；配合单位：…``) that the one parser reads. Everything else passes through unchanged.

Rows are cut and cells placed together, by the cheapest alignment of the cells with the columns (a Viterbi
search over "which column is this cell in"): a cell costs little in a column it looks like (a unit name ends in
局/委/办/中心…, a leader is a 2–4 character personal name, a progress cell is prose or a percentage), skipping a
column (an empty cell) costs little or much by column, and a row number in sequence starts a row. So rows with
fewer cells than columns are placed by what their cells look like rather than shifted, rows without a number
still end where the next task text begins, two leader cells in one row are one leader list, and a unit name
wrapped over two cells (``区新兴产业`` / ``服务中心``) is joined again. The search runs between row numbers, so
the work grows linearly with the table.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from reporter.model import LIVELIHOOD
from reporter.notices.formats import (
    HEADER_WORDS,
    UNIT_FIELDS,
    header_field,
    header_key,
    plain_text,
    task_table_entries,
)
from reporter.notices.glued import glued_header, glued_table
from reporter.notices.lexicon import Lexicon, default_lexicon
from reporter.notices.parser import is_part_title, part_kind
from reporter.notices.units import COMPOUND_SURNAMES, HAN_NAME, SURNAMES
from reporter.text import CHINESE_NUMBER, chinese_count, chinese_numeral, normalize_line, to_simplified

# -- what a cell looks like ---------------------------------------------------------------------------------------

_TITLES = re.compile(r"^(?:常务)?副?(?:省|市|区|县|州|镇|乡)?(?:长|书记|主任|秘书长)$")
# Words that make a short cell a state of progress rather than a name (正常, 办结, 已完成 …).
_NOT_A_NAME = re.compile(r"完成|滞后|正常|办结|推进|开工|进行|达标|超额|启动|顺利|落实|序时|未|已|暂|无")
_UNIT_END = re.compile(
    r"(?:局|委|办|厅|署|院|所|站|队|部|处|室|中心|公司|集团|政府|管委会|委员会|街道|镇|乡|园区|开发区|新区|"
    r"馆|会|社|团|行|台|校|大学|单位|部门|机关|联社|银行|妇联|团委|分局|支队|大队)$"
)
_UNIT_START = re.compile(r"^(?:省|市|区|县|州|镇|乡|各|全)")
_PROSE = re.compile(r"[。；;！？!?]")
_NUMERIC = re.compile(r"^[\d.,，%％~～\-—－/]+(?:万元|亿元|元|万|亿|个|人|家|套|项|%)?$")
_DATE_LIKE = re.compile(r"\d{1,2}月|年底|年内|年末|季度|上半年|下半年|全年|\d{4}年")
_ROW_NUMBER = re.compile(
    rf"^(?:(?P<digits>\d{{1,5}})[.．、]?|(?P<cn>{CHINESE_NUMBER})、?|[（(](?P<paren>{CHINESE_NUMBER})[）)])$"
)
_ENUMERATED_CELL = re.compile(rf"^(?:{CHINESE_NUMBER}、|[（(]{CHINESE_NUMBER}[）)])\S")
_HEADING_CELL = re.compile(rf"^{CHINESE_NUMBER}、\S")
_PARENTHETICAL = re.compile(r"[（(][^（()）]*[）)]")
_UNIT_SPLIT = re.compile(r"[、，,；;]")
_WHITESPACE = re.compile(r"\s+")
_PERSON_COLUMN = re.compile(r"负责人|责任人")
_WRAPPED_HEADER = re.compile(r"\d{4}年|\d{1,2}月|[一二三四]季度")
_HEADING_TEXT = re.compile(rf"^{CHINESE_NUMBER}、")
_TOKEN = re.compile(r"\S+")
_ROW_START = re.compile(rf"\d{{1,5}}|{CHINESE_NUMBER}、?|[（(]{CHINESE_NUMBER}[）)]")


def _is_name(text: str) -> bool:
    """``张三``, ``吕  乐`` (padded), ``欧阳明``, ``副市长``: a person who leads, not a unit or a state of progress."""
    name = _WHITESPACE.sub("", text)
    if _TITLES.match(name):
        return True
    if not HAN_NAME.fullmatch(name) or _UNIT_END.search(name) or _NOT_A_NAME.search(name):
        return False
    return name[:2] in COMPOUND_SURNAMES or (name[0] in SURNAMES and len(name) <= 3)


def _unit_score(plain: str, text: str) -> int:
    """2: a unit or a list of units (``市发改委``, ``区财政局、各街道``, ``市民政局 伍泽国``); 1: the start of one wrapped
    over two cells (``区新兴产业``), or a place (``临平新城``); 0: something else."""
    if not plain or len(plain) > 80 or _PROSE.search(plain):
        return 0
    first = text.split()[0] if len(text.split()) == 2 and _is_name(text.split()[1]) else None
    if first is not None:  # 市民政局 伍泽国: a unit and its head
        plain = plain_text(first)
    items = [_PARENTHETICAL.sub("", item).strip() for item in _UNIT_SPLIT.split(plain) if item.strip()]
    items = [item for item in items if item]
    if not items:
        return 0
    units = sum(1 for item in items if _UNIT_END.search(item) or item.startswith("各") or item.endswith("等"))
    if units == len(items) or (len(items) >= 3 and units >= len(items) - 1):
        return 2
    if len(items) == 1 and len(plain) <= 12 and (_UNIT_START.match(plain) or plain.endswith("城")):
        return 1
    return 0


@dataclass
class _Cell:
    """A cell of a flattened table: its text, the source line it is on, the blank lines before it, and what it
    looks like (read once, when it is made)."""

    text: str
    line: int
    gap: int = 1
    seq: int | None = None  # the row number, when this cell starts a row
    plain: str = field(init=False)
    number: int | None = field(init=False)  # 3, 三, （三）: a row number, if that is all the cell says
    enumerator_only: bool = field(init=False)
    enumerated: bool = field(init=False)  # （一）…, 一、…: a group or project given its own number
    heading: bool = field(init=False)
    person: bool = field(init=False)
    unit: int = field(init=False)
    prose: bool = field(init=False)
    numeric: bool = field(init=False)
    datelike: bool = field(init=False)

    def __post_init__(self) -> None:
        plain = self.plain = _WHITESPACE.sub("", plain_text(self.text))
        match = _ROW_NUMBER.match(plain)
        if not match:
            self.number = None
        elif match.group("digits"):
            self.number = int(match.group("digits"))
        else:
            self.number = chinese_numeral(match.group("cn") or match.group("paren"))
        self.enumerator_only = self.number is not None and not plain.isdigit()
        self.enumerated = self.enumerator_only or bool(_ENUMERATED_CELL.match(plain))
        self.heading = bool(_HEADING_CELL.match(plain)) and len(plain) <= 60 and "。" not in plain
        self.person = _is_person(self.text)
        self.unit = 0 if self.person else _unit_score(plain, self.text)
        self.prose = bool(_PROSE.search(plain)) or len(plain) > 30
        self.numeric = bool(_NUMERIC.match(plain))
        self.datelike = len(plain) <= 24 and bool(_DATE_LIKE.search(plain))


def _is_person(text: str) -> bool:
    """One leader or several (``张三、李四``, ``张三 李四``)."""
    if len(text) > 40:
        return False
    items = [item for item in _UNIT_SPLIT.split(text) if item.strip()]
    words = text.split()
    if len(items) == 1 and len(words) >= 2 and all(_is_name(word) for word in words):
        items = words  # 张三 李四 in one cell
    return bool(items) and all(_is_name(item) for item in items)


# -- placing cells in columns -------------------------------------------------------------------------------------

_INF = 1e9
_SKIP = {
    "number": 3.0,
    "section": 0.3,
    "name": 0.8,
    "task": 5.0,
    "leader": 1.5,
    "lead": 1.2,
    "responsible": 1.2,
    "cooperating": 0.8,
    "person": 0.5,
    "deadline": 0.5,
    "progress": 0.3,
}
_SPANNED = ("number", "section", "name")  # given once for several rows: not missing from a sub-row


def _emission(cell: _Cell, kind: str) -> float:
    """How unlike the cells of a column of this kind a cell is (0: just like them)."""
    if cell.seq is not None:
        return 0.0 if kind == "number" else 6.0
    if kind == "number":
        return _INF
    if kind == "task":
        if cell.prose or len(cell.plain) > 20:
            return 0.0
        if cell.unit == 2:
            return 3.0
        return 4.0 if cell.person else 5.0 if cell.numeric else 0.8
    if kind in ("name", "section"):
        if cell.enumerated and not cell.prose:
            return 0.2
        if cell.unit:
            return 3.0 if cell.unit == 2 else 1.5
        if cell.person:
            return 4.0
        if cell.numeric:
            return 6.0
        return 2.5 if cell.prose else 0.5 if len(cell.plain) <= 20 else 1.5
    if kind in ("leader", "person"):
        if cell.person:
            return 0.0
        if cell.unit == 2:
            return 4.0
        return 8.0 if cell.prose or cell.numeric or len(cell.plain) > 12 else 2.5
    if kind in UNIT_FIELDS:
        if cell.unit:
            return 0.0 if cell.unit == 2 else 1.0
        if cell.person:
            return 3.0
        return 6.0 if cell.prose or len(cell.plain) > 30 else 8.0 if cell.numeric else 2.0
    if kind == "deadline":
        return 0.0 if cell.datelike else 4.0 if cell.prose else 2.0
    # progress, investment, remarks and columns not known
    if cell.numeric:
        return 0.0
    if cell.unit or cell.person:
        return 2.5
    return 0.3 if cell.prose or len(cell.plain) > 20 else 1.0


def _wraps(previous: _Cell, cell: _Cell) -> bool:
    """``服务中心`` after ``区新兴产业``: the end of a unit name wrapped over two cells."""
    return previous.unit < 2 and cell.unit == 2 and len(cell.plain) <= 10 and not _UNIT_START.match(cell.plain)


def _merge_cost(previous: _Cell, cell: _Cell, kind: str, words: bool) -> float:
    """The cost of a cell continuing the cell before it in the same column (a wrapped cell, a second leader)."""
    if kind == "number":
        return _INF
    if kind in ("leader", "person"):
        return 0.3 if previous.person and cell.person else 3.0
    if kind in UNIT_FIELDS:
        if _wraps(previous, cell):
            return 0.3
        return 1.0 if previous.unit == 2 and cell.unit == 2 else 3.0
    if words:
        return 0.1  # space-separated words of one cell
    if kind in ("name", "section"):
        short = len(previous.plain) <= 12 and len(cell.plain) <= 12 and not cell.prose
        return 0.5 if short and not cell.unit and not cell.person else 2.0
    return 2.0 if kind == "task" else 0.5


@dataclass
class _Layout:
    """The columns of a recovered table: one kind per column and the header cell each came from."""

    kinds: list[str]
    titles: list[str]
    end: int = 0  # index after the header (a line index, or a cell index)

    @property
    def number_column(self) -> int | None:
        return self.kinds.index("number") if "number" in self.kinds else None


@dataclass
class _Row:
    """A recovered row: the cells of each column (several when a cell was wrapped), or a heading."""

    line: int
    cells: dict[int, list[_Cell]] = field(default_factory=dict)
    heading: str = ""


def _align(
    cells: Sequence[_Cell], layout: _Layout, *, first_is_number: bool, new_rows: bool, words: bool = False
) -> list[_Row]:
    """The cheapest placement of ``cells`` in the columns, cutting rows where that is cheapest."""
    kinds = layout.kinds
    m = len(kinds)
    skip = [_SKIP.get(kind, 0.3) for kind in kinds]
    lead_skip = [0.0 if kind in _SPANNED else skip[j] for j, kind in enumerate(kinds)]
    passed = [0.0]  # passed[j]: the cost of leaving columns 0..j-1 empty
    for value in skip:
        passed.append(passed[-1] + value)
    before = [0.0]
    for value in lead_skip:
        before.append(before[-1] + value)
    numbered = layout.number_column is not None
    new_row = 1.5 if numbered else 0.5
    gaps = Counter(cell.gap for cell in cells)
    usual_gap = gaps.most_common(1)[0][0] if gaps else 1

    def tail(j: int) -> float:
        return passed[m] - passed[j + 1]

    n = len(cells)
    cost = [[_INF] * m for _ in range(n)]
    back: list[list[tuple[int, int]]] = [[(-1, 0)] * m for _ in range(n)]  # (previous column, 0 merge/1 next/2 row)
    for j in range(m):
        if first_is_number:
            cost[0][j] = 0.0 if j == layout.number_column else _INF
        else:
            cost[0][j] = before[j] + _emission(cells[0], kinds[j])
    for i in range(1, n):
        cell, previous, row = cells[i], cells[i - 1], cost[i - 1]
        ended, ended_at = min((row[j] + tail(j), j) for j in range(m))
        starting = new_row - (1.0 if cell.gap > usual_gap else 0.0) if new_rows else _INF
        if cell.seq is not None and numbered and new_rows:
            starting = 0.0
        best_next, best_next_at = _INF, -1  # min over j' < j of cost[j'] - passed[j' + 1]
        for j in range(m):
            emission = _emission(cell, kinds[j])
            options = [
                (row[j] + _merge_cost(previous, cell, kinds[j], words), j, 0),
                (best_next + passed[j], best_next_at, 1),
                (ended + starting + before[j], ended_at, 2),
            ]
            if kinds[j] in ("name", "section") and not cell.enumerated:  # a new project or group: rare
                options[2] = (options[2][0] + (3.0 if numbered else 1.0), ended_at, 2)
            value, at, how = min(options)
            cost[i][j] = value + emission
            back[i][j] = (at, how)
            if row[j] - passed[j + 1] < best_next:
                best_next, best_next_at = row[j] - passed[j + 1], j
    _, j = min((cost[n - 1][j] + tail(j), j) for j in range(m))
    placed: list[tuple[int, int]] = []  # (column, 0 merge/1 next/2 row) for each cell, from the last
    for i in range(n - 1, -1, -1):
        at, how = back[i][j]
        placed.append((j, how if i else 2))
        j = at
    placed.reverse()
    rows: list[_Row] = []
    for cell, (column, how) in zip(cells, placed, strict=True):
        if how == 2 or not rows:
            rows.append(_Row(cell.line))
        rows[-1].cells.setdefault(column, []).append(cell)
    return rows


def _cell_text(kind: str, parts: list[_Cell], words: bool) -> str:
    """The text of a column of a row from its pieces: wrapped pieces joined, separate units and leaders listed."""
    text = parts[0].text.strip()
    for previous, part in pairwise(parts):
        piece = part.text.strip()
        if kind in ("leader", "person") or (kind in UNIT_FIELDS and not _wraps(previous, part)):
            text += "、" + piece
        else:
            text += (" " if words else "") + piece
    return text


_CANONICAL = {
    "number": "序号",
    "section": "类别",
    "name": "项目名称",
    "task": "工作任务",
    "leader": "牵头领导",
    "lead": "牵头单位",
    "responsible": "责任单位",
    "cooperating": "配合单位",
    "person": "责任人",
    "deadline": "完成时限",
    "progress": "进展情况",
}


def _write(layout: _Layout, rows: list[_Row], words: bool = False) -> list[tuple[int, str]]:
    """Rows as notice lines (through ``task_table_entries``), each with the source line of its row."""
    titles = []
    for kind, title in zip(layout.kinds, layout.titles, strict=True):
        canonical = _CANONICAL[kind]
        if kind in UNIT_FIELDS and _PERSON_COLUMN.search(title):
            canonical += "及主要负责人" if kind == "lead" else "及责任人"
        titles.append(canonical)
    table = [titles]
    lines = [0]
    for row in rows:
        if row.heading:
            table.append([row.heading] * max(3, len(titles)))
        else:
            values = [""] * len(titles)
            for column, parts in row.cells.items():
                if layout.kinds[column] == "number":
                    values[column] = str(parts[0].number or "")
                else:
                    values[column] = _cell_text(layout.kinds[column], parts, words)
            table.append(values)
        lines.append(row.line)
    return [(lines[index], text) for index, text in task_table_entries(table, spanning=False)]


# -- headers ------------------------------------------------------------------------------------------------------

_FRAGMENTS = {
    key[:cut]
    for key in ("序号", "牵头领导", "牵头市领导", "牵头区领导", "牵头县领导", "分管市领导", "分管区领导", "分管领导", "责任领导",
                "牵头单位", "牵头部门", "责任单位", "配合单位", "配合部门", "目标任务", "工作任务", "完成时限", "形象进度",
                "进展情况", "项目名称", "主要内容", "任务名称")
    for cut in range(1, len(key))
}  # fmt: skip
_PARENTS = ("task", "name", "section", "responsible", "progress")  # 目标任务, 责任单位, 工作进度 over their parts
_CATEGORY = {
    "number": "number",
    "section": "text",
    "name": "text",
    "task": "text",
    "leader": "duty",
    "lead": "duty",
    "responsible": "duty",
    "cooperating": "duty",
    "person": "duty",
    "deadline": "progress",
    "progress": "progress",
}


_HEADER_STARTS = {word[0] for word in _FRAGMENTS} | {word[0] for word in HEADER_WORDS}


def _could_be_header(text: str) -> bool:
    """A cheap first test: header words start with one of a few characters (traditional ones too)."""
    first = plain_text(text.strip()[:1])
    return bool(first) and first in _HEADER_STARTS


def _exact(key: str) -> str | None:
    return header_field(key, generic=False) if key else None


def _header_cells(texts: list[str]) -> list[tuple[str | None, str, int]] | None:
    """Header cells from the start of ``texts``: wrapped cells joined (``牵头`` + ``市领导``, ``序`` + ``号``,
    ``总投资`` + ``(万元)``); each as (field, text, number of texts used). None when the first is not a header word."""
    merged: list[tuple[str | None, str, int]] = []
    keys = [header_key(text) for text in texts]
    i = 0
    while i < len(texts):
        key = keys[i]
        if i + 2 < len(texts) and _exact(key + keys[i + 1] + keys[i + 2]) and not _exact(key):
            merged.append((_exact(key + keys[i + 1] + keys[i + 2]), texts[i] + texts[i + 1] + texts[i + 2], 3))
            i += 3
            continue
        if i + 1 < len(texts) and keys[i + 1] and _exact(key + keys[i + 1]):
            merged.append((_exact(key + keys[i + 1]), texts[i] + texts[i + 1], 2))
            i += 2
            continue
        if not key and merged:  # (万元) under 总投资
            kind, text, used = merged[-1]
            merged[-1] = (kind, text + texts[i], used + 1)
            i += 1
            continue
        kind = header_field(texts[i])
        wrapped = _WRAPPED_HEADER.fullmatch(key) or key in _FRAGMENTS
        if kind is None and i + 1 < len(texts) and wrapped and header_field(key + keys[i + 1]):
            merged.append((header_field(key + keys[i + 1]), texts[i] + texts[i + 1], 2))  # 2023年 / 目标进度
            i += 2
            continue
        merged.append((kind, texts[i], 1))
        i += 1
    if not merged or merged[0][0] is None:
        return None
    last = max(k for k, (kind, _, _) in enumerate(merged) if kind is not None)
    run = merged[: last + 1]
    for k, (kind, _, _) in enumerate(run):  # an unknown cell is a column only between known ones, and short
        if kind is None and (len(header_key(run[k][1])) > 12 or (k + 1 < len(run) and run[k + 1][0] is None)):
            return run[:k] if k else None
    return run


def _layout(cells: list[tuple[str | None, str, int]]) -> _Layout | None:
    """The leaf columns of a (possibly two-level) header; None unless it names a task and who is responsible."""
    cells = _two_levels(cells)
    kinds = [kind or "progress" for kind, _, _ in cells]
    tasks = [j for j, kind in enumerate(kinds) if kind == "task"]
    if not tasks or not {"leader", "lead", "responsible"} & set(kinds) or len(kinds) < 3:
        return None
    for j in tasks[1:-1]:
        kinds[j] = "progress"
    if len(tasks) > 1:
        kinds[tasks[0]] = "name"
    seen: set[str] = set()
    for j, kind in enumerate(kinds):  # one column per field; a second 序号 or 牵头单位 is not read
        if kind in seen and kind not in ("progress", "leader"):
            kinds[j] = "progress"
        seen.add(kind)
    return _Layout(kinds, [text for _, text, _ in cells])


def _two_levels(cells: list[tuple[str | None, str, int]]) -> list[tuple[str | None, str, int]]:
    """A two-level header (目标任务 over 重点工作 | 主要内容, 工作进度 over 完成情况 | 进度状态): the lower cells,
    given after the upper row, replace the upper cells they belong to. Each upper cell that has lower cells has
    at least two, of the same kind (text, duty, progress) as itself."""
    for start in range(2, len(cells) - 1):
        upper, lower = cells[:start], cells[start:]
        if any(kind is None for kind, _, _ in lower):
            continue
        result: list[tuple[str | None, str, int]] = []
        k = 0
        for kind, text, used in upper:
            category = _CATEGORY.get(kind or "") if kind in _PARENTS else None
            taken = 0
            while k + taken < len(lower) and category and _CATEGORY.get(lower[k + taken][0] or "") == category:
                taken += 1
            if taken >= 2 and category != "number":
                result += lower[k : k + taken]
                k += taken
            else:
                result.append((kind, text, used))
        if k == len(lower):
            return result
    return cells


# -- finding tables -----------------------------------------------------------------------------------------------

_PAGE_MARK = re.compile(
    r"^(?:[—\-－–]+\s*\d{1,4}\s*[—\-－–]+|第\s*\d{1,4}\s*页(?:\s*[,，]?\s*共\s*\d{1,4}\s*页)?|共\s*\d{1,4}\s*页|"
    r"\d{1,4}\s*/\s*\d{1,4})$"
)
_TABLE_END = re.compile(
    r"^(?:附件\s*\d*\s*[:：]?$|附件\s*\d|注\s*[:：]|备注\s*[:：]|说明\s*[:：]|抄送|抄报|印发|主办[:：]|主办单位[:：]|"
    r"版权所有|【|分享到|扫一扫|上一篇|下一篇|相关链接|打印本页|关闭窗口|"
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$|\d{4}-\d{1,2}-\d{1,2}$|"
    r".{0,40}(?:目标任务|任务|工作|项目|实事).{0,6}(?:分解|分解表|分解清单|一览表)$|"
    r"(?:牵头|责任|配合|协同|分管|联系)[^：:，,。]{0,6}[：:]\S)"  # 牵头单位：… is a notice's own text, not a cell
)
_DATE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$|^\d{4}-\d{1,2}-\d{1,2}$")
_ISSUER = re.compile(r"(?:人民政府|政府办公室|办公厅|办公室|委员会)$")
_MARKDOWN_RULE = re.compile(r"^[\s|:\-—]+$")
_MAX_HEADER = 30


@dataclass
class _Found:
    """A recovered table: the lines it gives, the index of the first source line after it, and the rows that
    lack a cell their column has in most rows (line, column header)."""

    lines: list[tuple[int, str]]
    end: int
    gaps: list[tuple[int, str]] = field(default_factory=list)


def _found(lines: list[tuple[int, str]], end: int, gaps: list[tuple[int, str]] | None = None) -> _Found | None:
    """A table that gave at least one task (one that gives none is left as the text it was)."""
    return _Found(lines, end, gaps or []) if any(_WRITTEN_ITEM.match(text) for _, text in lines) else None


_CHECKED = ("leader", "lead", "responsible")  # columns whose missing cell changes who is responsible


def _gaps(layout: _Layout, rows: list[_Row]) -> list[tuple[int, str]]:
    """Numbered rows without a cell in a leader or unit column that most numbered rows fill: the table lost an
    empty cell there, and the row's other cells were placed in their columns by what they look like."""
    number = layout.number_column
    numbered = [row for row in rows if not row.heading and number is not None and number in row.cells]
    gaps: list[tuple[int, str]] = []
    for column, kind in enumerate(layout.kinds):
        if kind not in _CHECKED:
            continue
        filled = sum(1 for row in numbered if column in row.cells)
        if filled >= 2 and filled * 2 >= len(numbered):
            gaps += [(row.line, layout.titles[column]) for row in numbered if column not in row.cells]
    return sorted(gaps)


@dataclass(frozen=True)
class Recovered:
    """A text notice's lines with its flattened tables written out as notice lines: each line's source line
    (1-based), and the table rows that lacked a cell (source line, column header) for the parser to report."""

    lines: list[str]
    numbers: list[int]
    gaps: list[tuple[int, str]] = field(default_factory=list)


def recover_tables(lines: list[str], lexicon: Lexicon | None = None) -> Recovered:
    """The lines of a text notice with flattened task tables written out as notice lines.

    Returns the lines and, for each, the (1-based) source line it comes from. Text that is not a task table is
    returned as it is, with its own line numbers.
    """
    source = list(range(1, len(lines) + 1))
    if any(len(line) >= 8 and glued_header(line) for line in lines):  # 序号项目名称牵头单位 alone on its line
        lines, source = _with_header_cells(lines)
    out: list[str] = []
    numbers: list[int] = []
    gaps: list[tuple[int, str]] = []
    livelihood = False  # inside a 民生实事 part, whose items the parser reads as 一、… projects
    i = 0
    while i < len(lines):
        glued = glued_table(lines, i, lexicon) if len(lines[i]) >= 40 else None
        if glued is not None:  # 序号项目名称……牵头单位配合单位1增加……: a table that lost every separator
            if glued.prefix:
                livelihood = _title_kind(glued.prefix, livelihood)
                out.append(glued.prefix)
                numbers.append(i + 1)
            rows = [glued.header] + [cells for _, cells in glued.rows]
            written = [(1 + (glued.rows[k - 1][0] if k else i), text) for k, text in task_table_entries(rows)]
            for number, text in _as_projects(written, lexicon) if livelihood else written:
                out.append(text)
                numbers.append(number)
            i = glued.end
            continue
        found = _table_at(lines, i)
        if found is None:
            livelihood = _title_kind(lines[i], livelihood)
            out.append(lines[i])
            numbers.append(i + 1)
            i += 1
            continue
        for number, text in _as_projects(found.lines, lexicon) if livelihood else found.lines:
            out.append(text)
            numbers.append(number)
        gaps += found.gaps
        i = max(found.end, i + 1)
    return Recovered(out, [source[n - 1] for n in numbers], [(source[n - 1], title) for n, title in gaps])


def _with_header_cells(lines: list[str]) -> tuple[list[str], list[int]]:
    """Lines with each glued header line (``序号项目名称牵头单位配合单位`` and nothing after it) given as one header
    cell per line, so the table below it is read cell by cell; and the source line of each line."""
    out: list[str] = []
    source: list[int] = []
    for number, line in enumerate(lines, start=1):
        found = glued_header(line) if len(line) >= 8 else None
        cells = [found[0], *found[1]] if found else [line]
        out += [cell for cell in cells if cell]
        source += [number] * sum(1 for cell in cells if cell)
    return out, source


def _title_kind(line: str, livelihood: bool) -> bool:
    """Whether the rows after ``line`` are 民生实事 projects: a part title (ending in 分解 / 分工) says which."""
    if "分" in line and len(line) <= 120:
        normalized = normalize_line(line)
        if is_part_title(normalized):
            return part_kind(normalized) == LIVELIHOOD
    return livelihood


_WRITTEN_ITEM = re.compile(r"^(?:\d+\.|（\d+）)(?P<text>.*)$")


def _as_projects(lines: list[tuple[int, str]], lexicon: Lexicon | None = None) -> list[tuple[int, str]]:
    """Table rows under a 民生实事 part title: each task a project ``一、…``; headings dropped. A numbered row with
    sub-rows of its own (one project name, two contents each with its leader and units) gives a project per
    sub-row, named ``项目名称：内容``, each with the numbered row's leader unless it gives its own."""
    result: list[tuple[int, str]] = []
    items: list[tuple[int, str, bool, list[tuple[int, str]]]] = []  # (line, text, is a sub-row, its field lines)
    for number, text in lines:
        item = _WRITTEN_ITEM.match(text)
        if item:
            items.append((number, item.group("text"), text.startswith("（"), []))
        elif _HEADING_TEXT.match(text):
            continue
        elif items:
            items[-1][3].append((number, text))
        else:
            result.append((number, text))
    labels = (lexicon or default_lexicon()).label
    count = 0
    for k, (number, text, sub, fields) in enumerate(items):
        subs = []
        for later in items[k + 1 :]:
            if not later[2]:
                break
            subs.append(later)
        if sub:
            continue  # written with its numbered row
        if not subs:
            count += 1
            result += [(number, f"{chinese_count(count)}、{text}"), *fields]
            continue
        name = "" if subs[0][1] == text else text  # the numbered row gives a project name, or repeats its text
        for sub_number, sub_text, _, own in subs:
            count += 1
            title = sub_text if not name or sub_text.startswith(name) else f"{name}：{sub_text}"
            given = {match.group(1) for _, line in own for match in labels.finditer(to_simplified(line))}
            shared = [(n, line) for n, line in fields if not given & {m.group(1) for m in labels.finditer(line)}]
            result += [(sub_number, f"{chinese_count(count)}、{title}"), *own, *shared]
    return result


def _table_at(lines: list[str], i: int) -> _Found | None:
    line = lines[i].strip()
    if not line:
        return None
    for separator in ("|", "\t"):
        if line.count(separator) >= 2:
            return _separated_table(lines, i, separator)
    if len(line) <= 12 and "：" not in line and ":" not in line and not line[0].isdigit():
        key = header_key(line) if _could_be_header(line) else ""
        if key and (_exact(key) or key in _FRAGMENTS):
            return _cell_table(lines, i)
    if " " in line and len(line) >= 8:
        return _spaced_table(lines, i)
    return None


def _split(line: str, separator: str) -> list[str]:
    cells = [cell.strip() for cell in line.strip().split(separator)]
    if separator == "|":
        while cells and not cells[0]:
            cells.pop(0)
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _separated_table(lines: list[str], i: int, separator: str) -> _Found | None:
    """Rows on single lines, cells between ``|`` or tabs; the header may take two lines."""
    texts = _split(lines[i], separator)
    header = _header_cells(texts)
    if header is None or sum(used for _, _, used in header) < len(texts):
        return None
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j < len(lines) and lines[j].count(separator) >= 1:  # the lower row of a two-level header
        lower = [text for text in _split(lines[j], separator) if text]
        below = _header_cells(lower) if lower else None
        if below is not None and sum(used for _, _, used in below) == len(lower) and all(k for k, _, _ in below):
            header, j = header + below, j + 1
    layout = _layout(header)
    if layout is None:
        return None
    rows: list[_Row] = []
    end = j
    while j < len(lines):
        text = lines[j].strip()
        if not text or _PAGE_MARK.match(text) or _MARKDOWN_RULE.match(text):
            j += 1
            continue
        if separator not in text:
            cell = _Cell(text, j + 1)
            if not cell.heading:
                break
            rows.append(_Row(j + 1, heading=text))
            j += 1
            end = j
            continue
        values = _split(text, separator)
        merged = _header_cells(values)
        if merged is not None and [k for k, _, _ in merged] == [k for k, _, _ in header[: len(merged)]]:
            j += 1  # the header again, after a page break
            end = j
            continue
        rows += _place_row(values, j + 1, layout)
        j += 1
        end = j
    if not rows:
        return None
    return _found(_write(layout, rows), end, _gaps(layout, rows))


def _place_row(values: list[str], line: int, layout: _Layout, *, words: bool = False) -> list[_Row]:
    """The cells of one row: by position when there is one per column, else by what they look like."""
    kinds = layout.kinds
    number = layout.number_column
    if len(values) == len(kinds) and not words:
        row = _Row(line)
        for column, value in enumerate(values):
            if value:
                cell = _Cell(value, line)
                if column == number:
                    cell.seq = cell.number
                    if cell.seq is None:
                        continue
                row.cells[column] = [cell]
        return [row]
    cells = [_Cell(value, line) for value in values if value]
    if not cells:
        return []
    heading = len(cells) == 1 and cells[0].heading
    if heading:
        return [_Row(line, heading=cells[0].text)]
    first_is_number = number is not None and cells[0].number is not None and cells[0].plain.isdigit()
    if first_is_number:
        cells[0].seq = cells[0].number
    rows = _align(cells, layout, first_is_number=first_is_number, new_rows=False, words=words)
    return rows[:1] if rows else []


def _spaced_table(lines: list[str], i: int) -> _Found | None:
    """Rows on single lines with spaces between the cells (``1 任务内容。 发改委``); the header may end a line of
    other text (``… 分解表 序号 名称 工作任务 牵头责任单位``), which is kept as a line of its own."""
    line = lines[i]
    tokens = list(_TOKEN.finditer(line))
    if len(tokens) < 3:
        return None
    fields = [header_field(t.group()) if len(t.group()) <= 10 else None for t in tokens]
    start = None
    for k in range(len(tokens) - 2):
        if fields[k] is not None and fields[k + 1] is not None and fields[k + 2] is not None:
            start = k
            break
    if start is None:
        return None
    stop = start
    while stop < len(tokens) and fields[stop] is not None:
        stop += 1
    header = [(fields[k], tokens[k].group(), 1) for k in range(start, stop)]
    layout = _layout(header)
    if layout is None:
        return None
    result: list[tuple[int, str]] = []
    before = line[: tokens[start].start()].rstrip()
    if before:
        result.append((i + 1, before))
    rows: list[_Row] = []
    pending = [t.group() for t in tokens[stop:]]
    j = i + 1
    if pending:
        rows += _place_row(pending, i + 1, layout, words=True) if _Cell(pending[0], i + 1).number else []
    end = j
    while j < len(lines):
        text = lines[j].strip()
        if not text or _PAGE_MARK.match(text):
            j += 1
            continue
        words = text.split()
        first = _Cell(words[0], j + 1)
        if first.heading or _Cell(text, j + 1).heading:
            rows.append(_Row(j + 1, heading=text))
        elif first.number is not None and first.plain.isdigit() and len(words) >= 2:
            rows += _place_row(words, j + 1, layout, words=True)
        else:
            break
        j += 1
        end = j
    if not rows:
        return None
    written = _write(layout, rows, words=True)
    return _found(result + written, end, _gaps(layout, rows)) if written else None


def _header_window(lines: list[str], j: int) -> list[tuple[int, str]]:
    """The non-blank lines from ``j`` that can be header cells (up to the first row number or long text)."""
    window: list[tuple[int, str]] = []
    while j < len(lines) and len(window) < _MAX_HEADER:
        text = lines[j].strip()
        j += 1
        if not text:
            continue
        cell = _Cell(text, j)
        if cell.number is not None or len(cell.plain) > 16 or cell.prose:
            break
        window.append((j - 1, text))
    return window


def _cell_table(lines: list[str], i: int) -> _Found | None:
    """One cell per line: the header cells, then the body cells until the table ends."""
    window = _header_window(lines, i)
    header = _header_cells([text for _, text in window])
    if header is None:
        return None
    layout = _layout(header)
    if layout is None:
        return None
    used = sum(count for _, _, count in header)
    cells, end = _body_cells(lines, window[used - 1][0] + 1, [kind for kind, _, _ in header])
    if not cells:
        return None
    layout, rows = _cut_rows(cells, layout)
    return _found(_write(layout, rows), end, _gaps(layout, rows))


def _body_cells(lines: list[str], start: int, fields: list[str | None]) -> tuple[list[_Cell], int]:
    """The body cells of a one-cell-per-line table, from line index ``start`` to where the table ends (and the
    index after it); a header repeated after a page break is dropped, and so are page numbers."""
    cells: list[_Cell] = []
    gap = 0
    j = end = start
    while j < len(lines):
        text = lines[j].strip()
        if not text:
            gap += 1
            j += 1
            continue
        if _PAGE_MARK.match(text):
            j += 1
            continue
        if _TABLE_END.match(text):
            if _DATE.match(text) and cells and _ISSUER.search(cells[-1].text):
                end = cells.pop().line - 1  # the issuer's name above the date closes the body, not the table
            break
        if "number" in fields and cells and _HEADING_CELL.match(text) and not _row_follows(lines, j + 1):
            break  # 二、… followed by neither a header nor row 1: the notice's text again
        key = header_key(text) if len(text) <= 12 and _could_be_header(text) else ""
        if key and (_exact(key) or key in _FRAGMENTS):
            window = _header_window(lines, j)
            again = _header_cells([t for _, t in window])
            if again is not None and [kind for kind, _, _ in again] == fields:
                j = end = window[sum(used for _, _, used in again) - 1][0] + 1  # the header again, after a page break
                gap = 0
                continue
            if again is not None and _layout(again) is not None:
                break  # another table
        cells.append(_Cell(text, j + 1, gap))
        gap = 0
        j += 1
        end = j
    return cells, end


def _row_follows(lines: list[str], j: int) -> bool:
    """Whether the next non-blank line from ``j`` starts rows: a row number or a header cell."""
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j == len(lines):
        return False
    text = lines[j].strip()
    return bool(_ROW_START.fullmatch(text)) or (
        len(text) <= 12 and _could_be_header(text) and bool(_exact(header_key(text)) or header_key(text) in _FRAGMENTS)
    )


def _cut_rows(body: list[_Cell], layout: _Layout) -> tuple[_Layout, list[_Row]]:
    """Rows from the body cells: row numbers in sequence start rows; between them, the cheapest alignment.
    (The layout loses its 序号 column when no row has a number.)"""
    number_column = layout.number_column
    if number_column is None:  # （一） / 一、 before a group name in a table without 序号: one cell
        joined: list[_Cell] = []
        for k, cell in enumerate(body):
            if joined and joined[-1].enumerator_only and joined[-1] is body[k - 1] and not cell.prose:
                joined[-1] = _Cell(joined[-1].text + cell.text, joined[-1].line, joined[-1].gap)
                continue
            joined.append(cell)
        body = joined
    else:
        expected, since = 1, 2
        for k, cell in enumerate(body):
            since += 1
            value = cell.number
            following = body[k + 1] if k + 1 < len(body) else None
            if (
                value is not None
                and (value == expected or value == 1 or value == expected + 1)
                and since >= 2
                and (following is None or not (following.numeric or following.number is not None))
            ):
                cell.seq, expected, since = value, value + 1, 0
        if not any(cell.seq is not None for cell in body):
            layout = _Layout(
                [k for k in layout.kinds if k != "number"],
                [t for k, t in zip(layout.kinds, layout.titles, strict=True) if k != "number"],
            )
            number_column = None
    rows: list[_Row] = []
    segment: list[_Cell] = []

    def flush() -> None:
        if segment:
            first = segment[0].seq is not None and number_column is not None
            rows.extend(_align(segment, layout, first_is_number=first, new_rows=True))
            segment.clear()

    for k, cell in enumerate(body):
        following = body[k + 1] if k + 1 < len(body) else None
        if cell.heading and following is not None and following.seq is not None and number_column is not None:
            flush()
            rows.append(_Row(cell.line, heading=cell.text))
            continue
        if cell.seq is not None and number_column is not None:
            flush()
        segment.append(cell)
    flush()
    return layout, rows

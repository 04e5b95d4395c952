"""Reading a .docx with python-docx into plain data: its paragraphs (with Word's list labels) and tables, in order.

Word's automatic numbering is worked out as Word shows it, since the number is not in the text: a paragraph is
numbered by its own ``w:numPr`` or by its style's (a list style, 标题 1 linked to a multilevel list); the numbering
part gives each level's format (``chineseCounting``, ``decimal``, ``ideographDigital`` …), level text (``%1、``,
``（%1）``, ``%1.%2``), start value, restart rule, and the overrides of each list instance; lists of one definition
share their counters, in document order, table cells included.

Only the raw content is extracted here; what the text means is decided by ``reporter.notices.formats``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter.text import chinese_count, chinese_digits, to_traditional

if TYPE_CHECKING:  # python-docx is imported when a .docx is read, not when this module is
    from docx.document import Document as DocumentObject
    from docx.table import _Cell, _Row


class DocxUnreadable(Exception):
    """The file cannot be opened as a .docx (damaged, or not Word 2007 and later)."""


@dataclass(frozen=True)
class DocxParagraph:
    """A paragraph's text and the label Word's automatic numbering shows before it (``""`` when none)."""

    text: str
    list_label: str = ""


@dataclass(frozen=True)
class DocxTable:
    """A table as rows of cells, each cell its paragraphs; a cell merged across several grid columns appears once."""

    rows: list[list[list[DocxParagraph]]]


def read_docx(path: Path) -> list[DocxParagraph | DocxTable]:
    """The body of a .docx in document order (content controls opened). Raises ``ImportError`` without
    python-docx, ``DocxUnreadable`` when the file cannot be opened."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(str(path))
    except Exception as exc:
        raise DocxUnreadable(str(exc)) from exc
    labels = _Numbering(document).labels(document.element.body)

    def paragraph(element: Any) -> DocxParagraph:
        return DocxParagraph(Paragraph(element, document).text, labels.get(element, ""))

    blocks: list[DocxParagraph | DocxTable] = []
    for element in _body_blocks(document.element.body):
        if element.tag == qn("w:p"):
            blocks.append(paragraph(element))
        else:
            table = Table(element, document)
            rows = [[[paragraph(p._p) for p in cell.paragraphs] for cell in _unique_cells(row)] for row in table.rows]
            blocks.append(DocxTable(rows))
    return blocks


def _body_blocks(container: Any) -> list[Any]:
    """The paragraphs and tables of the body, with those inside content controls (``w:sdt``) in their place."""
    from docx.oxml.ns import qn

    found = []
    for element in container.iterchildren():
        if element.tag in (qn("w:p"), qn("w:tbl")):
            found.append(element)
        elif element.tag == qn("w:sdt"):
            content = element.find(qn("w:sdtContent"))
            if content is not None:
                found += _body_blocks(content)
    return found


def _unique_cells(row: _Row) -> list[_Cell]:
    """Cells of a row; a cell spanning several grid columns once."""
    seen: set[int] = set()
    cells: list[_Cell] = []
    for cell in row.cells:
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        cells.append(cell)
    return cells


# -- automatic numbering ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    """One level of a numbering definition (``w:lvl``)."""

    format: str = "decimal"  # w:numFmt
    text: str = ""  # w:lvlText: %1 … %9 stand for the counters of levels 1 … 9
    start: int = 1
    restart: int | None = None  # w:lvlRestart: None after any higher level, 0 never, n after level n (1-based)
    legal: bool = False  # w:isLgl: every number in the label as a decimal (1.1 under 第一章)
    style: str = ""  # w:pStyle: the paragraph style numbered at this level


@dataclass
class _Definition:
    """An abstract numbering definition (``w:abstractNum``): its levels, or a link to a list style's."""

    levels: dict[int, _Level] = field(default_factory=dict)
    style_link: str = ""  # w:numStyleLink: the levels are those of the list style's definition


@dataclass
class _Instance:
    """A list instance (``w:num``): its definition and its overrides per level."""

    definition: str
    starts: dict[int, int] = field(default_factory=dict)  # w:startOverride
    levels: dict[int, _Level] = field(default_factory=dict)  # w:lvl inside w:lvlOverride


@dataclass
class _StyleNumbering:
    """A paragraph style's numbering (``w:numPr`` in its ``w:pPr``) and the style it is based on."""

    num_id: str | None
    level: int | None
    based_on: str | None


class _Numbering:
    """A document's numbering definitions, and the labels they give its paragraphs."""

    def __init__(self, document: DocumentObject) -> None:
        from docx.oxml.ns import qn

        self._qn = qn
        self.definitions: dict[str, _Definition] = {}
        self.instances: dict[str, _Instance] = {}
        self.styles: dict[str, _StyleNumbering] = {}
        self.list_styles: dict[str, str] = {}  # numbering style id -> its numId
        self.default_style: str | None = None
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is not None:
            self._read_numbering(root)
        self._read_styles(document.styles.element)

    # reading numbering.xml and styles.xml

    def _val(self, parent: Any, tag: str) -> str | None:
        child = parent.find(self._qn(tag)) if parent is not None else None
        return child.get(self._qn("w:val")) if child is not None else None

    def _level(self, node: Any) -> _Level:
        restart = self._val(node, "w:lvlRestart")
        legal = node.find(self._qn("w:isLgl"))
        return _Level(
            format=self._val(node, "w:numFmt") or "decimal",
            text=self._val(node, "w:lvlText") or "",
            start=_integer(self._val(node, "w:start"), 1),
            restart=_integer(restart, 0) if restart is not None else None,
            legal=legal is not None and legal.get(self._qn("w:val"), "1") not in ("0", "false", "off"),
            style=self._val(node, "w:pStyle") or "",
        )

    def _read_numbering(self, root: Any) -> None:
        qn = self._qn
        for node in root.findall(qn("w:abstractNum")):
            levels = {_integer(lvl.get(qn("w:ilvl")), 0): self._level(lvl) for lvl in node.findall(qn("w:lvl"))}
            self.definitions[node.get(qn("w:abstractNumId"))] = _Definition(
                levels, self._val(node, "w:numStyleLink") or ""
            )
        for node in root.findall(qn("w:num")):
            definition = self._val(node, "w:abstractNumId")
            if definition is None:
                continue
            instance = _Instance(definition)
            for override in node.findall(qn("w:lvlOverride")):
                level = _integer(override.get(qn("w:ilvl")), 0)
                start = self._val(override, "w:startOverride")
                if start is not None:
                    instance.starts[level] = _integer(start, 1)
                replaced = override.find(qn("w:lvl"))
                if replaced is not None:
                    instance.levels[level] = self._level(replaced)
            self.instances[node.get(qn("w:numId"))] = instance

    def _read_styles(self, root: Any) -> None:
        qn = self._qn
        for style in root.findall(qn("w:style")):
            style_id = style.get(qn("w:styleId"))
            properties = style.find(qn("w:pPr"))
            numbering = properties.find(qn("w:numPr")) if properties is not None else None
            num_id = self._val(numbering, "w:numId")
            level = self._val(numbering, "w:ilvl")
            kind = style.get(qn("w:type"))
            if kind == "numbering":
                if num_id is not None:
                    self.list_styles[style_id] = num_id
            elif kind == "paragraph":
                based_on = self._val(style, "w:basedOn")
                self.styles[style_id] = _StyleNumbering(
                    num_id, _integer(level, 0) if level is not None else None, based_on
                )
                if style.get(qn("w:default")) in ("1", "true", "on"):
                    self.default_style = style_id

    # resolving a paragraph's list and level

    def _resolve(self, num_id: str) -> tuple[str, dict[int, _Level]] | None:
        """A list instance's definition id (lists of one definition share counters) and its levels, following a
        list style's link (``w:numStyleLink`` -> the numbering style -> its list -> the definition with the
        levels)."""
        instance = self.instances.get(num_id)
        for _ in range(5):  # a link to a link, at most a few deep (and never round in circles)
            if instance is None:
                return None
            definition = self.definitions.get(instance.definition)
            if definition is None:
                return None
            if not definition.style_link:
                return instance.definition, definition.levels
            instance = self.instances.get(self.list_styles.get(definition.style_link, ""))
        return None

    def _paragraph_numbering(self, element: Any) -> tuple[str, int | None, str | None] | None:
        """(numId, level or None, paragraph style) of a paragraph: its own ``w:numPr`` first, then its style's and
        the styles it is based on. None when not numbered (``numId`` 0 takes a style's numbering away)."""
        qn = self._qn
        properties = element.find(qn("w:pPr"))
        numbering = properties.find(qn("w:numPr")) if properties is not None else None
        num_id = self._val(numbering, "w:numId")
        level_text = self._val(numbering, "w:ilvl")
        level = _integer(level_text, 0) if level_text is not None else None
        style_id = self._val(properties, "w:pStyle") or self.default_style
        current, seen = style_id, set()
        while current is not None and current not in seen and (num_id is None or level is None):
            seen.add(current)
            style = self.styles.get(current)
            if style is None:
                break
            if num_id is None:
                num_id = style.num_id
            if level is None and style.level is not None:
                level = style.level
            current = style.based_on
        if num_id is None or num_id == "0":
            return None
        return num_id, level, style_id

    def labels(self, body: Any) -> dict[Any, str]:
        """Paragraph element -> the label Word shows before it, for every numbered paragraph of ``body`` (those
        in tables included, those in text boxes not), counted in document order."""
        qn = self._qn
        counters: dict[str, dict[int, int]] = {}  # definition -> level -> the last number given
        started: set[tuple[str, int]] = set()  # (numId, level) whose start override has been applied
        labels: dict[Any, str] = {}
        for element in body.iter(qn("w:p")):
            if next(element.iterancestors(qn("w:txbxContent")), None) is not None:
                continue
            numbering = self._paragraph_numbering(element)
            if numbering is None:
                continue
            num_id, level, style_id = numbering
            resolved = self._resolve(num_id)
            if resolved is None:
                continue  # a numId with no definition: Word shows no number
            definition, levels = resolved
            instance = self.instances[num_id]
            levels = levels | instance.levels
            if level is None:  # a style linked to a level of its list (标题 2 -> level 2)
                level = next((k for k, v in sorted(levels.items()) if style_id and v.style == style_id), 0)
            if level not in levels:
                continue
            counter = counters.setdefault(definition, {})
            if level in instance.starts and (num_id, level) not in started:
                started.add((num_id, level))
                counter[level] = instance.starts[level] - 1
            counter[level] = counter.get(level, levels[level].start - 1) + 1
            for deeper in [k for k in counter if k > level]:
                restart = levels[deeper].restart if deeper in levels else None
                if restart is None or (restart and level < restart):
                    del counter[deeper]
            label = _label(levels, level, counter)
            if label:
                labels[element] = label
        return labels


def _label(levels: dict[int, _Level], level: int, counter: dict[int, int]) -> str:
    """The level text with each ``%n`` replaced by level n's number in its format (all decimal when legal)."""
    own = levels[level]
    if own.format in ("bullet", "none"):
        return ""

    def number(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        shown = levels.get(index, _Level())
        if shown.format in ("bullet", "none"):
            return ""
        value = counter.get(index, shown.start)
        return format_number(value, "decimal" if own.legal and shown.format != "decimalZero" else shown.format)

    return re.sub(r"%([1-9])", number, own.text)


_CIRCLED = (
    [chr(0x2460 + i) for i in range(20)] + [chr(0x3251 + i) for i in range(15)] + [chr(0x32B1 + i) for i in range(15)]
)
_STEMS = "甲乙丙丁戊己庚辛壬癸"  # ideographTraditional: the ten heavenly stems, then decimal as Word does
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"  # ideographZodiac: the twelve earthly branches
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))


def format_number(value: int, fmt: str) -> str:
    """A list number as Word writes it in the format ``fmt`` (``w:numFmt``); formats it has no figures for, and
    numbers beyond a format's figures, as decimals."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "japaneseDigitalTenThousand"):
        return chinese_count(value)
    if fmt in ("taiwaneseCounting", "taiwaneseCountingThousand"):
        return to_traditional(chinese_count(value))
    if fmt == "chineseLegalSimplified":
        return chinese_count(value, capital=True)
    if fmt in ("ideographLegalTraditional", "japaneseLegal"):
        return to_traditional(chinese_count(value, capital=True))
    if fmt in ("ideographDigital", "taiwaneseDigital"):
        return chinese_digits(value)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= value <= len(_CIRCLED):
        return _CIRCLED[value - 1]
    if fmt == "ideographEnclosedCircle" and 1 <= value <= 10:
        return chr(0x3280 + value - 1)  # ㊀ … ㊉
    if fmt == "decimalEnclosedParen" and 1 <= value <= 20:
        return chr(0x2474 + value - 1)  # ⑴ … ⒇
    if fmt == "decimalEnclosedFullstop" and 1 <= value <= 20:
        return chr(0x2488 + value - 1)  # ⒈ … ⒛
    if fmt in ("ideographTraditional", "ideographZodiac"):
        figures = _STEMS if fmt == "ideographTraditional" else _BRANCHES
        return figures[value - 1] if 1 <= value <= len(figures) else str(value)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(value).translate(_FULL_WIDTH_DIGITS)
    if fmt == "decimalZero":
        return f"{value:02d}"
    if fmt in ("upperLetter", "lowerLetter") and value >= 1:
        letter = chr(ord("A") + (value - 1) % 26) * ((value - 1) // 26 + 1)  # Z, AA, BB … as Word counts
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and 1 <= value < 4000:
        roman = _roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    return str(value)


def _roman(value: int) -> str:
    result = ""
    for amount, figures in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        count, value = divmod(value, amount)
        result += figures * count
    return result


def _integer(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default

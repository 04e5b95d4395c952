"""Reading a .docx with python-docx into plain data: its paragraphs (with Word's list labels) and tables, in order.

Only the raw content is extracted here; what the text means is decided by ``reporter.notices.formats``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter.text import chinese_count

if TYPE_CHECKING:  # python-docx is imported when a .docx is read, not when this module is
    from docx.document import Document as DocumentObject
    from docx.table import _Cell, _Row

# numId -> level -> (number format, level text, start)
Numbering = dict[str, dict[int, tuple[str, str, int]]]


class DocxUnreadable(Exception):
    """The file cannot be opened as a .docx (damaged, or not Word 2007 and later)."""


@dataclass(frozen=True)
class DocxParagraph:
    """A paragraph's text and the label Word's automatic numbering shows before it (``""`` when none)."""

    text: str
    list_label: str = ""


@dataclass(frozen=True)
class DocxTable:
    """A table as rows of cell texts; a cell merged across several grid columns appears once."""

    rows: list[list[str]]


def read_docx(path: Path) -> list[DocxParagraph | DocxTable]:
    """The body of a .docx in document order. Raises ``ImportError`` without python-docx, ``DocxUnreadable``
    when the file cannot be opened."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(str(path))
    except Exception as exc:
        raise DocxUnreadable(str(exc)) from exc
    numbering = _numbering_formats(document)
    counters: dict[tuple[str, int], int] = {}
    blocks: list[DocxParagraph | DocxTable] = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            paragraph = Paragraph(element, document)
            blocks.append(DocxParagraph(paragraph.text, _list_label(element, numbering, counters)))
        elif element.tag == qn("w:tbl"):
            table = Table(element, document)
            blocks.append(DocxTable([[cell.text for cell in _unique_cells(row)] for row in table.rows]))
    return blocks


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


def _numbering_formats(document: DocumentObject) -> Numbering:
    """numId → level → (format, level text, start) from the document's numbering part."""
    from docx.oxml.ns import qn

    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    abstract: Numbering = {}
    for node in root.findall(qn("w:abstractNum")):
        levels = {}
        for level in node.findall(qn("w:lvl")):
            fmt = level.find(qn("w:numFmt"))
            text = level.find(qn("w:lvlText"))
            start = level.find(qn("w:start"))
            levels[int(level.get(qn("w:ilvl")))] = (
                fmt.get(qn("w:val")) if fmt is not None else "decimal",
                text.get(qn("w:val")) if text is not None else "%1.",
                int(start.get(qn("w:val"))) if start is not None else 1,
            )
        abstract[node.get(qn("w:abstractNumId"))] = levels
    result: Numbering = {}
    for node in root.findall(qn("w:num")):
        reference = node.find(qn("w:abstractNumId"))
        if reference is not None:
            result[node.get(qn("w:numId"))] = abstract.get(reference.get(qn("w:val")), {})
    return result


def _list_label(element: Any, numbering: Numbering, counters: dict[tuple[str, int], int]) -> str:
    """The label (``1.``, ``一、`` …) Word shows before a numbered paragraph; counters advance as Word's do."""
    from docx.oxml.ns import qn

    properties = element.find(qn("w:pPr"))
    number = properties.find(qn("w:numPr")) if properties is not None else None
    if number is None or number.find(qn("w:numId")) is None:
        return ""
    num_id = number.find(qn("w:numId")).get(qn("w:val"))
    level_node = number.find(qn("w:ilvl"))
    level = int(level_node.get(qn("w:val"))) if level_node is not None else 0
    fmt, text, start = numbering.get(num_id, {}).get(level, ("decimal", "%1.", 1))
    if fmt in ("bullet", "none"):
        return ""
    key = (num_id, level)
    counters[key] = counters.get(key, start - 1) + 1
    for deeper in [k for k in counters if k[0] == num_id and k[1] > level]:
        del counters[deeper]
    value = counters[key]
    if fmt.startswith(("chinese", "ideograph", "taiwanese", "japanese")):
        shown = chinese_count(value)
    else:
        shown = str(value)
    return text.replace(f"%{level + 1}", shown)

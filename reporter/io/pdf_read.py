"""Reading a PDF's text layer with pdfplumber into plain data: per page, text lines and ruled tables, top to bottom.

Only the raw content is extracted here; page numbers, running headers and wrapped lines are dealt with by
``reporter.notices.formats``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pdfplumber is imported when a PDF is read, not when this module is
    from pdfplumber.page import Page


class PdfUnreadable(Exception):
    """The PDF cannot be read (damaged or encrypted); ``error`` names the exception pdfplumber raised."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class PdfLine:
    """A line of text outside any table, with its vertical extent and right end (in points)."""

    text: str
    top: float
    bottom: float
    x1: float


@dataclass(frozen=True)
class PdfTable:
    """A ruled table: rows of cell texts (an empty cell is ``""``; line breaks inside a cell are kept)."""

    rows: list[list[str]]
    top: float


PdfPage = list[PdfLine | PdfTable]


def read_pdf(path: Path) -> list[PdfPage]:
    """Every page's lines and tables, ordered top to bottom. Raises ``ImportError`` without pdfplumber,
    ``PdfUnreadable`` when the file cannot be read."""
    import pdfplumber

    pages: list[PdfPage] = []
    try:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                pages.append(_page_items(page))
    except Exception as exc:
        raise PdfUnreadable(type(exc).__name__) from exc
    return pages


def _page_items(page: Page) -> PdfPage:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        x0, x1, top, bottom = obj.get("x0", 0), obj.get("x1", 0), obj.get("top", 0), obj.get("bottom", 0)
        return not any(b[0] - 1 <= x0 and x1 <= b[2] + 1 and b[1] - 1 <= top and bottom <= b[3] + 1 for b in boxes)

    items: PdfPage = []
    for line in page.filter(outside).extract_text_lines(layout=False, strip=True):
        items.append(PdfLine(line["text"], line["top"], line["bottom"], line["x1"]))
    for table in tables:
        rows = [[cell or "" for cell in row] for row in table.extract()]
        items.append(PdfTable(rows, table.bbox[1]))
    items.sort(key=lambda item: item.top)
    return items

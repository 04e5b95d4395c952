"""Word output with python-docx and docxtpl, following GB/T 9704-2012 (党政机关公文格式).

Page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm), 22 lines of 28
characters. Title 2号 (22 pt) 方正小标宋简体; body 3号 (16 pt) 仿宋_GB2312; first-level headings 黑体, second-level
楷体_GB2312; page numbers 4号 (14 pt) 宋体 as ``— 1 —``, odd pages on the right, even pages on the left.
Every run carries its East Asian font (``w:eastAsia``), not only the Latin one.

Templates are ordinary .docx files with Jinja tags (docxtpl), built here once and then edited by the office.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypeAlias

import jinja2
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate

from reporter.errors import OutputError
from reporter.settings import WordFonts

LINE_PITCH_PT = 28.95  # 225 mm / 22 lines
CHAR_SPACING_TWIPS = -5  # condense 3号 characters by 0.25 pt: 156 mm / 15.75 pt = 28 characters a line
TITLE_SIZE = 22  # 2号
BODY_SIZE = 16  # 3号
PAGE_NUMBER_SIZE = 14  # 4号
TABLE_SIZE = 12  # 小四

WordDocument: TypeAlias = DocumentObject  # a python-docx document, for callers outside the io layer
ParagraphAlignment = Literal["left", "center", "right", "justify"]
_ALIGNMENTS = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def set_run_font(run_or_style_element: Any, name: str) -> None:
    """Set Latin, East Asian and complex-script fonts on a run's (or a style's) properties."""
    properties = run_or_style_element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _style(
    document: DocumentObject, name: str, font: str, size: float, *, bold: bool = False, base: str = "Normal"
) -> ParagraphStyle:
    styles = document.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, 1)
    if name != "Normal":
        style.base_style = styles[base]
    style.font.name = font
    style.font.size = Pt(size)
    style.font.bold = bold
    set_run_font(style.element, font)
    return style


def page_setup(document: DocumentObject) -> None:
    """A4 and the GB/T 9704 margins, 22 lines of 28 characters, different odd and even footers."""
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(28) - Mm(7)  # page number 7 mm below the 版心
        section.header_distance = Mm(15)
        properties = section._sectPr
        grid = properties.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            properties.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(round(LINE_PITCH_PT * 20)))
    settings = document.settings.element
    if settings.find(qn("w:evenAndOddHeaders")) is None:
        settings.append(OxmlElement("w:evenAndOddHeaders"))


def styles_setup(document: DocumentObject, fonts: WordFonts) -> None:
    """Normal (正文), 公文标题, 一级标题, 二级标题, 表格文字, 页码."""
    normal = _style(document, "Normal", fonts.body, BODY_SIZE)
    paragraph = normal.paragraph_format
    paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.line_spacing = Pt(LINE_PITCH_PT)
    paragraph.space_before = paragraph.space_after = Pt(0)
    paragraph.first_line_indent = Pt(BODY_SIZE * 2)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING_TWIPS))
    normal.element.get_or_add_rPr().append(spacing)
    title = _style(document, "公文标题", fonts.title, TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.line_spacing = Pt(36)
    _style(document, "一级标题", fonts.heading1, BODY_SIZE)
    _style(document, "二级标题", fonts.heading2, BODY_SIZE)
    subtitle = _style(document, "公文副标题", fonts.heading2, BODY_SIZE)
    subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.paragraph_format.first_line_indent = Pt(0)
    table = _style(document, "表格文字", fonts.table, TABLE_SIZE)
    table.paragraph_format.first_line_indent = Pt(0)
    table.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    header = _style(document, "表头文字", fonts.heading1, TABLE_SIZE)
    header.paragraph_format.first_line_indent = Pt(0)
    header.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    number = _style(document, "页码", fonts.page_number, PAGE_NUMBER_SIZE)
    number.paragraph_format.first_line_indent = Pt(0)


def _field(paragraph: Paragraph, instruction: str, font: str) -> None:
    """A Word field (``PAGE``) inside a paragraph."""
    for kind in ("begin", None, "separate", "1", "end"):
        run = paragraph.add_run()
        set_run_font(run._r, font)
        if kind == "begin" or kind == "separate" or kind == "end":
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
        elif kind is None:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
            run._r.append(element)
        else:
            run.text = kind


def page_numbers(document: DocumentObject, fonts: WordFonts) -> None:
    """``— N —`` in 4号 宋体: odd pages right, even pages left, one character in from the edge."""
    for section in document.sections:
        for footer, alignment in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            footer.is_linked_to_previous = False
            paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
            paragraph.style = document.styles["页码"]
            paragraph.alignment = alignment
            if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
                paragraph.paragraph_format.right_indent = Pt(PAGE_NUMBER_SIZE)
            else:
                paragraph.paragraph_format.left_indent = Pt(PAGE_NUMBER_SIZE)
            run = paragraph.add_run("— ")
            set_run_font(run._r, fonts.page_number)
            _field(paragraph, "PAGE", fonts.page_number)
            run = paragraph.add_run(" —")
            set_run_font(run._r, fonts.page_number)


def new_document(fonts: WordFonts) -> DocumentObject:
    document = Document()
    page_setup(document)
    styles_setup(document, fonts)
    page_numbers(document, fonts)
    return document


def paragraph(document: DocumentObject, text: str, style: str = "Normal", font: str | None = None) -> Paragraph:
    """A paragraph whose runs carry the style's East Asian font."""
    para = document.add_paragraph(style=document.styles[style])
    if text:
        run = para.add_run(text)
        set_run_font(run._r, font or document.styles[style].font.name)
    return para


def table(
    document: DocumentObject, headers: list[str], rows: list[list[str]], widths_mm: Sequence[float], fonts: WordFonts
) -> Table:
    """A bordered table: header row repeated on every page, no row split across pages."""
    grid = document.add_table(rows=1 + len(rows), cols=len(headers))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, width in zip(grid.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for gridcol, width in zip(grid._tbl.tblGrid.findall(qn("w:gridCol")), widths_mm, strict=True):
        gridcol.set(qn("w:w"), str(round(width / 25.4 * 1440)))
    for index, row in enumerate([headers, *rows]):
        tr = grid.rows[index]._tr
        properties = tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if index == 0:
            properties.append(OxmlElement("w:tblHeader"))
        for column, value in enumerate(row):
            cell = grid.cell(index, column)
            cell.width = Mm(widths_mm[column])
            para = cell.paragraphs[0]
            para.style = document.styles["表头文字" if index == 0 else "表格文字"]
            run = para.add_run(str(value))
            set_run_font(run._r, fonts.heading1 if index == 0 else fonts.table)
    return grid


def ensure_east_asian_fonts(document: DocumentObject) -> int:
    """Give every run without an explicit East Asian font the one of its paragraph style. Returns runs fixed."""
    fonts_by_style = _style_fonts(document)
    default = fonts_by_style.get(document.styles["Normal"].style_id) or "仿宋_GB2312"
    fixed = 0
    parts = [document.element.body]
    for section in document.sections:
        parts += [section.footer._element, section.even_page_footer._element, section.header._element]
    for part in parts:
        for paragraph_element in part.iter(qn("w:p")):
            properties = paragraph_element.find(qn("w:pPr"))
            style = properties.find(qn("w:pStyle")) if properties is not None else None
            style_id = style.get(qn("w:val")) if style is not None else None
            style_font = (fonts_by_style.get(style_id) if style_id is not None else None) or default
            for run in paragraph_element.iter(qn("w:r")):
                run_properties = run.find(qn("w:rPr"))
                fonts = run_properties.find(qn("w:rFonts")) if run_properties is not None else None
                if fonts is not None and fonts.get(qn("w:eastAsia")):
                    continue
                if run_properties is None:
                    run_properties = OxmlElement("w:rPr")
                    run.insert(0, run_properties)
                if fonts is None:
                    fonts = OxmlElement("w:rFonts")
                    run_properties.insert(0, fonts)
                for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                    if not fonts.get(qn(attribute)):
                        fonts.set(qn(attribute), style_font)
                fixed += 1
    return fixed


def _style_fonts(document: DocumentObject) -> dict[str, str]:
    """Style id -> font name, following ``based on`` when a style names no font itself."""
    result: dict[str, str] = {}
    for style in document.styles:
        current, seen = style, 0
        while current is not None and seen < 10:
            name = getattr(current, "font", None) and current.font.name
            if name:
                result[style.style_id] = name
                break
            current, seen = getattr(current, "base_style", None), seen + 1
    return result


def save_document(document: DocumentObject, path: Path) -> None:
    """Save atomically (temporary file, then rename)."""
    temp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        document.save(str(temp))
        temp.replace(path)
    except PermissionError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"无法写入 {path}：文件可能正在 Word/WPS 中打开，请关闭后重试") from exc
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}") from exc


def set_alignment(para: Paragraph, alignment: ParagraphAlignment) -> None:
    """Align a paragraph (overriding its style)."""
    para.alignment = _ALIGNMENTS[alignment]


def set_first_line_indent(para: Paragraph, points: float) -> None:
    """Indent a paragraph's first line by ``points`` (0: none, overriding the style's two characters)."""
    para.paragraph_format.first_line_indent = Pt(points)


class WordTemplate:
    """A .docx with Jinja tags (docxtpl), opened to be checked and rendered.

    Opening raises whatever docxtpl raises for a file that is not a readable .docx.
    """

    def __init__(self, path: Path) -> None:
        self._template = DocxTemplate(str(path))

    def undeclared_variables(self, environment: jinja2.Environment) -> set[str]:
        """The variables the template uses (raises ``jinja2.TemplateSyntaxError`` for a broken tag)."""
        return set(self._template.get_undeclared_template_variables(environment))

    def render(self, context: dict[str, Any], environment: jinja2.Environment) -> None:
        """Fill the template in (raises ``jinja2`` errors for an unknown variable or a broken expression)."""
        self._template.render(context, environment)

    def save(self, path: Path) -> None:
        """Give every run its East Asian font, then save atomically."""
        ensure_east_asian_fonts(self._template.docx)
        save_document(self._template.docx, path)

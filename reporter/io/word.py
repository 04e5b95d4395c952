"""Word output with python-docx and docxtpl, following GB/T 9704-2012 (党政机关公文格式).

Page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm), 22 lines of 28
characters. Title 2号 (22 pt) 方正小标宋简体; body 3号 (16 pt) 仿宋_GB2312; first-level headings 黑体, second-level
楷体_GB2312; page numbers 4号 (14 pt) 宋体 as ``— 1 —``, odd pages on the right, even pages on the left.
Every run carries its East Asian font (``w:eastAsia``), not only the Latin one.

Templates are ordinary .docx files with Jinja tags (docxtpl), built here once and then edited by the office.
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeAlias, TypeVar
from xml.sax.saxutils import escape

import jinja2
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree
from markupsafe import Markup

from reporter.io.files import replacing
from reporter.settings import WordFonts

LINE_PITCH_PT = 28.95  # 225 mm / 22 lines
CHAR_SPACING_TWIPS = -5  # condense 3号 characters by 0.25 pt: 156 mm / 15.75 pt = 28 characters a line
TITLE_SIZE = 22  # 2号
BODY_SIZE = 16  # 3号
PAGE_NUMBER_SIZE = 14  # 4号
TABLE_SIZE = 10.5  # 五号: table text in the 附件, on exact lines off the body grid
TABLE_LINE_PT = 20  # exact line height of table text (the body's 28.95 pt grid would double every row)
HEAD_SIZE = 42  # 初号: the red 简报 head (督查通报)
RED = "FF0000"
LANGUAGE = "zh-CN"  # every language tag and the core properties' language

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
    """Normal (正文) and the 公文 styles: 版头, 公文标题, 一级/二级标题 (kept with the next paragraph), 主送, 落款,
    附件, 表格文字/表头文字/表格数字 (exact lines off the body grid), 版记, 页码."""
    normal = _style(document, "Normal", fonts.body, BODY_SIZE)
    paragraph = normal.paragraph_format
    paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.line_spacing = Pt(LINE_PITCH_PT)
    paragraph.space_before = paragraph.space_after = Pt(0)
    paragraph.first_line_indent = Pt(BODY_SIZE * 2)
    paragraph.widow_control = True
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING_TWIPS))
    normal.element.get_or_add_rPr().append(spacing)
    head = _style(document, "版头", fonts.title, HEAD_SIZE)
    head.font.color.rgb = RGBColor.from_string(RED)
    head.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.first_line_indent = Pt(0)
    head.paragraph_format.line_spacing = Pt(60)
    head.paragraph_format.space_before = Pt(12)
    for name in ("期号", "主送", "附件标签", "版记"):
        plain = _style(document, name, fonts.heading1 if name == "附件标签" else fonts.body, BODY_SIZE)
        plain.paragraph_format.first_line_indent = Pt(0)
    document.styles["期号"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.styles["附件标签"].paragraph_format.keep_with_next = True
    record = document.styles["版记"]
    record.font.size = Pt(14)  # 4号
    record.paragraph_format.left_indent = record.paragraph_format.right_indent = Pt(14)
    title = _style(document, "公文标题", fonts.title, TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.keep_with_next = True
    _off_grid(title.element.get_or_add_pPr())
    for name, font in (("一级标题", fonts.heading1), ("二级标题", fonts.heading2)):
        _style(document, name, font, BODY_SIZE).paragraph_format.keep_with_next = True
    subtitle = _style(document, "公文副标题", fonts.heading2, BODY_SIZE)
    subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.paragraph_format.first_line_indent = Pt(0)
    subtitle.paragraph_format.keep_with_next = True
    signature = _style(document, "落款", fonts.body, BODY_SIZE)
    signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.first_line_indent = Pt(0)
    signature.paragraph_format.right_indent = Pt(BODY_SIZE * 4)  # 成文日期 right-indented four characters
    signature.paragraph_format.keep_together = True
    for name, font, alignment in (
        ("表格文字", fonts.table, WD_ALIGN_PARAGRAPH.LEFT),
        ("表头文字", fonts.heading1, WD_ALIGN_PARAGRAPH.CENTER),
        ("表格数字", fonts.table, WD_ALIGN_PARAGRAPH.CENTER),
    ):
        cell = _style(document, name, font, TABLE_SIZE)
        cell.paragraph_format.first_line_indent = Pt(0)
        cell.paragraph_format.alignment = alignment
        cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        cell.paragraph_format.line_spacing = Pt(TABLE_LINE_PT)
        _off_grid(cell.element.get_or_add_pPr())
        no_spacing = OxmlElement("w:spacing")
        no_spacing.set(qn("w:val"), "0")
        cell.element.get_or_add_rPr().append(no_spacing)
    number = _style(document, "页码", fonts.page_number, PAGE_NUMBER_SIZE)
    number.paragraph_format.first_line_indent = Pt(0)


def _off_grid(properties: Any) -> None:
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    properties.append(snap)


def _parts(document: DocumentObject, *kinds: str) -> list[Any]:
    """The XML of the document's own parts of these relationship kinds (its headers, footers, numbering)."""
    return [
        rel.target_part.element for rel in document.part.rels.values() if rel.reltype in kinds and not rel.is_external
    ]


def _language(document: DocumentObject) -> None:
    """zh-CN wherever a language is given: the document defaults (python-docx's template says en-US), every style
    and run that sets one, and the theme font language (its ja-JP would pick Japanese theme fonts for East Asian
    text that names none)."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    if properties.find(qn("w:lang")) is None:
        language = OxmlElement("w:lang")
        language.set(qn("w:bidi"), "ar-SA")
        properties.append(language)  # the last child of a run's properties
    for part in [styles, document.element.body, *_parts(document, RT.HEADER, RT.FOOTER)]:
        for language in part.iter(qn("w:lang")):
            language.set(qn("w:val"), LANGUAGE)
            language.set(qn("w:eastAsia"), LANGUAGE)
    theme = document.settings.element.find(qn("w:themeFontLang"))
    if theme is not None:
        theme.set(qn("w:val"), LANGUAGE)
        theme.set(qn("w:eastAsia"), LANGUAGE)


@dataclass(frozen=True)
class DocumentProperties:
    """A document's own properties (docProps/core.xml, Word's 文件 > 信息 > 属性), not its template's."""

    title: str
    author: str  # the office; also who saved it last, and the company
    subject: str = ""
    keywords: str = ""
    category: str = ""


_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_APP_PROPERTIES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" \
xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>reporter</Application>\
<DocSecurity>0</DocSecurity><Company>{company}</Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>\
<HyperlinksChanged>false</HyperlinksChanged></Properties>"""


def make_own(document: DocumentObject, properties: DocumentProperties, now: datetime | None = None) -> None:
    """Make a document ours rather than its template's: zh-CN language tags, our core properties (title, the office
    as author and last to save it, subject, keywords, category, created and modified ``now``, revision 1, no
    description), the office as company in the app properties; the template's leftovers dropped (its thumbnail,
    Word 2010's copy of the styles, an empty bibliography). Text is made XML-safe."""
    _language(document)
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # a picture of the template's first page
            package.rels.pop(rel_id)
        elif rel.reltype == RT.EXTENDED_PROPERTIES and not rel.is_external:
            company = escape(str(word_text(properties.author)))
            rel.target_part._blob = _APP_PROPERTIES.format(company=company).encode("utf-8")
    for rel_id, rel in list(document.part.rels.items()):
        if rel.is_external:
            continue
        if rel.reltype == _STYLES_WITH_EFFECTS or (
            rel.reltype == RT.CUSTOM_XML and _empty_bibliography(rel.target_part.blob)
        ):
            document.part.rels.pop(rel_id)
    core = document.core_properties
    author = str(word_text(properties.author))
    core.title = str(word_text(properties.title))
    core.author = core.last_modified_by = author
    core.subject = str(word_text(properties.subject))
    core.keywords = str(word_text(properties.keywords))
    core.category = str(word_text(properties.category))
    core.comments = core.content_status = core.identifier = core.version = ""
    core.language = LANGUAGE
    core.revision = 1
    core.created = core.modified = now or datetime.now(UTC).replace(microsecond=0)
    printed = core._element.find(qn("cp:lastPrinted"))
    if printed is not None:
        core._element.remove(printed)


def _empty_bibliography(blob: bytes) -> bool:
    """Word's empty source list for citations (``<b:Sources/>``), which python-docx's template carries."""
    try:
        root = parse_xml(blob)
    except Exception:  # not XML: not ours to judge
        return False
    return root.tag.endswith("}Sources") and len(root) == 0


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


def new_document(fonts: WordFonts, properties: DocumentProperties) -> DocumentObject:
    """A new document on GB/T 9704 pages, with the 公文 styles and page numbers, made ours (``make_own``)."""
    document = Document()
    make_own(document, properties)
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
    document: DocumentObject,
    headers: list[str],
    rows: list[list[str]],
    widths_mm: Sequence[float],
    fonts: WordFonts,
    *,
    numeric: Sequence[int] = (),
) -> Table:
    """A bordered table: header row repeated on every page, no row split across pages, exact line heights off the
    body grid; columns in ``numeric`` centred (numbers, ids, lights). A header may break at ``\n`` only."""
    grid = document.add_table(rows=1 + len(rows), cols=len(headers))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    grid._tbl.tblPr.append(layout)
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
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            para = cell.paragraphs[0]
            style = "表头文字" if index == 0 else "表格数字" if column in numeric else "表格文字"
            para.style = document.styles[style]
            for number, line in enumerate(str(value).split("\n")):
                run = para.add_run(line)
                if number:
                    run._r.addprevious(_line_break())
                set_run_font(run._r, fonts.heading1 if index == 0 else fonts.table)
    return grid


def _line_break() -> Any:
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:br"))
    return run


def page_break(document: DocumentObject) -> None:
    """Start a new page."""
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def landscape_section(document: DocumentObject) -> None:
    """Continue on landscape A4 pages (wide 附件 tables; GB/T 9704 allows tables set across the page)."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin, section.right_margin = Mm(37), Mm(35)
    section.top_margin, section.bottom_margin = Mm(28), Mm(26)


def head_line(para: Paragraph, *, rule: bool, width_mm: float = 155) -> None:
    """A line with its text at the left and after a tab at the right margin (版头 发文机关 and date, 版记 印发),
    underlined across the 版心 in red when ``rule`` (the 版头's rule)."""
    para.paragraph_format.tab_stops.add_tab_stop(Mm(width_mm), WD_TAB_ALIGNMENT.RIGHT)
    if rule:
        properties = para._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", RED)):
            bottom.set(qn(key), value)
        borders.append(bottom)
        properties.append(borders)


def record_rules(para: Paragraph) -> None:
    """The 版记's black rules above and below a line."""
    properties = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "bottom"):
        edge = OxmlElement(f"w:{side}")
        for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "1"), ("w:color", "000000")):
            edge.set(qn(key), value)
        borders.append(edge)
    properties.append(borders)


# Names used for every run of a rendered brief (a province's 附件 has some 50,000 runs): worked out once.
_P, _P_PR, _P_STYLE, _R_PR, _R_FONTS, _VAL = (
    qn(name) for name in ("w:p", "w:pPr", "w:pStyle", "w:rPr", "w:rFonts", "w:val")
)
_RUN_FONT_ATTRIBUTES = tuple(qn(name) for name in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"))
# Runs whose properties (their first w:rPr, its first w:rFonts) give no East Asian font.
_RUNS_WITHOUT_EAST_ASIAN_FONT = ".//w:r[not(w:rPr[1]/w:rFonts[1][@w:eastAsia != ''])]"


def ensure_east_asian_fonts(document: DocumentObject) -> int:
    """Give every run without an explicit East Asian font the one of its paragraph style (of its outermost
    paragraph, for a run in a text box's paragraph). Returns runs fixed. Only those runs are visited: one XPath
    query finds them, where walking every run of a large 附件 in Python took seconds."""
    fonts_by_style = _style_fonts(document)
    default = fonts_by_style.get(document.styles["Normal"].style_id) or "仿宋_GB2312"
    fixed = 0
    parts = [document.element.body, *_parts(document, RT.HEADER, RT.FOOTER)]  # the headers and footers it has
    for part in parts:
        for run in part.xpath(_RUNS_WITHOUT_EAST_ASIAN_FONT):
            paragraphs = list(run.iterancestors(_P))
            if not paragraphs:
                continue
            paragraph_element = paragraphs[-1]  # the outermost: the first to reach the run in document order
            properties = paragraph_element.find(_P_PR)
            style = properties.find(_P_STYLE) if properties is not None else None
            style_id = style.get(_VAL) if style is not None else None
            style_font = (fonts_by_style.get(style_id) if style_id is not None else None) or default
            run_properties = run.find(_R_PR)
            if run_properties is None:
                run_properties = OxmlElement("w:rPr")
                run.insert(0, run_properties)
            fonts = run_properties.find(_R_FONTS)
            if fonts is None:
                fonts = OxmlElement("w:rFonts")
                run_properties.insert(0, fonts)
            for attribute in _RUN_FONT_ATTRIBUTES:
                if not fonts.get(attribute):
                    fonts.set(attribute, style_font)
            fixed += 1
    return fixed


def _style_fonts(document: DocumentObject) -> dict[str, str]:
    """Style id -> font name (its Latin ``w:ascii``, as python-docx reports it), following ``based on`` when a style
    names no font itself. Read from the styles XML directly: walking python-docx's style objects is slow."""
    own: dict[str, str] = {}
    based: dict[str, str] = {}
    for style in document.styles.element.iter(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        if not style_id:
            continue
        fonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        if fonts is not None and fonts.get(qn("w:ascii")):
            own[style_id] = fonts.get(qn("w:ascii"))
        parent = style.find(qn("w:basedOn"))
        if parent is not None:
            based[style_id] = parent.get(qn("w:val"))
    result: dict[str, str] = {}
    for style_id in {*own, *based}:
        current: str | None = style_id
        for _ in range(10):
            if current is None or current in own:
                break
            current = based.get(current)
        if current is not None and current in own:
            result[style_id] = own[current]
    return result


# Where a document names a style, and where a style names another.
_STYLE_REFERENCES = tuple(qn(tag) for tag in ("w:pStyle", "w:rStyle", "w:tblStyle", "w:numStyleLink", "w:styleLink"))
_STYLE_CHAIN = tuple(qn(tag) for tag in ("w:basedOn", "w:link", "w:next"))
_ON = {"1", "true", "on"}


def drop_unused_styles(document: DocumentObject) -> int:
    """Remove the built-in styles nothing in the document uses: python-docx's blank document brings some 150 table
    and list styles (340 KB of styles.xml, parsed, written and compressed again for every brief made from a
    template). Kept: the default styles, our own (custom) styles, every style the body, the headers and footers or
    the numbering name, and the styles those are based on, linked to or followed by. Word and WPS add a built-in
    style again when the office applies it. Returns the styles removed."""
    styles = document.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in styles.iter(qn("w:style"))}
    parts = [document.element, *_parts(document, RT.HEADER, RT.FOOTER, RT.NUMBERING)]
    wanted = [
        style_id
        for style_id, style in by_id.items()
        if style.get(qn("w:default")) in _ON or style.get(qn("w:customStyle")) in _ON
    ]
    wanted += [element.get(qn("w:val")) for part in parts for element in part.iter(*_STYLE_REFERENCES)]
    kept: set[str | None] = set()
    while wanted:
        style_id = wanted.pop()
        if style_id in kept or style_id not in by_id:
            continue
        kept.add(style_id)
        wanted += [element.get(qn("w:val")) for element in by_id[style_id].iter(*_STYLE_CHAIN)]
    removed = 0
    for style_id, style in by_id.items():
        if style_id not in kept:
            styles.remove(style)
            removed += 1
    return removed


def save_document(document: DocumentObject, path: Path) -> None:
    """Save atomically (temporary file, then rename)."""
    with replacing(path) as temp:
        document.save(str(temp))


def set_alignment(para: Paragraph, alignment: ParagraphAlignment) -> None:
    """Align a paragraph (overriding its style)."""
    para.alignment = _ALIGNMENTS[alignment]


def set_right_indent(para: Paragraph, characters: float) -> None:
    """Indent a paragraph from the right by ``characters`` body characters (落款: 成文日期右空二字)."""
    para.paragraph_format.right_indent = Pt(BODY_SIZE * characters)


def set_keep_with_next(para: Paragraph) -> None:
    """Keep a paragraph on the same page as the next one."""
    para.paragraph_format.keep_with_next = True


def set_first_line_indent(para: Paragraph, points: float) -> None:
    """Indent a paragraph's first line by ``points`` (0: none, overriding the style's two characters)."""
    para.paragraph_format.first_line_indent = Pt(points)


# What XML 1.0 cannot hold: C0 controls other than tab, line feed and carriage return, lone surrogates, U+FFFE/FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def word_text(value: object) -> object:
    """A value printed by a Word template (Jinja ``finalize``), before autoescape: as text that WordprocessingML
    can hold, line ends as ``\\n`` (docxtpl turns them into line breaks, tabs into tabs). Text already escaped
    (``Markup``, e.g. from ``join``) stays escaped; docxtpl's ``RichText`` and ``Listing``, which escape their own
    text, pass as they are."""
    if hasattr(value, "__html__") and not isinstance(value, str):
        return value
    text = value if isinstance(value, str) else str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isprintable():  # most text has no control character
        text = _NOT_XML.sub("", text)
    return Markup(text) if isinstance(value, Markup) else text  # dropping controls cannot make markup


Made = TypeVar("Made")
TEMPLATES_KEPT = 8  # a run renders a handful of templates (the 通报, the leaders', the districts', the units')


def _once_per_template(made: dict[str, Made], source: str, make: Callable[[], Made]) -> Made:
    """``make()`` for a template's XML, made once per process (the same template serves every leader and every
    district), the last few templates kept."""
    found = made.get(source)
    if found is None:
        if len(made) >= TEMPLATES_KEPT:
            made.pop(next(iter(made)))
        found = made[source] = make()
    return found


class _WordEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, compiling each template's XML once: compiling it took about a third of a short brief's time."""

    def __init__(self) -> None:
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=True, finalize=word_text)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(
        self,
        source: str | jinja2.nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[jinja2.Template] | None = None,
    ) -> jinja2.Template:
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        return _once_per_template(self._compiled, source, lambda: super(_WordEnvironment, self).from_string(source))


@cache
def word_environment() -> jinja2.Environment:
    """The Jinja environment Word templates render in (one per process): sandboxed (a template edited by the office
    can reach the report's variables and Jinja's filters, nothing of Python), every printed value escaped for XML, so
    that a unit's ``&``, ``<`` or ``</w:t>`` is text and never markup, a field or a broken document."""
    return _WordEnvironment()


# docxtpl's listing characters (tab, line feed, bell, form feed: tab, line break, new paragraph, page break) and
# the paragraphs it looks for them in, as docxtpl matches them (a text box's paragraph ends the outer match).
_LISTING_CHARACTERS = re.compile("[\t\n\a\f]")
_LISTING_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)


# The tags that can make a table's rows longer or shorter than its grid (docxtpl's ``{%tc %}`` column loops and
# ``{% colspan %}``), looked for in the template's text with its XML tags taken out: a tag may be split over runs.
_XML_TAG = re.compile(r"<[^>]*>")
_GRID_CHANGING_TAG = re.compile(r"\{[%{#]-?\s*tc\s|colspan")


class _DocxTemplate(DocxTemplate):
    """docxtpl's template, rendering the same XML faster: its listing step runs a regular expression on every run
    of every paragraph (seconds for a province's 附件 table) although it changes only the paragraphs that hold a
    listing character; here only those paragraphs go through it. Its table repair walks every cell of every table
    to fit the grid to rows that column loops made longer or shorter; a template without such tags is only parsed.
    """

    _changes_grids = True
    _patched: dict[str, str] = {}  # noqa: RUF012 - the template XML docxtpl's clean-up gave, per process

    def patch_xml(self, src_xml: str) -> str:
        """docxtpl's clean-up of a template's XML (a dozen regular expressions over it), done once per template."""
        return _once_per_template(self._patched, src_xml, lambda: super(_DocxTemplate, self).patch_xml(src_xml))

    def build_xml(self, context: dict[str, Any], jinja_env: jinja2.Environment | None = None) -> str:
        self._changes_grids = _GRID_CHANGING_TAG.search(_XML_TAG.sub("", self.get_xml())) is not None
        xml: str = super().build_xml(context, jinja_env)
        return xml

    def fix_tables(self, xml: str) -> Any:
        if self._changes_grids:
            return super().fix_tables(xml)
        return etree.fromstring(xml, parser=etree.XMLParser(recover=True))  # as docxtpl parses it

    def resolve_listing(self, xml: str) -> str:
        resolve = super().resolve_listing

        def paragraph(match: re.Match[str]) -> str:
            text = match.group(0)
            return resolve(text) if _LISTING_CHARACTERS.search(text) else text

        return _LISTING_PARAGRAPH.sub(paragraph, xml)


class WordTemplate:
    """A .docx with Jinja tags (docxtpl), opened to be checked and rendered.

    Opening raises whatever docxtpl raises for a file that is not a readable .docx.
    """

    def __init__(self, path: Path) -> None:
        self._template = _DocxTemplate(str(path))

    def keywords(self) -> str:
        """The template's keywords (core properties), where the default templates record their design."""
        return self._template.get_docx().core_properties.keywords or ""

    def undeclared_variables(self, environment: jinja2.Environment) -> set[str]:
        """The variables the template uses (raises ``jinja2.TemplateSyntaxError`` for a broken tag)."""
        return set(self._template.get_undeclared_template_variables(environment))

    def render(self, context: dict[str, Any], environment: jinja2.Environment) -> None:
        """Fill the template in (raises ``jinja2`` errors for an unknown variable or a broken expression)."""
        self._template.render(context, environment)

    def set_properties(self, properties: DocumentProperties) -> None:
        """The rendered brief's own properties and zh-CN language tags, not the template's (``make_own``)."""
        make_own(self._template.docx, properties)  # get_docx() would reload the unrendered template

    def save(self, path: Path) -> None:
        """Give every run its East Asian font, then save atomically."""
        ensure_east_asian_fonts(self._template.docx)
        save_document(self._template.docx, path)

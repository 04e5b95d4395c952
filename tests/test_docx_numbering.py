"""Notices in .docx numbered by Word's automatic numbering, the number not in the text: read as Word shows them.

Each notice is built in code twice: as a .docx whose headings and tasks are numbered by list definitions (the
paragraph's own ``w:numPr``, a paragraph style's, a list style's link; several formats, levels, restarts and
overrides), and as the same notice with the numbers typed. The .docx must read as the typed text, line for line,
and ``reporter parse`` must give the same tasks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from reporter.io.docx_read import DocxTable, format_number, read_docx
from reporter.notices.formats import docx_lines
from tests.test_cli import invoke

W = nsdecls("w")
TITLE = ["某县人民政府办公室关于印发2024年政府工作报告目标任务责任分解的通知", "某政办发〔2024〕3号"]
SIGNATURE = ["某县人民政府办公室", "2024年2月1日"]
TASKS = [  # (section, task text, fields)
    ("经济发展", "地区生产总值增长6%左右。", "牵头领导：张三；牵头单位：县发改局；配合单位：县统计局、县财政局"),
    ("经济发展", "新增规上工业企业50家。", "牵头领导：李四；牵头单位：县经信局；配合单位：县市场监管局"),
    ("社会事业", "城镇登记失业率控制在3%以内。", "牵头领导：张三；牵头单位：县人社局；配合单位：县财政局"),
    ("社会事业", "新建中小学3所。", "牵头领导：王五；牵头单位：县教育局；配合单位：县住建局"),
]


@dataclass(frozen=True)
class Para:
    """A paragraph of the notice: the label Word shows (typed in the .txt twin), its text, its numbering."""

    shown: str
    text: str
    num_id: int | None = None
    level: int | None = None
    style: str | None = None


class NumberedNotice:
    """A .docx with numbering definitions of its own (python-docx's are removed) and its typed twin."""

    def __init__(self) -> None:
        self.document = Document()
        self.numbering = self.document.part.numbering_part.element
        for child in list(self.numbering):
            self.numbering.remove(child)
        self.paragraphs: list[Para] = []

    def definition(self, definition_id: int, levels: list[str], link: str = "") -> None:
        """``levels``: ``w:lvl`` contents without the ilvl, e.g. ``fmt("chineseCounting", "%1、")``."""
        body = "".join(f'<w:lvl w:ilvl="{i}">{level}</w:lvl>' for i, level in enumerate(levels))
        xml = f'<w:abstractNum {W} w:abstractNumId="{definition_id}">{link}{body}</w:abstractNum>'
        abstracts = self.numbering.findall(f"{{{self.numbering.nsmap['w']}}}abstractNum")
        position = self.numbering.index(abstracts[-1]) + 1 if abstracts else 0
        self.numbering.insert(position, parse_xml(xml))  # every abstractNum before the first num

    def instance(self, num_id: int, definition_id: int, overrides: str = "") -> None:
        xml = f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{definition_id}"/>{overrides}</w:num>'
        self.numbering.append(parse_xml(xml))

    def style(self, style_id: str, name: str, numbering: str = "", kind: str = "paragraph") -> None:
        based = '<w:basedOn w:val="Normal"/>' if kind == "paragraph" else ""
        properties = f"<w:pPr><w:numPr>{numbering}</w:numPr></w:pPr>" if numbering else ""
        xml = (
            f'<w:style {W} w:type="{kind}" w:styleId="{style_id}"><w:name w:val="{name}"/>{based}{properties}</w:style>'
        )
        self.document.styles.element.append(parse_xml(xml))

    def add(self, para: Para) -> None:
        self.paragraphs.append(para)

    def save(self, folder: Path, stem: str) -> tuple[Path, Path]:
        styles = {s.style_id: s for s in self.document.styles}
        for para in self.paragraphs:
            paragraph = self.document.add_paragraph(para.text)
            if para.style:
                paragraph.style = styles[para.style]
            if para.num_id is not None:
                level = f'<w:ilvl w:val="{para.level}"/>' if para.level is not None else ""
                numbering = f'<w:numPr {W}>{level}<w:numId w:val="{para.num_id}"/></w:numPr>'
                paragraph._p.get_or_add_pPr().append(parse_xml(numbering))
        docx, txt = folder / f"{stem}.docx", folder / f"{stem}.txt"
        self.document.save(docx)
        txt.write_text("\n".join(p.shown + p.text for p in self.paragraphs) + "\n", encoding="utf-8")
        return docx, txt


def fmt(number_format: str, text: str, start: int = 1, extra: str = "") -> str:
    return f'<w:start w:val="{start}"/><w:numFmt w:val="{number_format}"/>{extra}<w:lvlText w:val="{text}"/>'


def plain(notice: NumberedNotice, lines: list[str]) -> None:
    for line in lines:
        notice.add(Para("", line))


def _sections(notice: NumberedNotice, heading, task) -> None:
    """The notice's body: ``heading(number, title)`` and ``task(number, text)`` give each numbered paragraph."""
    plain(notice, [*TITLE, "2024年政府工作报告目标任务责任分解"])
    section = None
    for number, (title, text, fields) in enumerate(TASKS, start=1):
        if title != section:
            section = title
            notice.add(heading(title))
        notice.add(task(number, text))
        notice.add(Para("", fields))
    plain(notice, SIGNATURE)


def two_lists() -> NumberedNotice:
    """Headings and tasks in two lists of their own (the paragraphs' own numPr); tasks run on across headings."""
    notice = NumberedNotice()
    notice.definition(1, [fmt("chineseCounting", "%1、")])
    notice.definition(2, [fmt("decimal", "%1.")])
    notice.instance(11, 1)
    notice.instance(12, 2)
    headings = iter(["一、", "二、"])
    _sections(notice, lambda t: Para(next(headings), t, 11, 0), lambda n, t: Para(f"{n}.", t, 12, 0))
    return notice


def multilevel() -> NumberedNotice:
    """One multilevel list: headings at level 1 (一、), tasks at level 2 (1.), which never restarts; the heading
    list used through two instances of one definition, which share its counters."""
    notice = NumberedNotice()
    never = '<w:lvlRestart w:val="0"/>'
    notice.definition(3, [fmt("chineseCountingThousand", "%1、"), fmt("decimal", "%2．", extra=never)])
    notice.instance(21, 3)
    notice.instance(22, 3)
    headings = iter([("一、", 21), ("二、", 22)])

    def heading(title: str) -> Para:
        shown, num_id = next(headings)
        return Para(shown, title, num_id, 0)

    _sections(notice, heading, lambda n, t: Para(f"{n}．", t, 22, 1))
    return notice


def paragraph_styles() -> NumberedNotice:
    """Numbered by paragraph styles only: 一级标题 linked to level 1 of a list (its level found by the level's
    pStyle), 任务条目 at level 2 by its style's ilvl; no numPr in any paragraph."""
    notice = NumberedNotice()
    never = '<w:lvlRestart w:val="0"/>'
    notice.definition(
        4, [fmt("chineseCounting", "%1、", extra='<w:pStyle w:val="Heading1CN"/>'), fmt("decimal", "%2.", extra=never)]
    )
    notice.instance(31, 4)
    notice.style("Heading1CN", "一级标题", '<w:numId w:val="31"/>')
    notice.style("TaskItem", "任务条目", '<w:ilvl w:val="1"/><w:numId w:val="31"/>')
    headings = iter(["一、", "二、"])
    _sections(
        notice,
        lambda t: Para(next(headings), t, style="Heading1CN"),
        lambda n, t: Para(f"{n}.", t, style="TaskItem"),
    )
    return notice


def list_style() -> NumberedNotice:
    """A list style (Word's 定义新列表样式): the paragraphs' list points by numStyleLink to the numbering style
    公文编号, whose own list holds the levels (styleLink)."""
    notice = NumberedNotice()
    notice.definition(5, [fmt("chineseCounting", "%1、"), fmt("decimal", "%2.", extra='<w:lvlRestart w:val="0"/>')],
                      link='<w:styleLink w:val="OfficialList"/>')  # fmt: skip
    notice.definition(6, [], link='<w:numStyleLink w:val="OfficialList"/>')
    notice.instance(41, 5)
    notice.instance(42, 6)
    notice.style("OfficialList", "公文编号", '<w:numId w:val="41"/>', kind="numbering")
    headings = iter(["一、", "二、"])
    _sections(notice, lambda t: Para(next(headings), t, 42, 0), lambda n, t: Para(f"{n}.", t, 42, 1))
    return notice


def restarted() -> NumberedNotice:
    """Tasks numbered per section: the second section's tasks are a new instance of the list restarted at 3 by a
    start override (as Word's 设置编号值 writes it); headings start at 一 from a start of 1 given on the level."""
    notice = NumberedNotice()
    notice.definition(7, [fmt("chineseCounting", "%1、")])
    notice.definition(8, [fmt("decimal", "%1、", start=1)])
    notice.instance(51, 7)
    notice.instance(52, 8)
    notice.instance(53, 8, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="3"/></w:lvlOverride>')
    headings = iter(["一、", "二、"])
    _sections(notice, lambda t: Para(next(headings), t, 51, 0), lambda n, t: Para(f"{n}、", t, 52 if n <= 2 else 53, 0))
    return notice


def bracketed_tasks() -> NumberedNotice:
    """Tasks numbered （一） （二） by a chineseCounting list under a heading typed in the text; the ilvl left out
    (level 1)."""
    notice = NumberedNotice()
    notice.definition(9, [fmt("chineseCounting", "（%1）")])
    notice.instance(61, 9)
    plain(notice, [*TITLE, "2024年政府工作报告目标任务责任分解", "一、经济发展"])
    for shown, (_, text, fields) in zip(["（一）", "（二）", "（三）", "（四）"], TASKS, strict=True):
        notice.add(Para(shown, text, 61))
        notice.add(Para("", fields))
    plain(notice, SIGNATURE)
    return notice


NOTICES = [two_lists, multilevel, paragraph_styles, list_style, restarted, bracketed_tasks]


def parsed(path: Path, tmp_path: Path) -> list[dict]:
    out = tmp_path / f"{path.name}.json"
    result = invoke("parse", str(path), "--no-store", "--json", str(out))
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))["tasks"]


def essentials(tasks: list[dict]) -> list[tuple]:
    keys = ("id", "text", "section", "leaders", "lead_units", "cooperating_units")
    return [tuple(str(task[key]) for key in keys) for task in tasks]


@pytest.mark.parametrize("build", NOTICES, ids=[b.__name__ for b in NOTICES])
def test_word_numbering_reads_as_typed_and_gives_the_tasks(tmp_path, monkeypatch, build):
    monkeypatch.chdir(tmp_path)  # outside any workspace
    docx, txt = build().save(tmp_path, build.__name__)
    assert docx_lines(docx) == txt.read_text(encoding="utf-8").splitlines()
    tasks = parsed(docx, tmp_path)
    assert [t["id"] for t in tasks] == ["2024-G-001", "2024-G-002", "2024-G-003", "2024-G-004"]
    assert [t["text"] for t in tasks] == [text for _, text, _ in TASKS]
    assert [t["lead_units"] for t in tasks] == [["县发改局"], ["县经信局"], ["县人社局"], ["县教育局"]]
    assert essentials(tasks) == essentials(parsed(txt, tmp_path))


def test_task_one_hundred_and_one_numbered_by_word(tmp_path, monkeypatch):
    """A hundred and one tasks numbered （一） … （一百零一） by Word: the labels beyond 九十九 are counted, not an
    IndexError, and the parser takes them as tasks."""
    monkeypatch.chdir(tmp_path)
    notice = NumberedNotice()
    notice.definition(1, [fmt("chineseCounting", "（%1）")])
    notice.instance(1, 1)
    plain(notice, [*TITLE, "2024年政府工作报告目标任务责任分解", "一、经济发展"])
    shown = {1: "一", 10: "十", 11: "十一", 20: "二十", 99: "九十九", 100: "一百", 101: "一百零一"}
    for number in range(1, 102):
        notice.add(Para(f"（{shown.get(number, '')}）", f"推进第{number}项重点工作。", 1, 0))
        notice.add(Para("", "牵头领导：张三；牵头单位：县发改局"))
    plain(notice, SIGNATURE)
    docx, _ = notice.save(tmp_path, "一百零一项")
    lines = docx_lines(docx)
    for number, numeral in shown.items():
        assert f"（{numeral}）推进第{number}项重点工作。" in lines
    tasks = parsed(docx, tmp_path)
    assert len(tasks) == 101
    assert [t["id"] for t in tasks] == [f"2024-G-{n:03d}" for n in range(1, 102)]
    assert tasks[100]["text"] == "推进第101项重点工作。" and tasks[100]["lead_units"] == ["县发改局"]


def test_numbered_cells_of_a_task_table(tmp_path):
    """The 序号 column of a task table numbered by Word (cells empty in the text): each cell shows its number and
    the table's rows are tasks."""
    notice = NumberedNotice()
    notice.definition(1, [fmt("decimal", "%1")])
    notice.instance(1, 1)
    plain(notice, [*TITLE, "2024年政府工作报告目标任务责任分解"])
    docx, _ = notice.save(tmp_path, "表格")
    document = Document(docx)
    header = ["序号", "工作任务", "牵头领导", "牵头单位", "配合单位"]
    table = document.add_table(rows=1 + len(TASKS), cols=len(header))
    for column, text in enumerate(header):
        table.cell(0, column).text = text
    for row, (_, text, fields) in enumerate(TASKS, start=1):
        values = dict(part.split("：") for part in fields.split("；"))
        cells = ["", text, values["牵头领导"], values["牵头单位"], values["配合单位"]]
        for column, value in enumerate(cells):
            table.cell(row, column).text = value
        numbering = f'<w:numPr {W}><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'
        table.cell(row, 0).paragraphs[0]._p.get_or_add_pPr().append(parse_xml(numbering))
    for line in SIGNATURE:
        document.add_paragraph(line)
    document.save(docx)
    table = next(block for block in read_docx(docx) if isinstance(block, DocxTable))
    assert [(row[0][0].list_label, row[0][0].text) for row in table.rows] == [("", "序号")] + [
        (str(n), "") for n in range(1, 5)
    ]
    tasks = parsed(docx, tmp_path)
    assert [t["id"] for t in tasks] == ["2024-G-001", "2024-G-002", "2024-G-003", "2024-G-004"]
    assert [t["lead_units"] for t in tasks] == [["县发改局"], ["县经信局"], ["县人社局"], ["县教育局"]]


@pytest.mark.parametrize(
    ("number_format", "value", "shown"),
    [
        ("decimal", 7, "7"),
        ("chineseCounting", 1, "一"),
        ("chineseCounting", 10, "十"),
        ("chineseCounting", 11, "十一"),
        ("chineseCounting", 20, "二十"),
        ("chineseCounting", 101, "一百零一"),
        ("chineseCounting", 120, "一百二十"),
        ("chineseCountingThousand", 1010, "一千零一十"),
        ("taiwaneseCounting", 12, "十二"),
        ("ideographDigital", 3, "三"),
        ("ideographDigital", 10, "一〇"),
        ("ideographDigital", 101, "一〇一"),
        ("chineseLegalSimplified", 12, "壹拾贰"),
        ("ideographLegalTraditional", 2, "貳"),
        ("ideographTraditional", 3, "丙"),
        ("ideographTraditional", 11, "11"),
        ("ideographZodiac", 12, "亥"),
        ("decimalEnclosedCircle", 3, "③"),
        ("decimalEnclosedCircleChinese", 21, "㉑"),
        ("decimalEnclosedCircle", 51, "51"),
        ("ideographEnclosedCircle", 2, "㊁"),
        ("decimalEnclosedParen", 4, "⑷"),
        ("decimalEnclosedFullstop", 5, "⒌"),
        ("decimalFullWidth", 12, "１２"),
        ("decimalZero", 7, "07"),
        ("upperLetter", 27, "AA"),
        ("lowerLetter", 2, "b"),
        ("upperRoman", 14, "XIV"),
        ("lowerRoman", 9, "ix"),
        ("cardinalText", 3, "3"),
    ],
)
def test_list_number_formats(number_format, value, shown):
    assert format_number(value, number_format) == shown


def test_levels_legal_numbering_bullets_and_missing_definitions(tmp_path):
    """``%1.%2`` shows both levels each in its format (all decimal when isLgl); a bullet, a level with format
    none, numId 0 under a numbered style, and a numId with no definition show no number."""
    notice = NumberedNotice()
    legal = "<w:isLgl/>"
    notice.definition(
        1,
        [
            fmt("chineseCounting", "第%1章"),
            fmt("decimal", "%1.%2"),
            fmt("decimal", "%1.%2.%3", extra=legal),
            fmt("bullet", "●"),
            fmt("none", ""),
        ],
    )
    notice.instance(1, 1)
    notice.style("Chapter", "章", '<w:numId w:val="1"/>')
    notice.add(Para("第一章", "总则", 1, 0))
    notice.add(Para("一.1", "目标", 1, 1))
    notice.add(Para("1.1.1", "分目标", 1, 2))
    notice.add(Para("", "要点", 1, 3))
    notice.add(Para("", "无编号", 1, 4))
    notice.add(Para("第二章", "任务", style="Chapter"))
    notice.add(Para("", "不编号", 0, None, style="Chapter"))
    notice.add(Para("", "没有定义", 99, 0))
    notice.add(Para("第三章", "附则", 1, 0))
    docx, txt = notice.save(tmp_path, "多级")
    assert docx_lines(docx) == txt.read_text(encoding="utf-8").splitlines()

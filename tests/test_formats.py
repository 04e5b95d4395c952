"""One notice, many formats: the sample notices give the same tasks as .txt, .docx (paragraphs, or a task table
with merged section rows and Word numbering), .html (GBK, with site chrome), .pdf, .xlsx/.csv task lists."""

from __future__ import annotations

import csv
import html
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from reporter.io import office as office_io
from reporter.model import LIVELIHOOD
from reporter.notices.formats import docx_lines, html_lines
from reporter.notices.read import read_notice_file
from reporter.notices.units import UnitDirectory
from reporter.operations import parse_file
from reporter.text import normalize_line
from tests.conftest import NOTICE_2019, NOTICE_2021, SAMPLE
from tests.test_cli import flat, invoke

NOTICES = [NOTICE_2019, NOTICE_2021]


def blocks(lines: list[str]):
    """Paragraphs and tables of a text notice (tab-separated rows; a wrapped label joins the row above)."""
    i = 0
    while i < len(lines):
        if "\t" in lines[i]:
            rows: list[list[str]] = []
            while i < len(lines) and (
                "\t" in lines[i] or (rows and lines[i].strip() and i + 1 < len(lines) and "\t" in lines[i + 1])
            ):
                if "\t" in lines[i]:
                    rows.append(lines[i].split("\t"))
                else:
                    rows[-1][0] += lines[i].strip()
                i += 1
            yield "table", rows
            continue
        yield "p", lines[i]
        i += 1


def _table(document, rows: list[list[str]], first_width: float = 34, total: float = 164) -> None:
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    table.autofit = False
    widths = [Mm(first_width)] + [Mm((total - first_width) / max(1, width - 1))] * (width - 1)
    for r, row in enumerate(rows):
        for c in range(width):
            table.cell(r, c).width = widths[c]
            table.cell(r, c).text = row[c] if c < len(row) else ""


def as_docx(source: Path, target: Path) -> Path:
    document = Document()
    for kind, value in blocks(read_notice_file(source).lines):
        if kind == "p":
            document.add_paragraph(value)
        else:
            _table(document, value)
    document.save(target)
    return target


def as_html(source: Path, target: Path) -> Path:
    body = []
    for kind, value in blocks(read_notice_file(source).lines):
        if kind == "p":
            body.append(f"<p>{html.escape(value)}</p>")
        else:
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in value)
            body.append(f"<table border='1'>{rows}</table>")
    page = f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>宁波市人民政府办公厅关于印发目标任务责任分解的通知</title><script>var a = "牵头单位：假的";</script></head><body>
<div class="top-nav"><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 文件</div>
<div id="header">宁波市人民政府 欢迎您</div>
<div class="TRS_Editor">{"".join(body)}</div>
<div class="share-bar">分享到：微信 微博 QQ空间</div>
<div class="footer">版权所有：宁波市人民政府办公厅 浙ICP备00000000号</div></body></html>"""
    target.write_bytes(page.encode("gb18030"))
    return target


def _units(task, role: str) -> str:
    real = task.lead_units if role == "lead" else task.cooperating_units
    collectives = [c.name for c in task.collective_units if c.role == role]
    return "、".join([*real, *collectives])


def _numbered_paragraph(document, text: str) -> None:
    """A paragraph numbered by Word's automatic list numbering (the number is not in the text)."""
    paragraph = document.add_paragraph(text)
    properties = paragraph._p.get_or_add_pPr()
    numbering = OxmlElement("w:numPr")
    level = OxmlElement("w:ilvl")
    level.set(qn("w:val"), "0")
    number = OxmlElement("w:numId")
    number.set(qn("w:val"), "1")
    numbering.append(level)
    numbering.append(number)
    properties.append(numbering)


def as_task_table_docx(source: Path, target: Path, directory) -> Path:
    """The work-report parts as Word tables (序号 | 工作任务 | 牵头领导 | 牵头单位 | 配合单位) with merged section rows;
    livelihood projects as paragraphs, with Word-numbered headings."""
    notice = parse_file(source, directory).notice
    lines = read_notice_file(source).lines
    document = Document()
    for line in lines[: notice.tasks[0].line - 1]:
        if line.strip() and not line.strip().startswith(("一、", "二、", "三、")) and "目标任务" not in line[:20]:
            document.add_paragraph(line)
        elif line.strip():
            document.add_paragraph(line)
            break
    for part in dict.fromkeys(t.part for t in notice.tasks if t.kind != LIVELIHOOD):
        heading = next((line.strip() for line in lines if normalize_line(line).endswith(part)), part)
        if heading != document.paragraphs[-1].text.strip():
            document.add_paragraph(heading)
        rows = [["序号", "工作任务", "牵头领导", "牵头单位", "配合单位"]]
        merged = []
        section = None
        for task in (t for t in notice.tasks if t.part == part):
            if task.section and task.section != section:
                section = task.section
                merged.append(len(rows))
                rows.append([section] * 5)
            rows.append(
                [
                    str(task.number),
                    task.text,
                    "、".join(task.leaders),
                    _units(task, "lead"),
                    _units(task, "cooperating"),
                ]
            )
        width = 5
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            if r in merged:
                cell = table.cell(r, 0).merge(table.cell(r, width - 1))
                cell.text = row[0]
                continue
            for c in range(width):
                table.cell(r, c).text = row[c]
    start = next(i for i, line in enumerate(lines) if "民生实" in line and "责任分解" in line and i > 10)
    for kind, value in blocks(lines[start:]):
        if kind == "table":
            _table(document, value)
        elif value.strip()[:2] in {f"{n}、" for n in "一二三四五六七八九十"} and value.strip()[2:]:
            _numbered_paragraph(document, value.strip()[2:])
        else:
            document.add_paragraph(value)
    _chinese_numbering(document)
    document.save(target)
    return target


def _chinese_numbering(document) -> None:
    """numId 1: ``一、`` ``二、`` (chineseCounting) at level 0."""
    numbering = document.part.numbering_part.element
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), "90")
    level = OxmlElement("w:lvl")
    level.set(qn("w:ilvl"), "0")
    for tag, value in (("w:start", "1"), ("w:numFmt", "chineseCounting"), ("w:lvlText", "%1、")):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        level.append(element)
    abstract.append(level)
    numbering.insert(0, abstract)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), "1")
    reference = OxmlElement("w:abstractNumId")
    reference.set(qn("w:val"), "90")
    num.append(reference)
    numbering.append(num)


def key(task) -> tuple:
    return (
        task.id,
        task.kind,
        task.text,
        task.leaders,
        task.lead_units,
        task.cooperating_units,
        [c.to_dict() for c in task.collective_units],
        task.target_text,
        [(b.indicator, b.unit, b.values) for b in task.breakdown],
    )


def same_tasks(source: Path, other: Path, directory) -> None:
    expected = parse_file(source, directory).notice
    got = parse_file(other, directory, code=expected.meta.code)
    assert got.notice is not None, got.error
    assert got.notice.meta.title == expected.meta.title
    assert len(got.notice.tasks) == len(expected.tasks)
    for a, b in zip(expected.tasks, got.notice.tasks, strict=True):
        assert key(b) == key(a), a.id


@pytest.fixture(scope="module")
def directory(sample_workspace_config):
    return sample_workspace_config.directory()


@pytest.mark.parametrize("name", NOTICES)
def test_docx_paragraphs_and_tables(tmp_path, directory, name):
    source = SAMPLE / "input" / "notices" / name
    same_tasks(source, as_docx(source, tmp_path / f"{source.stem}.docx"), directory)


@pytest.mark.parametrize("name", NOTICES)
def test_docx_task_table_with_merged_rows_and_word_numbering(tmp_path, directory, name):
    source = SAMPLE / "input" / "notices" / name
    target = as_task_table_docx(source, tmp_path / f"{source.stem}-表格.docx", directory)
    lines = docx_lines(target)
    assert any(line.startswith("一、") for line in lines)  # Word numbering written out
    expected = [t for t in parse_file(source, directory).notice.tasks]
    got = parse_file(target, directory, code=expected[0].id[:4]).notice.tasks
    assert [key(t)[:7] for t in got] == [key(t)[:7] for t in expected]


@pytest.mark.parametrize("name", NOTICES)
def test_html_gbk_article_only(tmp_path, directory, name):
    source = SAMPLE / "input" / "notices" / name
    page = as_html(source, tmp_path / f"{source.stem}.html")
    lines = html_lines(page.read_bytes(), page.name)
    chrome = ("政务公开", "欢迎您", "QQ空间", "浙ICP备", "假的")  # navigation, header, share bar, footer, script
    assert not any(word in line for line in lines for word in chrome)
    same_tasks(source, page, directory)


@pytest.mark.parametrize("name", NOTICES)
def test_pdf_through_libreoffice(office, tmp_path, directory, name):
    source = SAMPLE / "input" / "notices" / name
    document = as_docx(source, tmp_path / f"{source.stem}.docx")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'lo'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(document),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    same_tasks(source, tmp_path / f"{source.stem}.pdf", directory)


TASK_LIST = [
    ["某县2024年政府工作报告重点任务清单"],
    ["序号", "类别", "目标任务", "分管县领导", "牵头部门", "协同责任单位", "完成时限"],
    ["1", "经济发展", "地区生产总值增长6%左右。", "张三", "县发改局", "县统计局、县财政局", "12月底前"],
    ["2", "经济发展", "新增规上工业企业50家。", "李四", "县经信局", "县市场监管局", "12月底前"],
    ["3", "社会事业", "城镇新增就业5000人。", "张三", "县人社局", "", "12月底前"],
]


def test_xlsx_task_list_mapped_by_headers(tmp_path):
    workbook = openpyxl.Workbook()
    for row in TASK_LIST:
        workbook.active.append(row)
    workbook.save(tmp_path / "任务清单.xlsx")
    with (tmp_path / "任务清单.csv").open("w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(TASK_LIST)
    for name in ("任务清单.xlsx", "任务清单.csv"):
        notice = parse_file(tmp_path / name, UnitDirectory(), code="2024").notice
        assert [(t.number, t.section, t.text, t.leaders, t.lead_units, t.cooperating_units) for t in notice.tasks] == [
            (1, "一、经济发展", "地区生产总值增长6%左右。", ["张三"], ["县发改局"], ["县统计局", "县财政局"]),
            (2, "一、经济发展", "新增规上工业企业50家。", ["李四"], ["县经信局"], ["县市场监管局"]),
            (3, "二、社会事业", "城镇新增就业5000人。", ["张三"], ["县人社局"], []),
        ], name
        assert {t.deadline for t in notice.tasks} == {"2024-12-31"}


def test_task_list_without_known_headers_names_what_it_found(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["编号", "事项", "负责人"])
    workbook.active.append(["1", "某事", "某人"])
    workbook.save(tmp_path / "清单.xlsx")
    result = invoke("parse", str(tmp_path / "清单.xlsx"), "--no-store")
    assert result.exit_code == 1
    assert "找不到任务清单的表头" in flat(result.output) and "前几行的内容是：编号、事项、负责人" in flat(result.output)


def test_doc_is_converted_through_libreoffice(office, tmp_path, directory):
    source = SAMPLE / "input" / "notices" / NOTICE_2021
    document = as_docx(source, tmp_path / "notice.docx")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'lo'}",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path / "doc"),
            str(document),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    same_tasks(source, tmp_path / "doc" / "notice.doc", directory)


def test_doc_without_libreoffice_says_how_to_save(tmp_path, monkeypatch):
    (tmp_path / "通知.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(office_io, "office_candidates", lambda environ, windows: [])  # nor in the usual folders
    result = invoke("parse", str(tmp_path / "通知.doc"), "--no-store")
    assert result.exit_code == 1
    assert "通知.doc：.doc格式需要LibreOffice转换，但本机未安装。请在Word/WPS中“另存为”.docx后重试" in flat(
        result.output
    )


@pytest.mark.parametrize("name", NOTICES)
def test_sample_work_tasks_as_an_xlsx_list_whose_numbering_restarts(tmp_path, directory, name):
    """The sample's work tasks typed into one sheet, numbered from 1 again for each part, with no part rows."""
    expected = [
        t for t in parse_file(SAMPLE / "input" / "notices" / name, directory).notice.tasks if t.kind != LIVELIHOOD
    ]
    workbook = openpyxl.Workbook()
    workbook.active.append(["序号", "工作任务", "牵头领导", "牵头单位", "配合单位"])
    for task in expected:
        cooperating = [*task.cooperating_units, *(c.name for c in task.collective_units if c.role != "lead")]
        workbook.active.append(
            [task.number, task.text, "、".join(task.leaders), "、".join(task.lead_units), "、".join(cooperating)]
        )
    workbook.save(tmp_path / "任务清单.xlsx")
    got = parse_file(tmp_path / "任务清单.xlsx", directory, code=expected[0].id[:4]).notice.tasks
    assert len(got) == len(expected)
    assert [(t.number, t.text, t.leaders, t.lead_units) for t in got] == [
        (t.number, t.text, t.leaders, t.lead_units) for t in expected
    ]
    parts = {t.id.split("-")[1] for t in expected}
    assert len({t.id.split("-")[1] for t in got}) == len(parts)  # as many parts as the notice has

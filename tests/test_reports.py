"""Word briefs: the numbers equal the store, lagging list complete and ordered, GB/T 9704 layout and fonts,
broken templates named, PDF through LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from reporter.reports.templates import TEMPLATES
from tests.cycle_helpers import fill_form, form_path, invoke, make_workspace
from tests.test_cli import flat


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Path:
    """The small workspace with June returns from three units, and its reports."""
    root = make_workspace(tmp_path_factory.mktemp("reports") / "ws")
    assert invoke("-w", root, "forms", "--period", "2021-06").exit_code == 0
    returns = root / "input" / "returns" / "2021-06"
    fill_form(
        form_path(root, "市发改委"),
        returns / "a.xlsx",
        {"2021-G-001": {"progress": "上半年增长7.2%", "percent": 50, "status": "正常推进"}},
    )
    fill_form(
        form_path(root, "市经信局"),
        returns / "b.xlsx",
        {"2021-G-002": {"progress": "新增120家", "percent": 20, "status": "进度滞后", "problems": "项目落地慢"}},
    )
    fill_form(
        form_path(root, "海曙区政府"),
        returns / "c.xlsx",
        {"2021-M-001": {"progress": "开工5所", "percent": 45, "status": "正常推进"}},
        indicators={"2021-M-001-1": 3},
    )
    fill_form(form_path(root, "江北区政府"), returns / "d.xlsx", indicators={"2021-M-001-1": 4})
    assert invoke("-w", root, "collect", returns).exit_code == 0
    result = invoke("-w", root, "report", "--period", "2021-06", "--units")
    assert result.exit_code == 0, result.output
    return root


def folder(root: Path) -> Path:
    return root / "output" / "reports" / "2021-06"


def text_of(path: Path) -> str:
    document = Document(path)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def table_rows(path: Path, first_header: str) -> list[list[str]]:
    for table in Document(path).tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        if rows and rows[0][0] == first_header:
            return rows[1:]
    raise AssertionError(f"no table starting with {first_header}")


def test_files_written(reported):
    names = sorted(str(p.relative_to(folder(reported))) for p in folder(reported).rglob("*.docx"))
    assert names == sorted(
        [
            "2021年6月目标任务督查通报.docx",
            "领导专报/张三-2021-06督查专报.docx",
            "领导专报/李四-2021-06督查专报.docx",
            "领导专报/王六-2021-06督查专报.docx",
            "区县专报/海曙-2021-06督查专报.docx",
            "区县专报/江北-2021-06督查专报.docx",
        ]
        + [
            f"单位专报/{unit}-2021-06.docx"
            for unit in (
                "市发改委",
                "市统计局",
                "市财政局",
                "市经信局",
                "市市场监管局",
                "海曙区政府",
                "江北区政府",
                "市人社局",
                "市教育局",
            )
        ]
    )
    assert sorted(p.name for p in (reported / "templates").iterdir()) == sorted(t.file for t in TEMPLATES)


def test_monthly_numbers_equal_the_store(reported):
    text = text_of(folder(reported) / "2021年6月目标任务督查通报.docx")
    # G-001 50% vs 49.6 green; G-002 20% red; G-003 unreported. M-001 45% yellow.
    assert "纳入督查的政府工作报告目标任务共3项" in text
    assert "已完成0项，亮绿灯1项、黄灯0项、红灯1项，进度滞后1项，牵头单位未报送1项" in text
    assert "民生实事项目共1项，已完成0项，亮红灯0项、黄灯1项" in text
    assert table_rows(folder(reported) / "2021年6月目标任务督查通报.docx", "牵头领导") == [
        ["张三", "2", "0", "1", "0", "0", "1"],
        ["李四", "1", "0", "0", "0", "1", "0"],
        ["王六", "1", "0", "0", "1", "0", "0"],
    ]
    indicators = table_rows(folder(reported) / "2021年6月目标任务督查通报.docx", "指标")
    assert indicators == [["建设项目", "海曙", "6", "3", "50", "2"], ["建设项目", "江北", "4", "4", "100", "1"]]
    assert "应报送单位9个，已报送4个。" in text
    assert "未报送：市人社局、市市场监管局、市教育局、市统计局、市财政局。" in text


def test_lagging_list_complete_and_ordered(reported):
    rows = table_rows(folder(reported) / "2021年6月目标任务督查通报.docx", "编号")
    assert [(r[0], r[5]) for r in rows] == [("2021-G-002", "红灯"), ("2021-M-001", "黄灯")]
    assert rows[0][6] == "项目落地慢"


def test_leader_brief(reported):
    path = folder(reported) / "领导专报" / "张三-2021-06督查专报.docx"
    text = text_of(path)
    assert "（张三同志牵头任务）" in text
    assert (
        "张三同志牵头的目标任务共2项。截至2021年6月末，已完成0项；亮绿灯1项、黄灯0项、红灯0项，进度滞后0项；牵头单位未报送1项。"
        in text
    )
    assert "本期没有进度滞后的任务。" in text
    assert "1.地区生产总值增长7%左右。（牵头单位：市发改委；正常推进，完成50%；绿灯）进展：上半年增长7.2%" in text
    assert "尚未报送的单位：" in text and "市人社局" in text


def test_district_brief_ranks_and_status(reported):
    text = text_of(folder(reported) / "区县专报" / "海曙-2021-06督查专报.docx")
    rows = table_rows(folder(reported) / "区县专报" / "海曙-2021-06督查专报.docx", "项目")
    assert rows == [["中小学校扩容建设工程", "建设项目", "所", "6", "3", "50", "2/2"]]
    assert "海曙区政府已于" in text
    tasks = table_rows(folder(reported) / "区县专报" / "海曙-2021-06督查专报.docx", "编号")
    assert [r[0] for r in tasks] == ["2021-G-002", "2021-M-001"]


def test_gb9704_layout_fonts_and_page_numbers(reported):
    path = folder(reported) / "领导专报" / "张三-2021-06督查专报.docx"
    document = Document(path)
    section = document.sections[0]
    measured = (section.page_width, section.page_height, section.top_margin, section.bottom_margin)
    measured += (section.left_margin, section.right_margin)
    expected = (Mm(210), Mm(297), Mm(37), Mm(35), Mm(28), Mm(26))
    assert all(abs(a - b) < Mm(0.1) for a, b in zip(measured, expected, strict=True)), measured
    styles = document.styles
    assert (styles["公文标题"].font.name, styles["公文标题"].font.size) == ("方正小标宋简体", Pt(22))
    assert (styles["Normal"].font.name, styles["Normal"].font.size) == ("仿宋_GB2312", Pt(16))
    assert styles["一级标题"].font.name == "黑体"
    assert styles["二级标题"].font.name == "楷体_GB2312"
    assert styles["Normal"].paragraph_format.line_spacing == Pt(28.95)
    assert styles["Normal"].element.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"  # 28 characters a line
    runs = [r for p in document.paragraphs for r in p.runs]
    runs += [r for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs
    assert all(r._r.rPr is not None and r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in runs if r.text)
    title = next(p for p in document.paragraphs if p.text.endswith("督查专报"))
    assert title.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    with zipfile.ZipFile(path) as archive:
        settings = archive.read("word/settings.xml").decode()
        footers = [archive.read(n).decode() for n in archive.namelist() if n.startswith("word/footer")]
    assert "evenAndOddHeaders" in settings
    assert sum("PAGE" in f and "— " in f and " —" in f for f in footers) == 2
    assert any('w:val="right"' in f for f in footers) and any('w:val="left"' in f for f in footers)
    assert all('w:eastAsia="宋体"' in f for f in footers if "PAGE" in f)
    tables = [t._tbl for t in Document(folder(reported) / "2021年6月目标任务督查通报.docx").tables]
    assert len(tables) == 4
    for table in tables:
        first, body = table.tr_lst[0], table.tr_lst[1]
        assert first.trPr.find(qn("w:tblHeader")) is not None
        assert body.trPr.find(qn("w:cantSplit")) is not None
        assert body.trPr.find(qn("w:tblHeader")) is None


@pytest.mark.parametrize("spec", TEMPLATES, ids=[t.kind for t in TEMPLATES])
def test_misspelt_variable_in_edited_template_is_named(reported, tmp_path, spec):
    root = tmp_path / "ws"
    shutil.copytree(reported, root)
    template = root / "templates" / spec.file
    original = {
        "leader": "{{ leader }}",
        "district": "{{ district }}",
        "unit": "{{ unit }}",
        "monthly": "{{ period_label }}",
    }[spec.kind]
    misspelt = original.replace("}}", "x }}").replace(" x", "x")
    with zipfile.ZipFile(template) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    assert original.encode() in parts["word/document.xml"]
    parts["word/document.xml"] = parts["word/document.xml"].replace(original.encode(), misspelt.encode(), 1)
    with zipfile.ZipFile(template, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    result = invoke("-w", root, "report", "--period", "2021-06", "--units")
    assert result.exit_code == 1
    name = misspelt.strip("{} ")
    assert f"模板{spec.file}使用了报告中没有的变量：{name}。" in flat(result.output)
    assert "Traceback" not in result.output


def test_broken_attribute_in_template_is_named(reported, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(reported, root)
    template = root / "templates" / "督查专报-领导.docx"
    with zipfile.ZipFile(template) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"summary.total", b"summary.totl", 1)
    with zipfile.ZipFile(template, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    result = invoke("-w", root, "report")
    assert result.exit_code == 1
    assert "模板督查专报-领导.docx中的变量有误：'dictobject'hasnoattribute'totl'" in flat(result.output)


def test_pdf_through_libreoffice(office, reported, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(reported, root)
    result = invoke("-w", root, "report", "--pdf")
    assert result.exit_code == 0, result.output
    pdf = folder(root) / "PDF" / "2021年6月目标任务督查通报.pdf"
    assert pdf.exists()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 1 <= pages <= 6
    assert "595" in info and "841" in info  # A4
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "政府工作报告目标任务督查通报" in text
    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)


def test_one_click_run_on_the_sample_workspace(tmp_path, monkeypatch):
    from tests.conftest import NOTICE_2019, NOTICE_2021, SAMPLE

    root = tmp_path / "sample"
    (root / "input" / "notices").mkdir(parents=True)
    shutil.copy(SAMPLE / "reporter.toml", root / "reporter.toml")
    for name in (NOTICE_2019, NOTICE_2021):
        shutil.copy(SAMPLE / "input" / "notices" / name, root / "input" / "notices" / name)
    shutil.copytree(SAMPLE / "input" / "returns" / "2021-06", root / "input" / "returns" / "2021-06")
    from reporter.store import Store

    calls: list[tuple[str, object]] = []
    tasks_of_store, answers_of_store = Store.tasks, Store.answers

    def counting_tasks(self, **options):
        calls.append(("tasks", None))
        return tasks_of_store(self, **options)

    def counting_answers(self, period=None, **options):
        calls.append(("answers", period))
        return answers_of_store(self, period, **options)

    monkeypatch.setattr(Store, "tasks", counting_tasks)
    monkeypatch.setattr(Store, "answers", counting_answers)
    result = invoke("-w", root, "run")
    assert result.exit_code == 0, result.output
    # one period snapshot: the tasks and the period's answers are read once for collect, ledger and every report
    assert calls.count(("tasks", None)) == 1
    assert calls.count(("answers", "2021-06")) == 1
    monkeypatch.undo()
    returned = len(list((root / "input" / "returns" / "2021-06").iterdir()))
    assert f"接收{returned}份，退回0份，重复0份" in flat(result.output)
    reports = root / "output" / "reports" / "2021-06"
    assert len(list((reports / "领导专报").iterdir())) == 8
    assert len(list((reports / "区县专报").iterdir())) == 16
    assert "output/reports/2021-06/2021年6月目标任务督查通报.docx" in flat(result.output)

    from reporter.periods import active_in
    from reporter.progress import compute_progress
    from reporter.settings import load_workspace
    from reporter.store import Store

    workspace = load_workspace(root)
    period = workspace.period("2021-06")
    with Store(workspace.store_path) as store:
        tasks = [t for t in store.tasks() if active_in(t, period) and t.kind == "work"]
        progress = compute_progress(tasks, store.task_units(), store.answers("2021-06"), period, workspace.light_rules)
    lights = [p.light for p in progress.values()]
    done = sum(1 for p in progress.values() if p.lead and p.lead.status == "已完成")
    unreported = sum(1 for p in progress.values() if not p.lead)
    text = text_of(reports / "2021年6月目标任务督查通报.docx")
    assert (
        f"纳入督查的政府工作报告目标任务共{len(tasks)}项。截至2021年6月末，已完成{done}项，"
        f"亮绿灯{lights.count('green')}项、黄灯{lights.count('yellow')}项、红灯{lights.count('red')}项，"
        f"进度滞后{lights.count('yellow') + lights.count('red')}项，牵头单位未报送{unreported}项。"
    ) in text
    again = invoke("-w", root, "run")
    assert again.exit_code == 0
    assert f"接收0份，退回0份，重复{returned}份" in flat(again.output)


def test_consolidated_excel_report(reported):
    path = folder(reported) / "2021年6月督查汇总表.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [
        "汇总",
        "分领导",
        "分区县",
        "领导任务明细",
        "区县指标明细",
        "分单位",
        "滞后任务",
        "未报送单位",
    ]
    summary = {r[0]: r[1] for r in workbook["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary == {
        "已完成": 0, "正常推进": 2, "进度滞后": 1, "未启动": 0, "其他": 0, "未报送": 1,
        "绿灯": 1, "黄灯": 1, "红灯": 1, "未亮灯": 1,
    }  # fmt: skip
    leaders = [r for r in workbook["分领导"].iter_rows(min_row=3, values_only=True)]
    assert leaders == [("张三", 1, 0, 0, 1, 2), ("李四", 0, 0, 1, 0, 1), ("王六", 0, 1, 0, 0, 1)]
    assert [r for r in workbook["分区县"].iter_rows(min_row=3, values_only=True)] == [("海曙", 1, 50), ("江北", 1, 100)]
    assert [r[0] for r in workbook["滞后任务"].iter_rows(min_row=3, values_only=True)] == ["2021-G-002", "2021-M-001"]
    rules = [(str(rng.sqref), r.formula[0]) for rng in workbook["滞后任务"].conditional_formatting for r in rng.rules]
    assert ("G3:G4", '"红灯"') in rules and ("G3:G4", '"绿灯"') in rules
    with zipfile.ZipFile(path) as archive:
        charts = [archive.read(n).decode() for n in sorted(archive.namelist()) if n.startswith("xl/charts/chart")]
    assert len(charts) == 3
    assert "<pieChart>" in charts[0] and "'汇总'!$B$3:$B$8" in charts[0] and "'汇总'!$A$3:$A$8" in charts[0]
    assert 'val="stacked"' in charts[1]
    assert all(f"'分领导'!{c}2<" in charts[1] and f"'分领导'!${c}$3:${c}$5" in charts[1] for c in "BCDE")
    assert "'分领导'!$A$3:$A$5" in charts[1]
    assert "'分区县'!C2<" in charts[2] and "'分区县'!$C$3:$C$4" in charts[2] and "'分区县'!$A$3:$A$4" in charts[2]

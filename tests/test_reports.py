"""Word briefs: the numbers equal the store, lagging list complete and ordered, GB/T 9704 layout and fonts,
broken templates named, PDF through LibreOffice."""

from __future__ import annotations

import colorsys
import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from reporter.errors import OutputError
from reporter.reports.templates import MONTHLY, TEMPLATES, TemplateSpec
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
    names = sorted(str(p.relative_to(folder(reported))) for p in folder(reported).rglob("*.*"))
    briefs = ["领导专报/张三", "领导专报/李四", "领导专报/王六", "区县专报/海曙", "区县专报/江北"]
    assert names == sorted(
        ["2021年6月目标任务督查通报.docx", "2021年6月督查汇总表.xlsx"]
        + [f"{b}-2021-06督查专报.{suffix}" for b in briefs for suffix in ("docx", "xlsx")]
        + [
            f"单位专报/{unit}-2021-06.docx"
            for unit in "海曙区政府 江北区政府 市发改委 市统计局 市财政局 市经信局 市市场监管局 市人社局 市教育局".split()
        ]
    )
    assert sorted(p.name for p in (reported / "templates").glob("*.docx")) == sorted(t.file for t in TEMPLATES)


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(path).paragraphs if p.text.strip()]


def test_monthly_is_a_bulletin_with_head_issue_recipients_and_signature(reported):
    lines = paragraphs(folder(reported) / "2021年6月目标任务督查通报.docx")
    # 版头, 期号, office and 成文日期 (the period's due date, never the day of generation)
    assert lines[:5] == [
        "督查通报",
        "第1期",
        "市政府督查室\t2021年6月25日",
        "2021年6月政府工作报告",
        "目标任务推进情况通报",
    ]
    assert lines[5] == "各区县（市）人民政府，市直各有关单位："
    assert lines[6].startswith(
        "根据《测试市人民政府办公厅关于印发2021年政府工作报告目标任务责任分解的通知》（测政办发〔2021〕1号）要求，"
        "市政府督查室对2021年6月政府工作报告目标任务和民生实事项目推进情况进行了督查。总体看，"
    )
    body = lines[: lines.index("附件1")]
    assert body[-2:] == ["市政府督查室", "2021年6月25日"]
    assert "附件：1．进度滞后任务清单" in body and "\u3000\u3000\u30004．报送情况" in body
    assert [line for line in body if re.match(r"^[一二三四五六]、", line)] == [
        "一、总体情况",
        "二、进度滞后事项",
        "三、民生实事项目",
        "四、报送情况",
        "五、下一步工作要求",
    ]
    assert "（三）规范报送工作。" in "".join(body)
    assert lines[-1] == "市政府督查室\t2021年6月25日印发"
    assert str(date.today().year) + "年" not in "".join(lines) or date.today().year == 2021


def test_monthly_counts_with_shares_threshold_and_lagging_inline(reported):
    text = text_of(folder(reported) / "2021年6月目标任务督查通报.docx")
    # G-001 50 % against 49.6: on schedule; G-002 20 %: 29.6 points behind; G-003 unreported; M-001 45 %: 4.6 behind
    assert (
        "纳入督查的政府工作报告目标任务共3项（不含民生实事项目）。截至6月底，已完成0项，占0%；达到序时进度1项，占33%；"
        "进度滞后1项，占33%，其中略滞后0项、明显滞后1项；牵头单位未报送1项，占33%。"
    ) in text
    assert "完成进度落后序时进度10个百分点以内的为略滞后，超过10个百分点或3月后仍未启动的为明显滞后" in text
    assert text.count("个百分点以内的为略滞后") == 1  # the threshold is stated once
    assert "明显滞后的任务主要有：新增规上工业企业500家（市经信局），完成20%，落后序时进度29.6个百分点。" in text
    assert "民生实事项目共1项，已完成0项，达到序时进度0项，进度滞后1项。" in text
    assert "综合排名，前三位依次为江北、海曙。" in text
    assert "本期应报送单位9个，按时报送0个，逾期报送4个，未报送5个。" in text
    assert "承担牵头任务但未报送的单位有：市人社局、市教育局。" in text  # in official order, by name


def test_monthly_attachments(reported):
    path = folder(reported) / "2021年6月目标任务督查通报.docx"
    rows = table_rows(path, "序号")
    assert [(r[1], r[6], r[7]) for r in rows] == [
        ("2021-G-002", "明显滞后", "项目落地慢"),
        ("2021-M-001", "略滞后", ""),
    ]
    assert table_rows(path, "牵头领导") == [
        ["张三", "2", "0", "1", "0", "0", "1"],
        ["李四", "1", "0", "0", "0", "1", "0"],
        ["王六", "1", "0", "0", "1", "0", "0"],
    ]
    assert table_rows(path, "排名") == [
        ["第1名", "江北", "1/1", "100", "逾期报送"],
        ["第2名", "海曙", "1/1", "50", "逾期报送"],
    ]
    units = {r[1]: r[5] for r in table_rows_all(path, "序号")[1]}
    assert units["市人社局"] == "未报送" and units["市发改委"] == "逾期报送" and len(units) == 9


def table_rows_all(path: Path, first_header: str) -> list[list[list[str]]]:
    tables = []
    for table in Document(path).tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        if rows and rows[0][0] == first_header:
            tables.append(rows[1:])
    return tables


@pytest.mark.parametrize(
    ("settings", "option", "expected", "absent"),
    [
        ("", ("--date", "2021-06-28"), ["督查通报", "第1期", "市政府督查室\t2021年6月28日"], []),
        ('[report]\nhead_style = "公文"\nfirst_issue = 7\n', (), ["2021年6月25日"], ["督查通报", "第7期"]),
        ('[report]\nhead = "政务督查"\nfirst_issue = 20\n', (), ["政务督查", "第20期"], ["督查通报"]),
        (
            '[report]\nrecipients = "各县区政府"\nrequirements = ["抓好整改。"]\ncopy_to = "市委办公室"\n',
            (),
            ["各县区政府：", "（一）抓好整改。", "抄送：市委办公室。"],
            ["（二）"],
        ),
    ],
    ids=["date", "official-head", "head-and-issue", "recipients-requirements-copy"],
)
def test_head_issue_and_wording_from_settings(reported, tmp_path, settings, option, expected, absent):
    root = tmp_path / "ws"
    shutil.copytree(reported, root)
    with (root / "reporter.toml").open("a", encoding="utf-8") as config:
        config.write("\n" + settings)
    result = invoke("-w", root, "report", *option)
    assert result.exit_code == 0, result.output
    lines = paragraphs(folder(root) / "2021年6月目标任务督查通报.docx")
    for line in expected:
        assert line in lines, line
    for line in absent:
        assert line not in lines, line


def test_bad_head_style_is_named(reported, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(reported, root)
    with (root / "reporter.toml").open("a", encoding="utf-8") as config:
        config.write('\n[report]\nhead_style = "红头"\n')
    result = invoke("-w", root, "report")
    assert result.exit_code == 1
    assert "[report]head_style应为“简报”或“公文”，当前为“红头”" in flat(result.output)


def test_leader_brief(reported):
    path = folder(reported) / "领导专报" / "张三-2021-06督查专报.docx"
    text = text_of(path)
    assert "（张三同志牵头任务）" in text
    assert (
        "张三同志牵头的目标任务共2项（含民生实事项目）。截至6月底，已完成0项，占0%；达到序时进度1项，占50%；"
        "进度滞后0项，占0%，其中略滞后0项、明显滞后0项；牵头单位未报送1项。本专报以序时进度为基准"
    ) in text
    assert "本期没有进度滞后的任务。" in text
    assert "以下牵头单位本期未报送进展：市人社局。" in text  # only this leader's lead units
    assert "市教育局" not in text
    rows = table_rows(path, "序号")
    assert [(r[1], r[4], r[6], r[7]) for r in rows] == [
        ("2021-G-001", "50", "达到序时进度", "上半年增长7.2%"),
        ("2021-G-003", "", "未报", ""),
    ]


def test_district_brief_is_about_the_district(reported):
    path = folder(reported) / "区县专报" / "海曙-2021-06督查专报.docx"
    text = text_of(path)
    assert paragraphs(path)[0] == "海曙区2021年6月目标任务推进情况专报"
    assert "海曙区政府于" in text and "报送2021年6月进展" in text
    assert (
        "本地区承担民生实事分解指标1项，已报1项，平均完成率50%（单项超过100%按100%计），在报送数据的2个区县（市）中排第2名。"
        in text
    )
    assert table_rows(path, "项目") == [["中小学校扩容建设工程", "建设项目", "所", "6", "3", "50", "2/2"]]
    # its own answer on the task it leads, the lead units' standing only as reference
    assert table_rows(path, "任务编号") == [["2021-M-001", "中小学校扩容建设工程", "牵头", "正常推进；45%", "略滞后"]]


def test_district_that_sent_nothing_gets_one_page(reported, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(reported, root)
    with (root / "reporter.toml").open("a", encoding="utf-8") as config:
        config.write('\n[[districts]]\nname = "鄞州区"\nshort = "鄞州"\n')
    assert invoke("-w", root, "report").exit_code == 0
    lines = paragraphs(folder(root) / "区县专报" / "鄞州-2021-06督查专报.docx")
    assert lines[2].startswith(
        "截至2021年6月25日，鄞州区政府尚未报送2021年6月政府工作报告目标任务和民生实事项目进展情况"
    )
    assert len(lines) == 4 and not Document(folder(root) / "区县专报" / "鄞州-2021-06督查专报.docx").tables


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
    assert styles["一级标题"].paragraph_format.keep_with_next and styles["公文标题"].paragraph_format.keep_with_next
    assert styles["Normal"].paragraph_format.line_spacing == Pt(28.95)
    assert styles["Normal"].element.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"  # 28 characters a line
    for name in ("表格文字", "表头文字", "表格数字"):  # table text on exact lines, off the body grid
        assert styles[name].paragraph_format.line_spacing == Pt(20)
        assert styles[name].element.pPr.find(qn("w:snapToGrid")).get(qn("w:val")) == "0"
    runs = [r for p in document.paragraphs for r in p.runs]
    runs += [r for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs
    assert all(r._r.rPr is not None and r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in runs if r.text)
    title = next(p for p in document.paragraphs if p.text.endswith("推进情况专报"))
    assert title.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert document.core_properties.author == "市政府督查室"
    assert document.core_properties.title == "2021年6月政府工作报告目标任务推进情况专报"
    with zipfile.ZipFile(path) as archive:
        settings = archive.read("word/settings.xml").decode()
        styles_xml = archive.read("word/styles.xml").decode()
        footers = [archive.read(n).decode() for n in archive.namelist() if n.startswith("word/footer")]
    assert 'w:lang w:val="zh-CN" w:eastAsia="zh-CN"' in styles_xml
    assert "ja-JP" not in styles_xml and "en-US" not in styles_xml
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


def _misspell(root: Path, spec: TemplateSpec) -> str:
    """Misspell a variable of the workspace's template of ``spec`` (as an office editing it might); the name."""
    template = root / "templates" / spec.file
    original = {
        "leader": "{{ addressed }}",
        "district": "{{ unit }}",
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
    return misspelt.strip("{} ")


@pytest.mark.parametrize("spec", TEMPLATES, ids=[t.kind for t in TEMPLATES])
def test_misspelt_variable_in_edited_template_is_named(reported, tmp_path, spec):
    root = tmp_path / "ws"
    shutil.copytree(reported, root)
    name = _misspell(root, spec)
    result = invoke("-w", root, "report", "--period", "2021-06", "--units")
    assert result.exit_code == 1
    assert f"模板{spec.file}使用了报告中没有的变量：{name}。" in flat(result.output)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("where", ["template", "data"])
def test_a_failing_brief_stops_the_briefs_of_run_but_not_its_ledger(reported, tmp_path, monkeypatch, jobs, where):
    """``run`` writes the ledger while the workers render the briefs: a brief that fails, in a worker (a template
    the office broke) or before (its data), does not cost the ledger."""
    root = tmp_path / "ws"
    shutil.copytree(reported, root)
    ledger = root / "output" / "台账.xlsx"
    ledger.unlink(missing_ok=True)
    if where == "template":
        name = _misspell(root, MONTHLY)
        message = f"模板{MONTHLY.file}使用了报告中没有的变量：{name}。"
    else:
        from reporter.reports import render

        def fails(*_: object) -> None:
            raise OutputError("无法写入通报")

        monkeypatch.setattr(render, "monthly_context", fails)
        message = "错误：无法写入通报"
    result = invoke("-w", root, "-j", jobs, "run", "--period", "2021-06")
    assert result.exit_code == 1
    assert message in flat(result.output)
    assert openpyxl.load_workbook(ledger, read_only=True).sheetnames[0] == "工作任务"


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
    assert "595" in info and "841" in info  # A4
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "目标任务推进情况通报" in text
    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)


def test_one_click_run_reads_the_store_once(tmp_path, monkeypatch):
    root = copy_sample(tmp_path / "sample")
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
    assert len(list((reports / "领导专报").glob("*.docx"))) == 7  # 市长、副市长 is one collective, not two people
    assert len(list((reports / "区县专报").glob("*.docx"))) == 16
    assert "output/reports/2021-06/2021年6月目标任务督查通报.docx" in flat(result.output)
    again = invoke("-w", root, "run")
    assert again.exit_code == 0
    assert f"接收0份，退回0份，重复{returned}份" in flat(again.output)


def copy_sample(root: Path) -> Path:
    from tests.conftest import NOTICE_2019, NOTICE_2021, SAMPLE

    (root / "input" / "notices").mkdir(parents=True)
    shutil.copy(SAMPLE / "reporter.toml", root / "reporter.toml")
    for name in (NOTICE_2019, NOTICE_2021):
        shutil.copy(SAMPLE / "input" / "notices" / name, root / "input" / "notices" / name)
    shutil.copytree(SAMPLE / "input" / "returns" / "2021-06", root / "input" / "returns" / "2021-06")
    return root


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The bundled sample workspace with all its June returns, run once."""
    root = copy_sample(tmp_path_factory.mktemp("sample") / "ws")
    result = invoke("-w", root, "run")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def sample_pdfs(sample) -> Path:
    """Every brief of the sample converted to PDF with LibreOffice (fonts mapped when the 公文 fonts are missing)."""
    missing = [tool for tool in ("soffice", "pdftotext", "pdfinfo") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"未安装 {'、'.join(missing)}")
        pytest.skip(f"未安装 {'、'.join(missing)}")
    result = invoke("-w", sample, "report", "--pdf")
    assert result.exit_code == 0, result.output
    return folder(sample) / "PDF"


def pdf_pages(path: Path) -> list[list[str]]:
    """Each page's non-empty lines, page numbers left out."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in text.split("\f"):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        pages.append([line for line in lines if not re.fullmatch(r"—\s*\d+\s*—", line)])
    return [page for page in pages if page]


HEADING = re.compile(r"^([一二三四五六七八九十]+、\S{2,14}|（[一二三四五六七八九十]+）\S{2,14}|附件\s*\d+)$")


def test_sample_monthly_body_is_two_to_four_pages(sample_pdfs):
    pages = pdf_pages(sample_pdfs / "2021年6月目标任务督查通报.pdf")
    body = next(i for i, page in enumerate(pages) if re.fullmatch(r"附件\s*1", page[0]))
    assert 2 <= body <= 4, body
    assert "督查通报" in pages[0][0]
    assert any("2021 年 6 月 25 日" in line for line in pages[body - 1])  # 落款 on the last body page


def test_no_heading_ends_a_page_and_a_silent_district_gets_one_page(sample_pdfs):
    for pdf in sorted(sample_pdfs.glob("*.pdf")):
        for number, page in enumerate(pdf_pages(pdf)[:-1], start=1):
            assert not HEADING.match(page[-1].replace(" ", "")), f"{pdf.name} 第{number}页末行是标题：{page[-1]}"
    silent = pdf_pages(sample_pdfs / "海曙-2021-06督查专报.pdf")
    assert len(silent) == 1 and "尚未报送" in "".join(silent[0])


def test_sample_pdf_fonts_are_serif_not_sans(sample_pdfs):
    fonts = subprocess.run(
        ["pdffonts", str(sample_pdfs / "2021年6月目标任务督查通报.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "Serif" in fonts or "FangSong" in fonts or "仿宋" in fonts, fonts


def _counts_in_brief(text: str) -> dict[str, int]:
    found = re.search(
        r"目标任务共(\d+)项（不含民生实事项目）。截至6月底，已完成(\d+)项，占\d+%；达到序时进度(\d+)项，占\d+%；"
        r"进度滞后(\d+)项，占\d+%，其中略滞后(\d+)项、明显滞后(\d+)项；牵头单位未报送(\d+)项",
        text,
    )
    assert found, text[:800]
    keys = ("total", "已完成", "达到序时进度", "进度滞后", "略滞后", "明显滞后", "未报")
    return dict(zip(keys, map(int, found.groups()), strict=True))


def test_counts_equal_in_brief_excel_report_and_ledger(sample):
    brief = _counts_in_brief(text_of(folder(sample) / "2021年6月目标任务督查通报.docx"))
    summary = openpyxl.load_workbook(folder(sample) / "2021年6月督查汇总表.xlsx")["汇总"]
    work = {row[0]: row[1] for row in summary.iter_rows(min_row=3, values_only=True)}
    ledger = openpyxl.load_workbook(sample / "output" / "台账.xlsx")["工作任务"]
    header = [c.value for c in ledger[2]]
    column = header.index("进度分类")
    categories = [row[column] for row in ledger.iter_rows(min_row=3, values_only=True) if row[column]]
    for category in ("已完成", "达到序时进度", "略滞后", "明显滞后", "未报"):
        assert brief[category] == work[category] == categories.count(category), category
    assert brief["进度滞后"] == brief["略滞后"] + brief["明显滞后"]
    assert brief["total"] == work["合计"] == len(categories) == 184
    # the same counts by leader in the 通报's 附件2 and the 督查汇总表
    leaders = table_rows(folder(sample) / "2021年6月目标任务督查通报.docx", "牵头领导")
    sheet = openpyxl.load_workbook(folder(sample) / "2021年6月督查汇总表.xlsx")["分领导"]
    by_leader = [
        [str(v) for v in row[:2] + row[2:4] + row[4:6] + row[7:8]]
        for row in sheet.iter_rows(min_row=3, values_only=True)
    ]
    assert leaders == by_leader
    assert "市长、副市长" in [row[0] for row in leaders] and not any(
        "副市长同志" in text_of(p) for p in folder(sample).rglob("*.docx")
    )


def _text_width(text: str, size: float) -> float:
    """Points a line of text needs: CJK and full-width characters one em, ASCII a little over half."""
    return sum(size if not ch.isascii() else size * 0.55 for ch in text)


def test_no_table_cell_breaks_a_header_word_id_or_number(sample):
    size, margins = 10.5, 2 * 5.4
    checked = 0
    for path in sorted(folder(sample).rglob("*.docx")):
        for table in Document(path).tables:
            widths = [int(c.get(qn("w:w"))) / 20 for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
            for index, row in enumerate(table.rows):
                for column, cell in enumerate(row.cells):
                    room = widths[column] - margins
                    paragraph = cell.paragraphs[0]
                    whole = index == 0 or paragraph.style.name == "表格数字"  # headers, ids, numbers, categories
                    pieces = cell.text.split("\n") if whole else re.findall(r"[A-Za-z0-9.%\-/:]+", cell.text)
                    for piece in pieces:
                        assert _text_width(piece, size) <= room, f"{path.name}：“{piece}”在{room:.0f}pt宽的列中折行"
                        checked += 1
    assert checked > 1000


def test_consolidated_excel_report(reported):
    path = folder(reported) / "2021年6月督查汇总表.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [
        "汇总",
        "分领导",
        "分区县",
        "任务明细",
        "区县指标明细",
        "分单位",
        "滞后任务",
        "未报送单位",
    ]
    assert workbook["汇总"]["A1"].value == "2021年6月任务进度汇总"
    assert [c.value for c in workbook["汇总"][2]] == [
        "进度分类",
        "工作任务（项）",
        "占比",
        "民生实事（项）",
        "占比",
        "合计（项）",
    ]
    summary = [row for row in workbook["汇总"].iter_rows(min_row=3, values_only=True)]
    assert summary == [
        ("已完成", 0, 0, 0, 0, 0),
        ("达到序时进度", 1, 0.3333, 0, 0, 1),
        ("略滞后", 0, 0, 1, 1, 1),
        ("明显滞后", 1, 0.3333, 0, 0, 1),
        ("无法判定", 0, 0, 0, 0, 0),
        ("未报", 1, 0.3333, 0, 0, 1),
        ("合计", 3, 1, 1, 1, 4),
    ]
    leaders = [r for r in workbook["分领导"].iter_rows(min_row=3, values_only=True)]
    assert leaders == [("张三", 2, 0, 1, 0, 0, 0, 1), ("李四", 1, 0, 0, 0, 1, 0, 0), ("王六", 1, 0, 0, 1, 0, 0, 0)]
    districts = [r for r in workbook["分区县"].iter_rows(min_row=3, values_only=True)]
    assert districts == [(1, "江北", "逾期报送", 1, 1, 100), (2, "海曙", "逾期报送", 1, 1, 50)]
    tasks = {r[1]: r for r in workbook["任务明细"].iter_rows(min_row=3, values_only=True)}
    assert tasks["2021-G-001"][5] == 50 and tasks["2021-G-003"][5] is None  # numbers as numbers, unreported blank
    assert tasks["2021-G-003"][8] == "未报"
    assert [r[1] for r in workbook["滞后任务"].iter_rows(min_row=3, values_only=True)] == ["2021-G-002", "2021-M-001"]
    assert workbook["任务明细"].auto_filter.ref
    with zipfile.ZipFile(path) as archive:
        charts = [archive.read(n).decode() for n in sorted(archive.namelist()) if n.startswith("xl/charts/chart")]
    assert len(charts) == 3
    pie = charts[0]
    assert re.search(r"<(c:)?pieChart>", pie) and "'汇总'!$B$3:$B$8" in pie and "'汇总'!$A$3:$A$8" in pie
    assert 'val="stacked"' in charts[1]


CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
REPORTS_WITH_CHARTS = ["2021年6月督查汇总表.xlsx", "领导专报/张三-2021-06督查专报.xlsx"]


def chart_series(path: Path) -> list[tuple[str, object]]:
    """Every series of every chart in a workbook, as (chart kind, ``c:ser`` element), parsed as a reader would."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            root = ElementTree.fromstring(archive.read(name))
            for plot in root.find(f"{CHART}chart/{CHART}plotArea"):
                kind = plot.tag.removeprefix(CHART)
                found += [(kind, series) for series in plot.findall(f"{CHART}ser")]
    return found


def cached(reference) -> tuple[str, list[object]]:
    """A ``c:numRef``/``c:strRef``: the formula and the values cached beside it, by point index."""
    cache = reference.find(f"{CHART}numCache")
    if cache is None:
        cache = reference.find(f"{CHART}strCache")
    values: list[object] = [None] * int(cache.find(f"{CHART}ptCount").get("val"))
    for point in cache.findall(f"{CHART}pt"):
        text = point.find(f"{CHART}v").text
        values[int(point.get("idx"))] = float(text) if reference.tag == f"{CHART}numRef" else text
    return reference.find(f"{CHART}f").text, values


def cells(workbook, formula: str) -> list[object]:
    """The values of a range such as ``'汇总'!$B$3:$B$8`` as the sheet shows them (numbers as floats)."""
    sheet, _, area = formula.rpartition("!")
    rows = workbook[sheet.strip("'").replace("''", "'")][area.replace("$", "")]
    rows = rows if isinstance(rows, tuple) else ((rows,),)
    flat_cells = [cell for row in rows for cell in (row if isinstance(row, tuple) else (row,))]
    return [float(c.value) if isinstance(c.value, int | float) else c.value for c in flat_cells]


def category_fills(workbook, sheet: str) -> dict[str, str]:
    """The fill each 进度分类 gets in a sheet's table (its conditional formatting), as RGB."""
    fills = {}
    for rules in workbook[sheet].conditional_formatting:
        for rule in rules.rules:
            fills[rule.formula[0].strip('"')] = rule.dxf.fill.bgColor.rgb[-6:]
    return fills


def hue(rgb: str) -> str:
    """What a colour reads as: 绿, 黄, 红 or 灰."""
    h, _, saturation = colorsys.rgb_to_hls(*(int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4)))
    if saturation < 0.15:
        return "灰"
    degrees = h * 360
    return "红" if degrees < 20 or degrees > 330 else "黄" if degrees < 65 else "绿" if degrees < 170 else "?"


@pytest.mark.parametrize("name", REPORTS_WITH_CHARTS)
def test_charts_cache_the_values_the_sheets_show(reported, name):
    """WPS, gnumeric and Excel's protected view draw a chart from the values cached in it, not from the cells."""
    path = folder(reported) / name
    workbook = openpyxl.load_workbook(path)
    series = chart_series(path)
    assert {kind for kind, _ in series} == ({"pieChart", "barChart"} if name.startswith("2021年") else {"pieChart"})
    for _, element in series:
        for part in ("val", "cat"):
            formula, values = cached(element.find(f"{CHART}{part}")[0])
            assert values == cells(workbook, formula), formula
        formula, name_cached = cached(element.find(f"{CHART}tx/{CHART}strRef"))
        assert name_cached == cells(workbook, formula)
    pie = next(element for kind, element in series if kind == "pieChart")
    slices = dict(zip(cached(pie.find(f"{CHART}cat")[0])[1], cached(pie.find(f"{CHART}val")[0])[1], strict=True))
    if name.startswith("2021年"):  # the counts of the 汇总 sheet (test_consolidated_excel_report)
        assert slices == {"已完成": 0, "达到序时进度": 1, "略滞后": 0, "明显滞后": 1, "无法判定": 0, "未报": 1}
    else:  # 张三's two work tasks
        assert slices == {"已完成": 0, "达到序时进度": 1, "略滞后": 0, "明显滞后": 0, "无法判定": 0, "未报": 1}


@pytest.mark.parametrize("name", REPORTS_WITH_CHARTS)
def test_chart_colours_are_the_fills_of_the_categories_in_the_sheet(reported, name):
    path = folder(reported) / name
    workbook = openpyxl.load_workbook(path)
    fills = category_fills(workbook, "汇总")
    assert {category: hue(rgb) for category, rgb in fills.items()} == {
        "已完成": "绿",
        "达到序时进度": "绿",
        "略滞后": "黄",
        "明显滞后": "红",
        "无法判定": "灰",
        "未报": "灰",
    }
    coloured = 0
    for kind, element in chart_series(path):
        if kind == "pieChart":  # each slice has the fill of its category's cell
            categories = cached(element.find(f"{CHART}cat")[0])[1]
            for point in element.findall(f"{CHART}dPt"):
                category = categories[int(point.find(f"{CHART}idx").get("val"))]
                assert point.find(f".//{DRAWING}solidFill/{DRAWING}srgbClr").get("val") == fills[category], category
                coloured += 1
        elif (heading := cached(element.find(f"{CHART}tx/{CHART}strRef"))[1][0]) in fills:  # a series per category
            colour = element.find(f"{CHART}spPr/{DRAWING}solidFill/{DRAWING}srgbClr").get("val")
            assert colour == fills[heading], heading
            coloured += 1
    assert coloured == (12 if name.startswith("2021年") else 6)  # six slices, and six series on 分领导


def test_only_points_with_a_value_are_labelled(reported):
    """A slice or bar of 0 has no label: six stacked zeros would cover the axis."""
    for _, element in chart_series(folder(reported) / "2021年6月督查汇总表.xlsx"):
        labels = element.find(f"{CHART}dLbls")
        assert labels.find(f"{CHART}showVal").get("val") == "1"
        values = cached(element.find(f"{CHART}val")[0])[1]
        deleted = {
            int(label.find(f"{CHART}idx").get("val"))
            for label in labels.findall(f"{CHART}dLbl")
            if label.find(f"{CHART}delete") is not None and label.find(f"{CHART}delete").get("val") == "1"
        }
        assert deleted == {i for i, v in enumerate(values) if not v}


def test_leader_and_district_excel_companions(reported):
    leader = openpyxl.load_workbook(folder(reported) / "领导专报" / "张三-2021-06督查专报.xlsx")
    assert leader.sheetnames == ["汇总", "滞后任务", "任务明细", "未报送单位"]
    assert [r[1] for r in leader["任务明细"].iter_rows(min_row=3, values_only=True)] == ["2021-G-001", "2021-G-003"]
    assert [r[0] for r in leader["未报送单位"].iter_rows(min_row=3, values_only=True)] == ["市人社局"]
    district = openpyxl.load_workbook(folder(reported) / "区县专报" / "海曙-2021-06督查专报.xlsx")
    assert district.sheetnames == ["报送情况", "民生实事指标", "工作任务"]
    indicators = [r for r in district["民生实事指标"].iter_rows(min_row=3, values_only=True)]
    assert indicators == [("中小学校扩容建设工程", "建设项目", "海曙", "所", 6, 3, 50, 2, "已报")]
    tasks = {r[0]: r for r in district["工作任务"].iter_rows(min_row=3, values_only=True)}
    assert tasks["2021-M-001"][2:5] == ("牵头", "正常推进", 45)


def test_consolidate_api_returns_the_same_numbers(reported):
    import reporter

    consolidation = reporter.consolidate(reported, "2021-06")
    tasks = consolidation.tasks
    assert list(tasks["id"]) == ["2021-G-001", "2021-G-002", "2021-G-003", "2021-M-001"]
    assert list(tasks["category"]) == ["达到序时进度", "明显滞后", "未报", "略滞后"]
    assert consolidation.counts().lagging == 1 and consolidation.counts(None).lagging == 2
    assert consolidation.leaders() == ["张三", "李四", "王六"]
    districts = consolidation.districts.set_index("district")
    assert districts.loc["江北", "composite_rate"] == 100 and districts.loc["海曙", "rank"] == 2


@pytest.mark.parametrize("spec", TEMPLATES, ids=[t.kind for t in TEMPLATES])
def test_the_sample_ships_the_current_default_templates(tmp_path, spec):
    from reporter.reports.templates import build_template
    from reporter.settings import load_workspace
    from tests.conftest import SAMPLE

    shipped = SAMPLE / "templates" / spec.file
    built = build_template(spec, tmp_path / spec.file, load_workspace(SAMPLE).word_fonts)
    with zipfile.ZipFile(shipped) as a, zipfile.ZipFile(built) as b:
        assert a.read("word/document.xml") == b.read("word/document.xml"), f"请重新生成 {shipped}"
        assert a.read("word/styles.xml") == b.read("word/styles.xml"), f"请重新生成 {shipped}"


@pytest.mark.parametrize("spec", TEMPLATES, ids=[t.kind for t in TEMPLATES])
def test_a_default_template_carries_the_styles_it_uses_and_not_the_unused_built_in_ones(tmp_path, spec):
    """python-docx's blank document brings some 150 table and list styles (340 KB) every brief would carry."""
    from reporter.reports.templates import build_template
    from reporter.settings import WordFonts

    built = build_template(spec, tmp_path / spec.file, WordFonts())
    with zipfile.ZipFile(built) as package:
        styles = package.read("word/styles.xml").decode("utf-8")
        named = {
            style
            for name in package.namelist()
            if re.fullmatch(r"word/(document|footer\d*|header\d*|numbering)\.xml", name)
            for style in re.findall(r'<w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', package.read(name).decode())
        }
    ids = set(re.findall(r'w:styleId="([^"]+)"', styles))
    assert named and named <= ids  # every style the template names is there
    assert {"Normal", "TableGrid", "Footer", "公文标题", "一级标题", "表格文字", "表头文字", "页码", "落款"} <= ids
    assert "LightGrid-Accent1" not in ids and "MediumShading1-Accent1" not in ids
    assert len(styles) < 60_000


def test_unedited_old_default_is_upgraded_and_edited_one_kept(reported, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(reported, root)
    templates = root / "templates"
    old = templates / "月度督查通报.docx"  # written by an older version, never edited
    document = Document(old)
    document.core_properties.keywords = "reporter-template monthly 1"
    document.save(old)
    record = json.loads((templates / ".默认模板.json").read_text(encoding="utf-8"))
    record["月度督查通报.docx"] = {"design": "monthly 1", "sha256": hashlib.sha256(old.read_bytes()).hexdigest()}
    (templates / ".默认模板.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    edited = templates / "督查专报-领导.docx"
    document = Document(edited)
    document.core_properties.keywords = ""  # an older design the office edited
    document.add_paragraph("督查室加的一段话")
    document.save(edited)
    result = invoke("-w", root, "report")
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert "默认模板月度督查通报.docx已更新为新版式（原文件备份为月度督查通报.旧版.docx）" in output
    assert "模板督查专报-领导.docx不是当前的默认版式，仍按它出具" in output
    assert (templates / "月度督查通报.旧版.docx").exists()
    assert "督查室加的一段话" in text_of(edited)
    assert "督查室加的一段话" in text_of(folder(root) / "领导专报" / "张三-2021-06督查专报.docx")


def test_records_give_the_values_of_pandas_to_dict() -> None:
    """``records`` builds rows column by column for speed; every value equals what ``to_dict`` gives, of the same
    type: numpy numbers as Python numbers, NaN as NaN, pandas' NA as None, dates as Timestamps."""
    import math

    import numpy as np
    import pandas as pd

    from reporter.reports.briefs import records

    frame = pd.DataFrame(
        {
            "int": [1, 2, 3],
            "float": [1.5, np.nan, 3.0],
            "bool": [True, False, True],
            "mixed": [np.int64(1), None, pd.NA],
            "numpy": [np.float64(2.5), np.bool_(True), np.datetime64("2021-01-01")],
            "text": pd.Series(["a", None, "c"], dtype="str"),
            "nullable_text": pd.Series(["a", None, "c"], dtype="string"),
            "date": pd.to_datetime(["2021-01-01", None, "2021-02-01"]),
            "nullable_int": pd.array([1, None, 3], dtype="Int64"),
            "category": pd.Categorical(["x", None, "y"]),
            7: [1, 2, 3],
        },
        index=[5, 7, 9],
    )
    for part in (frame, frame.iloc[[2, 0]], frame.head(0)):
        expected = [{str(k): v for k, v in row.items()} for row in part.to_dict("records")]
        rows = records(part)
        assert [list(row) for row in rows] == [list(row) for row in expected]
        for row, want in zip(rows, expected, strict=True):
            for key, value in want.items():
                assert type(row[key]) is type(value), key
                assert row[key] is value or row[key] == value or (isinstance(value, float) and math.isnan(row[key]))
    assert records(pd.DataFrame(index=[1, 2])) == [{}, {}]


def test_east_asian_fonts_reach_every_run_without_one() -> None:
    """Runs with no East Asian font (none, an empty one, or only a Latin one) get their outermost paragraph's
    style font on every script; runs that name one, and runs outside any paragraph, are left as they are."""
    from docx.oxml import parse_xml

    from reporter.io.word import ensure_east_asian_fonts

    namespace = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = Document()
    styles = {s.style_id: s for s in document.styles}
    styles["Title"].font.name = "黑体"
    document.element.body.insert(
        0,
        parse_xml(
            f'<w:p {namespace}><w:pPr><w:pStyle w:val="Title"/></w:pPr>'
            "<w:r><w:t>a</w:t></w:r>"
            '<w:r><w:rPr><w:rFonts w:ascii="Arial" w:eastAsia=""/></w:rPr><w:t>b</w:t></w:r>'
            '<w:r><w:rPr><w:rFonts w:eastAsia="楷体"/></w:rPr><w:t>c</w:t></w:r>'
            "<w:r><w:pict><w:txbxContent><w:p><w:r><w:t>d</w:t></w:r></w:p></w:txbxContent></w:pict></w:r>"
            "</w:p>"
        ),
    )
    assert ensure_east_asian_fonts(document) == 4
    runs = document.element.body[0].findall(".//" + qn("w:r"))
    fonts = [r.find(qn("w:rPr")).find(qn("w:rFonts")) for r in runs]
    assert [f.get(qn("w:eastAsia")) for f in fonts] == ["黑体", "黑体", "楷体", "黑体", "黑体"]
    assert fonts[1].get(qn("w:ascii")) == "Arial" and fonts[0].get(qn("w:cs")) == "黑体"
    assert fonts[2].get(qn("w:ascii")) is None
    assert ensure_east_asian_fonts(document) == 0

"""The ledger reopened: values, fonts, freeze panes, filters, print settings, text never a formula."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from reporter.cli import main


@pytest.fixture
def ledger(workspace) -> Path:
    result = CliRunner().invoke(main, ["--workspace", str(workspace), "run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return workspace / "output" / "台账.xlsx"


def _rows(ws):
    return list(ws.iter_rows(min_row=3, values_only=True))


def test_sheets_and_counts(ledger):
    wb = load_workbook(ledger)
    assert wb.sheetnames == [
        "工作任务",
        "打印",
        "民生实事",
        "民生实事分解",
        "责任单位",
        "牵头领导",
        "报送情况",
        "民生实事完成情况",
        "报送历史",
        "解析警告",
    ]
    assert len(_rows(wb["工作任务"])) == 187 + 32 + 152
    assert len(_rows(wb["民生实事"])) == 20
    headers = [c.value for c in wb["工作任务"][2]]
    assert headers[:6] == ["任务编号", "年度", "部分", "板块", "序号", "任务内容"]
    assert headers[11:14] == ["完成时限", "督办状态", "状态说明"]  # the office's columns
    assert headers[14:] == [
        "报送期",
        "最新进展",
        "完成进度（%）",
        "状态",
        "序时进度（%）",
        "亮灯",
        "进度分类",
        "存在问题",
        "下步计划",
        "佐证材料",
        "配合单位反馈",
        "需核实",
        "报送单位",
        "报送时间",
    ]


def test_work_task_values(ledger):
    ws = load_workbook(ledger)["工作任务"]
    first = _rows(ws)[0]
    assert first[:9] == (
        "2019-G-001",
        "2019",
        "2019年政府工作报告目标任务责任分解",
        "一、2019年经济社会发展主要目标",
        1,
        "地区生产总值增长6.8%左右，在高质量前提下能快则快。",
        "市长、副市长",
        "市发改委",
        None,
    )
    assert first[9] == "市级其他有关部门、各区县（市）政府、开发园区管委会"
    assert all(v is None for v in first[-7:])


def test_breakdown_sheet_values(ledger):
    ws = load_workbook(ledger)["民生实事分解"]
    headers = [c.value for c in ws[2]]
    row = next(r for r in _rows(ws) if r[0] == "2019-M-001")
    values = dict(zip(headers, row, strict=False))
    assert values["海曙"] == 10 and values["象山"] == 8 and values["合计"] == 100 and values["核对"] == "一致"
    mismatch = next(r for r in _rows(ws) if r[0] == "2019-M-003" and r[3] == "示范单位")
    assert dict(zip(headers, mismatch, strict=False))["核对"] == "不一致：合计3001，目标3000家"
    misaligned = next(r for r in _rows(ws) if r[0] == "2019-M-005")
    assert dict(zip(headers, misaligned, strict=False))["原文数值（未对齐）"].startswith("5 3 1 2 5")


def test_units_and_leaders(ledger):
    wb = load_workbook(ledger)
    units = {r[0]: r for r in _rows(wb["责任单位"])}
    assert units["市发改委"][2] > 30  # lead tasks
    assert units["海曙区政府"][1] == "区县"
    leaders = {r[0]: r for r in _rows(wb["牵头领导"])}
    assert leaders["陈炳荣"][1] == leaders["陈炳荣"][2] + leaders["陈炳荣"][3]


def test_fonts_freeze_filter_print(ledger):
    ws = load_workbook(ledger)["工作任务"]
    assert ws["A1"].value.endswith("台账（政府工作报告目标任务）")
    assert ws["A1"].font.name == "黑体" and ws["A1"].font.size == 16
    assert ws["A2"].font.name == "黑体" and ws["A2"].font.bold
    assert ws["F3"].font.name == "宋体" and ws["F3"].alignment.wrap_text
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:AB{2 + 371}"
    assert ws.page_setup.paperSize == 8 and ws.page_setup.orientation == "landscape"
    assert (
        ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, which xlsxwriter leaves out
        and ws.page_setup.fitToHeight == 0
        and ws.sheet_properties.pageSetUpPr.fitToPage
    )
    assert ws.print_title_rows == "$2:$2"
    assert 30 <= ws.column_dimensions["F"].width <= 62
    assert ws.row_dimensions[3].height > 15


def test_notice_text_is_never_a_formula(workspace):
    path = workspace / "input" / "notices" / "ningbo-2019-work-report-tasks.txt"
    text = path.read_text(encoding="utf-8").replace(
        "1.地区生产总值增长6.8%左右", '1.=HYPERLINK("http://x")增长6.8%左右'
    )
    path.write_text(text, encoding="utf-8")
    assert CliRunner().invoke(main, ["--workspace", str(workspace), "run"]).exit_code == 0
    ws = load_workbook(workspace / "output" / "台账.xlsx")["工作任务"]
    assert ws["F3"].data_type == "s" and ws["F3"].value.startswith("=HYPERLINK")


def test_rewrite_keeps_backup_and_leaves_no_temp_files(ledger, workspace):
    assert CliRunner().invoke(main, ["--workspace", str(workspace), "ledger"]).exit_code == 0
    backups = list((workspace / "output" / "备份").glob("台账-*.xlsx"))
    assert len(backups) == 1 and load_workbook(backups[0]).sheetnames[0] == "工作任务"
    assert not [p for p in (workspace / "output").iterdir() if p.name.endswith(".tmp")]


def test_libreoffice_renders_ledger_with_chinese_text(office, ledger, tmp_path):
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(ledger),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = tmp_path / "台账.pdf"
    assert pdf.is_file()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "台账（政府工作报告目标任务）" in text
    assert "地区生产总值增长6.8%左右" in text and "市发改委" in text
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "A3" in info

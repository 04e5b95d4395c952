"""A ledger that prints: the 打印 sheet on A3 landscape, 进度分类 beside 亮灯, 责任单位 without endless id lists;
none of it is taken for the office's edits when the ledger is read back."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from reporter.cli import main
from reporter.ledger.sheets import ID_LIST_LIMIT, PRINT_TEXT_LIMIT, _id_summary, _shorten
from reporter.progress import CATEGORIES, DONE, ON_SCHEDULE, SLIGHTLY_BEHIND, UNDETERMINED, UNREPORTED, WELL_BEHIND
from reporter.settings import load_workspace
from reporter.store import Store
from tests.conftest import SAMPLE

PRINT_HEADERS = [
    "类别",
    "任务编号",
    "任务内容",
    "牵头领导",
    "牵头单位",
    # 完成时限: no task of the sample has one, so the column is left out
    "完成进度（%）",
    "序时进度（%）",
    "进度分类",
    "最新进展",
    "存在问题",
    "需核实",
]
A3_LANDSCAPE_MM = 420.0
PIXELS_PER_CHARACTER = 7  # Excel's column width unit: the widest digit of the default font (Calibri 11) at 96 dpi
LIGHT_CATEGORIES = {"绿灯": {DONE, ON_SCHEDULE}, "黄灯": {SLIGHTLY_BEHIND}, "红灯": {WELL_BEHIND}}


def invoke(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, ["--workspace", str(root), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def build(root: Path) -> Path:
    """The sample workspace with its 2021-06 returns collected: the ledger written (no reports needed)."""
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("output", "*.db", ".reporter*"))
    invoke(root, "parse", *sorted(str(p) for p in (root / "input" / "notices").glob("*.txt")))
    invoke(root, "collect", str(root / "input" / "returns" / "2021-06"))
    return root / "output" / "台账.xlsx"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("print") / "宁波")


def table(ws: Worksheet) -> list[dict[str, object]]:
    headers = [c.value for c in ws[2]]
    return [dict(zip(headers, row, strict=False)) for row in ws.iter_rows(min_row=3, values_only=True)]


def test_print_sheet_lists_the_periods_tasks_in_a_dozen_columns(ledger):
    wb = load_workbook(ledger)
    assert wb.sheetnames[:3] == ["工作任务", "打印", "民生实事"]
    ws = wb["打印"]
    assert [c.value for c in ws[2]] == PRINT_HEADERS
    assert 10 <= len(PRINT_HEADERS) <= 12
    assert ws["A1"].value.endswith("（2021年6月推进情况）")
    rows = table(ws)
    active = [r["任务编号"] for r in table(wb["工作任务"]) if r["进度分类"]]
    active += [r["项目编号"] for r in table(wb["民生实事"]) if r["进度分类"]]
    assert [r["任务编号"] for r in rows] == active  # supervised tasks of the period, work tasks first
    assert Counter(r["类别"] for r in rows) == {"工作任务": 184, "民生实事": 10}
    for title in PRINT_HEADERS:  # every column says something
        assert any(r[title] not in (None, "") for r in rows), title
    progress = [str(r["最新进展"]) for r in rows if r["最新进展"]]
    assert max(len(p) for p in progress) <= PRINT_TEXT_LIMIT
    assert any(p.endswith("…") for p in progress)
    project = next(r for r in rows if r["任务编号"] == "2021-M-009")
    assert project["任务内容"] == "示范农贸市场创建项目：创建省放心农贸市场40家、省“五化”示范农贸市场35家"
    headers = {c.value: c.column_letter for c in ws[2]}
    for title in ("任务内容", "最新进展", "存在问题", "需核实"):
        assert ws[f"{headers[title]}3"].alignment.wrap_text, title
    fonts = [c.font.sz for row in ws.iter_rows(min_row=2, max_row=ws.max_row) for c in row]
    assert min(fonts) >= 10


def test_print_sheet_is_set_up_for_a3_landscape_at_a_readable_scale(ledger):
    ws = load_workbook(ledger)["打印"]
    assert ws.page_setup.paperSize == 8 and ws.page_setup.orientation == "landscape"  # A3
    # one page wide (fitToWidth 1 is the default, which xlsxwriter leaves out), as many pages tall as needed
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$2:$2"  # the header row on every page
    # one <col> element may span several columns of a width; openpyxl files it under its first letter only
    spans = {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}
    widths = [spans[c.column] for c in ws[2]]
    total_mm = sum(widths) * PIXELS_PER_CHARACTER / 96 * 25.4
    printable_mm = A3_LANDSCAPE_MM - (ws.page_margins.left + ws.page_margins.right) * 25.4
    scale = min(1.0, printable_mm / total_mm)  # fit to one page wide only ever shrinks
    assert scale >= 0.9
    assert 10 * scale >= 9  # the 10 pt text prints at 9 pt or more


def test_category_follows_the_light(ledger):
    wb = load_workbook(ledger)
    for name, id_column in (("工作任务", "任务编号"), ("民生实事", "项目编号")):
        ws = wb[name]
        headers = [c.value for c in ws[2]]
        assert headers[headers.index("亮灯") + 1] == "进度分类"
        rows = table(ws)
        categories = Counter(r["进度分类"] for r in rows if r["进度分类"])
        assert set(categories) <= set(CATEGORIES)
        lights = Counter(r["亮灯"] for r in rows if r["亮灯"])
        for light, allowed in LIGHT_CATEGORIES.items():
            assert lights[light] == sum(categories[c] for c in allowed), (name, light)
            assert all(r["进度分类"] in allowed for r in rows if r["亮灯"] == light)
        for row in rows:
            if not row["进度分类"]:  # no progress shown: a task not running in the period
                assert not row["亮灯"] and not row["报送期"] and not row["序时进度（%）"], row[id_column]
            elif not row["亮灯"]:
                assert row["进度分类"] in (UNDETERMINED, UNREPORTED)
    assert Counter(r["进度分类"] for r in table(wb["工作任务"]) + table(wb["民生实事"]) if r["进度分类"]) == Counter(
        r["进度分类"] for r in table(wb["打印"])
    )
    ws = wb["打印"]
    column = [c.value for c in ws[2]].index("进度分类") + 1
    # RGB: Excel ignores the alpha byte before it (00 from openpyxl, FF from xlsxwriter)
    fills = {ws.cell(r, column).value: ws.cell(r, column).fill.fgColor.rgb[-6:] for r in range(3, ws.max_row + 1)}
    assert (fills[DONE], fills[ON_SCHEDULE]) == ("C6EFCE", "E2EFDA")  # the one mapping of the report and its charts
    assert (fills[SLIGHTLY_BEHIND], fills[WELL_BEHIND]) == ("FFEB9C", "FFC7CE")


def test_units_sheet_counts_long_id_lists(ledger):
    ws = load_workbook(ledger)["责任单位"]
    assert max(len(str(c.value)) for row in ws.iter_rows(min_row=2) for c in row if c.value is not None) <= 80
    rows = {r["单位"]: r for r in table(ws)}
    lead = rows["市发改委"]
    assert str(lead["牵头任务编号"]).startswith(f"共{lead['牵头任务数']}项：2019-G-001、")
    assert str(lead["牵头任务编号"]).endswith("等")
    headers = {c.value: c.column for c in ws[2]}
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == "市发改委")
    note = ws.cell(row, headers["牵头任务编号"]).comment
    assert note is not None and len(note.text.split("：", 1)[1].split("、")) == lead["牵头任务数"]  # in full
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, which xlsxwriter leaves out
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_short_lists_and_texts_stay_whole():
    ids = [f"2021-G-{n:03d}" for n in range(1, 126)]
    assert _id_summary(ids[:3]) == "2021-G-001、2021-G-002、2021-G-003"
    summary = _id_summary(ids)
    assert summary.startswith("共125项：2021-G-001、") and summary.endswith("等") and len(summary) <= ID_LIST_LIMIT
    assert _shorten("短文本", 120) == "短文本"
    assert _shorten("长" * 200, 120) == "长" * 119 + "…"


def test_print_sheet_category_and_id_lists_are_not_read_back(tmp_path):
    root = tmp_path / "宁波"
    path = build(root)
    wb = load_workbook(path)
    work = table(wb["工作任务"])
    edited = next(r for r in work if r["亮灯"] == "红灯")
    other = next(r for r in work if r["亮灯"] == "绿灯")
    task_id, corrected = str(edited["任务编号"]), str(other["任务编号"])
    ws = wb["工作任务"]
    titles = {c.value: c.column for c in ws[2]}
    rows = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    ws.cell(rows[task_id], titles["牵头领导"]).value = "王五"  # an office edit
    ws.cell(rows[corrected], titles["进度分类"]).value = WELL_BEHIND  # computed: not an edit
    printed = wb["打印"]
    print_titles = {c.value: c.column for c in printed[2]}
    print_row = next(r for r in range(3, printed.max_row + 1) if printed.cell(r, 2).value == corrected)
    printed.cell(print_row, print_titles["任务内容"]).value = "在打印表中改写的内容"
    printed.cell(print_row, print_titles["牵头领导"]).value = "赵六"
    units = wb["责任单位"]
    unit_titles = {c.value: c.column for c in units[2]}
    units.cell(3, unit_titles["牵头任务编号"]).value = "2021-G-001"
    wb.save(path)

    result = invoke(root, "ledger", "--json", "-")
    payload = json.loads(result.stdout[result.stdout.index("{") :])
    assert [(c["task"], c["column"], c["after"]) for c in payload["changes"]] == [(task_id, "牵头领导", "王五")]
    assert payload["problems"] == []
    with Store(load_workspace(root).store_path) as store:
        tasks = {t.id: t for t in store.tasks()}
    assert tasks[task_id].leaders == ["王五"]
    assert tasks[corrected].text == other["任务内容"] and "赵六" not in tasks[corrected].leaders

    wb = load_workbook(path)
    printed_rows = {r["任务编号"]: r for r in table(wb["打印"])}
    assert printed_rows[task_id]["牵头领导"] == "王五"  # the print sheet follows the edit
    assert printed_rows[corrected]["任务内容"] == other["任务内容"]  # and is written afresh
    assert {r["任务编号"]: r for r in table(wb["工作任务"])}[corrected]["进度分类"] == other["进度分类"]
    assert str(table(wb["责任单位"])[0]["牵头任务编号"]).startswith("共")

    # the office corrects a percent by phone: 亮灯 and 进度分类 both follow
    ws = wb["工作任务"]
    titles = {c.value: c.column for c in ws[2]}
    rows = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    ws.cell(rows[task_id], titles["完成进度（%）"]).value = 100
    ws.cell(rows[task_id], titles["状态"]).value = "已完成"
    wb.save(path)
    result = invoke(root, "ledger")
    assert "进度更正" in result.output
    wb = load_workbook(path)
    row = {r["任务编号"]: r for r in table(wb["工作任务"])}[task_id]
    assert (row["亮灯"], row["进度分类"]) == ("绿灯", DONE)
    assert {r["任务编号"]: r for r in table(wb["打印"])}[task_id]["进度分类"] == DONE

"""The cycle as offices run it: the period the workspace is working on, and returns sent back (已退回)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import openpyxl
import pytest

from tests.cycle_helpers import CONFIG, copy_workspace, fill_form, form_path, invoke, make_workspace, with_forms


def flat(output: str) -> str:
    return "".join(ch for ch in output if not ch.isspace() and ch not in "│┃")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A workspace like one made by `reporter init`: no [periods] current."""
    root = tmp_path_factory.mktemp("cycle") / "ws"
    make_workspace(root)
    (root / "reporter.toml").write_text(CONFIG.replace('current = "2021-06"', 'current = ""'), encoding="utf-8")
    return with_forms(root)


@pytest.fixture
def root(base, tmp_path) -> Path:
    return copy_workspace(base, tmp_path)


def status(root: Path) -> dict[str, dict]:
    result = invoke("-w", root, "status", "--json", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    return {u["unit"]: u for u in data["units"]} | {"": {"period": data["period"]}}


def test_the_period_of_the_last_forms_is_the_default_of_the_other_commands(root):
    assert status(root)[""]["period"] == "2021-06"  # forms 2021-05, then 2021-06: the last one
    assert invoke("-w", root, "forms", "--period", "2021-05").exit_code == 0
    assert status(root)[""]["period"] == "2021-05"
    folder = root / "input" / "returns" / "2021-05"
    fill_form(form_path(root, "市发改委", "2021-05"), folder / "发改委.xlsx", every_row={"progress": "五月进展"})
    result = invoke("-w", root, "collect")  # no --period, no folder: 2021-05's, not the calendar month's
    assert result.exit_code == 0, result.output
    assert "接收1份" in flat(result.output)
    assert status(root)["市发改委"]["status"] == "逾期报送"  # saved today, years after the due date


def test_forms_says_when_the_configured_current_period_differs(root):
    (root / "reporter.toml").write_text(CONFIG, encoding="utf-8")  # current = "2021-06"
    result = invoke("-w", root, "forms", "--period", "2021-05")
    assert result.exit_code == 0, result.output
    assert (
        "reporter.toml中[periods]current为2021-06，其他命令仍默认2021年6月；如本期为2021年5月，请删除或修改该设置"
        in flat(result.output)
    )
    assert status(root)[""]["period"] == "2021-06"


REASON = "这是2021年5月的填报表，不是2021年6月的。请使用本期下发的填报表报送"


def _wrong_period(root: Path, name: str = "发改委.xlsx") -> Path:
    """市发改委 sends May's form as its June report."""
    target = root / "input" / "returns" / "2021-06" / name
    return fill_form(form_path(root, "市发改委", "2021-05"), target, every_row={"progress": "误用五月的表"})


def test_a_unit_whose_file_was_refused_is_sent_back_with_the_reason_until_a_good_return(root):
    bad = _wrong_period(root)
    result = invoke("-w", root, "collect", "--period", "2021-06")
    assert result.exit_code == 1
    unit = status(root)["市发改委"]
    assert unit["status"] == "已退回"
    assert unit["sent_back_file"] == bad.name
    assert unit["sent_back_reason"] == REASON
    assert status(root)["市经信局"]["status"] == "未报送"
    text = flat(invoke("-w", root, "status").output)
    assert "已退回" in text and "（其中报送的文件被退回1个）" in text

    rows = list(openpyxl.load_workbook(root / "output" / "台账.xlsx", read_only=True)["报送情况"].values)
    headers = list(rows[1])
    line = next(r for r in rows if r[0] == "市发改委")
    assert line[headers.index("报送情况")] == "已退回"
    assert line[headers.index("退回原因")] == unit["sent_back_reason"]
    assert line[headers.index("文件")] == bad.name

    time.sleep(0.01)
    good = fill_form(
        form_path(root, "市发改委"),
        root / "input" / "returns" / "2021-06" / "发改委-重报.xlsx",
        every_row={"progress": "按计划推进"},
    )
    os.utime(bad, (time.time() - 60, time.time() - 60))  # the refused one came first
    result = invoke("-w", root, "collect", "--period", "2021-06")
    output = flat(result.output)
    assert "此前已退回且单位已重新报送1份" in output
    assert flat(REASON) not in output  # the replaced refusal is not listed again
    assert result.exit_code == 0, result.output
    unit = status(root)["市发改委"]
    assert (unit["status"], unit["sent_back_reason"], unit["file"]) == ("逾期报送", "", good.name)


def test_the_report_shows_sent_back_in_its_reporting_sheet(root):
    _wrong_period(root)
    invoke("-w", root, "collect", "--period", "2021-06")
    assert invoke("-w", root, "report", "--period", "2021-06").exit_code == 0
    report = next((root / "output" / "reports" / "2021-06").glob("*督查汇总表.xlsx"))
    book = openpyxl.load_workbook(report, read_only=True)
    shown = {row[0]: row for sheet in book.worksheets for row in sheet.values if row and row[0] == "市发改委"}
    assert "已退回" in shown["市发改委"]


def test_a_reporting_state_has_one_colour_in_the_ledger_and_the_report(root):
    """已退回 and 未报送 red, 逾期报送 yellow, 按时报送 white: the same in the ledger's 报送情况 and the report."""
    _wrong_period(root)
    fill_form(form_path(root, "市经信局"), root / "input" / "returns" / "2021-06" / "经信局.xlsx")
    invoke("-w", root, "collect", "--period", "2021-06")
    assert invoke("-w", root, "report", "--period", "2021-06").exit_code == 0
    sheet = openpyxl.load_workbook(root / "output" / "台账.xlsx")["报送情况"]
    column = next(c.column for c in sheet[2] if c.value == "报送情况")
    in_ledger = {}
    for row in range(3, sheet.max_row + 1):
        cell = sheet.cell(row, column)
        in_ledger[cell.value] = cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type else "无"
    report = openpyxl.load_workbook(next((root / "output" / "reports" / "2021-06").glob("*督查汇总表.xlsx")))
    in_report = {}
    for ws in report.worksheets:
        for rules in ws.conditional_formatting:
            for rule in rules.rules:
                if rule.formula and rule.formula[0].strip('"') in in_ledger:
                    in_report[rule.formula[0].strip('"')] = rule.dxf.fill.bgColor.rgb[-6:]
    assert in_ledger == {"已退回": "FFC7CE", "未报送": "FFC7CE", "逾期报送": "FFEB9C"}
    assert in_report == {k: v for k, v in in_ledger.items() if v != "无"}


def set_unit_kind(root: Path, unit: str, kind: str) -> None:
    """The office chooses 类型 for a unit in the ledger's 责任单位 sheet."""
    ledger = root / "output" / "台账.xlsx"
    book = openpyxl.load_workbook(ledger)
    sheet = book["责任单位"]
    titles = {c.value: c.column for c in sheet[2]}
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == unit)
    sheet.cell(row, titles["类型"]).value = kind
    book.save(ledger)


def test_a_unit_set_to_no_form_in_the_ledger_gets_no_form_and_is_not_expected_to_report(root):
    folder = root / "output" / "forms" / "2021-06"
    assert (folder / "市统计局-2021-06-填报表.xlsx").is_file()
    assert "市统计局" in status(root)
    set_unit_kind(root, "市统计局", "不发表")
    result = invoke("-w", root, "forms", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    assert flat(
        "不再发表（台账“责任单位”表中类型为“不发表”，或已没有本期任务）：市统计局，已删除其此前生成的本期填报表"
    ) in flat(result.output)
    assert not (folder / "市统计局-2021-06-填报表.xlsx").exists()
    assert (folder / "市发改委-2021-06-填报表.xlsx").is_file()
    manifest = openpyxl.load_workbook(folder / "填报表清单.xlsx", read_only=True).worksheets[0]
    assert "市统计局" not in {row[1] for row in manifest.values}
    assert "市统计局" not in status(root)

    units = openpyxl.load_workbook(root / "output" / "台账.xlsx", read_only=True)["责任单位"]
    rows = list(units.values)
    kinds = {row[0]: row[list(rows[1]).index("类型")] for row in rows[2:]}
    assert kinds["市统计局"] == "不发表"  # still a responsible unit of its tasks, shown as such
    tasks = {
        row[0]: row for row in openpyxl.load_workbook(root / "output" / "台账.xlsx", read_only=True)["工作任务"].values
    }
    assert "市统计局、市财政局" in tasks["2021-G-001"]  # 配合单位

    set_unit_kind(root, "市统计局", "部门单位")  # and back
    assert invoke("-w", root, "forms", "--period", "2021-06").exit_code == 0
    assert (folder / "市统计局-2021-06-填报表.xlsx").is_file()
    assert status(root)["市统计局"]["status"] == "未报送"


def test_an_unknown_kind_is_refused_with_the_choices(root):
    set_unit_kind(root, "市统计局", "不发")
    result = invoke("-w", root, "forms", "--period", "2021-06")
    assert "部门单位、区县、开发园区、不发表" in flat(result.output)
    assert (root / "output" / "forms" / "2021-06" / "市统计局-2021-06-填报表.xlsx").is_file()


@pytest.mark.parametrize(
    ("deadline", "percent", "light", "category"),
    [
        ("2021-07-10", 97, "蓝灯", "达到序时进度"),  # on schedule, due 10 days after June: blue
        ("2021-07-15", 97, "蓝灯", "达到序时进度"),  # the 15th day after: still blue
        ("2021-07-16", 97, "绿灯", "达到序时进度"),  # further: green
        ("2021-07-10", 100, "绿灯", "已完成"),  # finished: nothing to warn of
        ("2021-07-10", 5, "红灯", "明显滞后"),  # behind: its lag shows, not blue
    ],
)
def test_a_task_on_schedule_near_its_deadline_is_blue_and_counted_as_on_schedule(
    root, deadline, percent, light, category
):
    from reporter.model import Answer
    from reporter.periods import LIGHT_LABELS, LightRules, parse_period
    from reporter.progress import compute_progress
    from reporter.settings import load_workspace
    from reporter.store import Store

    workspace = load_workspace(root)
    with Store(workspace.store_path) as store:
        task = next(t for t in store.tasks() if t.id == "2021-G-001")
        units = store.task_units()
    task.deadline = deadline
    answer = Answer(task_id=task.id, unit="市发改委", role="lead", percent=percent, status="正常推进")
    progress = compute_progress([task], units, [answer], parse_period("2021-06"), LightRules())[task.id]
    assert (LIGHT_LABELS[progress.light], progress.category) == (light, category)


@pytest.mark.parametrize("typed", ["已销号", "已办结", "办结"])
def test_a_task_closed_in_the_ledger_leaves_the_forms_and_the_lights(root, typed):
    ledger = root / "output" / "台账.xlsx"
    book = openpyxl.load_workbook(ledger)
    sheet = book["工作任务"]
    titles = {c.value: c.column for c in sheet[2]}
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == "2021-G-002")
    sheet.cell(row, titles["督办状态"]).value = typed
    book.save(ledger)
    result = invoke("-w", root, "forms", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    assert not form_path(root, "市经信局").exists()  # its one task closed: no form left to fill
    assert "市经信局" in flat(result.output).split("不再发表")[1]
    tasks = {r[0]: r for r in openpyxl.load_workbook(ledger, read_only=True)["工作任务"].values}
    titles_after = list(tasks["任务编号"])
    assert tasks["2021-G-002"][titles_after.index("督办状态")] == "已销号"
    assert tasks["2021-G-002"][titles_after.index("亮灯")] in (None, "")

"""Fill-in forms: one per real unit, protected and validated, metadata hidden, previous answers pre-filled."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from reporter.model import Task
from reporter.periods import LightRules, parse_period, task_span, time_progress, traffic_light
from reporter.settings import load_workspace
from reporter.snapshot import load_snapshot
from reporter.store import Store
from tests.cycle_helpers import WORKSPACE_NAME, fill_form, form_path, invoke, make_workspace


@pytest.fixture
def forms_root(tmp_path):
    root = make_workspace(tmp_path / "ws")
    result = invoke("-w", root, "forms", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    return root


def test_one_form_per_real_unit_and_manifest(forms_root):
    folder = forms_root / "output" / "forms" / "2021-06"
    names = sorted(p.name for p in folder.glob("*-填报表.xlsx"))
    assert names == sorted(
        f"{unit}-2021-06-填报表.xlsx"
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
    )
    manifest = openpyxl.load_workbook(folder / "填报表清单.xlsx").active
    rows = {r[1]: r for r in manifest.iter_rows(min_row=3, values_only=True)}
    assert rows["市发改委"][3:6] == (1, 1, 0)
    assert rows["海曙区政府"][2:6] == ("区县", 1, 1, 1)
    assert rows["海曙区政府"][6] == "海曙区政府-2021-06-填报表.xlsx"


def test_many_forms_are_summed_up_and_left_to_the_manifest(tmp_path, monkeypatch):
    """A province's thousand units: the command sums up, the manifest lists each form."""
    monkeypatch.setattr("reporter.cli.MAX_PROBLEMS_SHOWN", 2)
    root = make_workspace(tmp_path / "ws")
    result = invoke("-w", root, "forms", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    text = "".join(result.output.split())
    assert "市发改委-2021-06-填报表.xlsx" not in text
    assert "共生成填报表9份" in text
    assert "2021年6月填报表截止2021-06-25；牵头任务共" in text
    assert "民生实事指标共2项；各单位明细见清单" in text


def test_form_layout_protection_validation_metadata(forms_root):
    workbook = openpyxl.load_workbook(form_path(forms_root, "市发改委"))
    assert workbook.sheetnames == ["填报说明", "填报任务", "_reporter"]
    assert workbook["_reporter"].sheet_state == "veryHidden"
    meta = {r[0]: r[1:] for r in workbook["_reporter"].iter_rows(values_only=True)}
    assert meta["reporter-form"][0] == 2
    assert len(meta["identity"][0]) == 32  # the keyed digest of unit, period and tasks
    assert meta["workspace"][0] == WORKSPACE_NAME
    assert meta["unit"][0] == "市发改委"
    assert meta["period"][0] == "2021-06"
    assert meta["due"][0] == "2021-06-25"
    sheet = workbook["填报任务"]
    headers = [c.value for c in sheet[3]][:15]
    assert headers == [
        "任务编号",
        "类别",
        "任务内容",
        "牵头领导",
        "本单位职责",
        "量化指标",
        "序时进度(%)",
        "进展情况",
        "完成进度(%)",
        "状态",
        "存在问题",
        "下步计划",
        "佐证材料",
        "填报人",
        "联系电话",
    ]
    rows = [[c.value for c in row[:7]] for row in sheet.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == ["2021-G-001", "2021-M-001"]
    assert rows[0][2] == "地区生产总值增长7%左右。"
    assert rows[0][3:5] == ["张三", "牵头"]
    assert rows[1][4] == "配合"
    assert rows[0][6] == pytest.approx(49.6)
    # protected, with sorting and filtering allowed (openpyxl reads an allowed action as not protected)
    assert (sheet.protection.sheet, sheet.protection.sort, sheet.protection.autoFilter) == (True, False, False)
    # Excel sorts no range holding a locked cell: every cell of the task rows is unlocked, hidden copies included;
    # the title and the header stay locked
    assert all(sheet.cell(r, c).protection.locked is False for r in (4, 5) for c in range(1, 24))
    assert sheet["A1"].protection.locked is True and sheet["A3"].protection.locked is True
    # the filter spans the hidden copies, so that a sort moves them with their rows
    assert sheet.auto_filter.ref == "A3:W5"
    validations = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    for guarded in ("A4:G5", "P4:W5"):  # the office's columns refuse what is typed
        assert (validations[guarded].type, validations[guarded].formula1) == ("custom", "FALSE()")
        assert validations[guarded].showErrorMessage and validations[guarded].errorStyle in (None, "stop")
        assert validations[guarded].error == "本列由市政府督查室填写，请勿修改；请只填写浅绿色的列。"
    assert validations["J4:J5"].formula1 == '"已完成,正常推进,进度滞后,未启动,其他"'
    assert validations["I4:I5"].type == "decimal"
    assert (validations["I4:I5"].formula1, validations["I4:I5"].formula2) == ("0", "100")
    assert "0到100" in validations["I4:I5"].error
    # the previous period's copies, P to W (one <col> element, which openpyxl files under its first letter only)
    hidden = {i for d in sheet.column_dimensions.values() if d.hidden for i in range(d.min, d.max + 1)}
    assert hidden == set(range(16, 24))
    instructions = "\n".join(str(c.value) for row in workbook["填报说明"].iter_rows() for c in row if c.value)
    assert "2021年6月25日前报送" in instructions
    assert "督查室 王五 0574-12345678" in instructions


def test_district_government_gets_indicator_sheet(forms_root):
    workbook = openpyxl.load_workbook(form_path(forms_root, "海曙区政府"))
    assert "民生实事指标" in workbook.sheetnames
    sheet = workbook["民生实事指标"]
    row = [c.value for c in sheet[4]]
    assert row[:6] == ["2021-M-001-1", "中小学校扩容建设工程", "建设项目", "所", 6, None]
    assert all(sheet.cell(4, c).protection.locked is False for c in range(1, 9))  # sortable
    assert sheet.auto_filter.ref == "A3:H4"
    validations = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert [validations[r].formula1 for r in ("A4:E4", "G4")] == ["FALSE()", "FALSE()"]  # all but 累计完成, 备注
    assert validations["F4"].type == "decimal"
    tasks = [c.value for c in workbook["填报任务"]["A"][3:]]
    assert tasks == ["2021-M-001", "2021-G-002"]


def test_previous_answers_prefilled_and_changes_highlighted(tmp_path):
    root = make_workspace(tmp_path / "ws")
    assert invoke("-w", root, "forms", "--period", "2021-05").exit_code == 0
    fill_form(
        form_path(root, "市发改委", "2021-05"),
        root / "input" / "returns" / "2021-05" / "发改委5月.xlsx",
        {"2021-G-001": {"progress": "一季度增长6.5%", "percent": 40, "status": "正常推进"}},
        every_row={"reporter": "赵六", "phone": "88990011"},
    )
    result = invoke("-w", root, "collect", "--period", "2021-05", root / "input" / "returns" / "2021-05")
    assert result.exit_code == 0, result.output
    assert invoke("-w", root, "forms", "--period", "2021-06", "--due", "2021-07-02").exit_code == 0
    workbook = openpyxl.load_workbook(form_path(root, "市发改委"))
    sheet = workbook["填报任务"]
    assert [sheet.cell(4, c).value for c in (8, 9, 10, 14, 15)] == [
        "一季度增长6.5%",
        40,
        "正常推进",
        "赵六",
        "88990011",
    ]
    assert sheet.cell(4, 16).value == "一季度增长6.5%"  # hidden copy the highlight compares against
    rules = [(str(rng.sqref), r.formula[0]) for rng in sheet.conditional_formatting for r in rng.rules]
    last = sheet.max_row
    assert (f"H4:O{last}", 'TRIM(H4&"")<>TRIM(P4&"")') in rules  # every filled cell against its copy 8 columns right
    meta = {r[0]: r[1] for r in workbook["_reporter"].iter_rows(values_only=True)}
    assert meta["due"] == "2021-07-02"


def test_forms_read_the_period_without_its_answers(tmp_path):
    """The forms take the period's tasks, units and due date from a snapshot that reads no answer: the same ones
    the full snapshot (ledger, reports) has."""
    root = make_workspace(tmp_path / "ws")
    assert invoke("-w", root, "forms", "--period", "2021-06", "--due", "2021-07-02").exit_code == 0
    fill_form(
        form_path(root, "市发改委"),
        root / "input" / "returns" / "2021-06" / "发改委6月.xlsx",
        {"2021-G-001": {"progress": "一季度增长6.5%", "percent": 40, "status": "正常推进"}},
    )
    assert invoke("-w", root, "collect", "--period", "2021-06").exit_code == 0
    workspace = load_workspace(root)
    with Store(workspace.store_path) as store:
        period = workspace.period("2021-06")
        full = load_snapshot(workspace, store, period)
        light = load_snapshot(workspace, store, period, answers=False)
    assert [t.id for t in light.active] == [t.id for t in full.active] and len(full.active) > 0
    assert (light.due, light.form_units, light.period) == (date(2021, 7, 2), full.form_units, period)
    assert len(full.answers) == 1 and full.status is not None
    assert (light.answers, light.progress, light.status) == ([], {}, None)


def test_previous_indicator_amount_prefilled_for_the_district(tmp_path):
    root = make_workspace(tmp_path / "ws")
    assert invoke("-w", root, "forms", "--period", "2021-05").exit_code == 0
    fill_form(
        form_path(root, "海曙区政府", "2021-05"),
        root / "input" / "returns" / "2021-05" / "海曙5月.xlsx",
        indicators={"2021-M-001-1": 2},
    )
    result = invoke("-w", root, "collect", "--period", "2021-05", root / "input" / "returns" / "2021-05")
    assert result.exit_code == 0, result.output
    assert invoke("-w", root, "forms", "--period", "2021-06").exit_code == 0
    sheet = openpyxl.load_workbook(form_path(root, "海曙区政府"))["民生实事指标"]
    assert [c.value for c in sheet[4]][:6] == ["2021-M-001-1", "中小学校扩容建设工程", "建设项目", "所", 6, 2]
    other = openpyxl.load_workbook(form_path(root, "江北区政府"))["民生实事指标"]
    assert [c.value for c in other[4]][4:6] == [4, None]  # 江北 reported nothing in May


def test_forms_for_a_period_with_no_running_task(tmp_path):
    root = make_workspace(tmp_path / "ws")
    result = invoke("-w", root, "forms", "--period", "2023-06")
    assert result.exit_code == 1
    assert "2023年6月没有在办的任务（已导入的通知年度：2021），请检查报送期" in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--period", "2021-13"), 1, "报送期“2021-13”格式不对：按月写作 2021-06，按季度写作 2021-Q2"),
        (("--period", "2021-Q2"), 1, "本工作区按月（如 2021-06）报送，报送期“2021-Q2”不符"),
        (("--due", "明天"), 2, "截止日期“明天”格式不对，请写作 2021-06-25"),  # a usage error
    ],
)
def test_forms_bad_options(tmp_path, args, code, message):
    root = make_workspace(tmp_path / "ws")
    result = invoke("-w", root, "forms", *args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


# -- periods, 序时进度 and lights ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "label", "start", "end", "previous"),
    [
        ("2021-06", "2021年6月", date(2021, 6, 1), date(2021, 6, 30), "2021-05"),
        ("2021-1", "2021年1月", date(2021, 1, 1), date(2021, 1, 31), "2020-12"),
        ("2021-Q2", "2021年第二季度", date(2021, 4, 1), date(2021, 6, 30), "2021-Q1"),
        ("2021-q1", "2021年第一季度", date(2021, 1, 1), date(2021, 3, 31), "2020-Q4"),
    ],
)
def test_periods(key, label, start, end, previous):
    period = parse_period(key)
    assert (period.label, period.start, period.end, period.previous().key) == (label, start, end, previous)


def _task(task_id: str, *, part: str = "", deadline: str = "") -> Task:
    return Task(id=task_id, kind="work", part=part, section="", number=1, text="任务", deadline=deadline)


def test_time_progress():
    june = parse_period("2021-06")
    assert time_progress(_task("2021-G2-001", part="2021年工作目标任务"), june) == pytest.approx(49.6)
    plan = _task("2021-G1-001", part="“十四五”主要目标任务")
    assert task_span(plan) == (date(2021, 1, 1), date(2025, 12, 31))
    assert time_progress(plan, june) == pytest.approx(9.9)
    assert time_progress(_task("2021-G-001", deadline="2021-06-30"), june) == 100.0
    assert time_progress(_task("2019-G-001"), june) == 100.0
    assert time_progress(_task("2021-G-001"), parse_period("2021-12")) == 100.0


@pytest.mark.parametrize(
    ("percent", "status", "expected", "month", "light"),
    [
        (50, "正常推进", 49.6, "2021-06", "green"),
        (45, "正常推进", 49.6, "2021-06", "yellow"),
        (39.6, "", 49.6, "2021-06", "yellow"),
        (39, "", 49.6, "2021-06", "red"),
        (None, "已完成", 49.6, "2021-06", "green"),
        (100, "", 49.6, "2021-06", "green"),
        (0, "未启动", 49.6, "2021-06", "red"),
        (0, "未启动", 8.5, "2021-01", "yellow"),
        (60, "进度滞后", 49.6, "2021-06", "yellow"),
        (None, "正常推进", 49.6, "2021-06", "green"),
        (None, "", 49.6, "2021-06", ""),
        (60, "已完成", 80, "2021-09", "red"),  # 已完成 at 60 %: the percent is judged (and listed in 需核实)
        (60, "已完成", 49.6, "2021-06", "green"),
        (30, "未启动", 49.6, "2021-06", "red"),  # 19.6 points behind, not red for 未启动
        (45, "未启动", 49.6, "2021-06", "yellow"),
        (None, "未启动", 49.6, "2021-06", "red"),
    ],
)
def test_traffic_light(percent, status, expected, month, light):
    assert traffic_light(percent, status, expected, parse_period(month), LightRules()) == light


def test_light_thresholds_are_configurable():
    assert traffic_light(35, "", 49.6, parse_period("2021-06"), LightRules(yellow_gap=20)) == "yellow"


@pytest.mark.parametrize(
    ("answer", "category"),
    [
        (None, "未报"),  # nothing from the lead: 未报, never 0 %
        (("已完成", None), "已完成"),
        (("已完成", 100.0), "已完成"),
        (("正常推进", 100.0), "已完成"),
        (("已完成", 60.0), "明显滞后"),  # judged by its percent against 序时进度 90.1
        (("正常推进", 95.0), "达到序时进度"),
        (("正常推进", 85.0), "略滞后"),
        (("进度滞后", 95.0), "略滞后"),
        (("", None), "无法判定"),
    ],
)
def test_category_is_the_one_vocabulary(answer, category):
    from reporter.model import LEAD, Answer, TaskUnit
    from reporter.progress import compute_progress

    task = _task("2021-G-001")
    answers = [] if answer is None else [Answer(task.id, LEAD, status=answer[0], percent=answer[1], unit="市发改委")]
    period = parse_period("2021-11")
    progress = compute_progress([task], [TaskUnit(task.id, "市发改委", LEAD)], answers, period, LightRules())
    assert progress[task.id].category == category

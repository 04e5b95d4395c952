"""Forms as units use them in their own office software: rows sorted and filtered, a save by LibreOffice Calc,
the hidden identity sheet shown and edited there."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.filters import FilterColumn, Filters

from tests.cycle_helpers import fill_form, form_path, invoke, make_workspace
from tests.test_cli import flat
from tests.test_collect import stored
from tests.test_ledger_edits import require_uno

RETURNED = {
    "市发改委": {
        "2021-G-001": {"progress": "牵头：增长7.3%", "percent": 55, "status": "正常推进"},
        "2021-M-001": {"progress": "配合：完成选址", "percent": 30, "status": "进度滞后"},
    },
    "海曙区政府": {
        "2021-M-001": {"progress": "牵头：开工5所", "percent": 45, "status": "正常推进"},
        "2021-G-002": {"progress": "配合：新增40家", "percent": 20, "status": "进度滞后"},
    },
}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("office") / "ws")
    assert invoke("-w", root, "forms", "--period", "2021-06").exit_code == 0
    return root


@pytest.fixture
def root(base, tmp_path) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(base, target)
    returns(target).mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def uno() -> str:
    """A Python that drives LibreOffice Calc (python3-uno); skipped locally when missing, a failure in CI."""
    return require_uno("填报表")


def returns(root: Path) -> Path:
    return root / "input" / "returns" / "2021-06"


def task_rows(path: Path) -> dict[str, int]:
    """Each task's row (Excel's numbering) in a form's 填报任务 sheet."""
    sheet = openpyxl.load_workbook(path)["填报任务"]
    return {sheet.cell(r, 1).value: r for r in range(4, sheet.max_row + 1) if sheet.cell(r, 1).value}


def collected(root: Path, unit: str) -> dict[str, tuple[str, float | None, str, str]]:
    return {a.task_id: (a.progress, a.percent, a.status, a.role) for a in stored(root) if a.unit == unit}


def expected(unit: str) -> dict[str, tuple[str, float | None, str, str]]:
    return {
        task_id: (
            v["progress"],
            v["percent"],
            v["status"],
            "lead" if v["progress"].startswith("牵头") else "cooperating",
        )
        for task_id, v in RETURNED[unit].items()
    }


def sort_like_excel(sheet, descending: bool) -> None:
    """What Excel does when a unit sorts by 任务编号 with the filter button: the rows of the filter range move whole
    (the hidden copies included), the header stays."""
    area = sheet[sheet.auto_filter.ref]
    header, body = area[0], area[1:]
    rows = sorted(([c.value for c in row] for row in body), key=lambda values: values[0], reverse=descending)
    for cells, values in zip(body, rows, strict=True):
        for cell, value in zip(cells, values, strict=True):
            cell.value = value
    assert len(header) == 23  # A to W: the filled columns and their hidden copies


@pytest.mark.parametrize("unit", ["市发改委", "海曙区政府"])
@pytest.mark.parametrize("descending", [False, True])
def test_a_return_sorted_and_filtered_is_collected_by_task_id(root, unit, descending):
    form = form_path(root, unit)
    before = list(task_rows(form))

    def sort_and_filter(workbook):
        sheet = workbook["填报任务"]
        sort_like_excel(sheet, descending)
        lead = [r for r in range(4, 6) if sheet.cell(r, 5).value == "牵头"]
        sheet.auto_filter.filterColumn.append(FilterColumn(colId=4, filters=Filters(filter=["配合"])))
        for row in lead:  # filtered out: the rows are hidden, not gone
            sheet.row_dimensions[row].hidden = True

    path = fill_form(form, returns(root) / f"{unit}.xlsx", RETURNED[unit], edit=sort_and_filter)
    assert list(task_rows(path)) == sorted(before, reverse=descending)
    result = invoke("-w", root, "collect", returns(root))
    assert result.exit_code == 0, result.output
    assert collected(root, unit) == expected(unit)


def lo_edit(uno: str, path: Path, profile: Path, typed: dict, actions: list) -> None:
    subprocess.run(
        [
            uno,
            str(Path(__file__).with_name("lo_edit.py")),
            str(path),
            str(profile),
            json.dumps(typed),
            json.dumps(actions),
        ],
        check=True,
        timeout=240,
    )


def typed_answers(path: Path, unit: str) -> dict[str, dict[str, object]]:
    """The unit's answers as cells to type in Calc: 进展情况, 完成进度(%), 状态 are columns H, I, J."""
    rows = task_rows(path)
    cells: dict[str, object] = {}
    for task_id, values in RETURNED[unit].items():
        row = rows[task_id]
        cells |= {f"H{row}": values["progress"], f"I{row}": values["percent"], f"J{row}": values["status"]}
    return {"填报任务": cells}


@pytest.mark.parametrize("unit", ["市发改委", "海曙区政府"])
def test_a_form_filled_sorted_and_filtered_in_libreoffice_is_collected(office, uno, root, tmp_path, unit):
    """LibreOffice keeps the protection that allows sorting and filtering, and the identity sheet hidden (as
    ``hidden``: Calc has no ``veryHidden``); the collect takes the return, each answer on its own task."""
    path = shutil.copy(form_path(root, unit), returns(root).parent / "lo.xlsx")
    before = list(task_rows(path))
    ascending = before[0] > before[1]  # the other way round from the form's order
    actions = [["sort", "填报任务", "A4:W5", 0, ascending], ["filter", "填报任务", "A3:W5", 4, "配合"]]
    lo_edit(uno, path, tmp_path / "profile", typed_answers(path, unit), actions)
    workbook = openpyxl.load_workbook(path)
    assert workbook["_reporter"].sheet_state in ("hidden", "veryHidden")
    sheet = workbook["填报任务"]
    assert list(task_rows(path)) == before[::-1]  # Calc really sorted the rows
    lead_row = next(r for r in (4, 5) if sheet.cell(r, 5).value == "牵头")
    assert sheet.row_dimensions[lead_row].hidden  # and really filtered
    assert (sheet.protection.sheet, sheet.protection.sort, sheet.protection.autoFilter) == (True, False, False)
    assert sheet.auto_filter.ref == "A3:W5"
    assert all(sheet.cell(r, c).protection.locked is False for r in (4, 5) for c in range(1, 24))
    guards = {str(v.sqref) for v in sheet.data_validations.dataValidation if v.formula1 == "FALSE()"}
    assert guards == {"A4:G5", "P4:W5"}
    shutil.move(path, returns(root) / f"{unit}.xlsx")
    result = invoke("-w", root, "collect", returns(root))
    assert result.exit_code == 0, result.output
    assert collected(root, unit) == expected(unit)


def test_a_form_saved_by_libreoffice_keeps_its_identity_sheet_hidden_and_is_collected(office, root, tmp_path):
    filled = fill_form(form_path(root, "市发改委"), tmp_path / "发改委.xlsx", RETURNED["市发改委"])
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(returns(root)),
            str(filled),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = returns(root) / filled.name
    assert openpyxl.load_workbook(saved)["_reporter"].sheet_state in ("hidden", "veryHidden")
    result = invoke("-w", root, "collect", returns(root))
    assert result.exit_code == 0, result.output
    assert collected(root, "市发改委") == expected("市发改委")


@pytest.mark.parametrize(
    ("key", "column", "value", "refused"),
    [
        (None, "", None, False),  # shown in Calc and saved, but left as it was
        ("unit", "B", "市经信局", True),  # passed off as another unit's return
        ("task", "C", "lead", True),  # a cooperating task passed off as led
        ("identity", "B", "0" * 32, True),
    ],
)
def test_an_identity_sheet_shown_in_libreoffice_is_accepted_intact_and_refused_edited(
    office, uno, root, tmp_path, key, column, value, refused
):
    path = shutil.copy(form_path(root, "市发改委"), returns(root).parent / "lo.xlsx")
    typed = typed_answers(path, "市发改委")
    if key is not None:
        meta = openpyxl.load_workbook(path)["_reporter"]
        rows = [r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == key]
        typed["_reporter"] = {f"{column}{rows[-1]}": value}
    lo_edit(uno, path, tmp_path / "profile", typed, [["show", "_reporter"]])
    assert openpyxl.load_workbook(path)["_reporter"].sheet_state == "visible"
    shutil.move(path, returns(root) / "发改委.xlsx")
    result = invoke("-w", root, "collect", "--period", "2021-06", returns(root))
    if refused:
        assert result.exit_code == 1
        assert "填报表隐藏的身份信息被修改" in flat(result.output) and "已拒绝接收" in flat(result.output)
        assert stored(root) == []
    else:
        assert result.exit_code == 0, result.output
        assert collected(root, "市发改委") == expected("市发改委")

"""Building a small workspace in code and filling its forms the way units do."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from reporter.cli import main

WORKSPACE_NAME = "测试市目标任务督查"

CONFIG = f"""\
[workspace]
name = "{WORKSPACE_NAME}"
office = "市政府督查室"
contact = "督查室 王五 0574-12345678"

[periods]
kind = "monthly"
current = "2021-06"
due_day = 25

[[districts]]
name = "海曙区"
short = "海曙"

[[districts]]
name = "江北区"
short = "江北"
"""

NOTICE = """\
测试市人民政府办公厅关于印发2021年政府工作报告目标任务责任分解的通知
测政办发〔2021〕1号
2021年政府工作报告目标任务责任分解
一、经济发展
1.地区生产总值增长7%左右。
牵头领导：张三；
牵头单位：市发改委；配合单位：市统计局、市财政局
2.新增规上工业企业500家。
牵头领导：李四；
牵头单位：市经信局；配合单位：市市场监管局，各区县（市）政府
3.城镇新增就业12万人。
牵头领导：张三；
牵头单位：市人社局；配合单位：市级有关部门
2021年市民生实事项目目标任务责任分解
一、中小学校扩容建设工程
目标任务：新改（扩）建10所中小学校。
牵头领导：王六
责任单位：市教育局，各区县（市）政府
配合单位：市发改委
任务分解	海曙	江北
建设项目(所)	6	4
测试市人民政府办公厅
2021年2月1日
"""

FILL_HEADINGS = {
    "progress": "进展情况",
    "percent": "完成进度(%)",
    "status": "状态",
    "problems": "存在问题",
    "plan": "下步计划",
    "evidence": "佐证材料",
    "reporter": "填报人",
    "phone": "联系电话",
}


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def make_workspace(root: Path) -> Path:
    (root / "input" / "notices").mkdir(parents=True)
    (root / "input" / "returns").mkdir(parents=True)
    (root / "reporter.toml").write_text(CONFIG, encoding="utf-8")
    (root / "input" / "notices" / "测试市2021年通知.txt").write_text(NOTICE, encoding="utf-8")
    result = invoke("-w", root, "run")
    assert result.exit_code == 0, result.output
    return root


def with_forms(root: Path, periods: tuple[str, ...] = ("2021-05", "2021-06")) -> Path:
    """The workspace with its forms written for these periods (the last one is then the period at work)."""
    for period in periods:
        assert invoke("-w", root, "forms", "--period", period).exit_code == 0
    return root


def copy_workspace(base: Path, tmp_path: Path) -> Path:
    """A copy of a workspace built once per module, for one test to change."""
    target = tmp_path / "ws"
    shutil.copytree(base, target)
    return target


def form_path(root: Path, unit: str, period: str = "2021-06") -> Path:
    return root / "output" / "forms" / period / f"{unit}-{period}-填报表.xlsx"


def fill_form(
    source: Path,
    target: Path,
    answers: dict[str, dict[str, object]] | None = None,
    *,
    every_row: dict[str, object] | None = None,
    indicators: dict[str, object] | None = None,
    saved: datetime | None = None,
    edit=None,
) -> Path:
    """Open a form with openpyxl, type answers by task id (never by position), save it under another name.

    Text is stored as text even when it starts with ``=`` (as when a unit types ``'=1+1`` in Excel).
    """
    workbook = openpyxl.load_workbook(source)
    sheet = workbook["填报任务"]
    headers = {cell.value: cell.column for cell in sheet[3] if cell.value}
    for row in range(4, sheet.max_row + 1):
        task_id = sheet.cell(row, headers["任务编号"]).value
        values = dict(every_row or {}) | (answers or {}).get(task_id, {})
        for field, value in values.items():
            cell = sheet.cell(row, headers[FILL_HEADINGS[field]])
            cell.value = value
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
    if indicators is not None:
        indicator_sheet = workbook["民生实事指标"]
        for row in range(4, indicator_sheet.max_row + 1):
            key = indicator_sheet.cell(row, 1).value
            if key in indicators:
                indicator_sheet.cell(row, 6).value = indicators[key]
    if edit is not None:
        edit(workbook)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    if saved is not None:
        set_saved_time(target, saved)
    return target


def rewrite_member(path: Path, member: str, change) -> None:
    """Replace one part of an .xlsx (a zip) with ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts:
            target.writestr(info, change(data) if info.filename == member else data)


def set_saved_time(path: Path, saved: datetime) -> None:
    """Set the 'last saved' time Excel records (docProps/core.xml), as UTC like Excel does."""
    stamp = saved.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    rewrite_member(
        path,
        "docProps/core.xml",
        lambda data: re.sub(
            rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data
        ),
    )

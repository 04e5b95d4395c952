"""Collecting returned forms: what units really type, every broken file, idempotence, supersede, crashes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporter.forms.collect import collect_returns
from reporter.forms.values import parse_percent, parse_status
from reporter.model import Answer, Task, TaskUnit
from reporter.periods import LightRules, parse_period
from reporter.progress import TaskProgress, compute_progress, note_decreases
from reporter.settings import load_workspace
from reporter.store import Store
from tests.cycle_helpers import copy_workspace, fill_form, form_path, invoke, make_workspace, rewrite_member, with_forms
from tests.test_cli import flat


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A workspace with forms for 2021-05 and 2021-06 written once for the module."""
    return with_forms(make_workspace(tmp_path_factory.mktemp("base") / "ws"))


@pytest.fixture
def root(base, tmp_path) -> Path:
    return copy_workspace(base, tmp_path)


def returns(root: Path) -> Path:
    return root / "input" / "returns" / "2021-06"


def good_return(root: Path, name: str = "发改委.xlsx", **kwargs) -> Path:
    return fill_form(
        form_path(root, "市发改委"),
        returns(root) / name,
        {"2021-G-001": {"progress": "上半年增长7.5%", "percent": 55, "status": "正常推进"}},
        every_row={"reporter": "赵六", "phone": "88990011"},
        **kwargs,
    )


def ledger_rows(root: Path, sheet: str = "工作任务") -> dict[str, dict]:
    workbook = openpyxl.load_workbook(root / "output" / "台账.xlsx")
    ws = workbook[sheet]
    headers = [c.value for c in ws[2]]
    return {row[0].value: {h: c for h, c in zip(headers, row, strict=False)} for row in ws.iter_rows(min_row=3)}


def stored(root: Path) -> list[Answer]:
    with Store(root / ".reporter" / "store.sqlite3") as store:
        return store.answers(current_only=False)


# -- what people type -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        (80, 80),
        ("80", 80),
        ("80%", 80),
        ("８０％", 80),
        (" 80 ", 80),
        (0.8, 80),
        ("0.8", 80),
        (1, 1),
        (0, 0),
        (100, 100),
    ],
)
def test_percent_as_typed(typed, read):
    assert parse_percent(typed).value == read


@pytest.mark.parametrize(("typed", "message"), [(150, "超出范围"), (-5, "超出范围"), ("八成", "不是数字")])
def test_percent_errors(typed, message):
    assert message in parse_percent(typed).error


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("已完成", "已完成"),
        ("完成", "已完成"),
        (" 推进中 ", "正常推进"),
        ("滞后。", "进度滞后"),
        ("尚未启动", "未启动"),
        ("其它", "其他"),
    ],
)
def test_status_as_typed(typed, read):
    assert parse_status(typed).value == read


def test_collect_merges_values_and_refreshes_ledger(root):
    fill_form(
        form_path(root, "市经信局"),
        returns(root) / "经信局（6月）.xlsx",
        {
            "2021-G-002": {
                "progress": " 新增规上企业260家 ",
                "percent": "５２％",
                "status": "推进中",
                "evidence": "https://example.gov.cn/a",
            }
        },
        every_row={"reporter": "钱七", "phone": 13800001111},
    )
    fill_form(
        form_path(root, "海曙区政府"),
        returns(root) / "海曙.xlsx",
        {
            "2021-G-002": {"progress": "本区新增40家", "percent": 0.5, "status": "正常推进"},
            "2021-M-001": {"progress": "开工6所", "percent": "60", "status": "正常推进"},
        },
        indicators={"2021-M-001-1": "４"},
    )
    result = invoke("-w", root, "collect", returns(root))
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "接收2份，退回0份，重复0份；更新任务2项。" in text
    assert "填写的“0.5”按小数理解为50%" in text
    rows = ledger_rows(root)
    lead = rows["2021-G-002"]
    assert lead["最新进展"].value == "新增规上企业260家"
    assert lead["完成进度（%）"].value == 52
    assert lead["状态"].value == "正常推进"
    assert lead["序时进度（%）"].value == pytest.approx(49.6)
    assert lead["亮灯"].value == "绿灯"
    # the fill's RGB: Excel ignores the alpha byte before it (00 from openpyxl, FF from xlsxwriter)
    assert lead["亮灯"].fill.fgColor.rgb[-6:] == "C6EFCE"
    assert lead["佐证材料"].value == "https://example.gov.cn/a"
    assert lead["报送单位"].value == "市经信局"
    assert lead["配合单位反馈"].value == "海曙区政府：正常推进；50%；本区新增40家"
    assert rows["2021-G-003"]["亮灯"].value is None
    indicators = openpyxl.load_workbook(root / "output" / "台账.xlsx")["民生实事完成情况"]
    assert [c.value for c in indicators[3]][:7] == ["2021-M-001", "建设项目", "海曙", "所", 6, 4, 66.7]
    status = {
        r[0].value: r for r in openpyxl.load_workbook(root / "output" / "台账.xlsx")["报送情况"].iter_rows(min_row=3)
    }
    assert status["市经信局"][7].value == "钱七"
    assert status["市经信局"][8].value == "13800001111"
    assert status["市发改委"][4].value == "未报送"


def test_rows_matched_by_id_whatever_the_layout(root):
    def mangle(workbook):
        sheet = workbook["填报任务"]
        sheet.protection.sheet = False
        sheet.insert_rows(4, 2)  # blank rows above the tasks
        sheet.insert_cols(3)  # a column of the unit's own
        sheet.cell(3, 3).value = "内部备注"
        first = [c.value for c in sheet[6]]
        second = [c.value for c in sheet[7]]
        for col, value in enumerate(second, start=1):  # swap the two task rows
            sheet.cell(6, col).value = value
        for col, value in enumerate(first, start=1):
            sheet.cell(7, col).value = value
        sheet.title = "六月进展"
        workbook.create_sheet("附件说明")["A1"] = "本单位另附说明"

    fill_form(
        form_path(root, "市发改委"),
        returns(root) / "随便起的名字.xlsx",
        {
            "2021-G-001": {"progress": "牵头任务进展", "percent": 70, "status": "正常推进"},
            "2021-M-001": {"progress": "配合任务进展", "percent": 20, "status": "进度滞后"},
        },
        edit=mangle,
    )
    result = invoke("-w", root, "collect", returns(root))
    assert result.exit_code == 0, result.output
    answers = {a.task_id: a for a in stored(root)}
    assert answers["2021-G-001"].progress == "牵头任务进展"
    assert answers["2021-G-001"].role == "lead"
    assert answers["2021-M-001"].percent == 20
    assert answers["2021-M-001"].role == "cooperating"


def test_unit_text_never_becomes_a_formula(root):
    fill_form(
        form_path(root, "市发改委"),
        returns(root) / "发改委.xlsx",
        {
            "2021-G-001": {
                "progress": '=HYPERLINK("http://evil.example","点我")',
                "problems": "=cmd|' /C calc'!A0",
                "plan": "=1+1",
                "status": "正常推进",
            }
        },
    )
    assert invoke("-w", root, "collect", returns(root)).exit_code == 0
    row = ledger_rows(root)["2021-G-001"]
    for heading, text in (
        ("最新进展", '=HYPERLINK("http://evil.example","点我")'),
        ("存在问题", "=cmd|' /C calc'!A0"),
        ("下步计划", "=1+1"),
    ):
        assert row[heading].value == text
        assert row[heading].data_type == "s"
    with zipfile.ZipFile(root / "output" / "台账.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)


def test_locked_text_changed_warns_and_keeps_office_text(root):
    def edit(workbook):
        workbook["填报任务"]["C4"] = "地区生产总值增长5%。"

    fill_form(
        form_path(root, "市发改委"),
        returns(root) / "发改委.xlsx",
        {"2021-G-001": {"progress": "进展", "status": "正常推进"}},
        edit=edit,
    )
    result = invoke("-w", root, "collect", returns(root))
    assert result.exit_code == 0
    assert (
        "发改委.xlsx工作表“填报任务”第4行C列(任务2021-G-001)任务内容被改动，以下发的原文为准（改动内容未导入）"
        in flat(result.output)
    )
    assert ledger_rows(root)["2021-G-001"]["任务内容"].value == "地区生产总值增长7%左右。"


# -- every broken case: exact message, and the rest of the batch is merged -------------------------------


def _edit(change):
    def edit(workbook):
        change(workbook)

    return edit


def _set_meta(key, value):
    def change(workbook):
        for row in workbook["_reporter"].iter_rows():
            if row[0].value == key:
                row[1].value = value

    return change


def _form_variant(edit=None, answers=None):
    def make(root: Path, target: Path) -> Path:
        return fill_form(
            form_path(root, "市经信局"),
            target,
            answers or {"2021-G-002": {"progress": "推进", "percent": 50, "status": "正常推进"}},
            edit=_edit(edit) if edit else None,
        )

    return make


def _cell(ref, value):
    def change(workbook):
        workbook["填报任务"][ref] = value

    return change


def _bytes(data: bytes):
    def make(root: Path, target: Path) -> Path:
        target.write_bytes(data)
        return target

    return make


def _truncated(root: Path, target: Path) -> Path:
    data = _form_variant()(root, target).read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def _zip_bomb(root: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (60 * 1024 * 1024) + b"/>")
    return target


def _far_cell(root: Path, target: Path) -> Path:
    def far(workbook):
        workbook["填报任务"]["XFD1048576"] = "远处的单元格"

    return fill_form(form_path(root, "市经信局"), target, edit=far)


def _rewrite_sheets(target: Path, change) -> None:
    with zipfile.ZipFile(target) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    for name in sheets:
        rewrite_member(target, name, change)


def _far_cell_single_quotes(root: Path, target: Path) -> Path:
    """The far cell with its position in single quotes (valid XML): the fast reader would abort on it."""
    _far_cell(root, target)
    _rewrite_sheets(target, lambda data: data.replace(b'r="XFD1048576"', b"r='XFD1048576'"))
    return target


def _far_row(root: Path, target: Path) -> Path:
    """A row far down whose cell gives no position of its own: the row's position is the cell's."""
    _form_variant()(root, target)
    far = b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    _rewrite_sheets(target, lambda data: data.replace(b"</sheetData>", far, 1))
    return target


def _dtd(root: Path, target: Path) -> Path:
    _form_variant()(root, target)
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    rewrite_member(target, "xl/workbook.xml", lambda data: entity + data.split(b"?>", 1)[-1])
    return target


def _dtd_in_properties(root: Path, target: Path) -> Path:
    """A DTD in a part the reader never reads is refused all the same."""
    _form_variant()(root, target)
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>'
    rewrite_member(target, "docProps/app.xml", lambda data: entity + data.split(b"?>", 1)[-1])
    return target


def _malformed_sheet(root: Path, target: Path) -> Path:
    """The tasks sheet's XML cut in the middle (a sound zip): the reader refuses it."""
    _form_variant()(root, target)
    rewrite_member(target, "xl/worksheets/sheet2.xml", lambda data: data[: len(data) // 2])
    return target


def _plain_workbook(root: Path, target: Path) -> Path:
    workbook = openpyxl.Workbook()
    workbook.active.append(["任务编号", "进展情况"])
    workbook.active.append(["2021-G-002", "自己做的表"])
    workbook.save(target)
    return target


def _encrypted(root: Path, target: Path) -> Path:
    # An encrypted .xlsx is an OLE2 compound file holding EncryptionInfo and EncryptedPackage streams.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    target.write_bytes(header + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le"))
    return target


def _docx(root: Path, target: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    target.write_bytes(buffer.getvalue())
    return target


BROKEN = {
    "wrong-period": (
        lambda root, target: fill_form(form_path(root, "市经信局", "2021-05"), target),
        "form.wrong-period",
        "这是2021年5月的填报表，不是2021年6月的。请使用本期下发的填报表报送",
    ),
    "unknown-workspace": (
        _form_variant(_set_meta("workspace", "别的市督查")),
        "form.wrong-workspace",
        "这是“别的市督查”的填报表，不属于本工作区（测试市目标任务督查）",
    ),
    "unknown-unit": (
        _form_variant(_set_meta("unit", "市不存在局")),
        "form.unknown-unit",
        "填报单位“市不存在局”不在当前任务的责任单位中（任务可能已调整），请核实",
    ),
    "missing-id": (
        _form_variant(_cell("A4", None)),
        "form.missing-task",
        "任务“2021-G-002”的行不见了（被删除或任务编号被改动），请恢复该行后重新报送",
    ),
    "row-without-id": (
        _form_variant(_cell("A4", None)),
        "form.row-without-id",
        "工作表“填报任务”第4行A列这一行填了内容但没有任务编号，无法对应到任务",
    ),
    "duplicate-id": (
        _form_variant(
            lambda wb: [
                wb["填报任务"].cell(6, c).__setattr__("value", wb["填报任务"].cell(4, c).value) for c in range(1, 16)
            ]
        ),
        "form.duplicate-task",
        "工作表“填报任务”第6行A列(任务2021-G-002)任务编号“2021-G-002”出现了两次（另见第4行），请删除重复的行",
    ),
    "percent-out-of-range": (
        _form_variant(answers={"2021-G-002": {"percent": 150}}),
        "value.percent",
        "工作表“填报任务”第4行I列(任务2021-G-002)完成进度“150”超出范围，应在0到100之间",
    ),
    "bad-status": (
        _form_variant(answers={"2021-G-002": {"status": "差不多"}}),
        "value.status",
        "第4行J列(任务2021-G-002)状态“差不多”不在可选范围内，应为：已完成、正常推进、进度滞后、未启动、其他",
    ),
    "not-a-workbook": (
        _bytes("进展情况：正常".encode()),
        "file.not-workbook",
        "文件已损坏或不完整（不是有效的Excel工作簿），可能传输中断。",
    ),
    "word-renamed": (_docx, "file.not-workbook", "文件是Word文档，不是Excel工作簿。请报送下发的Excel填报表"),
    "html-as-xls": (
        _bytes(b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
        "file.not-workbook",
        "文件实为网页或XML格式（扩展名为.xlsx），不是Excel工作簿。请用Excel或WPS打开后“另存为”Excel工作簿（*.xlsx）再报送",
    ),
    "empty": (_bytes(b""), "file.empty", "文件是空的（0字节），可能保存或传输时出错，请重新报送"),
    "truncated": (_truncated, "file.corrupt", "文件已损坏或不完整（压缩包结构错误），可能传输中断。"),
    "encrypted": (
        _encrypted,
        "file.encrypted",
        "文件设置了打开密码，无法读取。请取消密码（文件→信息→保护工作簿）后重新保存报送",
    ),
    "zip-bomb": (_zip_bomb, "file.zip-bomb", "文件结构异常（部件xl/worksheets/sheet1.xml压缩比"),
    "far-cell": (_far_cell, "file.cell-out-of-range", "的单元格位置超出填报表范围（最远到第1048576行、第16384列）"),
    "far-cell-single-quotes": (_far_cell_single_quotes, "file.cell-out-of-range", "（最远到第1048576行、第16384列）"),
    "far-row": (_far_row, "file.cell-out-of-range", "的单元格位置超出填报表范围（最远到第1048576行、"),
    "dtd": (_dtd, "file.xml-dtd", "文件部件xl/workbook.xml含有DTD/实体声明，存在安全风险，已拒绝读取"),
    "dtd-in-properties": (
        _dtd_in_properties,
        "file.xml-dtd",
        "文件部件docProps/app.xml含有DTD/实体声明，存在安全风险，已拒绝读取",
    ),
    "malformed-sheet": (_malformed_sheet, "file.corrupt", "文件内容已损坏，无法读取"),
    "no-metadata": (
        _plain_workbook,
        "form.no-metadata",
        "不是本系统下发的填报表（缺少隐藏的识别信息），无法确定报送单位。请在下发的填报表中填写后报送",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_file_is_rejected_with_message_and_rest_merged(root, case):
    make, code, message = BROKEN[case]
    good_return(root)
    bad = make(root, returns(root) / "坏文件.xlsx")
    result = invoke("-w", root, "collect", "--period", "2021-06", "--json", root / "out.json", returns(root))
    assert result.exit_code == 1, result.output
    text = flat(result.output)
    assert flat(message) in text
    assert "Traceback" not in result.output
    assert "接收1份，退回1份" in text
    report = json.loads((root / "out.json").read_text(encoding="utf-8"))
    by_file = {Path(f["file"]).name: f for f in report["files"]}
    assert by_file[bad.name]["status"] == "rejected"
    assert code in [p["code"] for p in by_file[bad.name]["problems"]]
    assert by_file["发改委.xlsx"]["status"] == "accepted"
    assert report["summary"]["problems_by_code"][code] >= 1
    assert {a.unit for a in stored(root)} == {"市发改委"}
    assert ledger_rows(root)["2021-G-001"]["最新进展"].value == "上半年增长7.5%"


_SHEET = '<?xml version="1.0" encoding="UTF-8"?><{p}worksheet{ns}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>'


def _worksheet(cells: list[tuple[str, int]], *, prefix: str = "", quote: str = '"', space: str = "") -> bytes:
    """A worksheet whose rows hold the cells given as (column letters, row), positions written as asked."""
    ns = f' xmlns{":" + prefix[:-1] if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rows = "".join(
        f"<{prefix}row r={quote}{row}{quote}><{prefix}c r{space}={space}{quote}{letters}{row}{quote}>"
        f"<{prefix}v>1</{prefix}v></{prefix}c></{prefix}row>"
        for letters, row in cells
    )
    return _SHEET.format(p=prefix, ns=ns, rows=rows).encode()


def _exact_scan(data: bytes) -> list[int]:
    from xml.parsers import expat

    from reporter.io.workbooks import _count_elements

    parser = expat.ParserCreate()
    counted = _count_elements(parser, "sheet.xml")
    parser.Parse(data, True)
    return counted


@pytest.mark.parametrize(
    "data",
    [
        _worksheet([("A", 1), ("XFD", 1048576)]),
        _worksheet([("A", 1), ("XFD", 1048576)], prefix="x:"),
        _worksheet([("A", 1), ("XFD", 1048576)], quote="'", space=" \n"),
        _worksheet([("A", 1), ("xfd", 5)]),  # the column alone beyond the form
        _worksheet([("A", 1), ("B", 10001)]),  # the row alone
        _worksheet([("A", 1)]).replace(b'r="A1"', b'r="&#88;FD1048576"'),  # a character reference: read exactly
        _worksheet([("A", 1), ("XFD", 1048576)]).replace(b"<sheetData>", b"<!-- a note --><sheetData>"),
        _worksheet([("A", 1), ("XFD", 1048576)]).decode().replace("UTF-8", "UTF-16").encode("utf-16"),
    ],
    ids=["plain", "prefixed", "quoted-spaced", "far-column", "far-row", "char-ref", "comment", "utf-16"],
)
def test_a_cell_beyond_the_form_is_refused_however_its_position_is_written(data):
    from reporter.io.workbooks import WorkbookRejected, scan_xml

    with pytest.raises(WorkbookRejected) as refused:
        scan_xml("xl/worksheets/sheet1.xml", data, cells=True)
    assert refused.value.code == "file.cell-out-of-range"


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(
        st.tuples(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz", min_size=1, max_size=3), st.integers(1, 2_000_000)),
        max_size=30,
    ),
    prefix=st.sampled_from(["", "x:", "main:"]),
    quote=st.sampled_from(['"', "'"]),
    space=st.sampled_from(["", " ", "\t\n "]),
)
def test_the_fast_position_scan_finds_what_the_xml_parser_finds(cells, prefix, quote, space):
    from reporter.io.workbooks import _scan_positions

    data = _worksheet(cells, prefix=prefix, quote=quote, space=space)
    fast = _scan_positions(data)
    assert fast is not None  # every form of position written here is read by the scan
    assert list(fast) == _exact_scan(data)


def test_a_long_batch_lists_only_the_files_that_need_a_look(root, monkeypatch):
    """A province's thousand returns: the refused files are listed, the clean ones counted in one line."""
    monkeypatch.setattr("reporter.cli.MAX_PROBLEMS_SHOWN", 1)
    good_return(root)
    _dtd(root, returns(root) / "坏文件.xlsx")
    result = invoke("-w", root, "collect", "--period", "2021-06", returns(root))
    text = flat(result.output)
    assert "坏文件.xlsx" in text
    assert "发改委.xlsx" not in text
    assert "另有1份已接收或重复、无问题，未逐一列出" in text
    assert "接收1份，退回1份" in text


def test_far_cell_file_does_not_kill_the_process(root):
    bad = _far_cell(root, returns(root) / "far.xlsx")
    code = "from pathlib import Path; from reporter.io.workbooks import read_workbook, WorkbookRejected\n"
    code += f"try:\n    read_workbook(Path({str(bad)!r}))\nexcept WorkbookRejected as e:\n    print(e.code)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0
    assert completed.stdout.strip() == "file.cell-out-of-range"


def test_collect_without_returns_folder(root):
    result = invoke("-w", root, "collect")
    assert result.exit_code == 1
    assert (
        "input/returns/2021-06不存在：请把各单位报回的2021年6月填报表放入该文件夹，或在命令后写明文件或文件夹"
        in flat(result.output)
    )


def test_named_missing_file_is_rejected_and_rest_merged(root):
    good = good_return(root)
    result = invoke("-w", root, "collect", good, root / "不存在.xlsx")
    assert result.exit_code == 1
    assert "不存在.xlsx文件不存在" in flat(result.output)
    assert "接收1份，退回1份" in flat(result.output)


def test_legacy_garbage_gets_resave_advice(root):
    target = returns(root) / "老格式.et"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    result = invoke("-w", root, "collect", target)
    assert result.exit_code == 1
    assert "无法读取WPS表格（.et）文件。请用Excel或WPS打开后“另存为”Excel工作簿（*.xlsx）再报送" in flat(result.output)


# -- idempotence, supersede, order, crash -------------------------------------------------------------------


def test_recollecting_the_same_file_changes_nothing(root):
    good_return(root)
    assert invoke("-w", root, "collect", returns(root)).exit_code == 0
    before = stored(root)
    result = invoke("-w", root, "collect", returns(root))
    assert result.exit_code == 0
    assert "接收0份，退回0份，重复1份" in flat(result.output)
    assert stored(root) == before
    archived = list((root / ".reporter" / "archive" / "2021-06").iterdir())
    assert len(archived) == 1
    assert archived[0].read_bytes() == (returns(root) / "发改委.xlsx").read_bytes()


@pytest.mark.parametrize("kept", [True, False], ids=["copy-kept-by-the-reader", "copy-of-the-file"])
def test_the_archive_keeps_the_bytes_read_and_nothing_else_is_left(root, kept):
    """The reader keeps the bytes it read (and hashed) in the archive's incoming folder; an accepted return's are
    moved into the archive, a refused one's removed. Where the reader cannot write them (here a file stands where
    the folder would be), the file itself is copied as before."""
    good = good_return(root)
    refused = returns(root) / "不是表格.xlsx"
    refused.write_bytes(b"PK\x03\x04 not a zip")
    wrong_period = fill_form(form_path(root, "市发改委", "2021-05"), returns(root) / "五月.xlsx", {})
    incoming = root / ".reporter" / "archive" / "incoming"
    if not kept:
        incoming.parent.mkdir(parents=True, exist_ok=True)
        incoming.write_text("在此", encoding="utf-8")
    result = invoke("-w", root, "collect", "--period", "2021-06", returns(root))
    assert "接收1份，退回2份" in flat(result.output), result.output
    archived = list((root / ".reporter" / "archive" / "2021-06").iterdir())
    assert [p.read_bytes() for p in archived] == [good.read_bytes()]
    assert archived[0].name == f"{hashlib.sha256(good.read_bytes()).hexdigest()}.xlsx"
    assert not (root / ".reporter" / "archive" / "2021-05").exists()
    assert wrong_period.exists() and refused.exists()  # the originals stay where the office put them
    if kept:
        assert list(incoming.iterdir()) == []
    else:
        assert incoming.read_text(encoding="utf-8") == "在此"


def test_newer_return_supersedes_and_both_stay_in_history(root):
    old = good_return(root, "第一次.xlsx", saved=datetime(2021, 6, 20, 9, 0))
    new = fill_form(
        form_path(root, "市发改委"),
        returns(root) / "更正.xlsx",
        {"2021-G-001": {"progress": "更正后的进展", "percent": 60, "status": "正常推进"}},
        saved=datetime(2021, 6, 28, 9, 0),
    )
    assert invoke("-w", root, "collect", new).exit_code == 0
    result = invoke("-w", root, "collect", old)
    assert "已接收（早于本单位已收的报送，仅存档）" in flat(result.output)
    assert ledger_rows(root)["2021-G-001"]["最新进展"].value == "更正后的进展"
    records = openpyxl.load_workbook(root / "output" / "报送历史" / "2021-06报送记录.xlsx")["报送记录"]
    rows = [r for r in records.iter_rows(min_row=3, values_only=True) if r[1] == "2021-G-001"]
    assert sorted((r[4], r[10]) for r in rows) == [("上半年增长7.5%", "否（已被替代）"), ("更正后的进展", "是")]
    history = openpyxl.load_workbook(root / "output" / "台账.xlsx")["报送历史"]
    june = next(r for r in history.iter_rows(min_row=3, values_only=True) if r[0] == "2021-06")
    assert june[1:6] == ("2021年6月", 3, 1, 2, 0)  # records, units, superseded (the first return's two), corrections
    status = openpyxl.load_workbook(root / "output" / "台账.xlsx")["报送情况"]
    row = next(r for r in status.iter_rows(min_row=3, values_only=True) if r[0] == "市发改委")
    assert row[4:7] == ("按时报送", "2021-06-20 09:00", 2)
    late = fill_form(form_path(root, "市经信局"), returns(root) / "经信.xlsx", saved=datetime(2021, 6, 27, 9, 0))
    invoke("-w", root, "collect", late)
    data = json.loads(invoke("-w", root, "status", "--json", "-").output)
    units = {u["unit"]: u for u in data["units"]}
    assert units["市经信局"]["status"] == "逾期报送"
    assert units["市人社局"]["status"] == "未报送"
    assert "2021-G-003" in [t["id"] for t in data["unanswered_tasks"]]


def test_lead_and_cooperating_answers_and_conflict(root):
    fill_form(
        form_path(root, "市发改委"), returns(root) / "a.xlsx", {"2021-G-001": {"status": "已完成", "percent": 100}}
    )
    fill_form(
        form_path(root, "市统计局"),
        returns(root) / "b.xlsx",
        {"2021-G-001": {"status": "未启动", "progress": "尚未开展"}},
    )
    assert invoke("-w", root, "collect", returns(root)).exit_code == 0
    row = ledger_rows(root)["2021-G-001"]
    assert row["状态"].value == "已完成"
    assert row["亮灯"].value == "绿灯"
    assert row["配合单位反馈"].value == "市统计局：未启动；尚未开展"
    assert row["需核实"].value == "牵头单位市发改委报“已完成”，配合单位市统计局报“未启动”"


def _semantic_state(store_path: Path) -> list[tuple]:
    with Store(store_path) as store:
        returns_ = sorted((r.sha256, r.unit, r.period, r.saved_at, r.current) for r in store.returns())
        answers = sorted(
            (a.sha256, a.task_id, a.role, a.progress, a.percent, a.status, a.current)
            for a in store.answers(current_only=False)
        )
    return [*returns_, *answers]


@pytest.fixture(scope="module")
def batch(base, tmp_path_factory):
    """Four returns: two versions from one unit, one from another, one duplicate copy."""
    folder = tmp_path_factory.mktemp("batch")
    files = [
        good_return(base, "v1.xlsx", saved=datetime(2021, 6, 10, 8, 0)).rename(folder / "v1.xlsx"),
        fill_form(
            form_path(base, "市发改委"),
            folder / "v2.xlsx",
            {"2021-G-001": {"progress": "第二版", "percent": 65}},
            saved=datetime(2021, 6, 12, 8, 0),
        ),
        fill_form(form_path(base, "市经信局"), folder / "jx.xlsx", {"2021-G-002": {"percent": 30}}),
    ]
    copy = folder / "v2-副本.xlsx"
    shutil.copy(files[1], copy)
    return [*files, copy]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_order_of_collects_leaves_the_same_store(base, batch, tmp_path_factory, data):
    runs = []
    for _ in range(2):
        root = tmp_path_factory.mktemp("order") / "ws"
        shutil.copytree(base, root)
        workspace = load_workspace(root)
        order = data.draw(st.permutations(batch))
        groups = data.draw(st.lists(st.integers(1, len(order)), min_size=1, max_size=3))
        with Store(workspace.store_path) as store:
            start = 0
            for size in groups:
                collect_returns(workspace, store, order[start : start + size] or order[:1])
                start += size
            collect_returns(workspace, store, order)
        runs.append(_semantic_state(workspace.store_path))
    assert runs[0] == runs[1]
    assert sum(1 for item in runs[0] if len(item) == 5) == 3  # three distinct files stored


def test_crash_mid_file_leaves_store_as_before(root, monkeypatch):
    good_return(root)
    workspace = load_workspace(root)
    original = Store._refresh_current  # runs after the file's answers were inserted, in the same transaction

    def failing(self, unit, period):
        raise RuntimeError("模拟中途崩溃")

    monkeypatch.setattr(Store, "_refresh_current", failing)
    with Store(workspace.store_path) as store, pytest.raises(RuntimeError):
        collect_returns(workspace, store, [returns(root)])
    connection = sqlite3.connect(workspace.store_path)
    assert connection.execute("SELECT COUNT(*) FROM returns").fetchone()[0] == 0
    assert connection.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0
    connection.close()
    monkeypatch.setattr(Store, "_refresh_current", original)
    assert invoke("-w", root, "collect", returns(root)).exit_code == 0
    assert len(stored(root)) == 2


# -- files written by a real office suite ------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["xlsx", "xls", "ods"])
def test_files_saved_by_libreoffice_are_collected(office, root, tmp_path, suffix):
    filled = fill_form(
        form_path(root, "海曙区政府"),
        tmp_path / "filled.xlsx",
        {"2021-G-002": {"progress": "LibreOffice 保存", "percent": "80%", "status": "正常推进"}},
        indicators={"2021-M-001-1": 5},
    )
    out = tmp_path / "lo"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97", "ods": "ods"}[suffix],
            "--outdir",
            str(out),
            str(filled),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = out / f"filled.{suffix}"
    target = returns(root) / f"海曙区.{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(saved, target)
    result = invoke("-w", root, "collect", target)
    assert result.exit_code == 0, result.output
    answers = {a.task_id: a for a in stored(root)}
    assert answers["2021-G-002"].progress == "LibreOffice 保存"
    assert answers["2021-G-002"].percent == 80
    workbook = openpyxl.load_workbook(root / "output" / "台账.xlsx")
    assert [c.value for c in workbook["民生实事完成情况"][3]][5] == 5


@pytest.mark.parametrize(
    ("status", "percent", "said"),
    [
        ("未启动", 30, "状态为“未启动”，但完成进度为30%"),
        ("已完成", 60, "状态为“已完成”，但完成进度只有60%"),
    ],
)
def test_an_answer_that_contradicts_itself_is_accepted_flagged_and_listed(root, status, percent, said):
    fill_form(
        form_path(root, "市发改委"), returns(root) / "a.xlsx", {"2021-G-001": {"status": status, "percent": percent}}
    )
    result = invoke("-w", root, "collect", returns(root), "--json", "-")
    assert result.exit_code == 0
    payload = json.loads(result.output[result.output.index("{") :])
    (problem,) = [p for f in payload["files"] for p in f["problems"] if p["code"] == "value.contradiction"]
    assert problem["message"] == f"{said}，已接收，请与报送单位核实"
    assert (problem["location"]["task"], problem["severity"]) == ("2021-G-001", "warning")
    assert ledger_rows(root)["2021-G-001"]["需核实"].value == f"市发改委{said}"


def test_a_lagging_status_ahead_of_schedule_is_listed_for_checking(root):
    fill_form(
        form_path(root, "市发改委"), returns(root) / "a.xlsx", {"2021-G-001": {"status": "进度滞后", "percent": 95}}
    )
    assert invoke("-w", root, "collect", returns(root)).exit_code == 0
    row = ledger_rows(root)["2021-G-001"]
    expected = row["序时进度（%）"].value
    assert row["需核实"].value == f"市发改委状态为“进度滞后”，但完成进度95%已达到序时进度{expected:g}%"


def test_a_percent_lower_than_last_period_is_listed_for_checking():
    def progress(percent: float) -> TaskProgress:
        return TaskProgress("2021-G-001", 50.0, lead=Answer("2021-G-001", "lead", percent=percent, unit="市发改委"))

    now, before = {"2021-G-001": progress(40)}, {"2021-G-001": progress(55)}
    note_decreases(now, before)
    assert now["2021-G-001"].conflicts == ["完成进度从上期55%降至40%"]
    same = {"2021-G-001": progress(55)}
    note_decreases(same, before)
    assert same["2021-G-001"].conflicts == []


CO_LED = Task(
    id="2021-G-009", kind="work", part="", section="", number=9, text="建成综合交通枢纽。", deadline="2021-12-31"
)
CO_LEADS = [TaskUnit("2021-G-009", "市发改委", "lead", ""), TaskUnit("2021-G-009", "市交通局", "lead", "")]


@pytest.mark.parametrize(
    ("answers", "lead", "light", "co_leads", "missing"),
    [
        (  # the worse co-lead sets the light; the other is listed beside it, not as 配合
            [("市发改委", "正常推进", 60.0), ("市交通局", "进度滞后", 10.0)],
            "市交通局",
            "red",
            ["市发改委"],
            [],
        ),
        ([("市发改委", "正常推进", 60.0)], "市发改委", "green", [], ["市交通局"]),  # one co-lead sent nothing
    ],
)
def test_co_leads_are_all_leads_and_the_worst_sets_the_light(answers, lead, light, co_leads, missing):
    given = [Answer("2021-G-009", "lead", status=s, percent=p, unit=u) for u, s, p in answers]
    progress = compute_progress([CO_LED], CO_LEADS, given, parse_period("2021-06"), LightRules())["2021-G-009"]
    assert (progress.lead.unit, progress.light) == (lead, light)
    assert ([a.unit for a in progress.co_leads], progress.cooperating, progress.missing_leads) == (
        co_leads,
        [],
        missing,
    )


def test_history_in_the_ledger_is_one_row_per_period_and_each_period_has_its_records_workbook(root):
    assert invoke("-w", root, "forms", "--period", "2021-04").exit_code == 0
    for month, percent in (("04", 20), ("05", 35), ("06", 50)):
        period = f"2021-{month}"
        folder = root / "input" / "returns" / period
        fill_form(
            form_path(root, "市发改委", period),
            folder / "发改委.xlsx",
            {"2021-G-001": {"progress": f"{month}月进展", "percent": percent, "status": "正常推进"}},
        )
        assert invoke("-w", root, "collect", folder, "--period", period).exit_code == 0
    ledger = openpyxl.load_workbook(root / "output" / "台账.xlsx")["报送历史"]
    rows = list(ledger.iter_rows(min_row=3, values_only=True))
    assert [r[:4] for r in rows] == [
        ("2021-06", "2021年6月", rows[0][2], 1),
        ("2021-05", "2021年5月", rows[1][2], 1),
        ("2021-04", "2021年4月", rows[2][2], 1),
    ]
    assert ledger.cell(3, 8).hyperlink.target.replace("\\", "/") == "报送历史/2021-06报送记录.xlsx"
    folder = root / "output" / "报送历史"
    april = folder / "2021-04报送记录.xlsx"
    records = list(openpyxl.load_workbook(april)["报送记录"].iter_rows(min_row=3, values_only=True))
    assert ("2021-04", "2021-G-001", "04月进展") in [(r[0], r[1], r[4]) for r in records]
    assert rows[2][2] == len(records)
    written = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    assert sorted(written) == ["2021-04报送记录.xlsx", "2021-05报送记录.xlsx", "2021-06报送记录.xlsx"]
    assert invoke("-w", root, "ledger").exit_code == 0  # no answer changed: no records workbook is written again
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == written
    late = fill_form(
        form_path(root, "市经信局", "2021-05"),
        root / "late.xlsx",
        every_row={"progress": "补报的进展", "percent": 40, "status": "正常推进"},
        saved=datetime(2021, 5, 30, 9, 0),
    )
    assert invoke("-w", root, "collect", late, "--period", "2021-05").exit_code == 0
    again = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    assert [name for name in sorted(again) if again[name] != written[name]] == ["2021-05报送记录.xlsx"]


# -- trust: who a return is from, and which one wins ---------------------------------------------------------------


def _edit_identity(path: Path, change) -> Path:
    workbook = openpyxl.load_workbook(path)
    change(workbook["_reporter"])
    workbook.save(path)
    return path


def _set_meta(sheet, key: str, value) -> None:
    row = next(r for r in sheet.iter_rows() if r[0].value == key)
    row[1].value = value


@pytest.mark.parametrize("forgery", ["unit", "unit-and-identity-removed"])
def test_a_return_whose_identity_was_edited_is_refused_and_never_counted_for_another_unit(root, forgery):
    genuine = good_return(root)
    copy = fill_form(
        form_path(root, "市经信局"),
        returns(root) / "经信局改成发改委.xlsx",
        every_row={"progress": "冒名的进展", "percent": 100, "status": "已完成"},
    )

    def forge(sheet):
        _set_meta(sheet, "unit", "市发改委")
        if forgery == "unit-and-identity-removed":
            sheet.delete_rows(next(r[0].row for r in sheet.iter_rows() if r[0].value == "identity"))

    _edit_identity(copy, forge)
    result = invoke("-w", root, "collect", "--json", root / "out.json", returns(root))
    assert result.exit_code == 1
    assert flat(
        "填报表隐藏的身份信息被修改，与下发给市发改委的2021年6月填报表不符，已拒绝接收，也不会计入任何单位。"
        "请使用下发的原表填报后重新报送"
    ) in flat(result.output)
    files = {Path(f["file"]).name: f for f in json.loads((root / "out.json").read_text(encoding="utf-8"))["files"]}
    assert files[copy.name]["status"] == "rejected"
    assert [p["code"] for p in files[copy.name]["problems"]] == ["form.identity-changed"]
    assert files[genuine.name]["status"] == "accepted" and files[genuine.name]["current"]
    assert "冒名的进展" not in {a.progress for a in stored(root)}
    assert {a.unit for a in stored(root)} == {"市发改委"}


def test_the_return_that_arrived_last_wins_whatever_saved_time_it_claims(root):
    future = good_return(root, "钟快了.xlsx", saved=datetime(2099, 1, 1, 9, 0))
    time.sleep(0.05)  # the genuine correction reaches the folder later
    newer = fill_form(
        form_path(root, "市发改委"),
        returns(root) / "更正.xlsx",
        {"2021-G-001": {"progress": "后到的更正", "percent": 60, "status": "正常推进"}},
        saved=datetime(2021, 6, 24, 9, 0),
    )
    result = invoke("-w", root, "collect", future)
    assert flat("文件记录的保存时间 2099-01-01 ") in flat(result.output)
    assert flat("晚于当前时间，报送单位电脑的时钟可能有误；以收到文件的先后为准") in flat(result.output)
    result = invoke("-w", root, "collect", newer)
    assert "已接收（替代本单位此前的报送）" in flat(result.output)
    assert ledger_rows(root)["2021-G-001"]["最新进展"].value == "后到的更正"


@pytest.mark.parametrize(
    ("completed", "percent", "accepted", "message"),
    [
        (1e300, 50, False, "完成数“1E+300”大得不合常理，请核实后填写实际完成的数量（计量单位见左侧）"),
        (4, "1" + "0" * 300, False, "完成进度“1E+300”超出范围，应在0到100之间"),
        (5000, 50, True, "海曙的指标“建设项目”完成数5000是目标6的833倍，已接收，请与报送单位核实计量单位"),
    ],
)
def test_absurd_numbers_are_refused_or_flagged_and_echoed_readably(root, completed, percent, accepted, message):
    fill_form(
        form_path(root, "海曙区政府"),
        returns(root) / "海曙.xlsx",
        {"2021-M-001": {"progress": "开工6所", "percent": percent, "status": "正常推进"}},
        indicators={"2021-M-001-1": completed},
    )
    result = invoke("-w", root, "collect", returns(root))
    assert result.exit_code == (0 if accepted else 1), result.output
    assert flat(message) in flat(result.output)
    assert "0" * 20 not in result.output


def test_a_workspace_in_a_hidden_folder_collects_and_special_files_are_refused_by_name(base, tmp_path):
    root = tmp_path / ".sync" / "督查"  # a synced or per-user folder: its dot must not hide the returns
    shutil.copytree(base, root)
    good = good_return(root)
    os.mkfifo(returns(root) / "管道.xlsx")
    (returns(root) / "零.xlsx").symlink_to("/dev/zero")
    (returns(root) / ".~隐藏.xlsx").write_bytes(b"not a return")  # hidden below the folder collected: skipped
    result = invoke("-w", root, "collect", "--json", root / "out.json")
    assert result.exit_code == 1, result.output
    text = flat(result.output)
    assert "接收1份，退回2份" in text
    assert flat("该文件是管道（FIFO），不是普通文件，已拒绝读取。请把报送的Excel文件本身放入收集文件夹") in text
    assert flat("该文件是指向工作区以外（/dev/zero）的链接，不是普通文件，已拒绝读取。") in text
    files = {Path(f["file"]).name: f["status"] for f in json.loads((root / "out.json").read_text("utf-8"))["files"]}
    assert files == {good.name: "accepted", "管道.xlsx": "rejected", "零.xlsx": "rejected"}


def test_answers_are_found_by_their_return_through_the_primary_key_alone(tmp_path):
    """Each index costs every answer a collect inserts: the answers tables keep their primary keys only, and the
    queries of a period still find a return's answers through them."""
    with Store(tmp_path / "store.sqlite3") as store:
        indexes = {
            name
            for (name,) in store.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('answers', 'indicator_answers')"
            )
        }
        assert indexes == {"sqlite_autoindex_answers_1", "sqlite_autoindex_indicator_answers_1"}
        for table in ("answers", "indicator_answers"):
            plan = " ".join(
                str(row[3])
                for row in store.conn.execute(
                    f"EXPLAIN QUERY PLAN SELECT * FROM {table} x JOIN returns r ON r.id = x.return_id"
                    " WHERE r.current = 1 AND r.period = ?",
                    ("2021-06",),
                )
            )
            assert f"sqlite_autoindex_{table}_1 (return_id=?)" in plan

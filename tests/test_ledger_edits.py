"""The ledger as the office's master workbook: edits typed in 台账.xlsx are read back and win, bad edits are
reported where they are and kept as typed, conflicts with a revised notice wait for the office."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from reporter.cli import main
from reporter.settings import load_workspace
from reporter.store import Store
from tests.conftest import SAMPLE, SMALL_NOTICE


def invoke(root: Path, *args: str, code: int = 0):
    result = CliRunner().invoke(main, ["--workspace", str(root), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A workspace with the small 2024 notice imported and its ledger written."""
    root = tmp_path / "督查"
    invoke(tmp_path, "init", str(root), "--name", "某县督查")
    (root / "input" / "notices" / "通知.txt").write_text(SMALL_NOTICE, encoding="utf-8")
    invoke(root, "parse", str(root / "input" / "notices" / "通知.txt"))
    invoke(root, "ledger")
    return root


def ledger_path(root: Path) -> Path:
    return root / "output" / "台账.xlsx"


def edit(root: Path, cells: dict[tuple[str, str], object], new_rows: list[dict[str, object]] = (), sheet="工作任务"):
    """Type into the ledger as a clerk would: cells by (task id, column title), new rows at the bottom."""
    path = ledger_path(root)
    wb = load_workbook(path)
    ws = wb[sheet]
    titles = {cell.value: cell.column for cell in ws[2]}
    rows = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    for (task_id, column), value in cells.items():
        ws.cell(rows[task_id], titles[column]).value = value
    for values in new_rows:
        row = ws.max_row + 1
        for column, value in values.items():
            ws.cell(row, titles[column]).value = value
    wb.save(path)


def cells(root: Path, task_id: str, *columns: str, sheet="工作任务") -> list[object]:
    ws = load_workbook(ledger_path(root))[sheet]
    titles = {cell.value: cell.column for cell in ws[2]}
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == task_id)
    return [ws.cell(row, titles[c]).value for c in columns]


def cell(root: Path, task_id: str, column: str, sheet="工作任务"):
    ws = load_workbook(ledger_path(root))[sheet]
    titles = {c.value: c.column for c in ws[2]}
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == task_id)
    return ws.cell(row, titles[column])


def stored(root: Path):
    with Store(load_workspace(root).store_path) as store:
        return {t.id: t for t in store.tasks()}


def test_definition_edits_are_read_back_listed_and_kept_through_a_reparse(small):
    edit(
        small,
        {
            ("2024-G-001", "牵头单位"): "县统计局",
            ("2024-G-001", "配合单位"): "县财政局",
            ("2024-G-002", "任务内容"): "新增规上工业企业60家。",
            ("2024-G-002", "牵头领导"): "王五",
            ("2024-G-003", "完成时限"): "9月底前",
            ("2024-G-003", "板块"): "二、民生保障",
        },
    )
    result = invoke(small, "ledger", "--json", "-")
    payload = json.loads(result.stdout[result.stdout.index("{") :])
    assert [(c["task"], c["column"], c["before"], c["after"]) for c in payload["changes"]] == [
        ("2024-G-001", "牵头单位", "县发改局", "县统计局"),
        ("2024-G-001", "配合单位", "县统计局、县财政局", "县财政局"),
        ("2024-G-002", "任务内容", "新增规上工业企业50家。", "新增规上工业企业60家。"),
        ("2024-G-002", "牵头领导", "李四", "王五"),
        ("2024-G-003", "板块", "二、社会事业", "二、民生保障"),
        ("2024-G-003", "完成时限", "", "9月底前"),
    ]
    assert payload["source"].startswith("台账.xlsx（")
    tasks = stored(small)
    assert (tasks["2024-G-001"].lead_units, tasks["2024-G-001"].cooperating_units) == (["县统计局"], ["县财政局"])
    assert (tasks["2024-G-002"].text, tasks["2024-G-002"].leaders) == ("新增规上工业企业60家。", ["王五"])
    assert [(t.indicator, t.value) for t in tasks["2024-G-002"].targets] == [("规上工业企业", 60)]  # read again
    assert (tasks["2024-G-003"].deadline, tasks["2024-G-003"].section) == ("2024-09-30", "二、民生保障")
    # the next ledger shows the office's values, tinted
    assert cells(small, "2024-G-001", "牵头单位", "配合单位") == ["县统计局", "县财政局"]
    # the fill's RGB: Excel ignores the alpha byte before it (00 from openpyxl, FF from xlsxwriter)
    assert cell(small, "2024-G-001", "牵头单位").fill.fgColor.rgb[-6:] == "DDEBF7"
    assert cells(small, "2024-G-003", "完成时限") == ["2024-09-30"]
    # re-parsing the same notice does not undo them; reading the same ledger again changes nothing
    invoke(small, "parse", str(small / "input" / "notices" / "通知.txt"))
    again = invoke(small, "ledger", "--json", "-")
    assert json.loads(again.stdout[again.stdout.index("{") :])["changes"] == []
    assert stored(small)["2024-G-001"].lead_units == ["县统计局"]
    with Store(load_workspace(small).store_path) as store:
        history = [h for h in store.history("2024-G-001") if h.change == "office-edit"]
        units = {u.unit for u in store.task_units() if u.task_id == "2024-G-001"}
    assert [h.detail.split("（")[0] for h in history] == [
        "牵头单位：县发改局 → 县统计局",
        "配合单位：县统计局、县财政局 → 县财政局",
    ]
    assert units == {"县统计局", "县财政局"}  # who gets a form for the task


def test_what_a_ledger_showed_is_read_from_a_store_of_before_and_saved_anew(small):
    """A store from before migration 13 keeps what the ledger showed as one row per cell: read back as such (only
    the office's edit is found), and kept one JSON document per sheet from the next ledger on."""
    store_path = load_workspace(small).store_path
    with Store(store_path) as store:
        shown = store.ledger_cells()
        assert shown[("工作任务", "2024-G-001", "牵头单位")] == "县发改局"
        with store.transaction():  # as such a store holds them
            store.conn.execute("DELETE FROM ledger_shown")
            store.conn.executemany(
                "INSERT INTO ledger_cells (sheet, task_id, field, value) VALUES (?,?,?,?)",
                [(*key, value) for key, value in shown.items()],
            )
        assert store.ledger_cells() == shown
    edit(small, {("2024-G-001", "牵头单位"): "县统计局"})
    result = invoke(small, "ledger", "--json", "-")
    changes = json.loads(result.stdout[result.stdout.index("{") :])["changes"]
    assert [(c["task"], c["column"], c["after"]) for c in changes] == [("2024-G-001", "牵头单位", "县统计局")]
    with Store(store_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM ledger_cells").fetchone()[0] == 0
        sheets = {row[0] for row in store.conn.execute("SELECT sheet FROM ledger_shown")}
        now = store.ledger_cells()
    assert {"工作任务", "责任单位"} <= sheets
    assert now[("工作任务", "2024-G-001", "牵头单位")] == "县统计局"
    assert {k for k in now if k[0] == "工作任务"} == {
        k for k in shown if k[0] == "工作任务"
    }  # (县发改局 left 责任单位)


def test_a_new_row_becomes_a_task_with_an_id_and_a_form(small):
    text = "新增市场主体2000户。"  # 批示交办
    edit(small, {}, [{"任务内容": text, "牵头领导": "张三", "牵头单位": "县发改局"}])
    result = invoke(small, "ledger")
    assert "新增任务" in result.output and "2024-J-001" in result.output
    task = stored(small)["2024-J-001"]
    assert (task.text, task.leaders, task.lead_units) == (text, ["张三"], ["县发改局"])
    assert [(t.indicator, t.value, t.unit) for t in task.targets] == [("市场主体", 2000, "户")]
    assert cells(small, "2024-J-001", "任务内容", "牵头单位") == [text, "县发改局"]
    invoke(small, "forms", "--period", "2024-06")
    form = next((small / "output" / "forms" / "2024-06").glob("*县发改局*.xlsx"))
    ids = [row[0] for row in load_workbook(form)["填报任务"].iter_rows(min_row=4, values_only=True)]
    assert ids[:2] == ["2024-G-001", "2024-J-001"]


def test_a_stopped_task_gets_no_form_and_keeps_its_reason(small):
    edit(small, {("2024-G-002", "督办状态"): "停止督办", ("2024-G-002", "状态说明"): "县长批示不再督办"})
    invoke(small, "ledger")
    task = stored(small)["2024-G-002"]
    assert (task.supervision, task.supervision_note, task.supervised) == ("停止督办", "县长批示不再督办", False)
    assert cells(small, "2024-G-002", "督办状态", "状态说明") == ["停止督办", "县长批示不再督办"]
    invoke(small, "forms", "--period", "2024-06")
    names = {p.name for p in (small / "output" / "forms" / "2024-06").glob("*.xlsx")}
    assert not any("县经信局" in name for name in names)  # its only task is stopped
    edit(small, {("2024-G-002", "督办状态"): "督办中"})
    invoke(small, "ledger")
    assert stored(small)["2024-G-002"].supervised


@pytest.mark.parametrize(
    ("cells_typed", "where", "message"),
    [
        (
            {("2024-G-001", "牵头单位"): "县不存在局"},
            "第3行 H列 (任务 2024-G-001)",
            "“县不存在局”不是台账“责任单位”表中的单位，修改未采用。如是新单位，请先在通讯录中登记；如是笔误，请改为规范名称",
        ),
        (
            {("2024-G-002", "完成时限"): "尽快"},
            "第4行 L列 (任务 2024-G-002)",
            "完成时限“尽快”无法识别为日期（可写 2024-12-31 或“12月底前”），修改未采用",
        ),
        (
            {("2024-G-003", "督办状态"): "暂停"},
            "第5行 M列 (任务 2024-G-003)",
            "督办状态“暂停”无效，应为：督办中、已销号、停止督办；修改未采用",
        ),
        (
            {("2024-G-003", "督办状态"): "停止督办"},
            "第5行 M列 (任务 2024-G-003)",
            "标为“停止督办”须在“状态说明”中写明原因（如 领导批示、人事调整），修改未采用",
        ),
        ({("2024-G-001", "任务内容"): ""}, "第3行 F列 (任务 2024-G-001)", "“任务内容”不能为空，修改未采用"),
    ],
)
def test_a_bad_edit_is_reported_where_it_is_kept_as_typed_and_the_rest_applied(small, cells_typed, where, message):
    edit(small, {**cells_typed, ("2024-G-001", "牵头领导"): "王五"})
    result = invoke(small, "ledger", "--json", "-", code=1)
    payload = json.loads(result.stdout[result.stdout.index("{") :])
    (problem,) = payload["problems"]
    assert problem["message"] == message
    location = problem["location"]
    assert f"第{location['row']}行 {location['column']}列 (任务 {location['task']})" == where
    assert (location["file"], location["sheet"]) == ("台账.xlsx", "工作任务")
    assert stored(small)["2024-G-001"].leaders == ["王五"]  # the good edit in the same row is applied
    (task_id, column), typed = next(iter(cells_typed.items()))
    kept = cell(small, task_id, column)
    assert (kept.value or "", kept.fill.fgColor.rgb[-6:]) == (typed, "FF9999")  # as typed, in red (RGB)
    assert kept.comment.text == f"未采用：{message}"
    invoke(small, "ledger", "--json", "-", code=1)  # still reported until fixed


def test_duplicate_and_unknown_ids_and_a_deleted_id_column(small):
    path = ledger_path(small)
    wb = load_workbook(path)
    ws = wb["工作任务"]
    ws.cell(4, 1).value = "2024-G-001"  # two rows claim one id
    ws.cell(4, 7).value = "王五"
    wb.save(path)
    result = invoke(small, "ledger", "--json", "-", code=1)
    (problem,) = json.loads(result.stdout[result.stdout.index("{") :])["problems"]
    assert problem["message"] == "编号“2024-G-001”在本表出现了不止一次（另见第3行），这一行的修改未采用"
    assert (problem["location"]["row"], problem["location"]["column"]) == (4, "A")
    wb = load_workbook(path)
    wb["工作任务"].delete_cols(1)
    wb.save(path)
    result = invoke(small, "ledger", "--json", "-", code=1)
    (problem,) = json.loads(result.stdout[result.stdout.index("{") :])["problems"]
    assert problem["message"] == (
        "找不到“任务编号”列（可能被删除或改名），本表的修改未采用。请从 output/备份/ 中找回该列，或恢复表头"
    )
    assert load_workbook(path)["工作任务"]["A2"].value == "任务编号"  # the next ledger has it again
    assert list((small / "output" / "备份").glob("台账-*.xlsx"))


def test_nothing_is_read_or_written_while_the_ledger_is_open(small):
    edit(small, {("2024-G-001", "牵头领导"): "王五"})
    before = ledger_path(small).read_bytes()
    lock = small / "output" / "~$台账.xlsx"
    lock.write_bytes(b"\x00")
    result = invoke(small, "ledger", code=1)
    assert (
        "台账.xlsx 正在被 Excel/WPS 打开（发现锁定文件 ~$台账.xlsx），请保存并关闭台账后再运行；本次未读取也未写入任何内容"
        in (result.output.replace("\n", ""))
    )
    assert ledger_path(small).read_bytes() == before
    assert stored(small)["2024-G-001"].leaders == ["张三"]
    lock.unlink()
    invoke(small, "ledger")
    assert stored(small)["2024-G-001"].leaders == ["王五"]


def revise(root: Path, old: str, new: str) -> None:
    notice = root / "input" / "notices" / "通知.txt"
    notice.write_text(notice.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("choice", ["采用通知", "保留台账"])
def test_a_revised_notice_that_contradicts_an_edit_waits_for_the_office(small, choice):
    edit(small, {("2024-G-001", "牵头单位"): "县统计局"})
    invoke(small, "ledger")
    revise(small, "牵头单位:县发改局", "牵头单位:县财政局")
    result = invoke(small, "run")
    assert "修订后与台账修改不一致" in result.output
    assert stored(small)["2024-G-001"].lead_units == ["县统计局"]  # the office's value is kept
    kept = cell(small, "2024-G-001", "牵头单位")
    assert (kept.value, kept.fill.fgColor.rgb[-6:]) == ("县统计局", "F8CBAD")  # the fill's RGB
    assert kept.comment.text.startswith("修订后的通知写作“县财政局”，此处保留台账的修改。")
    ws = load_workbook(ledger_path(small))["台账修改"]
    assert [c.value for c in ws[3]][:6] == [
        "2024-G-001",
        "牵头单位",
        "县统计局",
        "县发改局",
        "县财政局",
        "待处理：修订后的通知与台账修改不一致",
    ]
    wb = load_workbook(ledger_path(small))
    wb["台账修改"]["G3"].value = choice
    wb.save(ledger_path(small))
    result = invoke(small, "ledger")
    assert choice in result.output
    expected = ["县财政局"] if choice == "采用通知" else ["县统计局"]
    assert stored(small)["2024-G-001"].lead_units == expected
    with Store(load_workspace(small).store_path) as store:
        assert store.conflicts() == []
    assert cell(small, "2024-G-001", "牵头单位").comment is None


def test_a_corrected_percent_is_an_answer_from_the_office(tmp_path):
    root = tmp_path / "宁波"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("output", "*.db", ".reporter*"))
    invoke(root, "run")
    ws = load_workbook(ledger_path(root))["工作任务"]
    titles = {c.value: c.column for c in ws[2]}
    row = next(
        r
        for r in range(3, ws.max_row + 1)
        if ws.cell(r, titles["报送单位"]).value and ws.cell(r, 1).value.startswith("2021")
    )
    task_id, lead = ws.cell(row, 1).value, ws.cell(row, titles["报送单位"]).value
    edit(
        root,
        {(task_id, "完成进度（%）"): 100, (task_id, "状态"): "已完成", (task_id, "最新进展"): "经电话核实，已完成。"},
    )
    result = invoke(root, "ledger")
    assert "进度更正" in result.output
    assert cells(root, task_id, "完成进度（%）", "状态", "亮灯", "报送单位") == [100, "已完成", "绿灯", "市政府督查室"]
    records = load_workbook(ledger_path(root).parent / "报送历史" / "2021-06报送记录.xlsx")["报送记录"]
    rows = [r for r in records.iter_rows(min_row=3, values_only=True) if r[1] == task_id and r[0] == "2021-06"]
    assert [(r[2], r[3], r[5]) for r in rows][-1] == ("市政府督查室", "督查室核实", 100)
    assert any(r[2] == lead for r in rows)  # the unit's own answer is kept beside it


def _uno_python() -> str | None:
    """A Python that can drive LibreOffice (python3-uno), or None."""
    for candidate in ("/usr/bin/python3", shutil.which("python3") or ""):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    return None


def require_uno(what: str) -> str:
    """The Python that drives LibreOffice Calc; without python3-uno the test is skipped here and fails in CI."""
    python = _uno_python()
    if python is None:
        message = f"未安装 python3-uno：无法在 LibreOffice 中编辑{what}（CI 的 .ci/run 会安装）"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return python


def test_cells_typed_in_libreoffice_calc_are_read_back(office, small):
    python = require_uno("台账")
    ws = load_workbook(ledger_path(small))["工作任务"]
    titles = {c.value: c.column_letter for c in ws[2]}
    typed = {
        "工作任务": {
            f"{titles['牵头领导']}3": "王五",
            f"{titles['完成时限']}5": "2024-10-31",
            f"{titles['督办状态']}4": "已销号",
            f"A{ws.max_row + 1}": "",
            f"{titles['任务内容']}{ws.max_row + 1}": "落实县长批示事项。",
            f"{titles['牵头单位']}{ws.max_row + 1}": "县发改局",
        }
    }
    subprocess.run(
        [
            python,
            str(Path(__file__).with_name("lo_edit.py")),
            str(ledger_path(small)),
            str(small / "lo"),
            json.dumps(typed),
        ],
        check=True,
        timeout=240,
    )
    result = invoke(small, "ledger")
    assert "2024-J-001" in result.output
    tasks = stored(small)
    assert (tasks["2024-G-001"].leaders, tasks["2024-G-003"].deadline) == (["王五"], "2024-10-31")
    assert tasks["2024-G-002"].supervision == "已销号"
    assert tasks["2024-J-001"].lead_units == ["县发改局"]


def test_a_ledger_resaved_by_libreoffice_is_read_back(office, small):
    edit(small, {("2024-G-001", "牵头领导"): "王五", ("2024-G-003", "完成时限"): "2024-10-31"})
    folder = small / "lo"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{small / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(folder),
            str(ledger_path(small)),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    shutil.copy(folder / "台账.xlsx", ledger_path(small))
    invoke(small, "ledger")
    tasks = stored(small)
    assert (tasks["2024-G-001"].leaders, tasks["2024-G-003"].deadline) == (["王五"], "2024-10-31")


def set_cell(root: Path, sheet: str, key: str, column: str, value: object) -> None:
    """Type into a row of a summary sheet found by its first cell."""
    wb = load_workbook(ledger_path(root))
    ws = wb[sheet]
    titles = {c.value: c.column for c in ws[2]}
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == key)
    ws.cell(row, titles[column]).value = value
    wb.save(ledger_path(root))


def test_a_unit_merged_in_the_units_sheet_gets_one_form_and_can_be_unmerged(small):
    set_cell(small, "责任单位", "县统计局", "合并到（规范名称）", "县发改局")
    result = invoke(small, "ledger")
    assert "合并单位" in result.output
    task = stored(small)["2024-G-001"]
    assert (task.lead_units, task.cooperating_units) == (["县发改局"], ["县财政局"])
    units = {r[0]: r for r in load_workbook(ledger_path(small))["责任单位"].iter_rows(min_row=3, values_only=True)}
    assert "县统计局" not in units and units["县发改局"][8] == "县统计局"  # 已合并的名称
    invoke(small, "forms", "--period", "2024-06")
    names = {p.name for p in (small / "output" / "forms" / "2024-06").glob("*.xlsx")}
    assert not any("县统计局" in n for n in names) and any("县发改局" in n for n in names)
    with Store(load_workspace(small).store_path) as store:
        assert [h.detail.split("（")[0] for h in store.history() if h.change == "unit-merged"] == [
            "县统计局 并入 县发改局"
        ]
    set_cell(small, "责任单位", "县发改局", "已合并的名称", None)  # the office changes its mind
    assert "取消合并" in invoke(small, "ledger").output
    assert stored(small)["2024-G-001"].cooperating_units == ["县统计局", "县财政局"]


def test_merging_into_an_unknown_unit_is_refused_where_it_was_typed(small):
    set_cell(small, "责任单位", "县统计局", "合并到（规范名称）", "县统计所")
    result = invoke(small, "ledger", "--json", "-", code=1)
    (problem,) = json.loads(result.stdout[result.stdout.index("{") :])["problems"]
    assert problem["location"]["sheet"] == "责任单位" and problem["location"]["column"] == "H"
    assert problem["message"].startswith("“县统计所”不是台账“责任单位”表中的单位，修改未采用。")
    assert stored(small)["2024-G-001"].cooperating_units == ["县统计局", "县财政局"]


def test_a_leader_replaced_in_the_leaders_sheet_changes_all_their_tasks_with_history(small):
    set_cell(small, "牵头领导", "张三", "改为（换人或更名）", "赵六")
    result = invoke(small, "ledger")
    assert "领导调整" in result.output
    tasks = stored(small)
    assert [tasks[i].leaders for i in ("2024-G-001", "2024-G-002", "2024-G-003")] == [["赵六"], ["李四"], ["赵六"]]
    leaders = {r[0]: r for r in load_workbook(ledger_path(small))["牵头领导"].iter_rows(min_row=3, values_only=True)}
    assert "张三" not in leaders and leaders["赵六"][1] == 2 and leaders["赵六"][-1] is None
    with Store(load_workspace(small).store_path) as store:
        history = [h.detail.split("（")[0] for h in store.history("2024-G-003") if h.change == "office-edit"]
    assert history == ["牵头领导：张三 → 赵六"]


def test_contacts_typed_in_the_units_sheet_go_into_the_address_book_and_back(small):
    set_cell(small, "责任单位", "县统计局", "联系人", "周敏")
    set_cell(small, "责任单位", "县统计局", "电子邮箱", "tj@example.cn， tj2@example.cn")
    set_cell(small, "责任单位", "县财政局", "电子邮箱", "czj-at-example")
    result = invoke(small, "ledger", "--json", "-", code=1)
    payload = json.loads(result.stdout[result.stdout.index("{") :])
    assert [(c["column"], c["after"]) for c in payload["changes"]] == [
        ("联系人", "周敏"),
        ("电子邮箱", "tj@example.cn， tj2@example.cn"),
    ]
    (problem,) = payload["problems"]
    assert problem["message"] == "县财政局的电子邮箱“czj-at-example”不是有效的地址，修改未采用（多个地址用分号隔开）"
    book = load_workbook(small / "input" / "通讯录.xlsx")["通讯录"]
    rows = {r[0]: r for r in book.iter_rows(min_row=3, values_only=True)}
    assert rows["县统计局"][:3] == ("县统计局", "周敏", "tj@example.cn；tj2@example.cn")
    units = {r[0]: r for r in load_workbook(ledger_path(small))["责任单位"].iter_rows(min_row=3, values_only=True)}
    assert units["县统计局"][-3:-1] == ("周敏", "tj@example.cn；tj2@example.cn")
    assert units["县财政局"][-2] == "czj-at-example"  # kept as typed, marked, until fixed
    # the address book edited by hand shows in the next ledger
    wb = load_workbook(small / "input" / "通讯录.xlsx")
    ws = wb["通讯录"]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == "县统计局")
    ws.cell(row, 4).value = "0571-12345678"
    wb.save(small / "input" / "通讯录.xlsx")
    set_cell(small, "责任单位", "县财政局", "电子邮箱", "czj@example.cn")
    invoke(small, "ledger")
    units = {r[0]: r for r in load_workbook(ledger_path(small))["责任单位"].iter_rows(min_row=3, values_only=True)}
    assert units["县统计局"][-1] == "0571-12345678" and units["县财政局"][-2] == "czj@example.cn"


def test_near_duplicate_units_merged_in_the_ledger_get_one_form_and_count_once(tmp_path):
    root = tmp_path / "宁波"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("output", "*.db", ".reporter*"))
    invoke(root, "run")
    for name in ("市委组织部（市人才办）", "市委组织部（市委人才办）"):
        set_cell(root, "责任单位", name, "合并到（规范名称）", "市委组织部")
    invoke(root, "run")
    units = {r[0]: r for r in load_workbook(ledger_path(root))["责任单位"].iter_rows(min_row=3, values_only=True)}
    assert [name for name in units if name.startswith("市委组织部")] == ["市委组织部"]
    assert units["市委组织部"][2] == 6 and units["市委组织部"][8] == "市委组织部（市人才办）、市委组织部（市委人才办）"
    status = json.loads(invoke(root, "status", "--json", "-").stdout)
    rows = [u for u in status["units"] if u["unit"].startswith("市委组织部")]
    assert [(u["unit"], u["lead_tasks"], u["returns"]) for u in rows] == [("市委组织部", 3, 2)]  # 3 run in 2021-06
    assert rows[0]["status"] != "未报送"  # its own return and the one sent as 市委组织部（市人才办） count for it
    invoke(root, "forms", "--period", "2021-07")
    names = sorted(p.name for p in (root / "output" / "forms" / "2021-07").glob("市委组织部*.xlsx"))
    assert len(names) == 1 and "人才办" not in names[0]


def summary(root: Path) -> dict[str, int]:
    book = load_workbook(root / "output" / "reports" / "2021-06" / "2021年6月督查汇总表.xlsx")
    return {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=3, values_only=True)}


def test_a_stopped_task_and_a_corrected_light_show_in_the_reports(tmp_path):
    root = tmp_path / "宁波"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("output", "*.db", ".reporter*"))
    invoke(root, "run")
    before = summary(root)
    ws = load_workbook(ledger_path(root))["工作任务"]
    titles = {c.value: c.column for c in ws[2]}
    lit = [ws.cell(r, 1).value for r in range(3, ws.max_row + 1) if ws.cell(r, titles["亮灯"]).value == "红灯"]
    stopped, corrected = lit[0], lit[1]
    edit(
        root,
        {
            (stopped, "督办状态"): "停止督办",
            (stopped, "状态说明"): "市政府常务会议决定不再督办",
            (corrected, "完成进度（%）"): 100,
            (corrected, "状态"): "已完成",
        },
    )
    invoke(root, "run")
    after = summary(root)
    assert after["合计"] == before["合计"] - 1  # one task fewer under supervision
    assert (after["明显滞后"], after["已完成"]) == (before["明显滞后"] - 2, before["已完成"] + 1)
    assert cells(root, stopped, "督办状态", "亮灯") == ["停止督办", None]


CITY_NOTICE = """\
某市人民政府办公室关于印发2024年政府工作报告重点任务分解的通知
2024年政府工作报告重点任务分解
一、经济发展
1.地区生产总值增长6%左右。
牵头领导：张三
牵头单位：市发改委；配合单位：东城区政府、西山县人民政府、高新区管委会
2.新增就业5000人。
牵头领导：李四
牵头单位：市人社局；配合单位：各区县政府
"""


def test_districts_found_in_the_notice_are_proposed_and_confirmed_in_the_ledger(tmp_path):
    root = tmp_path / "某市"
    invoke(tmp_path, "init", str(root), "--name", "某市督查")
    (root / "input" / "notices" / "通知.txt").write_text(CITY_NOTICE, encoding="utf-8")
    invoke(root, "run")
    kinds = {r[0]: r[1] for r in load_workbook(ledger_path(root))["责任单位"].iter_rows(min_row=3, values_only=True)}
    assert {u: kinds[u] for u in ("东城区政府", "西山县人民政府", "高新区管委会", "市发改委")} == {
        "东城区政府": "区县（待确认）",
        "西山县人民政府": "区县（待确认）",
        "高新区管委会": "开发园区（待确认）",
        "市发改委": "部门单位",
    }
    assert {u.unit for u in stored_units(root, "2024-G-002")} == {"市人社局"}  # 各区县政府: no district known yet
    set_cell(root, "责任单位", "东城区政府", "类型", "区县")
    set_cell(root, "责任单位", "西山县人民政府", "类型", "区县")
    set_cell(root, "责任单位", "高新区管委会", "类型", "部门单位")
    config = (root / "reporter.toml").read_text(encoding="utf-8")
    result = invoke(root, "run")
    assert "单位类型" in result.output
    assert {u.unit for u in stored_units(root, "2024-G-002")} == {"市人社局", "东城区政府", "西山县人民政府"}
    kinds = {r[0]: r[1] for r in load_workbook(ledger_path(root))["责任单位"].iter_rows(min_row=3, values_only=True)}
    assert (kinds["东城区政府"], kinds["高新区管委会"]) == ("区县", "部门单位")
    assert (root / "reporter.toml").read_text(encoding="utf-8") == config  # kept in the store, not in the file


def stored_units(root: Path, task_id: str):
    with Store(load_workspace(root).store_path) as store:
        return [u for u in store.task_units() if u.task_id == task_id]


BREAKDOWN_NOTICE = (
    "某市人民政府办公室关于印发2024年民生实事项目责任分解的通知\n2024年民生实事项目任务分解\n一、新建城市书房20家\n"
    "牵头领导：张三\n责任单位：市文广旅局；配合单位：各区县政府\n任务分解\t东城\t西山\t合计\n新建城市书房（家）\t12\t8\t20\n"
)


def test_breakdown_columns_are_proposed_as_the_districts_the_address_book_names(tmp_path):
    from openpyxl import Workbook

    root = tmp_path / "某市"
    invoke(tmp_path, "init", str(root), "--name", "某市督查")
    (root / "input" / "notices" / "通知.txt").write_text(BREAKDOWN_NOTICE, encoding="utf-8")
    book = Workbook()
    sheet = book.active
    sheet.title = "通讯录"
    for row in (
        ["通讯录"],
        ["单位", "联系人", "电子邮箱"],
        ["东城区政府", "李", "dc@example.cn"],
        ["西山县人民政府", "王", "xs@example.cn"],
    ):
        sheet.append(row)
    book.save(root / "input" / "通讯录.xlsx")
    invoke(root, "run")
    units = {r[0]: r for r in load_workbook(ledger_path(root))["责任单位"].iter_rows(min_row=3, values_only=True)}
    assert {u: units[u][1:5] for u in ("东城区政府", "西山县人民政府")} == {
        "东城区政府": ("区县（待确认）", 0, 0, 0),  # listed though no task names it yet
        "西山县人民政府": ("区县（待确认）", 0, 0, 0),
    }
    for unit in ("东城区政府", "西山县人民政府"):
        set_cell(root, "责任单位", unit, "类型", "区县")
    invoke(root, "run")
    project = stored(root)["2024-M-001"]
    assert [(row.values, row.total) for row in project.breakdown] == [({"东城": 12, "西山": 8, "合计": 20}, 20)]
    assert warning_codes(root) == []  # the districts' shares add up to the target; 合计 is not one more share
    invoke(root, "forms", "--period", "2024-06")
    form = next((root / "output" / "forms" / "2024-06").glob("东城区政府*.xlsx"))
    book = load_workbook(form)
    shares = [row for ws in book.worksheets[2:] for row in ws.iter_rows(values_only=True) if "新建城市书房" in row]
    assert shares and 12 in shares[0] and 8 not in shares[0]  # the district's own share of the project
    assert {u.unit for u in stored_units(root, "2024-M-001")} == {"市文广旅局", "东城区政府", "西山县人民政府"}


def warning_codes(root: Path) -> list[str]:
    return [r[1] for r in load_workbook(ledger_path(root))["解析警告"].iter_rows(min_row=3, values_only=True)]


def test_forms_read_the_ledger_first_and_show_the_new_id_in_it(small):
    edit(small, {}, [{"任务内容": "落实县长批示：开展安全生产大检查。", "牵头单位": "县人社局"}])
    result = invoke(small, "forms", "--period", "2024-06")
    assert "新增任务" in result.output
    form = next((small / "output" / "forms" / "2024-06").glob("*县人社局*.xlsx"))
    ids = [row[0] for row in load_workbook(form)["填报任务"].iter_rows(min_row=4, values_only=True) if row[0]]
    assert ids == ["2024-G-003", "2024-J-001"]
    assert cells(small, "2024-J-001", "任务内容") == ["落实县长批示：开展安全生产大检查。"]  # the ledger shows its id
    invoke(small, "forms", "--period", "2024-06")  # read once: no second new task
    assert "2024-J-002" not in stored(small)


def test_forms_are_made_while_the_ledger_is_open_with_a_note(small):
    (small / "output" / "~$台账.xlsx").write_bytes(b"\x00")
    result = invoke(small, "forms", "--period", "2024-06")
    assert "台账.xlsx 正在被 Excel/WPS 打开" in result.output.replace("\n", "")
    assert "填报表按上次读入的台账生成" in result.output.replace("\n", "")
    assert list((small / "output" / "forms" / "2024-06").glob("*.xlsx"))

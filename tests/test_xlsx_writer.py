"""The workbooks we write: the cells our worksheet writes itself come out byte for byte as xlsxwriter writes them."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from xlsxwriter.worksheet import Worksheet

from reporter.io import xlsx
from reporter.io.xlsx import Column, Sheet, write_workbook

ROW: list[object] = [
    "文本",
    1,
    2.5,
    None,
    "",
    True,
    date(2031, 1, 31),
    datetime(2031, 1, 31, 8, 30),
    time(9, 15),
    "<&>\"' 与 ]]>",
    "控制\x01字符",
    1e-7,
    -3,
    float("nan"),
    12345678901234567890.0,
    "  前后空格  ",
    "多行\n文本",
    "长" * 17_000,  # long enough for xlsxwriter to check its length the slow way
    "超长" * 20_000,  # beyond Excel's 32,767 characters: xlsxwriter shortens it
]


def _sheet() -> Sheet:
    return Sheet(
        "台账",
        "标题 <&>",
        [Column(f"列{i}", wrap=i % 2 == 0) for i in range(len(ROW))],
        # short rows, an empty one (its height only) and rows beyond the first 16 (a second block of spans)
        rows=[list(ROW) for _ in range(5)] + [["短行"], []] + [["第二块", 2, None][: i % 3 + 1] for i in range(30)],
        fills={(1, 0): "FF0000", (2, 1): "00FF00"},
        notes={(0, 1): "注 <&>"},
        links={(3, 0): "报送记录/2031-01.xlsx"},
        conditional={2: {"明显滞后": "FF0000"}},
        choices={4: ["是", "否"]},
    )


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:  # the creation time differs between two writes
        return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


def _count_fast_rows(monkeypatch) -> list[int]:
    """A list that grows by one for every row put straight into a sheet's table (``put_row``)."""
    put = xlsx._Worksheet.put_row
    rows: list[int] = []

    def counted_put(self, *args, **kwargs):
        rows.append(1)
        put(self, *args, **kwargs)

    monkeypatch.setattr(xlsx._Worksheet, "put_row", counted_put)
    return rows


def _assert_same_members(fast: dict[str, bytes], reference: dict[str, bytes]) -> None:
    assert fast.keys() == reference.keys()
    for name in fast:
        assert fast[name] == reference[name], name


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "streamed"])
def test_fast_cells_are_the_bytes_xlsxwriter_writes(tmp_path, monkeypatch, streamed):
    if streamed:  # a workbook this large streams its rows: every cell goes through xlsxwriter's own code
        monkeypatch.setattr(xlsx, "LARGE_WORKBOOK_CELLS", 1)
    stock = Worksheet._write_cell
    calls: list[int] = []

    def counted(self, row, col, cell):
        calls.append(1)
        stock(self, row, col, cell)

    monkeypatch.setattr(Worksheet, "_write_cell", counted)
    monkeypatch.setattr(xlsx, "_PREPARED_FORMULAS", {})
    rows = _count_fast_rows(monkeypatch)
    write_workbook(tmp_path / "fast.xlsx", [_sheet()])
    assert (len(rows) > 0) is not streamed  # rows put straight into the sheet's table
    assert any("明显滞后" in formula for formula, _, _ in xlsx._PREPARED_FORMULAS)  # the rule, prepared once
    cells = sum(len(row) for row in _sheet().rows) + 2 * len(ROW)  # the data, the headers and the title
    if streamed:
        assert len(calls) >= cells - len(ROW)  # the merged title row's blanks aside
    else:
        assert 0 < len(calls) < 10  # only the odd cells (a boolean) went the slow way
    calls.clear()
    monkeypatch.setattr(xlsx, "_Worksheet", Worksheet)  # xlsxwriter's own worksheet, every cell its way
    write_workbook(tmp_path / "stock.xlsx", [_sheet()])
    assert len(calls) >= cells - len(ROW)
    _assert_same_members(_members(tmp_path / "fast.xlsx"), _members(tmp_path / "stock.xlsx"))


def test_a_form_written_fast_is_the_form_xlsxwriter_writes(tmp_path, monkeypatch):
    """The forms' task rows go straight into the cell table too (``write_row``): the same bytes as xlsxwriter's."""
    import reporter.io.formbook
    from tests.cycle_helpers import form_path, invoke, make_workspace

    class _Clock(datetime):  # the form's hidden 'created' time: the same in both writes, whatever second it is
        @classmethod
        def now(cls, tz=None):
            return cls(2021, 6, 1, 9, 0, 0)

    monkeypatch.setattr(reporter.io.formbook, "datetime", _Clock)
    root = make_workspace(tmp_path / "ws")
    rows = _count_fast_rows(monkeypatch)
    written = {}
    for name in ("fast", "stock"):
        if name == "stock":
            monkeypatch.setattr(xlsx, "_Worksheet", Worksheet)  # xlsxwriter's own worksheet, every cell its way
        result = invoke("-w", root, "--jobs", "1", "forms", "--period", "2021-06")  # in this process
        assert result.exit_code == 0, result.output
        written[name] = _members(form_path(root, "市发改委"))
        if name == "fast":
            assert rows  # the task rows, put straight into the table
    _assert_same_members(written["fast"], written["stock"])

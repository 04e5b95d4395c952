"""The office's own machines: LibreOffice where Windows installs it, consoles in GBK, paths with spaces and Chinese
characters, file names Windows accepts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from reporter.errors import ConfigError
from reporter.io import office
from reporter.text import safe_file_stem
from tests.cycle_helpers import fill_form, form_path, invoke, make_workspace


def _program(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_office_on_path(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)


@pytest.mark.parametrize("variable", ["ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA"])
def test_libreoffice_is_found_where_windows_installs_it(tmp_path, no_office_on_path, variable):
    """Not on the PATH (the installer does not put it there): under Program Files, even in a folder whose name has
    spaces and Chinese characters."""
    root = tmp_path / "程序 文件 (x86)"
    program = _program(root / "LibreOffice" / "program" / "soffice.exe")
    assert office.find_office({variable: str(root)}, windows=True) == str(program)
    assert office.find_office({"ProgramFiles": str(tmp_path / "无")}, windows=True) is None


@pytest.mark.parametrize("folder_only", [False, True])
def test_reporter_soffice_names_the_program_or_its_folder(tmp_path, no_office_on_path, folder_only):
    program = _program(tmp_path / "Libre Office 7" / "program" / "soffice.exe")
    named = program.parent if folder_only else program
    assert office.find_office({"REPORTER_SOFFICE": f'"{named}"'}, windows=True) == str(program)


def test_reporter_soffice_naming_no_file_is_said_not_ignored(tmp_path):
    missing = tmp_path / "无此程序" / "soffice.exe"
    with pytest.raises(ConfigError) as caught:
        office.find_office({"REPORTER_SOFFICE": str(missing)}, windows=True)
    assert str(caught.value) == (
        f"环境变量 REPORTER_SOFFICE 指向的 {missing} 不存在：请改为 soffice 的完整路径"
        "（如 C:\\Program Files\\LibreOffice\\program\\soffice.exe），或删除该变量"
    )


def test_a_wrong_reporter_soffice_stops_report_pdf_with_that_line(tmp_path, monkeypatch):
    root = make_workspace(tmp_path / "ws")
    monkeypatch.setenv("REPORTER_SOFFICE", str(tmp_path / "soffice.exe"))
    result = invoke("-w", root, "report", "--pdf")
    assert result.exit_code == 1
    assert "环境变量 REPORTER_SOFFICE 指向的" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("市发改委", "市发改委"),
        ("市委/市政府办公厅", "市委_市政府办公厅"),
        ('区"教育"局: 二组?', "区_教育_局_ 二组_"),
        ("  市统计局. ", "市统计局"),
        ("CON", "_CON"),
        ("com1.局", "_com1.局"),
        ("...", "未命名单位"),
        ("局" * 100, "局" * 80),
    ],
)
def test_file_names_windows_accepts(name, stem):
    assert safe_file_stem(name, "未命名单位") == stem


def test_console_in_gbk_shows_what_it_cannot_encode_as_a_question_mark(tmp_path):
    """A Windows console or a redirected output in GBK: a character outside GBK does not stop the command."""
    environment = {**os.environ, "PYTHONIOENCODING": "gbk"}
    completed = subprocess.run(
        [sys.executable, "-m", "reporter", "init", "督查😀"],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr.decode("gbk", "replace")
    assert completed.stdout.decode("gbk").splitlines()[0] == "已新建工作区：督查?"
    assert (tmp_path / "督查😀" / "reporter.toml").is_file()


def test_a_workspace_under_a_path_with_spaces_and_chinese_characters_runs_the_month(tmp_path):
    root = make_workspace(tmp_path / "D 盘" / "2021年 督查（政府工作报告）")
    assert invoke("-w", root, "forms", "--period", "2021-06").exit_code == 0
    source = form_path(root, "市发改委")
    assert source.is_file()
    fill_form(
        source, root / "input" / "returns" / "2021-06" / "发改委 报送（6月）.xlsx", every_row={"progress": "按计划推进"}
    )
    result = invoke("-w", root, "run", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(root / "output" / "台账.xlsx", read_only=True)["工作任务"]
    rows = [[str(v or "") for v in row] for row in sheet.iter_rows(values_only=True)]
    lead = [row for row in rows if "市发改委" in row]
    assert lead and all(any("按计划推进" in v for v in row) for row in lead)

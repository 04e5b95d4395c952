"""Every command through click's CliRunner: exit codes, Chinese messages, JSON equal to the library result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.notices.units import UnitDirectory
from reporter.operations import parse_files
from reporter.store import Store
from tests.conftest import NOTICE_2019, NOTICE_2021


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def flat(output: str) -> str:
    """Output with table borders and line folding removed, so a message can be searched whole."""
    return "".join(ch for ch in output if not ch.isspace() and ch not in "│┃")


def test_parse_json_equals_library(tmp_path, workspace):
    notice = workspace / "input" / "notices" / NOTICE_2021
    out = tmp_path / "2021.json"
    result = invoke("--workspace", str(workspace), "parse", str(notice), "--json", str(out), "--no-store")
    assert result.exit_code == 0, result.output
    assert "甬政办发〔2021〕14号" in result.output
    from reporter.settings import load_workspace

    expected = parse_files([notice], load_workspace(workspace).directory()).outcomes[0].notice.to_dict()
    assert json.loads(out.read_text(encoding="utf-8")) == expected
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"notice", "tasks", "warnings"}
    assert set(data["tasks"][0]) >= {
        "id",
        "kind",
        "part",
        "section",
        "number",
        "text",
        "leaders",
        "leader_label",
        "lead_units",
        "cooperating_units",
        "collective_units",
        "responsible_persons",
        "target_text",
        "targets",
        "breakdown",
        "warnings",
    }


def test_parse_several_files_to_stdout_outside_workspace(tmp_path, workspace, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = [str(workspace / "input" / "notices" / n) for n in (NOTICE_2019, NOTICE_2021)]
    result = CliRunner().invoke(main, ["parse", *files, "--json", "-"], catch_exceptions=False)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    expected = parse_files([Path(f) for f in files], UnitDirectory()).outcomes
    assert [d["notice"]["code"] for d in data] == ["2019", "2021"]
    assert data == [o.notice.to_dict() for o in expected]


def test_parse_unreadable_files_exit_1_and_go_on(tmp_path, workspace):
    missing = tmp_path / "不存在.txt"
    binary = tmp_path / "扫描件.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 10)
    word = tmp_path / "通知.docx"
    word.write_bytes(b"PK\x03\x04")
    good = workspace / "input" / "notices" / NOTICE_2019
    result = invoke("--workspace", str(workspace), "parse", str(missing), str(binary), str(word), str(good))
    assert result.exit_code == 1
    assert "不存在.txt：文件不存在" in flat(result.output)
    assert "扫描件.txt：这不是文本文件" in flat(result.output)
    assert "通知.docx：无法打开（文件已损坏，或不是Word2007及以上的.docx）" in flat(result.output)
    assert "187" in result.output  # the good file was still parsed
    assert "Traceback" not in result.output


def test_usage_errors_exit_2():
    assert invoke("parse").exit_code == 2
    assert invoke("no-such-command").exit_code == 2


def test_init_creates_workspace_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "新工作区"
    result = invoke("init", str(target), "--name", "某县督查")
    assert result.exit_code == 0
    config = (target / "reporter.toml").read_text(encoding="utf-8")
    assert 'name = "某县督查"' in config and "# 各区县（市）与开发园区" in config
    assert (target / "input" / "notices").is_dir() and (target / "output").is_dir()
    again = invoke("init", str(target))
    assert again.exit_code == 1 and "已经是 reporter 工作区" in again.output


def test_not_a_workspace_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run")
    assert result.exit_code == 1
    assert "当前文件夹不是 reporter 工作区（未找到 reporter.toml）" in result.output


def test_bad_config_message(tmp_path):
    (tmp_path / "reporter.toml").write_text("[workspace\nname = 1", encoding="utf-8")
    result = invoke("--workspace", str(tmp_path), "run")
    assert result.exit_code == 1 and "reporter.toml 格式错误" in result.output


def test_ledger_before_any_notice(tmp_path):
    invoke("init", str(tmp_path / "ws"))
    result = invoke("--workspace", str(tmp_path / "ws"), "ledger")
    assert result.exit_code == 1 and "工作区中还没有任务" in result.output


def test_run_is_idempotent_and_reports_revisions(workspace):
    first = invoke("--workspace", str(workspace), "run")
    assert first.exit_code == 0, first.output
    assert "新导入" in first.output and "已生成台账" in first.output
    assert (workspace / "output" / "台账.xlsx").is_file()
    second = invoke("--workspace", str(workspace), "run")
    assert second.exit_code == 0 and "无变化" in second.output and "原台账已备份为" not in second.output
    assert "台账和报告已是最新" in flat(second.output)  # nothing changed: nothing written again

    path = workspace / "input" / "notices" / NOTICE_2021
    text = path.read_text(encoding="utf-8")
    text = text.replace("1. 地区生产总值增长 7%。", "1. 地区生产总值增长 7.5%。")
    text = text.replace(
        "牵头单位：市科技局；配合单位：宁波市税务局", "牵头单位：市科技局、市经信局；配合单位：宁波市税务局"
    )
    path.write_text(text, encoding="utf-8")
    third = invoke("--workspace", str(workspace), "run")
    assert third.exit_code == 0
    assert "已更新" in third.output and "任务内容修改" in third.output and "责任单位变更" in third.output
    with Store(workspace / ".reporter" / "store.sqlite3") as store:
        history = store.history("2021-G2-001")
        assert [h.change for h in history] == ["added", "reworded"]
        assert (history[-1].before or {})["text"] == "地区生产总值增长7%。"
        task = next(t for t in store.tasks() if t.id == "2021-G2-001")
        assert task.text == "地区生产总值增长7.5%。"


def test_removed_task_is_kept_in_history(workspace):
    assert invoke("--workspace", str(workspace), "run").exit_code == 0
    path = workspace / "input" / "notices" / NOTICE_2019
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("187.深化扫黑除恶专项斗争,构建立体化、信息化社会治安防控体系,打造最具安全感的城市。")
    path.write_text("\n".join(lines[:start] + lines[start + 6 :]), encoding="utf-8")
    result = invoke("--workspace", str(workspace), "run")
    assert "删除任务" in result.output and "2019-G-187" in result.output
    with Store(workspace / ".reporter" / "store.sqlite3") as store:
        assert "2019-G-187" not in {t.id for t in store.tasks()}
        assert [h.change for h in store.history("2019-G-187")] == ["added", "removed"]


def test_run_with_one_bad_notice_exits_1_but_writes_ledger(workspace):
    (workspace / "input" / "notices" / "损坏.txt").write_bytes(b"\xff\xfe\x00\xd8")
    result = invoke("--workspace", str(workspace), "run")
    assert result.exit_code == 1
    assert (
        "无法解析" in result.output
        and "损坏.txt：文件按utf-16编码无法读取" in flat(result.output)
        and (workspace / "output" / "台账.xlsx").is_file()
    )


def test_debug_shows_traceback_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    quiet = CliRunner().invoke(main, ["ledger"])
    loud = CliRunner().invoke(main, ["--debug", "ledger"])
    assert "Traceback" not in quiet.output
    assert "Traceback" in loud.output


def test_every_command_has_help_and_readme_entry():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help and "示例" in command.help, name
        assert f"reporter {name}" in readme, name
        assert invoke(name, "--help").exit_code == 0


def test_notice_without_tasks_says_what_was_looked_for_and_what_was_seen(tmp_path):
    notice = tmp_path / "某县通知.txt"
    notice.write_text(
        "某县人民政府关于印发工作要点的通知\n\n各乡镇人民政府：现将工作要点印发给你们。\n", encoding="utf-8"
    )
    result = invoke("parse", str(notice), "--no-store")
    assert result.exit_code == 1
    text = flat(result.output)
    assert "某县通知.txt：没有识别出任何任务。查找的是“1.”“（一）”式编号的任务" in text
    assert "开头几行是：“某县人民政府关于印发工作要点的通知”/“各乡镇人民政府：现将工作要点印发给你们。”" in text
    assert "整理成Excel（.xlsx，表头写序号、工作任务、牵头领导、牵头单位、配合单位）" in text
    assert "Traceback" not in result.output


def test_run_does_not_parse_an_unchanged_notice_again(tmp_path, monkeypatch):
    from tests.cycle_helpers import invoke, make_workspace

    root = make_workspace(tmp_path / "ws")
    first = invoke("-w", root, "run")  # parses, unless the notice was imported already
    assert first.exit_code == 0, first.output
    import reporter.operations

    parsed: list[str] = []
    original = reporter.operations.parse_file

    def counting(path, *args, **kwargs):
        parsed.append(path.name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(reporter.operations, "parse_file", counting)
    again = invoke("-w", root, "run")
    assert again.exit_code == 0, again.output
    assert parsed == [] and "无变化（未重新解析）" in flat(again.output)
    assert "工作任务" in flat(again.output)
    # the workspace's parse settings changed (a district added): parsed again
    with (root / "reporter.toml").open("a", encoding="utf-8") as config:
        config.write('\n[[districts]]\nname = "鄞州区"\nshort = "鄞州"\n')
    assert invoke("-w", root, "run").exit_code == 0
    assert len(parsed) == 1
    # the notice itself changed: parsed again, and its change is reported
    notice = next((root / "input" / "notices").iterdir())
    notice.write_text(notice.read_text(encoding="utf-8").replace("增长7%左右", "增长7.5%左右"), encoding="utf-8")
    result = invoke("-w", root, "run")
    assert len(parsed) == 2 and "已更新" in flat(result.output)
    # `reporter parse` always parses
    assert invoke("-w", root, "parse", notice).exit_code == 0
    assert len(parsed) == 3


def test_run_loads_the_report_modules_while_the_returns_are_read_and_not_when_none_is_new(tmp_path, monkeypatch):
    import threading

    import reporter.operations
    from tests.cycle_helpers import fill_form, form_path, invoke, make_workspace, with_forms

    root = with_forms(make_workspace(tmp_path / "ws"), ("2021-06",))
    fill_form(form_path(root, "市发改委"), root / "input" / "returns" / "2021-06" / "发改委.xlsx", {})
    loaded: list[str] = []
    original = reporter.operations._load_report_modules

    def loading() -> None:
        loaded.append(threading.current_thread().name)
        original()

    monkeypatch.setattr(reporter.operations, "_load_report_modules", loading)
    result = invoke("-w", root, "run")
    assert result.exit_code == 0, result.output
    assert "已生成台账" in flat(result.output) and len(loaded) == 1
    assert loaded[0] != threading.main_thread().name  # beside the readers, not before or after them
    again = invoke("-w", root, "run")
    assert again.exit_code == 0 and len(loaded) == 1  # nothing new to read: nothing loaded beside


def test_a_run_with_nothing_changed_writes_nothing_and_a_change_writes_again(tmp_path):
    from tests.cycle_helpers import fill_form, form_path, invoke, make_workspace

    root = make_workspace(tmp_path / "ws")
    assert invoke("-w", root, "forms", "--period", "2021-06").exit_code == 0
    assert invoke("-w", root, "run").exit_code == 0
    ledger = root / "output" / "台账.xlsx"
    brief = root / "output" / "reports" / "2021-06" / "2021年6月目标任务督查通报.docx"
    stamps = (ledger.stat().st_mtime_ns, brief.stat().st_mtime_ns)
    again = invoke("-w", root, "run")
    assert again.exit_code == 0 and "台账和报告已是最新" in flat(again.output)
    assert (ledger.stat().st_mtime_ns, brief.stat().st_mtime_ns) == stamps
    brief.unlink()  # an output deleted: written again
    assert "台账和报告已是最新" not in flat(invoke("-w", root, "run").output) and brief.exists()
    assert "台账和报告已是最新" in flat(invoke("-w", root, "run").output)
    # a new return arrives
    fill_form(
        form_path(root, "市发改委"),
        root / "input" / "returns" / "2021-06" / "a.xlsx",
        {"2021-G-001": {"progress": "新进展", "percent": 50, "status": "正常推进"}},
    )
    result = invoke("-w", root, "run")
    assert "接收1份" in flat(result.output) and "台账和报告已是最新" not in flat(result.output)
    # the settings change (the office's name in reporter.toml)
    config = root / "reporter.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("市政府督查室", "县政府督查室"), encoding="utf-8")
    assert "台账和报告已是最新" not in flat(invoke("-w", root, "run").output)
    assert "县政府督查室" in "".join(p.text for p in __import__("docx").Document(brief).paragraphs)
    # other options than last time
    assert "台账和报告已是最新" not in flat(invoke("-w", root, "run", "--date", "2021-06-28").output)
    assert "台账和报告已是最新" in flat(invoke("-w", root, "run", "--date", "2021-06-28").output)


@pytest.mark.parametrize(
    ("args", "code", "stdout", "stderr"),
    [
        (["--version"], 0, "reporter, version", ""),
        (
            ["-w", "{missing}", "status"],
            1,
            "",
            "错误：{missing} 不是 reporter 工作区：缺少 reporter.toml（可用 reporter init 新建）",
        ),
        (["-w", "{missing}", "no-such-command"], 2, "", "'no-such-command'"),
    ],
)
def test_the_command_ends_with_its_exit_code_and_all_its_output_written(tmp_path, args, code, stdout, stderr):
    """The process ends without tearing its modules down (``cli.entry``): its output through a pipe (buffered) is
    all there, and its exit code is the command's."""
    missing = str(tmp_path / "没有的工作区")
    completed = subprocess.run(
        [sys.executable, "-m", "reporter", *(a.format(missing=missing) for a in args)],
        capture_output=True,
        cwd=Path(__file__).resolve().parent.parent,  # this checkout's reporter package
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )
    assert completed.returncode == code
    assert stdout.format(missing=missing) in completed.stdout.decode("utf-8")
    assert flat(stderr.format(missing=missing)) in flat(completed.stderr.decode("utf-8"))


def test_a_command_with_workers_leaves_nothing_in_the_temporary_folder(tmp_path):
    """The fork server's socket lives in a folder multiprocessing makes (``pymp-…``) and removes at exit; the
    command ends without the interpreter's teardown, but with its exit functions, so nothing is left behind."""
    from tests.cycle_helpers import make_workspace

    root = make_workspace(tmp_path / "ws")
    temp = tmp_path / "temp"
    temp.mkdir()
    completed = subprocess.run(
        [sys.executable, "-m", "reporter", "-w", str(root), "--jobs", "2", "forms"],
        capture_output=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "TMPDIR": str(temp)},
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr.decode("utf-8")
    assert (root / "output" / "forms").is_dir()
    assert list(temp.iterdir()) == []


def test_workers_import_our_modules_whatever_folder_the_command_runs_in(tmp_path):
    """The office runs ``reporter`` from any folder; one holding a ``reporter`` package of its own (another version's
    checkout) or a ``docx.py`` must not be imported by the workers instead of ours."""
    from tests.cycle_helpers import fill_form, form_path, make_workspace, with_forms

    root = with_forms(make_workspace(tmp_path / "ws"), ("2021-06",))
    fill_form(form_path(root, "市发改委"), root / "input" / "returns" / "2021-06" / "发改委.xlsx", {})
    elsewhere = tmp_path / "elsewhere"
    for shadow in ("reporter/__init__.py", "reporter/forms/__init__.py", "docx/__init__.py"):
        (elsewhere / shadow).parent.mkdir(parents=True, exist_ok=True)
        (elsewhere / shadow).write_text("raise RuntimeError('imported from the current folder')\n", encoding="utf-8")
    command = Path(sys.executable).parent / ("reporter.exe" if sys.platform == "win32" else "reporter")
    completed = subprocess.run(
        [str(command), "-w", str(root), "--jobs", "2", "run"],
        capture_output=True,
        cwd=elsewhere,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
    )
    output = completed.stdout.decode("utf-8") + completed.stderr.decode("utf-8")
    assert completed.returncode == 0, output
    assert "接收1份" in output
    assert (root / "output" / "reports" / "2021-06").is_dir()

"""Nothing lost, no one trusted who should not be: the workspace lock, temporary files, faults and kills."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reporter import lock as lock_module
from reporter.io import xlsx
from tests.cycle_helpers import copy_workspace, fill_form, form_path, invoke, make_workspace, with_forms

UNITS = ["市发改委", "市经信局", "市人社局", "市教育局", "市统计局", "市财政局"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A workspace with the 2021-06 forms, and each unit's filled return in input/returns/2021-06/."""
    root = with_forms(make_workspace(tmp_path_factory.mktemp("base") / "ws"), ("2021-06",))
    for unit in UNITS:
        fill_form(
            form_path(root, unit),
            root / "input" / "returns" / "2021-06" / f"{unit}.xlsx",
            every_row={"progress": f"{unit}的进展", "percent": 50, "status": "正常推进"},
        )
    return root


@pytest.fixture
def root(base, tmp_path) -> Path:
    return copy_workspace(base, tmp_path)


def reporter_process(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "reporter", "-w", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,  # this checkout's reporter package
    )


HOLD = """
import sys, time
from pathlib import Path
from reporter.lock import workspace_lock
from reporter.settings import load_workspace
with workspace_lock(load_workspace(Path(sys.argv[1])), "reporter collect"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_lock(root: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root), str(seconds)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def store_counts(root: Path) -> tuple[int, int]:
    connection = sqlite3.connect(root / ".reporter" / "store.sqlite3")
    try:
        returns = connection.execute("SELECT COUNT(*) FROM returns").fetchone()[0]
        answers = connection.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        problems = connection.execute("PRAGMA integrity_check").fetchone()[0]
        assert problems == "ok"
        assert (
            connection.execute("SELECT COUNT(*) FROM returns GROUP BY unit, period HAVING SUM(current) != 1").fetchall()
            == []
        )
        return returns, answers
    finally:
        connection.close()


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*.tmp")]


# -- 1. the workspace lock -------------------------------------------------------------------------------------


def test_a_writing_command_waits_then_names_the_holder(root, monkeypatch):
    monkeypatch.setattr(lock_module, "WAIT_SECONDS", 0.5)
    holder = hold_lock(root, 30)
    try:
        result = invoke("-w", root, "collect")
        assert result.exit_code == 1
        text = " ".join(result.output.split())
        assert f"正被reporter collect（进程 {holder.pid}，计算机 " in text
        assert "使用，等待0.5秒后仍未结束。请等它运行完毕后再试" in text
        assert invoke("-w", root, "status").exit_code in (0, 1)  # reading needs no lock
        assert "正被" not in invoke("-w", root, "status").output
    finally:
        holder.kill()
        holder.wait()
    assert invoke("-w", root, "collect").exit_code == 0  # the lock died with its holder


def test_a_run_killed_while_holding_the_workspace_is_taken_over_with_a_note(root):
    holder = hold_lock(root, 60)
    leftover = root / "output" / ".台账.xlsx.k3j2h1.tmp"
    leftover.write_bytes(b"half a workbook")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    result = invoke("-w", root, "ledger")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"注意：上次运行的reporter collect（进程 {holder.pid}，" in text
    assert "未正常结束（可能被强行关闭），已清理其遗留的1个临时文件。已收集的数据完整，需要时请重新运行该命令" in text
    assert not leftover.exists()
    assert not (root / ".reporter" / "lock.json").exists()  # released when the command ended
    assert "上次运行" not in invoke("-w", root, "ledger").output


def test_two_collects_and_two_reports_at_once_never_fail_with_an_internal_error(root):
    for command in (["collect"], ["report"]):
        first, second = reporter_process(root, *command), reporter_process(root, *command)
        outputs = [process.communicate(timeout=300) for process in (first, second)]
        for process, (out, err) in zip((first, second), outputs, strict=True):
            text = (out + err).decode("utf-8")
            assert "内部错误" not in text and "Traceback" not in text, text
            assert process.returncode == 0 or "正被reporter " in " ".join(text.split()), text
    assert store_counts(root)[0] == len(UNITS)  # every return once, none twice
    assert leftovers(root) == []


# -- 5. faults: one Chinese line, exit 1, the store untouched ----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "remedy"),
    [
        (errno.ENOSPC, "磁盘空间不足，请清理磁盘后重试"),
        (errno.EROFS, "所在磁盘或文件夹是只读的，请把工作区放到可写的位置"),
        (errno.EACCES, "没有写入权限（文件夹只读，或文件正被 Excel/WPS/Word 打开），请检查权限或关闭文件后重试"),
        (errno.ENAMETOOLONG, "路径过长，请把工作区放到较短的路径下（如 D:\\督查）"),
    ],
)
def test_a_failing_disk_gives_one_line_naming_the_file_and_leaves_the_store_as_it_was(root, monkeypatch, code, remedy):
    assert invoke("-w", root, "collect").exit_code == 0
    before = store_counts(root)
    database = root / ".reporter" / "store.sqlite3"
    meta_before = sqlite3.connect(database).execute("SELECT key, value FROM ledger_meta ORDER BY key").fetchall()

    def failing_close(self):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(xlsx.Book, "close", failing_close)
    result = invoke("-w", root, "ledger")
    assert result.exit_code == 1
    message = "".join(result.output.splitlines()).split("错误：")[-1]  # the last line, unwrapped
    assert message == f"无法写入 {root / 'output' / '台账.xlsx'}：{remedy}"
    assert "Traceback" not in result.output and "内部错误" not in result.output
    assert store_counts(root) == before
    meta_after = sqlite3.connect(database).execute("SELECT key, value FROM ledger_meta ORDER BY key").fetchall()
    assert meta_after == meta_before
    assert leftovers(root) == []


# -- kills at random points of a collect -------------------------------------------------------------------------


READY = """
import sys
from reporter.cli import main
print("ready", flush=True)
sys.stdin.readline()
main(["-w", sys.argv[1], "collect"])
"""


def ready_collect(root: Path) -> subprocess.Popen:
    """A `reporter collect` with its imports done, waiting for a line on stdin to start."""
    process = spawn_collect(root)
    wait_ready(process)
    return process


def wait_ready(process: subprocess.Popen) -> None:
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"


def spawn_collect(root: Path) -> subprocess.Popen:
    """A `reporter collect` that imports, says ``ready`` and waits for a line on stdin to start."""
    temporary = root.parent / "temporary"  # a killed collect cannot remove its multiprocessing folder (pymp-…)
    temporary.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-c", READY, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "TMPDIR": str(temporary)},
        text=True,
    )


def start(process: subprocess.Popen) -> None:
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()


def reset_returns(root: Path) -> None:
    shutil.rmtree(root / ".reporter" / "archive", ignore_errors=True)
    connection = sqlite3.connect(root / ".reporter" / "store.sqlite3")
    with connection:
        for table in ("answers", "indicator_answers", "returns"):
            connection.execute(f"DELETE FROM {table}")
    connection.close()


@pytest.mark.slow
def test_a_collect_killed_at_random_points_leaves_a_consistent_store_and_a_complete_rerun(root):
    """100 SIGKILLs at random moments of `reporter collect` (imports done, so that every kill lands in the work):
    the store stays consistent (integrity check, one current return per unit and period, no answer without its
    return), and a final collect completes it with no temporary file left."""
    rng = random.Random(16)
    durations = []
    for _ in range(2):  # how long the collect of the batch takes here, once its imports are done
        reset_returns(root)
        process = ready_collect(root)
        started = time.monotonic()
        start(process)
        process.wait(timeout=300)
        durations.append(time.monotonic() - started)
    reset_returns(root)
    typical = min(durations)  # the whole batch (the first run also writes the ledger anew: longer)
    remaining = len(UNITS)
    kills, waiting = 0, spawn_collect(root)
    began = time.monotonic()
    while kills < 100:
        process, waiting = waiting, None
        wait_ready(process)
        start(process)
        waiting = spawn_collect(root)  # the next one imports while this one works
        # a kill at any point of this run's work: it has the files a killed run left to merge, and the ledger
        time.sleep(rng.uniform(0, typical * max(0.3, remaining / len(UNITS))))
        if process.poll() is None:
            process.kill()
            kills += 1
            print(f"kill {kills} after {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
        else:  # it finished before the kill: it must have succeeded (a failing collect would never be killed)
            assert process.wait() == 0
        process.wait()  # not communicate(): a killed collect's reader processes may still hold its stdout open
        assert process.stdout is not None
        process.stdout.close()
        returns, _ = store_counts(root)
        assert returns <= len(UNITS)
        connection = sqlite3.connect(root / ".reporter" / "store.sqlite3")
        orphans = connection.execute(
            "SELECT COUNT(*) FROM answers WHERE return_id NOT IN (SELECT id FROM returns)"
        ).fetchone()[0]
        connection.close()
        assert orphans == 0
        if returns == len(UNITS):  # everything got in before the kill: start the batch again from nothing
            reset_returns(root)
            returns = 0
        remaining = len(UNITS) - returns
    waiting.kill()
    waiting.wait()
    result = invoke("-w", root, "collect")
    assert result.exit_code == 0, result.output
    assert store_counts(root)[0] == len(UNITS)
    assert leftovers(root) == []
    assert not (root / ".reporter" / "lock.json").exists()


def test_a_batch_keeps_the_steps_done_before_one_fails(tmp_path):
    """Collecting commits once a second, not per file: a file that fails is undone alone, and the files merged
    before it are kept, whether the batch goes on or stops there."""
    from reporter.store.database import Database

    path = tmp_path / "store.sqlite3"
    with Database(path) as database:
        database.conn.execute("CREATE TABLE t (x INTEGER)")
        with pytest.raises(RuntimeError), database.batch(seconds=3600) as step_done:
            for x in (1, 2, 3):
                with database.transaction():
                    database.conn.execute("INSERT INTO t VALUES (?)", (x,))
                    if x == 3:
                        raise RuntimeError("a file that fails")
                step_done()
    with sqlite3.connect(path) as other:  # what another process sees
        assert [x for (x,) in other.execute("SELECT x FROM t ORDER BY x")] == [1, 2]


def test_a_batch_commits_as_it_goes(tmp_path):
    from reporter.store.database import Database

    path = tmp_path / "store.sqlite3"
    with Database(path) as database:
        database.conn.execute("CREATE TABLE t (x INTEGER)")
        with database.batch(seconds=0) as step_done:
            with database.transaction():
                database.conn.execute("INSERT INTO t VALUES (1)")
            step_done()
            with sqlite3.connect(path) as other:  # committed already, while the batch goes on
                assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 1
            with database.transaction():
                database.conn.execute("INSERT INTO t VALUES (2)")
            with sqlite3.connect(path) as other:  # not yet
                assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 1

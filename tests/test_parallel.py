"""Files written by worker processes: the same files as one by one, in order, and errors raised in the parent."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from reporter.errors import OutputError
from reporter.parallel import WorkerFailure, in_background, isolated_map, parallel_map, parallel_stream
from tests.cycle_helpers import invoke, make_workspace


def _square(value: int) -> int:
    if value == 13:
        raise OutputError("无法写入第13个文件")
    return value * value


def test_results_in_order_and_the_first_error_raised():
    assert list(parallel_map(_square, list(range(12)), jobs=2)) == [v * v for v in range(12)]
    assert list(parallel_map(_square, [3, 4], jobs=2)) == [9, 16]  # few items: serial
    with pytest.raises(OutputError, match="无法写入第13个文件"):
        list(parallel_map(_square, list(range(20)), jobs=2))


def test_streamed_items_are_sent_as_made_and_come_back_in_order():
    made: list[int] = []

    def items(count: int):
        for value in range(count):
            made.append(value)
            yield value

    assert list(parallel_stream(_square, items(12), 12, jobs=2)) == [v * v for v in range(12)]
    assert made == list(range(12))
    assert list(parallel_stream(_square, items(2), 2, jobs=2)) == [0, 1]  # few items: serial
    with pytest.raises(OutputError, match="无法写入第13个文件"):
        list(parallel_stream(_square, items(20), 20, jobs=2))


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_callers_own_work_is_done_while_the_workers_finish(jobs):
    done: list[str] = []
    results = parallel_stream(_square, iter(range(12)), 12, jobs=jobs, meanwhile=lambda: done.append("台账"))
    assert list(results) == [v * v for v in range(12)]
    assert done == ["台账"]

    def locked() -> None:
        raise OutputError("台账.xlsx 正被其他程序打开")

    with pytest.raises(OutputError, match=r"台账\.xlsx 正被其他程序打开"):
        list(parallel_stream(_square, iter(range(12)), 12, jobs=jobs, meanwhile=locked))


def test_background_work_runs_in_a_thread_and_its_error_is_dropped():
    import threading

    done = threading.Event()
    threads: list[str] = []

    def work() -> None:
        threads.append(threading.current_thread().name)
        done.set()

    def broken() -> None:
        raise ImportError("No module named 'pandas'")

    in_background(broken)  # nothing raised here: the import fails again where the module is used
    in_background(work)
    assert done.wait(10)
    assert threads and threads[0] != threading.main_thread().name


def test_the_fork_server_loads_the_modules_the_workers_run():
    from reporter import operations
    from reporter.forms.collect import read_return
    from reporter.forms.write import write_form_job
    from reporter.reports.jobs import write_job

    assert operations.READER_MODULE == read_return.__module__
    assert operations.FORM_MODULE == write_form_job.__module__
    assert operations.REPORT_MODULE == write_job.__module__


@pytest.mark.parametrize("module", ["reporter.reports.jobs", "reporter.forms.collect", "reporter.forms.write"])
def test_the_workers_modules_do_not_load_pandas(module):
    """pandas is for the command's own process (the consolidation); loading it in the fork server as well cost the
    sample workspace's ``run`` 0.4 s of a core."""
    code = f"import sys, {module}; print('pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def _hostile(offset: int, value: int) -> int:
    """Item 3 aborts its worker (as a crafted file aborts native code), 5 never ends, 7 raises, 9 eats memory."""
    import os
    import time

    if value == 3:
        os.abort()
    if value == 5:
        time.sleep(600)
    if value == 7:
        raise ValueError("第7项出错")
    if value == 9:
        return len(bytearray(8 * 1024 * 1024 * 1024))
    return value + offset


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_item_that_crashes_hangs_or_raises_fails_alone_and_the_rest_go_on(jobs):
    results = dict(isolated_map(_hostile, list(range(12)), 100, jobs=jobs, timeout=3, memory=1024 * 1024 * 1024))
    assert sorted(results) == list(range(12))
    assert {i: r for i, r in results.items() if not isinstance(r, WorkerFailure)} == {
        i: i + 100 for i in range(12) if i not in (3, 5, 7, 9)
    }
    assert results[3].reason == "crashed"
    assert results[5] == WorkerFailure("timeout", "3 s")
    assert results[7] == WorkerFailure("error", "ValueError")
    assert results[9].reason in ("error", "crashed")  # MemoryError under the cap, or killed by the system


def _pid_after_a_while(shared: None, item: int) -> int:
    import os
    import time

    time.sleep(0.3)
    return os.getpid()


def test_each_worker_is_given_an_item_before_any_is_given_its_next():
    """Items are sent ahead (one waits in each worker's pipe), but not two to one worker while another has none."""
    results = dict(isolated_map(_pid_after_a_while, [0, 1], None, jobs=2))
    assert results[0] != results[1]


def test_forms_and_reports_with_one_process_equal_those_with_several(tmp_path):
    serial = make_workspace(tmp_path / "serial")
    pooled = tmp_path / "pooled"
    shutil.copytree(serial, pooled)
    for root, jobs in ((serial, "1"), (pooled, "2")):
        assert invoke("-w", root, "--jobs", jobs, "forms", "--period", "2021-06").exit_code == 0
        assert invoke("-w", root, "--jobs", jobs, "report", "--period", "2021-06", "--units").exit_code == 0
    for folder in ("output/forms/2021-06", "output/reports/2021-06"):
        names = sorted(p.relative_to(serial / folder) for p in (serial / folder).rglob("*.*"))
        assert names == sorted(p.relative_to(pooled / folder) for p in (pooled / folder).rglob("*.*"))
        assert len(names) >= 8
    form = "output/forms/2021-06/市发改委-2021-06-填报表.xlsx"
    cells = [
        [[c.value for c in row] for row in openpyxl.load_workbook(root / form)["填报任务"].iter_rows()]
        for root in (serial, pooled)
    ]
    assert cells[0] == cells[1]


KILLED_PARENT = """
import os, sys, time
from pathlib import Path
from reporter import parallel

def record(folder, value):
    (Path(folder) / str(os.getpid())).write_text("")
    time.sleep(600)

def pooled(value):
    record(sys.argv[1], value)

if __name__ == "__main__":
    if sys.argv[2] == "isolated":
        list(parallel.isolated_map(record, [1, 2], sys.argv[1], jobs=2))
    else:
        with parallel.beside(pooled, 0, jobs=2):
            list(parallel.parallel_map(pooled, list(range(8)), jobs=2))
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process states are read from /proc")
@pytest.mark.parametrize("kind", ["isolated", "pool"])
def test_workers_end_when_the_command_that_started_them_is_killed(tmp_path, kind):
    """A killed command leaves no worker behind (one would hold its files, or wait for work, for ever)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "command.py"
    script.write_text(KILLED_PARENT, encoding="utf-8")
    folder = tmp_path / "pids"
    folder.mkdir()
    temporary = tmp_path / "temporary"  # the killed command cannot remove its multiprocessing folder (pymp-…)
    temporary.mkdir()
    command = subprocess.Popen(
        [sys.executable, str(script), str(folder), kind],
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    expected = 2 if kind == "isolated" else 3
    deadline = time.monotonic() + 60
    while len(list(folder.iterdir())) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = [int(p.name) for p in folder.iterdir()]
    assert len(workers) == expected
    command.send_signal(signal.SIGKILL)
    command.wait()

    def alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            return False
        return state != "Z"  # a zombie has ended; no one reaps it here

    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [pid for pid in workers if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == []

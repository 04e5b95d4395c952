"""Province scale: a generated notice with 10,000 tasks and 1,000 units, parsed, stored and written as a ledger,
and the office's edits read back from that ledger (none, then 200 cells typed in it).

Prints wall time and peak memory of each step. Run: ``python bench/bench_parse_ledger.py [tasks] [units]``.
"""

from __future__ import annotations

import gc
import resource
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

from reporter.cli import GC_THRESHOLDS
from reporter.ledger import read_back, write_ledger
from reporter.notices.parser import parse_notice
from reporter.settings import CONFIG_TEMPLATE, load_workspace
from reporter.snapshot import load_snapshot
from reporter.store import Store


def generate_notice(tasks: int, units: int) -> str:
    """A notice shaped like the real ones: sections of numbered tasks with leaders and units."""
    names = [f"省第{i:04d}厅" for i in range(units)]
    lines = [
        "某省人民政府办公厅关于印发2030年政府工作报告目标任务责任分解的通知",
        "",
        "2030年政府工作报告目标任务责任分解",
        "",
    ]
    per_section = max(100, -(-tasks // 99))  # headings are 一 … 九十九
    for number in range(1, tasks + 1):
        if (number - 1) % per_section == 0:
            section = (number - 1) // per_section + 1
            lines += [f"{_numeral(section)}、第{section}板块重点工作", ""]
        lead = names[number % units]
        cooperating = "、".join(names[(number * 7 + k) % units] for k in range(1, 4))
        lines += [
            f"{number}.推进第{number}项重点工作，新增示范项目{number % 50 + 1}个，投资增长{number % 9 + 1}%以上。",
            "",
            f"牵头领导：领导{number % 12}",
            "",
            f"牵头单位：{lead}；配合单位：{cooperating}，省级有关部门",
            "",
        ]
    return "\n".join(lines)


def _type_edits(path: Path, count: int) -> None:
    """What a clerk does between two runs: change the 牵头领导 of ``count`` tasks (not timed)."""
    workbook = load_workbook(path)
    sheet = workbook["工作任务"]
    column = next(c.column for c in sheet[2] if c.value == "牵头领导")
    for row in range(3, 3 + count):
        sheet.cell(row, column).value = "新任领导"
    workbook.save(path)


def _numeral(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def main() -> None:
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    units = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    text = generate_notice(tasks, units)
    gc.set_threshold(*GC_THRESHOLDS)  # as every command runs
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "reporter.toml").write_text(
            CONFIG_TEMPLATE.format(name="基准", office="督查室", districts="", aliases=""), encoding="utf-8"
        )
        workspace = load_workspace(root)
        started = time.perf_counter()
        notice = parse_notice(text, source="bench.txt", directory=workspace.directory())
        parsed = time.perf_counter()
        assert len(notice.tasks) == tasks, len(notice.tasks)
        with Store(workspace.store_path) as store:
            store.save_notice(notice)
            stored = time.perf_counter()
            store.save_notice(notice)
            restored = time.perf_counter()
            write_ledger(workspace, store, load_snapshot(workspace, store, None))
            written = time.perf_counter()
            read_back(workspace, store)
            read_nothing = time.perf_counter()
            _type_edits(workspace.ledger_path, 200)
            typed = time.perf_counter()
            changes = read_back(workspace, store)
            read_edits = time.perf_counter()
            assert changes is not None and len(changes.changes) == 200, changes
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"tasks={tasks} units={units} lines={text.count(chr(10)) + 1}")
        print(f"parse            {parsed - started:7.2f} s")
        print(f"store (new)      {stored - parsed:7.2f} s")
        print(f"store (no-op)    {restored - stored:7.2f} s")
        print(f"ledger           {written - restored:7.2f} s")
        print(f"read-back (none) {read_nothing - written:7.2f} s")
        print(f"read-back (200)  {read_edits - typed:7.2f} s")
        print(f"peak memory      {peak_mb:7.0f} MB")


if __name__ == "__main__":
    main()

"""Province scale monthly cycle: forms for 1,000 units (10,000 tasks), then collecting 1,000 returned forms.

Prints wall time and peak memory of each step. Filling the returns (as units would, with openpyxl) is set-up
and not timed. Run: ``python bench/bench_forms_collect.py [tasks] [units]``.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_parse_ledger import generate_notice

from reporter.forms.collect import collect_returns
from reporter.forms.write import make_forms
from reporter.io.workbooks import read_workbook
from reporter.ledger import write_ledger
from reporter.notices.parser import parse_notice
from reporter.settings import CONFIG_TEMPLATE, load_workspace
from reporter.snapshot import latest_period, load_snapshot
from reporter.store import Store


def fill(source: Path, target: Path, index: int) -> None:
    workbook = openpyxl.load_workbook(source)
    sheet = workbook["填报任务"]
    for row in range(4, sheet.max_row + 1):
        sheet.cell(row, 8).value = f"第{row}行任务按计划推进，已完成阶段性目标。"
        sheet.cell(row, 9).value = (index + row) % 101
        sheet.cell(row, 10).value = "正常推进"
        sheet.cell(row, 14).value = "填报人"
    workbook.save(target)


def main() -> None:
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    units = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "reporter.toml").write_text(
            CONFIG_TEMPLATE.format(name="基准", office="督查室", districts="", aliases=""), encoding="utf-8"
        )
        workspace = load_workspace(root)
        notice = parse_notice(generate_notice(tasks, units), source="bench.txt", directory=workspace.directory())
        with Store(workspace.store_path) as store:
            store.save_notice(notice)
            period = workspace.period("2030-06")
            started = time.perf_counter()
            forms = make_forms(workspace, store, load_snapshot(workspace, store, period))
            formed = time.perf_counter()
            returns = root / "input" / "returns" / period.key
            returns.mkdir(parents=True)
            for index, path in enumerate(forms.paths):
                fill(path, returns / f"{index:04d}.xlsx", index)
            rows = sum(len(p.tasks) for p in forms.plans)
            read_started = time.perf_counter()
            for path in sorted(returns.iterdir()):
                read_workbook(path)
            read_done = time.perf_counter()
            result = collect_returns(workspace, store, [returns], period)
            collected = time.perf_counter()
            again = collect_returns(workspace, store, [returns], period)
            recollected = time.perf_counter()
            write_ledger(workspace, store, load_snapshot(workspace, store, latest_period(workspace, store)))
            written = time.perf_counter()
        assert result.count("accepted") == len(forms.paths), result.to_dict()["summary"]
        assert again.count("duplicate") == len(forms.paths)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"tasks={tasks} units={units} forms={len(forms.paths)} task rows={rows}")
        print(f"forms            {formed - started:7.2f} s")
        print(f"read only        {read_done - read_started:7.2f} s  (checks + python-calamine)")
        print(f"collect          {collected - read_done:7.2f} s  (read, check, archive, store)")
        print(f"collect again    {recollected - collected:7.2f} s  (all duplicates)")
        print(f"ledger           {written - recollected:7.2f} s")
        print(f"peak memory      {peak_mb:7.0f} MB")


if __name__ == "__main__":
    main()

"""A benchmark that tells the truth: one month of a province-scale workspace, each stage run by the real CLI.

The workspace (10,000 tasks, 1,000 units, 16 districts, 12 months of history, 1,000 filled returns for the current
month) is built in a temporary folder. Each stage of the month then runs as ``python -m reporter --workspace W
<command>`` in a fresh subprocess: ``parse``, ``forms``, ``collect``, ``ledger``, ``report``, the whole ``run`` (on a
copy of the workspace taken before ``collect``) and a second ``run`` in which nothing changed. Of each, the wall
time, the CPU time (workers included) and the peak RSS of its largest process (``os.wait4``) are measured, and
where worker processes ran at once also the sampled peak PSS of the whole process tree. Beside them, in fresh
subprocesses too, the baselines a user would otherwise write: openpyxl reading every return (read-only, every row
of every sheet), python-calamine reading every return (the floor), openpyxl writing the forms' rows as plain
workbooks, and openpyxl writing a ledger-sized workbook (tasks × 28 columns). One table is printed: stage, time,
CPU time, peak RSS, baseline, ratio (of wall times); a CPU time well below the wall time of a one-process stage
means the machine was busy with something else.

The counts are checked at every scale: forms written = units with tasks, returns accepted = returns placed,
ledger rows = tasks, the monthly brief and every district's brief written; a wrong count exits non-zero.

Set-up, not timed:

- The notice is ``generate_notice(tasks, units)`` with two edits: 16 of its units renamed to district
  governments and zone committees (configured as ``[[districts]]``, so district briefs exist and are about tasks),
  and a ``完成时限：2031年12月31日`` line under every task, so that the 2030 tasks run over all 13 monthly periods
  (2030-01 … 2031-01: 12 months of history, then the current month).
- History: forms for the first month are written (``reporter forms``) and ``--returns`` of them filled with
  openpyxl as units would; each filled file is then copied into ``input/returns/<month>/`` for every month of
  history with only its period changed (the ``period`` value of the very hidden ``_reporter`` sheet, rewritten
  in the xlsx's XML), and all of them are collected by one ``reporter collect`` (real reading, checking,
  archiving, storing). Every month's answers are therefore the same; the store holds what it would after a
  year of real collecting, except that no forms are recorded for the earlier months (only ``send`` reads them).
- The current month's forms come from the timed ``forms`` stage (pre-filled from the history); ``--returns`` of
  them are filled with openpyxl (in parallel) into ``input/returns/<current>/``.

Every command imports a copy of ``reporter/`` taken when the bench starts (one run, one version of the package).

Run: ``python bench/province.py`` (about 20 minutes on 2 cores), or ``--quick`` (CI, under a minute: 120 tasks,
20 units, 4 districts, 20 returns, 2 months of history; the counts are what it checks). Options: ``--tasks N
--units N --returns N --months N --districts N --keep DIR`` (build in DIR and keep it).
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
YEAR = 2030  # the year of generate_notice's tasks
DEADLINE = "2031年12月31日"  # every task's 完成时限: 24 monthly periods in which the tasks run
NOTICE_NAME = f"{YEAR}年政府工作报告目标任务责任分解.txt"
WORKSPACE_NAME = "某省政府工作报告目标任务督查（基准）"
LEDGER_COLUMNS = 28
# (name, short, kind, government): 14 cities and 2 zones; the unit standing for each replaces a generated one.
DISTRICTS: tuple[tuple[str, str, str, str], ...] = (
    *(
        (f"{n}市", n, "区县", "")
        for n in "安平 宁远 清河 临川 江城 云山 长宁 永安 丰泽 兴和 广阳 泰和 瑞昌 平湖".split()
    ),
    ("滨海新区", "滨海", "开发园区", "滨海新区管委会"),
    ("省高新技术产业开发区", "高新区", "开发园区", "省高新区管委会"),
)
# Starts a command (argv[2:]), waits for it and writes, as JSON to argv[1]: its wall time, its CPU time (user +
# system, workers included), its exit code, the peak RSS of its largest process (os.wait4: the command and every
# process it waited for), and, sampled every 0.2 s from /proc where there is one, the peak total PSS of its process
# tree and the most processes alive at once (worker pools).
LAUNCHER = """
import json, os, sys, threading, time

def tree(root):
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
                parents[int(name)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
            except (OSError, ValueError):
                pass
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found

def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

peak = {"pss": 0, "processes": 1}
finished = threading.Event()

def sample(pid):
    while not finished.wait(0.2):
        pids = tree(pid)
        peak["pss"] = max(peak["pss"], sum(pss(p) for p in pids))
        peak["processes"] = max(peak["processes"], len(pids))

start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
if os.path.exists("/proc/self/smaps_rollup"):
    threading.Thread(target=sample, args=(pid,), daemon=True).start()
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
finished.set()
cpu = usage.ru_utime + usage.ru_stime
result = {"seconds": seconds, "cpu": cpu, "maxrss": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status), **peak}
with open(sys.argv[1], "w") as out:
    json.dump(result, out)
"""
SUMMARY = re.compile(r"接收(\d+)份，退回(\d+)份，重复(\d+)份")


class BenchError(Exception):
    """A stage failed or an output count is wrong: the message says which."""


# -- the workspace -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    tasks: int
    units: int
    returns: int
    months: int
    districts: int

    @property
    def history(self) -> list[str]:
        """The months of history: 2030-01 onwards."""
        return [_month(i) for i in range(self.months)]

    @property
    def current(self) -> str:
        return _month(self.months)


def _month(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{YEAR + year}-{month + 1:02d}"


def district_unit(name: str, kind: str, government: str) -> str:
    return government or (f"{name}政府" if kind == "区县" else f"{name}管委会")


def province_notice(scale: Scale) -> tuple[str, set[str]]:
    """The notice text and the set of units it names (counted here, independently of the parser)."""
    sys.path.insert(0, str(BENCH))
    from bench_parse_ledger import generate_notice

    text = generate_notice(scale.tasks, scale.units)
    for k, (name, _, kind, government) in enumerate(DISTRICTS[: scale.districts]):
        text = text.replace(f"省第{k * scale.units // scale.districts:04d}厅", district_unit(name, kind, government))
    text = text.replace("\n\n牵头单位：", f"\n\n完成时限：{DEADLINE}\n\n牵头单位：")
    units: set[str] = set()
    for lead, cooperating in re.findall(r"^牵头单位：(.+?)；配合单位：(.+)$", text, flags=re.MULTILINE):
        units.add(lead)
        units.update(u for u in re.split(r"[、，]", cooperating) if u != "省级有关部门")
    return text, units


def write_workspace(root: Path, scale: Scale) -> set[str]:
    """reporter.toml (monthly, current month set, the districts) and the notice; returns the notice's units."""
    from reporter.settings import CONFIG_TEMPLATE

    blocks = []
    for name, short, kind, government in DISTRICTS[: scale.districts]:
        block = f'[[districts]]\nname = "{name}"\nshort = "{short}"\nkind = "{kind}"\n'
        blocks.append(block + (f'government = "{government}"\n' if government else ""))
    config = CONFIG_TEMPLATE.format(name=WORKSPACE_NAME, office="省政府督查室", districts="\n".join(blocks), aliases="")
    current = 'current = ""'
    if config.count(current) != 1 or 'kind = "monthly"' not in config:
        raise BenchError("reporter.toml template changed: no [periods] current/kind to set; update bench/province.py")
    config = config.replace(current, f'current = "{scale.current}"')
    (root / "input" / "notices").mkdir(parents=True)
    (root / "reporter.toml").write_text(config, encoding="utf-8")
    text, units = province_notice(scale)
    (root / "input" / "notices" / NOTICE_NAME).write_text(text, encoding="utf-8")
    return units


# -- set-up: filling forms as units would, history ------------------------------------------------------


def fill_form(job: tuple[Path, Path, int]) -> None:
    """Fill one form with openpyxl as a unit's clerk would: progress, percent, status, reporter, phone."""
    import openpyxl

    from reporter.forms.plan import FILL_COLUMNS, TASKS_SHEET

    source, target, index = job
    workbook = openpyxl.load_workbook(source)
    sheet = workbook[TASKS_SHEET]
    header_row, columns = 0, {}
    for cells in sheet.iter_rows(min_row=1, max_row=10):
        titles = {str(c.value).strip(): c.column for c in cells if c.value is not None and c.column is not None}
        if "任务编号" in titles:
            header_row = cells[0].row or 0
            columns = {f: titles[h] for f, h in (("id", "任务编号"), *FILL_COLUMNS) if h in titles}
            break
    if not header_row or len(columns) != len(FILL_COLUMNS) + 1:
        expected = "、".join(h for _, h in FILL_COLUMNS)
        raise BenchError(f"{source.name}: no header row with 任务编号、{expected} in the tasks sheet")
    progress = "任务按计划推进，已完成阶段性目标，正在开展下一阶段工作。"
    for row in range(header_row + 1, sheet.max_row + 1):
        if not sheet.cell(row, columns["id"]).value:
            continue
        sheet.cell(row, columns["progress"]).value = f"第{row}行{progress}"
        sheet.cell(row, columns["percent"]).value = (index * 7 + row) % 101
        sheet.cell(row, columns["status"]).value = "正常推进"
        sheet.cell(row, columns["reporter"]).value = "填报人"
        sheet.cell(row, columns["phone"]).value = "0571-87000000"
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)


def fill_forms(sources: list[Path], folder: Path) -> list[Path]:
    """Fill the forms in parallel (set-up, not timed); the returned files keep the forms' names."""
    jobs = [(path, folder / path.name, index) for index, path in enumerate(sources)]
    with Pool(os.cpu_count() or 1) as pool:
        pool.map(fill_form, jobs, chunksize=max(1, len(jobs) // (8 * (os.cpu_count() or 1))))
    return [target for _, target, _ in jobs]


def repoint(job: tuple[Path, Path, str, str, str]) -> None:
    """Copy a filled form with its period changed, as the office would have sent it for that period: the one XML
    text equal to the period key becomes ``new``, and the form's identity is signed again with the workspace's key
    (``key``, hex) for the new period."""
    from reporter.forms.identity import identity_digest
    from reporter.forms.read import read_meta
    from reporter.io.workbooks import read_workbook

    source, target, old, new, key = job
    meta = read_meta(read_workbook(source))
    if meta is None or not meta.identity:
        raise BenchError(f"{source.name}: no form identity in the _reporter sheet")
    indicators = [(k, task, row, district) for k, (task, row, district) in meta.indicators.items()]
    identity = identity_digest(bytes.fromhex(key), meta.workspace, meta.unit, new, meta.tasks.items(), indicators)
    target.parent.mkdir(parents=True, exist_ok=True)
    replaced = {old: 0, meta.identity: 0}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/") and item.filename.endswith(".xml"):
                text = data.decode("utf-8")
                for before, after in ((old, new), (meta.identity, identity)):
                    found = text.count(f">{before}<")
                    if found:
                        replaced[before] += found
                        text = text.replace(f">{before}<", f">{after}<")
                data = text.encode("utf-8")
            zout.writestr(item, data)
    if list(replaced.values()) != [1, 1]:
        raise BenchError(
            f"{source.name}: the period {old} and the identity appear {list(replaced.values())} times in the XML"
            " (expected once each, in the _reporter sheet)"
        )


def form_key(workspace: Path) -> str:
    """The key the workspace signs its forms' identity with (hex), as ``reporter forms`` stored it."""
    import sqlite3

    connection = sqlite3.connect(workspace / ".reporter" / "store.sqlite3")
    try:
        row = connection.execute("SELECT value FROM ledger_meta WHERE key = 'form_key'").fetchone()
    finally:
        connection.close()
    if row is None:
        raise BenchError("the workspace has no form key: were the forms written?")
    return str(row[0])


def build_history(filled: list[Path], returns_dir: Path, scale: Scale, key: str) -> list[Path]:
    jobs = [
        (path, returns_dir / month / path.name, scale.history[0], month, key)
        for month in scale.history
        for path in filled
    ]
    with Pool(os.cpu_count() or 1) as pool:
        pool.map(repoint, jobs, chunksize=64)
    return [returns_dir / month for month in scale.history]


def clone(source: Path, target: Path) -> None:
    """A copy of the workspace: inputs and archived returns (never written to) hard-linked, the rest copied."""
    linked = {source / "input", source / ".reporter" / "archive"}

    def copy(path: Path, to: Path) -> None:
        if path.is_dir():
            to.mkdir(parents=True, exist_ok=True)
            for child in path.iterdir():
                copy(child, to / child.name)
        elif any(path.is_relative_to(p) for p in linked):
            try:
                os.link(path, to)
            except OSError:  # a file system without hard links
                shutil.copy2(path, to)
        else:
            shutil.copy2(path, to)

    copy(source, target)


# -- measuring -----------------------------------------------------------------------------------------


@dataclass
class Measured:
    label: str
    seconds: float
    cpu: float  # user + system seconds of the command and every process it waited for
    rss_mb: float  # the largest process
    tree_mb: float = 0.0  # the process tree's total PSS, sampled
    processes: int = 1  # the most processes alive at once

    @property
    def memory(self) -> str:
        if self.processes < 2:
            return f"{self.rss_mb:.0f}"
        return f"{self.rss_mb:.0f} ({self.processes} processes: {self.tree_mb:.0f} PSS)"


@dataclass
class Row:
    stage: str
    measured: Measured
    baseline: list[Measured] = field(default_factory=list)  # summed when several


class Bench:
    """Runs and measures commands; every one imports the copy of ``reporter/`` taken when the bench started, so
    that one run measures one version of the package even while the working tree is being edited."""

    def __init__(self, root: Path, package: Path) -> None:
        self.root = root
        self.package = package
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.started = time.perf_counter()

    def say(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.1f} s] {text}", file=sys.stderr, flush=True)

    def measure(self, label: str, argv: list[str], *, ok: tuple[int, ...] = (0,)) -> Measured:
        """Run ``argv`` in a fresh subprocess; its wall time and peak RSS (of it and anything it waited for).

        A small launcher starts it and reads its ``os.wait4`` usage: a child spawned straight from this process
        would report this process's own peak RSS as its floor (vfork and fork share or copy the parent's pages)."""
        log = self.logs / f"{_slug(label)}.log"
        usage = self.logs / f"{_slug(label)}.json"
        path = os.pathsep.join(p for p in (str(self.package), os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": path}
        with log.open("w", encoding="utf-8") as out:
            launcher = [sys.executable, "-S", "-c", LAUNCHER, str(usage), *argv]
            subprocess.run(launcher, stdout=out, stderr=subprocess.STDOUT, cwd=self.root, env=env, check=True)
        result = json.loads(usage.read_text(encoding="utf-8"))
        if result["code"] not in ok:
            tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:])
            raise BenchError(f"{label} exited with {result['code']} (log: {log}):\n{tail}")
        rss = result["maxrss"] / (1024 * 1024 if sys.platform == "darwin" else 1024)
        measured = Measured(label, result["seconds"], result["cpu"], rss, result["pss"] / 1024, result["processes"])
        self.say(f"{label}: {measured.seconds:.1f} s (CPU {measured.cpu:.1f} s), {measured.memory} MB")
        return measured

    def reporter(self, workspace: Path, label: str, *args: str, ok: tuple[int, ...] = (0,)) -> Measured:
        command = [sys.executable, "-m", "reporter", "--debug", "--workspace", str(workspace), *args]
        return self.measure(label, command, ok=ok)

    def baseline(self, label: str, kind: str, *args: str) -> Measured:
        return self.measure(label, [sys.executable, str(Path(__file__).resolve()), "--baseline", kind, *args])

    def log_text(self, label: str) -> str:
        return (self.logs / f"{_slug(label)}.log").read_text(encoding="utf-8")


def _slug(label: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", label).strip("-")


# -- checking the outputs ------------------------------------------------------------------------------


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchError(message)


def forms_written(workspace: Path, period: str) -> list[Path]:
    from reporter.forms.write import MANIFEST_NAME

    folder = workspace / "output" / "forms" / period
    return sorted(p for p in folder.glob("*.xlsx") if p.name != MANIFEST_NAME)


def ledger_rows(workspace: Path) -> int:
    """Rows of 工作任务 in output/台账.xlsx holding a task id (read with python-calamine)."""
    from python_calamine import CalamineWorkbook

    path = workspace / "output" / "台账.xlsx"
    check(path.is_file(), f"no ledger written: {path}")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("工作任务").to_python()
    header = next((i for i, r in enumerate(rows[:10]) if "任务编号" in [str(v) for v in r]), None)
    check(header is not None, "the ledger's 工作任务 sheet has no 任务编号 header")
    assert header is not None
    column = [str(v) for v in rows[header]].index("任务编号")
    return sum(1 for r in rows[header + 1 :] if re.match(r"\d{4}-", str(r[column] if column < len(r) else "")))


def check_reports(workspace: Path, period: str, districts: int, when: str) -> None:
    folder = workspace / "output" / "reports" / period
    monthly = list(folder.glob("*目标任务督查通报.docx"))
    check(len(monthly) == 1, f"{when}: expected 1 monthly brief in {folder}, found {len(monthly)}")
    briefs = list((folder / "区县专报").glob("*.docx"))
    check(len(briefs) == districts, f"{when}: expected {districts} district briefs, found {len(briefs)}")


def check_ledger(workspace: Path, tasks: int, when: str) -> None:
    rows = ledger_rows(workspace)
    check(rows == tasks, f"{when}: expected {tasks} task rows in the ledger, found {rows}")


def check_summary(text: str, accepted: int, duplicates: int, when: str) -> None:
    found = SUMMARY.findall(text)
    check(len(found) == 1, f"{when}: no collect summary (接收…份，退回…份，重复…份) in the output")
    got = tuple(int(n) for n in found[0])
    check(
        got == (accepted, 0, duplicates),
        f"{when}: expected {accepted} accepted, 0 rejected, {duplicates} duplicates; got {got[0]}, {got[1]}, {got[2]}",
    )


# -- the month -----------------------------------------------------------------------------------------


def snapshot_package(root: Path) -> tuple[Path, str]:
    """Copy ``reporter/`` into ``root/package`` and import it from there; returns the folder and a digest of it.
    The copy is compiled to bytecode, as ``pip install`` does: a command does not compile its modules each time
    (even where ``PYTHONDONTWRITEBYTECODE`` is set)."""
    package = root / "package"
    shutil.copytree(REPO / "reporter", package / "reporter", ignore=shutil.ignore_patterns("__pycache__"))
    digest = hashlib.sha256()
    for path in sorted((package / "reporter").rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    compileall.compile_dir(package / "reporter", quiet=1)
    sys.path.insert(0, str(package))
    return package, digest.hexdigest()[:12]


def run_bench(root: Path, package: Path, scale: Scale) -> list[Row]:
    bench = Bench(root, package)
    workspace, copy = root / "workspace", root / "workspace-run"
    workspace.mkdir(parents=True)
    units = write_workspace(workspace, scale)
    districts = scale.districts
    check(scale.returns <= len(units), f"--returns {scale.returns} is more than the {len(units)} units with tasks")
    bench.say(f"notice: {scale.tasks} tasks, {len(units)} units ({districts} districts); workspace {workspace}")

    parse = bench.reporter(workspace, "parse", "parse", str(workspace / "input" / "notices" / NOTICE_NAME))

    # History (set-up): forms of the first month, filled, copied into every month of history, collected.
    first = scale.history[0] if scale.history else ""
    if first:
        bench.reporter(workspace, f"set-up: forms {first}", "forms", "--period", first)
        chosen = forms_written(workspace, first)[: scale.returns]
        filled = fill_forms(chosen, root / "filled" / first)
        bench.say(f"set-up: {len(filled)} forms of {first} filled")
        folders = build_history(filled, workspace / "input" / "returns", scale, form_key(workspace))
        bench.say(f"set-up: {len(filled)} returns copied into each of {len(folders)} months")
        json_out = root / "history.json"
        bench.reporter(workspace, "set-up: collect history", "collect", *map(str, folders), "--json", str(json_out))
        summary = json.loads(json_out.read_text(encoding="utf-8"))["summary"]
        expected = scale.returns * scale.months
        check(summary["accepted"] == expected, f"history: expected {expected} returns accepted, got {summary}")

    forms = bench.reporter(workspace, "forms", "forms")
    written = forms_written(workspace, scale.current)
    check(len(written) == len(units), f"forms: expected one per unit with tasks ({len(units)}), found {len(written)}")

    returns = workspace / "input" / "returns" / scale.current
    placed = fill_forms(written[: scale.returns], returns)
    bench.say(f"set-up: {len(placed)} returns of {scale.current} filled; copying the workspace for `run`")
    clone(workspace, copy)

    json_out = root / "collect.json"
    collect = bench.reporter(workspace, "collect", "collect", "--json", str(json_out))
    summary = json.loads(json_out.read_text(encoding="utf-8"))["summary"]
    check(
        (summary["accepted"], summary["rejected"]) == (len(placed), 0),
        f"collect: expected {len(placed)} accepted and 0 rejected, got {summary['accepted']} and {summary['rejected']}",
    )
    check_ledger(workspace, scale.tasks, "collect")
    ledger = bench.reporter(workspace, "ledger", "ledger")
    check_ledger(workspace, scale.tasks, "ledger")
    report = bench.reporter(workspace, "report", "report")
    check_reports(workspace, scale.current, districts, "report")

    run = bench.reporter(copy, "run", "run")
    check_summary(bench.log_text("run"), len(placed), 0, "run")
    check_ledger(copy, scale.tasks, "run")
    check_reports(copy, scale.current, districts, "run")
    again = bench.reporter(copy, "run again", "run")
    check_summary(bench.log_text("run again"), 0, len(placed), "run again")

    rows_per_form = -(-4 * scale.tasks // len(units))  # a lead and three cooperating units per task
    read_openpyxl = bench.baseline("openpyxl read", "openpyxl-read", str(returns))
    read_calamine = bench.baseline("calamine read", "calamine-read", str(returns))
    write_forms = bench.baseline(
        "openpyxl forms", "openpyxl-forms", str(root / "baseline-forms"), str(len(units)), str(rows_per_form)
    )
    write_ledger = bench.baseline("openpyxl ledger", "openpyxl-ledger", str(root / "baseline.xlsx"), str(scale.tasks))
    return [
        Row("parse (new notice)", parse),
        Row("forms", forms, [write_forms]),
        Row("collect", collect, [read_openpyxl]),
        Row("collect (vs the floor)", collect, [read_calamine]),
        Row("ledger", ledger, [write_ledger]),
        Row("report", report),
        Row("run (new returns)", run, [read_openpyxl, write_ledger]),
        Row("run (nothing changed)", again, [read_openpyxl, write_ledger]),
    ]


# -- baselines: what a user would otherwise write, each run in a fresh subprocess -------------------------


def baseline_openpyxl_read(folder: Path) -> None:
    from openpyxl import load_workbook

    cells = 0
    for path in sorted(folder.iterdir()):
        workbook = load_workbook(path, read_only=True)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
        workbook.close()
    print(f"cells={cells}")


def baseline_calamine_read(folder: Path) -> None:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in sorted(folder.iterdir()):
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            cells += sum(len(r) for r in workbook.get_sheet_by_name(name).to_python())
    print(f"cells={cells}")


def _row(index: int, columns: int) -> list[object]:
    texts = [
        f"{YEAR}-G-{index:05d}",
        f"第{index // 100 + 1}板块重点工作",
        f"推进第{index}项重点工作，新增示范项目{index % 50 + 1}个，投资增长{index % 9 + 1}%以上。",
        f"领导{index % 12}",
        f"省第{index % 1000:04d}厅",
        f"省第{(index * 7) % 1000:04d}厅、省第{(index * 7 + 1) % 1000:04d}厅、省第{(index * 7 + 2) % 1000:04d}厅",
        f"第{index}行任务按计划推进，已完成阶段性目标，正在开展下一阶段工作。",
    ]
    return [texts[c % len(texts)] if c % 3 else (index * c) % 101 for c in range(columns)]


def baseline_openpyxl_forms(folder: Path, units: int, rows: int) -> None:
    """One plain workbook per unit: a header and ``rows`` rows of 15 columns (no styles, no protection)."""
    from openpyxl import Workbook

    folder.mkdir(parents=True, exist_ok=True)
    for unit in range(units):
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append([f"列{c}" for c in range(15)])
        for index in range(rows):
            sheet.append(_row(unit * rows + index, 15))
        workbook.save(folder / f"{unit:04d}.xlsx")


def baseline_openpyxl_ledger(path: Path, rows: int) -> None:
    """A ledger-sized workbook: a header and ``rows`` rows of 28 columns (no styles)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([f"列{c}" for c in range(LEDGER_COLUMNS)])
    for index in range(rows):
        sheet.append(_row(index, LEDGER_COLUMNS))
    workbook.save(path)


def run_baseline(kind: str, args: list[str]) -> None:
    if kind == "openpyxl-read":
        baseline_openpyxl_read(Path(args[0]))
    elif kind == "calamine-read":
        baseline_calamine_read(Path(args[0]))
    elif kind == "openpyxl-forms":
        baseline_openpyxl_forms(Path(args[0]), int(args[1]), int(args[2]))
    elif kind == "openpyxl-ledger":
        baseline_openpyxl_ledger(Path(args[0]), int(args[1]))
    else:
        raise SystemExit(f"unknown baseline {kind}")


# -- output --------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        cpu = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), cpu)
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{os.cpu_count()} cores ({cpu}), {ram:.0f} GB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def revision() -> str:
    """The commit of the working tree, and whether it had uncommitted changes."""
    try:
        found = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return found.stdout.strip()


def table(rows: list[Row], scale: Scale, units: int, load: tuple[float, float], version: str) -> str:
    lines = [
        f"Province scale: {scale.tasks} tasks, {units} units ({scale.districts} districts), {scale.returns} returns"
        f" for {scale.current}, {scale.months} month{'' if scale.months == 1 else 's'} of history (reporter {version})",
        "",
        "| stage | time s | CPU s | peak RSS MB | baseline | baseline time s | ratio |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        if row.baseline:
            name = " + ".join(b.label for b in row.baseline)
            seconds = sum(b.seconds for b in row.baseline)
            rss = f" ({' + '.join(b.memory for b in row.baseline)} MB)"
            baseline = f"{name}{rss} | {seconds:.1f} | ×{row.measured.seconds / seconds:.1f}"
        else:
            baseline = "— | | "
        measured = row.measured
        lines.append(f"| {row.stage} | {measured.seconds:.1f} | {measured.cpu:.1f} | {measured.memory} | {baseline} |")
    lines += ["", f"Machine: {machine()}; load average {load[0]:.1f} at the start, {load[1]:.1f} at the end"]
    return "\n".join(lines)


@contextmanager
def bench_root(keep: Path | None) -> Iterator[Path]:
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="reporter-province-") as folder:
            yield Path(folder)
        return
    if keep.exists() and any(keep.iterdir()):
        raise BenchError(f"--keep {keep}: the folder is not empty")
    keep.mkdir(parents=True, exist_ok=True)
    yield keep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small scale for CI: counts checked, finishes fast")
    parser.add_argument("--tasks", type=int)
    parser.add_argument("--units", type=int)
    parser.add_argument("--returns", type=int, help="filled returns for the current month (and each earlier one)")
    parser.add_argument("--months", type=int, help="months of history before the current month")
    parser.add_argument("--districts", type=int, help=f"districts and zones configured (at most {len(DISTRICTS)})")
    parser.add_argument("--keep", type=Path, help="build the workspace in this (empty) folder and keep it")
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    parser.add_argument("baseline_args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.baseline:
        run_baseline(options.baseline, options.baseline_args)
        return
    defaults = (120, 20, 20, 2, 4) if options.quick else (10_000, 1_000, 1_000, 12, len(DISTRICTS))
    given = (options.tasks, options.units, options.returns, options.months, options.districts)
    scale = Scale(*(value if value is not None else default for value, default in zip(given, defaults, strict=True)))
    if not (
        scale.tasks >= 1
        and scale.units >= 2
        and scale.returns >= 1
        and 0 <= scale.months <= 23
        and 0 <= scale.districts <= min(len(DISTRICTS), scale.units // 2)
    ):
        parser.error(
            "need --tasks ≥ 1, --units ≥ 2, --returns ≥ 1, 0 ≤ --months ≤ 23 (the tasks run 24 months) and"
            f" 0 ≤ --districts ≤ {len(DISTRICTS)} and half the units"
        )
    started, load, commit = time.perf_counter(), os.getloadavg()[0], revision()
    try:
        with bench_root(options.keep) as root:
            package, digest = snapshot_package(root)
            units = len(province_notice(scale)[1])
            rows = run_bench(root, package, scale)
            version = f"{commit}, package {digest}"
            print(table(rows, scale, units, (load, os.getloadavg()[0]), version))
    except BenchError as exc:
        raise SystemExit(f"province benchmark FAILED: {exc}") from None
    print(f"\nTotal {time.perf_counter() - started:.0f} s (set-up included); all output counts checked.")


if __name__ == "__main__":
    main()

"""The operations behind the commands, one per command: each opens the store, does its work, returns a result.

The CLI calls exactly one of these per command and never opens the store itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reporter.contacts import Contact, read_contacts
from reporter.errors import NoticeError, ReporterError, WorkspaceError
from reporter.forms.collect import ACCEPTED, CollectResult, collect_returns, return_files
from reporter.forms.write import FormsResult, make_forms
from reporter.freshness import inputs_digest, outputs_digest, up_to_date
from reporter.ledger import (
    LedgerOpenError,
    LedgerResult,
    check_ledger_closed,
    ledger_records,
    read_back,
    write_ledger,
)
from reporter.model import Notice, ProgressCallback, StoredNotice, Task
from reporter.notices.parser import near_duplicate_units, no_tasks_message, parse_notice
from reporter.notices.read import NOTICE_SUFFIXES, read_notice_file
from reporter.notices.units import District, UnitDirectory, district_candidates, own_place
from reporter.parallel import warm
from reporter.periods import Period
from reporter.problems import NOTICE_UNREADABLE, TABLE_CELL_MISSING, WARNING, Location, Problem
from reporter.settings import CONFIG_NAME, CONFIG_TEMPLATE, Workspace
from reporter.snapshot import latest_period, load_snapshot, resolve_period
from reporter.status import StatusReport
from reporter.store import SaveResult, Store
from reporter.store.database import content_digest
from reporter.store.edits import CONFIRMED

if TYPE_CHECKING:  # imported where used: pandas and python-docx load when reports are written, mail when mailing
    from reporter.mail.jobs import SendResult
    from reporter.mail.transport import FetchResult
    from reporter.reports.render import ReportResult

# the modules of the functions worker processes run, imported by the fork server while a command does its own work
READER_MODULE = collect_returns.__module__
FORM_MODULE = make_forms.__module__
REPORT_MODULE = "reporter.reports.jobs"  # not imported here: it loads python-docx


@dataclass
class ParseOutcome:
    """One file: its parsed notice, or the reason it could not be parsed."""

    path: Path
    notice: Notice | None = None
    error: str = ""
    encoding: str = ""
    sha256: str = ""
    saved: SaveResult | None = None
    proposed: list[District] = field(default_factory=list)  # districts found in it, for the office to confirm
    reused: StoredNotice | None = None  # not parsed again: the file, the settings and the parser are unchanged
    reused_kinds: list[str] = field(default_factory=list)  # its stored tasks' kinds, for the summary table

    @property
    def label(self) -> str:
        """The notice's 文号, else its code."""
        if self.notice:
            return self.notice.meta.doc_number or self.notice.meta.code
        return (self.reused.doc_number or self.reused.code) if self.reused else ""

    @property
    def kinds(self) -> list[str]:
        return [t.kind for t in self.notice.tasks] if self.notice else self.reused_kinds

    def problems(self) -> list[Problem]:
        if self.notice:
            return self.notice.all_problems()
        return [_stored_problem(w) for w in self.reused.warnings] if self.reused else []


@dataclass
class ImportResult:
    outcomes: list[ParseOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[ParseOutcome]:
        return [o for o in self.outcomes if o.notice is None and o.reused is None]

    def problems(self) -> list[Problem]:
        """Every problem of the batch: unreadable files as errors, then each notice's warnings."""
        found = [NOTICE_UNREADABLE.at(Location(file=o.path.name), message=o.error) for o in self.failed]
        for outcome in self.outcomes:
            found += outcome.problems()
        return found


def _stored_problem(data: dict[str, Any]) -> Problem:
    """A notice warning as stored (``Problem.to_dict``) back into a ``Problem``."""
    location = {k: v for k, v in data.get("location", {}).items() if k in Location.__dataclass_fields__}
    return Problem(str(data["code"]), str(data["message"]), str(data.get("severity", WARNING)), Location(**location))


def parse_file(path: Path, directory: UnitDirectory, code: str | None = None) -> ParseOutcome:
    """Read and parse one notice file; errors become the outcome's ``error`` (never raised)."""
    outcome = ParseOutcome(path=path)
    try:
        source = read_notice_file(path, directory.lexicon)
        outcome.encoding, outcome.sha256 = source.encoding, source.sha256
        notice = parse_notice(
            source.lines, source=path.name, directory=directory, code=code, line_numbers=source.line_numbers
        )
        if not notice.tasks:
            raise NoticeError(no_tasks_message(path.name, source.lines))
        _report_gaps(notice, source.gaps)
        outcome.notice = notice
    except ReporterError as exc:
        outcome.error = str(exc)
    return outcome


def _report_gaps(notice: Notice, gaps: tuple[tuple[int, str], ...]) -> None:
    """Each table row that lacked a cell, on the task read from that row (its other cells were placed by look)."""
    by_line = {task.line: task for task in reversed(notice.tasks)}  # a row's first task
    for line, column in gaps:
        task = by_line.get(line)
        problem = TABLE_CELL_MISSING.at(
            Location(file=notice.meta.source, line=line, task=task.id if task else ""), column=column
        )
        if task is None:
            notice.warnings.append(problem)
            continue
        task.warnings.append(problem)
        task.read_as.append(f"表格这一行没有“{column}”单元格，其余单元格按内容归入各栏")


def parse_files(paths: list[Path], directory: UnitDirectory, codes: dict[str, str] | None = None) -> ImportResult:
    """Parse several notices. Near-duplicate unit names across notices are added, once, to the later notice."""
    codes = codes or {}
    result = ImportResult([parse_file(p, directory, codes.get(p.name) or None) for p in paths])
    notices = [o.notice for o in result.outcomes if o.notice]
    if len(notices) > 1:
        add_cross_notice_warnings(notices)
    return result


def add_cross_notice_warnings(notices: list[Notice]) -> None:
    """Report unit names that look alike across notices (市邮政局 / 市邮政管理局) on the notice of the second."""
    owner_of = {task.id: notice for notice in notices for task in notice.tasks}
    within = {(p.first, p.second) for notice in notices for p in near_duplicate_units([notice])}
    for pair in near_duplicate_units(notices):
        first, second = owner_of[pair.first_task], owner_of[pair.second_task]
        if first is not second and (pair.first, pair.second) not in within:
            second.warnings.append(pair.problem(second.meta.source))


def notice_files(workspace: Workspace) -> list[Path]:
    """The notice files in ``input/notices/``, sorted by name."""
    folder = workspace.notices_dir
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in NOTICE_SUFFIXES and not p.name.startswith((".", "~$"))
    )


@contextmanager
def _open(workspace: Workspace) -> Iterator[tuple[Workspace, Store]]:
    """The workspace's store, and the workspace with the districts the office confirmed in the ledger added to
    those of ``reporter.toml`` (a district found in a notice becomes one when the office confirms it)."""
    with Store(workspace.store_path) as store:
        yield _with_confirmed(workspace, store), store


def _with_confirmed(workspace: Workspace, store: Store) -> Workspace:
    configured = {d.unit for d in workspace.districts}
    confirmed = [d for d, state in store.stored_districts() if state == CONFIRMED and d.unit not in configured]
    return replace(workspace, districts=[*workspace.districts, *confirmed]) if confirmed else workspace


def import_notices(workspace: Workspace, paths: list[Path], store: Store, *, reuse: bool = False) -> ImportResult:
    """Parse notices and save each parsed one into the store (one transaction per notice). Units that look like a
    district's government or a zone's committee, and are not districts yet, are proposed to the office.

    ``reuse``: when every file, the workspace's parse settings (districts, aliases, lexicon, codes) and the parser
    are what they were at the last import, nothing is parsed: the stored notices stand (``reporter run``)."""
    directory = workspace.directory()
    keys = {path: notice_input_key(path, workspace) for path in paths}
    if reuse and paths:
        reused = _reused(paths, keys, store)
        if reused is not None:
            return reused
    result = parse_files(paths, directory, workspace.notice_codes)
    contacts, _ = read_contacts(workspace.contacts_path)
    known = [*contacts, *dict.fromkeys(entry.unit for entry in store.task_units())]  # full names of units
    for outcome in result.outcomes:
        if outcome.notice:
            try:
                outcome.saved = store.save_notice(outcome.notice, outcome.sha256)
            except ReporterError as exc:
                outcome.error, outcome.notice = str(exc), None
                continue
            outcome.proposed = store.propose_districts(
                _districts_found(outcome.notice, directory, known), outcome.notice.meta.source
            )
            store.record_notice_input(outcome.path.name, keys[outcome.path], outcome.notice.meta.code)
    return result


def _reused(paths: list[Path], keys: dict[Path, str], store: Store) -> ImportResult | None:
    """The stored notices as the import's result when none of the files needs parsing, else ``None``."""
    inputs = store.notice_inputs()
    if any(inputs.get(path.name, ("", ""))[0] != keys[path] for path in paths):
        return None
    stored = {n.code: n for n in store.notices()}
    kinds = store.task_kinds()
    outcomes = []
    for path in paths:
        code = inputs[path.name][1]
        if code not in stored:
            return None
        outcome = ParseOutcome(path=path, sha256=stored[code].sha256, reused=stored[code])
        outcome.reused_kinds = kinds.get(code, [])
        outcome.saved = SaveResult(code, "unchanged", len(outcome.reused_kinds))
        outcomes.append(outcome)
    return ImportResult(outcomes)


_PARSER_FILES = ("notices/*.py", "notices/*.toml", "data/*.toml", "text.py", "model.py", "problems.py")


@cache
def parser_fingerprint() -> str:
    """A digest of the code and data the parser runs on: a new version of reporter parses every notice again."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for pattern in _PARSER_FILES:
        for file in sorted(package.glob(pattern)):
            digest.update(file.name.encode() + file.read_bytes())
    return digest.hexdigest()


def notice_input_key(path: Path, workspace: Workspace) -> str:
    """What a notice's parse depends on: its bytes, the workspace's districts, aliases, lexicon and the code set
    for it, and the parser itself. ``""`` when the file cannot be read (it is parsed, and the error reported)."""
    try:
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
    settings = {
        "districts": [asdict(d) for d in workspace.districts],
        "aliases": workspace.aliases,
        "lexicon": asdict(workspace.lexicon),
        "code": workspace.notice_codes.get(path.name, ""),
    }
    return content_digest([content, settings, parser_fingerprint()])


def _districts_found(notice: Notice, directory: UnitDirectory, known: list[str]) -> list[District]:
    """Districts a notice names that are not districts yet: units named like a district's government or a
    zone's committee, and the columns of its breakdown tables (海曙, 高新区) matched to such a unit named in any
    notice or in the address book (``known``)."""
    units = list(dict.fromkeys(u for t in notice.tasks for u in (*t.lead_units, *t.cooperating_units)))
    place = own_place(notice.meta.issuer)
    found = {d.unit: d for d in district_candidates(units, place)}
    pool = district_candidates(list(dict.fromkeys([*units, *known])), place)
    headers = dict.fromkeys(c for t in notice.tasks for row in t.breakdown for c in row.columns)
    for header in headers:
        if directory.district(header) is not None:
            continue
        matches = {d.unit: d for d in pool if d.name.startswith(header) or d.unit.startswith(header)}
        if len(matches) == 1:
            (district,) = matches.values()
            found.setdefault(district.unit, replace(district, short=header))
    return [d for d in found.values() if directory.district(d.unit) is None]


@dataclass
class RunResult:
    """What the one-click run did: notices imported, returns collected, ledger and reports written."""

    imported: ImportResult
    ledger: LedgerResult | None
    period: Period | None = None
    collected: CollectResult | None = None
    reports: ReportResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.imported.failed or (self.collected and self.collected.rejected))


def run_workspace(
    workspace: Workspace,
    period_key: str | None = None,
    *,
    pdf: bool = False,
    signed: date | None = None,
    progress: ProgressCallback | None = None,
) -> RunResult:
    """The one-click job: import notices, collect ``input/returns/<period>/``, write the ledger and all reports.

    The tasks and the address book are read once and shared by every step.
    """
    files = notice_files(workspace)
    if not files:
        raise WorkspaceError(
            f"{workspace.notices_dir} 中没有通知文件（支持 {'、'.join(NOTICE_SUFFIXES)}），请先放入通知"
        )
    check_ledger_closed(workspace)  # before anything: the office's edits in it must not be lost
    warm([READER_MODULE, REPORT_MODULE], workspace.jobs)
    with _open(workspace) as (workspace, store):
        changes = read_back(workspace, store)  # the office's edits first: a re-parse must not undo them
        workspace = _with_confirmed(workspace, store)  # with the districts it may just have confirmed
        imported = import_notices(workspace, files, store, reuse=True)
        if not store.has_tasks():
            return RunResult(imported, None)
        tasks = cache(store.tasks)  # read when a return is read or the ledger written: not when nothing changed
        contacts, _ = read_contacts(workspace.contacts_path)
        period = resolve_period(workspace, store, period_key)
        result = RunResult(imported, None, period)
        folder = workspace.returns_dir / period.key
        if folder.is_dir() and return_files([folder]):
            result.collected = collect_returns(
                workspace,
                store,
                [folder],
                period,
                tasks=tasks,
                contacts=contacts,
                progress=progress,
                meanwhile=_load_report_modules,  # while the readers read
            )
        else:
            result.notes.append(f"{folder} 中没有报回的填报表，台账和报告只反映已收集的数据")
        options: dict[str, object] = {"period": period.key, "signed": str(signed or ""), "pdf": pdf}
        if up_to_date(workspace, store, period.key, inputs_digest(workspace, store, options)):
            result.notes.append(
                "台账和报告已是最新（通知、填报表、台账、设置和模板都没有变化），未重写；"
                "其中的文件被删除或修改过时，再次运行会重新生成"
            )
            return result
        with ledger_records(workspace, store) as records:  # the month's records workbook, while the rest goes on
            snapshot = load_snapshot(workspace, store, period, tasks=tasks(), contacts=contacts)

            begun: list[bool] = []

            def ledger() -> None:
                begun.append(True)
                result.ledger = write_ledger(workspace, store, snapshot, changes, records)

            if snapshot.active:
                from reporter.reports.render import write_reports  # pandas and python-docx: loaded when needed

                try:  # the ledger is written in this process while the workers finish the briefs
                    result.reports = write_reports(
                        workspace, snapshot, pdf=pdf, signed=signed, progress=progress, meanwhile=ledger
                    )
                finally:
                    if not begun:  # the briefs failed before it began (a broken template): the ledger all the same
                        ledger()
                result.notes += result.reports.notes
            else:
                ledger()
                result.notes.append(f"{period.label}没有在办的任务，未出具报告（可用 --period 指定报送期）")
        assert result.ledger is not None  # written, or its error raised
        written = [result.ledger.path, *(f.path for f in (result.reports.files if result.reports else []))]
        # recorded after writing: default templates written by this run are part of what the next one compares
        inputs = inputs_digest(workspace, store, options)
        store.save_run_record(period.key, inputs, outputs_digest(written, workspace.root))
    return result


def _load_report_modules() -> None:
    import reporter.reports.render  # noqa: F401 - pandas and python-docx, used once the returns are merged


# -- one operation per command ---------------------------------------------------------------------------


def parse_notices(workspace: Workspace | None, paths: list[Path], *, store: bool = True) -> ImportResult:
    """``reporter parse``: parse notices; inside a workspace (and unless ``store`` is false) import them too."""
    if workspace is not None and store:
        with _open(workspace) as (workspace, opened):
            return import_notices(workspace, paths, opened)
    directory = workspace.directory() if workspace else UnitDirectory()
    return parse_files(paths, directory, workspace.notice_codes if workspace else None)


def _require_tasks(tasks: list[Task]) -> None:
    if not tasks:
        raise WorkspaceError("工作区中还没有任务，请先运行 reporter parse <通知文件> 或 reporter run")


def build_ledger(workspace: Workspace) -> LedgerResult:
    """``reporter ledger``: write the ledger with the latest period that has returns."""
    with _open(workspace) as (workspace, store):
        changes = read_back(workspace, store)
        workspace = _with_confirmed(workspace, store)
        tasks = store.tasks()
        _require_tasks(tasks)
        snapshot = load_snapshot(workspace, store, latest_period(workspace, store), tasks=tasks)
        return write_ledger(workspace, store, snapshot, changes)


@dataclass
class FormsRun:
    """``reporter forms``: the forms, and the ledger when the office's edits in it were read first."""

    result: FormsResult
    ledger: LedgerResult | None = None
    note: str = ""


def write_period_forms(workspace: Workspace, period_key: str | None, due: date | None = None) -> FormsRun:
    """``reporter forms``: one fill-in workbook per responsible unit for the period. The office's edits in the
    ledger are read first (a task added there gets its form) and the ledger rewritten with them; when the ledger
    is open in Excel or WPS the forms are made without them, and a note says so."""
    warm([FORM_MODULE], workspace.jobs)
    with _open(workspace) as (workspace, store):
        ledger, note = None, ""
        try:
            changes = read_back(workspace, store)
        except LedgerOpenError as exc:
            changes, note = None, f"{exc}。填报表按上次读入的台账生成"
        if changes is not None and (changes.changes or changes.problems):
            workspace = _with_confirmed(workspace, store)
            latest = load_snapshot(workspace, store, latest_period(workspace, store))
            ledger = write_ledger(workspace, store, latest, changes)  # shows the ids given and what was refused
        period = resolve_period(workspace, store, period_key)
        made = make_forms(workspace, store, load_snapshot(workspace, store, period, answers=False), due)
        store.remember_period(period.key)
        if workspace.current_period and workspace.current_period != period.key:
            current = workspace.period(workspace.current_period)
            note = "；".join(
                filter(
                    None,
                    [
                        note,
                        f"reporter.toml 中 [periods] current 为 {current.key}，其他命令仍默认{current.label}；"
                        f"如本期为{period.label}，请删除或修改该设置",
                    ],
                )
            )
        return FormsRun(made, ledger, note)


@dataclass
class CollectRun:
    """``reporter collect``: what happened to each file, and the ledger when it was refreshed."""

    period: Period | None
    result: CollectResult
    ledger: LedgerResult | None = None


def collect_period(workspace: Workspace, paths: list[Path], period_key: str | None) -> CollectRun:
    """``reporter collect``: merge returned forms (default ``input/returns/<period>/``), then refresh the ledger."""
    warm([READER_MODULE], workspace.jobs)
    with _open(workspace) as (workspace, store):
        period = workspace.period(period_key) if period_key else None
        targets = list(paths)
        if not targets:
            default = resolve_period(workspace, store, period_key)
            targets = [workspace.returns_dir / default.key]
            period = period or default
            if not targets[0].is_dir():
                raise WorkspaceError(
                    f"{targets[0]} 不存在：请把各单位报回的{default.label}填报表放入该文件夹，或在命令后写明文件或文件夹"
                )
        tasks = cache(store.tasks)
        result = collect_returns(workspace, store, targets, period, tasks=tasks)
        run = CollectRun(period, result)
        changed = any(o.status == ACCEPTED or o.sent_back for o in result.outcomes)
        if changed or not workspace.ledger_path.exists():
            changes = read_back(workspace, store)
            with ledger_records(workspace, store) as records:  # the month's records workbook, while the rest loads
                latest = store.tasks() if changes and changes.changes else tasks()
                snapshot = load_snapshot(workspace, store, latest_period(workspace, store), tasks=latest)
                run.ledger = write_ledger(workspace, store, snapshot, changes, records)
        return run


def period_status(workspace: Workspace, period_key: str | None) -> StatusReport:
    """``reporter status``: who has reported for the period."""
    with _open(workspace) as (workspace, store):
        period = resolve_period(workspace, store, period_key)
        _, status = load_snapshot(workspace, store, period).require_period()
        return status


def render_reports(
    workspace: Workspace,
    period_key: str | None,
    *,
    units: bool = False,
    pdf: bool = False,
    signed: date | None = None,
) -> ReportResult:
    """``reporter report``: every brief of the period and the consolidated Excel report."""
    warm([REPORT_MODULE], workspace.jobs)
    with _open(workspace) as (workspace, store):
        period = resolve_period(workspace, store, period_key)
        snapshot = load_snapshot(workspace, store, period)
    from reporter.reports.render import write_reports  # pandas and python-docx: loaded when needed

    return write_reports(workspace, snapshot, units=units, pdf=pdf, signed=signed)


@dataclass
class ContactsCheck:
    """``reporter contacts``: the address book read, its problems, and the units without an address."""

    found: dict[str, Contact]
    problems: list[Problem]
    missing: list[str]


def check_contacts(workspace: Workspace) -> ContactsCheck:
    found, problems = read_contacts(workspace.contacts_path)
    with _open(workspace) as (workspace, store):
        units = list(dict.fromkeys(e.unit for e in store.task_units()))
    missing = [u for u in units if not (found.get(u) and found[u].emails)]
    return ContactsCheck(found, problems, missing)


def write_contacts(workspace: Workspace) -> tuple[Path, int, int]:
    """``reporter contacts --template``: the address book listing every unit; returns (path, kept, added)."""
    from reporter.mail.jobs import contacts_template

    with _open(workspace) as (workspace, store):
        return contacts_template(workspace, store)


def mail_units(
    workspace: Workspace,
    period_key: str | None,
    *,
    kind: str,
    dry_run: bool = False,
    resend: tuple[str, ...] = (),
    again: bool = False,
) -> tuple[Period, SendResult]:
    """``reporter send`` (``kind="form"``) and ``reporter remind`` (``kind="reminder"``)."""
    from reporter.mail.jobs import send_mail

    with _open(workspace) as (workspace, store):
        period = resolve_period(workspace, store, period_key)
        return period, send_mail(workspace, store, period, kind=kind, dry_run=dry_run, resend=resend, again=again)


def fetch_mail(workspace: Workspace, period_key: str | None, eml_folder: Path | None) -> tuple[Period, FetchResult]:
    """``reporter fetch``: workbook attachments of new messages into ``input/returns/<period>/``."""
    from reporter.mail.jobs import fetch_returns

    with _open(workspace) as (workspace, store):
        period = resolve_period(workspace, store, period_key)
        return period, fetch_returns(workspace, store, period, eml_folder=eml_folder)


def init_workspace(root: Path, name: str = "", office: str = "") -> list[Path]:
    """Create an empty workspace at ``root``; refuse to overwrite an existing ``reporter.toml``."""
    config = root / CONFIG_NAME
    if config.exists():
        raise WorkspaceError(f"{root} 已经是 reporter 工作区（已有 {CONFIG_NAME}），未做任何改动")
    created = []
    for folder in (root / "input" / "notices", root / "input" / "returns", root / "output"):
        if not folder.exists():
            folder.mkdir(parents=True)
            created.append(folder)
    config.write_text(
        CONFIG_TEMPLATE.format(name=name or root.resolve().name, office=office or "督查室", districts="", aliases=""),
        encoding="utf-8",
    )
    created.append(config)
    return created

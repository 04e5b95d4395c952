"""The operations behind the commands: parse notices, import them into the store, init and run a workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reporter.errors import NoticeError, ReporterError, WorkspaceError
from reporter.forms.collect import CollectResult, Progress, collect_returns, resolve_period, return_files
from reporter.ledger import LedgerResult, write_ledger
from reporter.model import Notice
from reporter.notices.parser import near_duplicate_units, parse_notice
from reporter.notices.read import NOTICE_SUFFIXES, read_notice_file
from reporter.notices.units import UnitDirectory
from reporter.periods import Period, active_in
from reporter.problems import ERROR, Location, Problem
from reporter.reports.render import ReportResult, write_reports
from reporter.settings import CONFIG_NAME, CONFIG_TEMPLATE, Workspace
from reporter.store import SaveResult, Store


@dataclass
class ParseOutcome:
    """One file: its parsed notice, or the reason it could not be parsed."""

    path: Path
    notice: Notice | None = None
    error: str = ""
    encoding: str = ""
    sha256: str = ""
    saved: SaveResult | None = None


@dataclass
class ImportResult:
    outcomes: list[ParseOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[ParseOutcome]:
        return [o for o in self.outcomes if o.notice is None]

    def problems(self) -> list[Problem]:
        """Every problem of the batch: unreadable files as errors, then each notice's warnings."""
        found = [Problem("notice.unreadable", o.error, ERROR, Location(file=o.path.name)) for o in self.failed]
        for outcome in self.outcomes:
            if outcome.notice:
                found += outcome.notice.all_problems()
        return found


def parse_file(path: Path, directory: UnitDirectory, code: str | None = None) -> ParseOutcome:
    """Read and parse one notice file; errors become the outcome's ``error`` (never raised)."""
    outcome = ParseOutcome(path=path)
    try:
        source = read_notice_file(path)
        outcome.encoding, outcome.sha256 = source.encoding, source.sha256
        notice = parse_notice(source.lines, source=path.name, directory=directory, code=code)
        if not notice.tasks:
            raise NoticeError(f"{path.name}：没有识别出任何任务（未找到“1.”式编号任务或“一、”式民生实事项目）")
        outcome.notice = notice
    except ReporterError as exc:
        outcome.error = str(exc)
    return outcome


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


def import_notices(workspace: Workspace, paths: list[Path], store: Store) -> ImportResult:
    """Parse notices and save each parsed one into the store (one transaction per notice)."""
    result = parse_files(paths, workspace.directory(), workspace.notice_codes)
    for outcome in result.outcomes:
        if outcome.notice:
            try:
                outcome.saved = store.save_notice(outcome.notice, outcome.sha256)
            except ReporterError as exc:
                outcome.error, outcome.notice = str(exc), None
    return result


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
    workspace: Workspace, period_key: str | None = None, *, pdf: bool = False, progress: Progress | None = None
) -> RunResult:
    """The one-click job: import notices, collect ``input/returns/<period>/``, write the ledger and all reports."""
    files = notice_files(workspace)
    if not files:
        raise WorkspaceError(
            f"{workspace.notices_dir} 中没有通知文件（支持 {'、'.join(NOTICE_SUFFIXES)}），请先放入通知"
        )
    with Store(workspace.store_path) as store:
        imported = import_notices(workspace, files, store)
        if not store.tasks():
            return RunResult(imported, None)
        period = resolve_period(workspace, store, period_key)
        result = RunResult(imported, None, period)
        folder = workspace.returns_dir / period.key
        if folder.is_dir() and return_files([folder]):
            result.collected = collect_returns(workspace, store, [folder], period, progress=progress)
        else:
            result.notes.append(f"{folder} 中没有报回的填报表，台账和报告只反映已收集的数据")
        result.ledger = write_ledger(workspace, store, period)
        if any(active_in(t, period) for t in store.tasks()):
            result.reports = write_reports(workspace, store, period, pdf=pdf, progress=progress)
            result.notes += result.reports.notes
        else:
            result.notes.append(f"{period.label}没有在办的任务，未出具报告（可用 --period 指定报送期）")
    return result


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

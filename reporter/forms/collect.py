"""The monthly cycle: write every unit's form, collect the returns, work out progress and who has not reported."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reporter.contacts import Contact, read_contacts
from reporter.errors import OutputError, ReporterError, WorkspaceError
from reporter.forms.plan import FORM_VERSION, FormPlan, full_text, plan_forms
from reporter.forms.read import read_content, read_meta
from reporter.io.formbook import write_form
from reporter.io.workbooks import WorkbookRejected, file_sha256, read_workbook
from reporter.io.xlsx import Column, Sheet, write_workbook
from reporter.model import LEAD
from reporter.periods import Period, active_in, period_containing
from reporter.problems import ERROR, WARNING, Location, Problem, count_by_code
from reporter.settings import Workspace
from reporter.store import ReturnRecord, Store

if TYPE_CHECKING:
    from reporter.ledger import LedgerResult

Progress = Callable[[str, int, int], None]  # (step, done, total), for progress bars

MANIFEST_NAME = "填报表清单.xlsx"


def resolve_period(workspace: Workspace, store: Store | None, key: str | None) -> Period:
    """``--period``, else ``[periods] current``, else the latest period with returns, else today's."""
    if key:
        return workspace.period(key)
    if workspace.current_period:
        return workspace.period(workspace.current_period)
    if store is not None:
        periods = store.periods_with_returns()
        if periods:
            return workspace.period(periods[-1])
    return period_containing(date.today(), workspace.period_kind)


def due_date(workspace: Workspace, store: Store, period: Period, due: date | None = None) -> date:
    """The due date given now, else the one recorded for the period, else the configured default."""
    if due is not None:
        return due
    recorded = store.period_due(period.key)
    return date.fromisoformat(recorded) if recorded else period.due(workspace.due_day)


@dataclass
class FormsResult:
    period: Period
    due: date
    folder: Path
    manifest: Path
    plans: list[FormPlan] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)


def make_forms(workspace: Workspace, store: Store, period: Period, due: date | None = None) -> FormsResult:
    """Write one form per real responsible unit into ``output/forms/<period>/`` and a manifest workbook."""
    all_tasks = store.tasks()
    if not all_tasks:
        raise WorkspaceError("工作区中还没有任务，请先运行 reporter parse <通知文件> 或 reporter run")
    tasks = [t for t in all_tasks if active_in(t, period)]
    if not tasks:
        years = "、".join(sorted({t["id"][:4] for t in all_tasks}))
        raise WorkspaceError(f"{period.label}没有在办的任务（已导入的通知年度：{years}），请检查报送期")
    due = due_date(workspace, store, period, due)
    units = store.task_units()
    previous = {unit: store.latest_answers_before(unit, period.key) for unit in dict.fromkeys(e["unit"] for e in units)}
    previous_indicators: dict[str, dict[str, float]] = {}
    for item in store.indicator_answers():
        if item["period"] < period.key and item["completed"] is not None:
            previous_indicators.setdefault(item["unit"], {})[f"{item['task_id']}-{item['row'] + 1}"] = item["completed"]
    plans = plan_forms(
        tasks,
        units,
        period,
        due,
        workspace.directory(),
        workspace=workspace.name,
        office=workspace.office,
        contact=workspace.contact,
        previous=previous,
        previous_indicators=previous_indicators,
    )
    folder = workspace.forms_dir / period.key
    result = FormsResult(period, due, folder, folder / MANIFEST_NAME, plans)
    for plan in plans:
        path = folder / plan.file_name
        write_form(plan, path, font=workspace.font, title_font=workspace.title_font)
        result.paths.append(path)
    store.set_period_due(period.key, due.isoformat())
    store.save_forms(
        period.key,
        [
            (p.unit, path.name, FORM_VERSION, [t.id for t in p.tasks])
            for p, path in zip(plans, result.paths, strict=True)
        ],
    )
    write_workbook(
        result.manifest, [_manifest_sheet(workspace, result)], font=workspace.font, title_font=workspace.title_font
    )
    return result


def _manifest_sheet(workspace: Workspace, result: FormsResult) -> Sheet:
    kinds = {d.unit: d.kind for d in workspace.districts}
    return Sheet(
        "填报表清单",
        f"{result.period.label}填报表清单（截止日期 {result.due.isoformat()}）",
        [
            Column("序号", 5, 6, wrap=False),
            Column("单位", 16, 30),
            Column("类型", 8, 10, wrap=False),
            Column("牵头任务", 8, 10, wrap=False),
            Column("配合任务", 8, 10, wrap=False),
            Column("民生实事指标", 8, 12, wrap=False),
            Column("文件名", 30, 60),
        ],
        [
            [
                i,
                plan.unit,
                kinds.get(plan.unit, "部门单位"),
                plan.lead_count,
                plan.cooperating_count,
                len(plan.indicators),
                path.name,
            ]
            for i, (plan, path) in enumerate(zip(result.plans, result.paths, strict=True), start=1)
        ],
    )


# -- collect --------------------------------------------------------------------------------------------

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REJECTED = "rejected"
OUTCOME_LABELS = {ACCEPTED: "已接收", DUPLICATE: "重复（已收过）", REJECTED: "已退回"}


@dataclass
class FileOutcome:
    """What happened to one returned file."""

    path: Path
    status: str
    unit: str = ""
    period: str = ""
    sha256: str = ""
    answers: int = 0
    indicators: int = 0
    current: bool = False
    superseded: bool = False
    problems: list[Problem] = field(default_factory=list)
    task_ids: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.status == ACCEPTED and not self.current:
            return "已接收（早于本单位已收的报送，仅存档）"
        if self.status == ACCEPTED and self.superseded:
            return "已接收（替代本单位此前的报送）"
        return OUTCOME_LABELS[self.status]

    def to_dict(self) -> dict:
        return {
            "file": str(self.path),
            "status": self.status,
            "unit": self.unit,
            "period": self.period,
            "sha256": self.sha256,
            "answers": self.answers,
            "indicators": self.indicators,
            "current": self.current,
            "superseded": self.superseded,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass
class CollectResult:
    outcomes: list[FileOutcome] = field(default_factory=list)
    ledger: LedgerResult | None = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == REJECTED]

    @property
    def tasks_updated(self) -> int:
        return len({a for o in self.outcomes if o.status == ACCEPTED and o.current for a in o.task_ids})

    def problems(self) -> list[Problem]:
        return [p for o in self.outcomes for p in o.problems]

    def to_dict(self) -> dict:
        return {
            "files": [o.to_dict() for o in self.outcomes],
            "summary": {
                "accepted": self.count(ACCEPTED),
                "rejected": self.count(REJECTED),
                "duplicates": self.count(DUPLICATE),
                "tasks_updated": self.tasks_updated,
                "problems_by_code": count_by_code(self.problems()),
            },
        }


def return_files(paths: list[Path]) -> list[Path]:
    """Files named, and every file inside folders named (recursively), skipping hidden and Office lock files."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not p.name.startswith((".", "~$")) and not any(x.startswith(".") for x in p.parts)
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def collect_returns(
    workspace: Workspace,
    store: Store,
    paths: list[Path],
    period: Period | None = None,
    *,
    progress: Progress | None = None,
) -> CollectResult:
    """Check and merge returned forms, one transaction per file; the rest go on when one is rejected."""
    files = return_files(paths)
    if not files:
        raise WorkspaceError("没有找到要收集的文件：" + "、".join(str(p) for p in paths))
    tasks = {t["id"]: t for t in store.tasks()}
    units = {e["unit"] for e in store.task_units()}
    texts = {task_id: full_text(task) for task_id, task in tasks.items()}
    contacts, _ = read_contacts(workspace.contacts_path)
    result = CollectResult()
    for done, path in enumerate(files, start=1):
        result.outcomes.append(_collect_one(workspace, store, path, period, tasks, texts, units, contacts))
        if progress:
            progress("收集填报表", done, len(files))
    return result


def _collect_one(
    workspace: Workspace,
    store: Store,
    path: Path,
    period: Period | None,
    tasks: dict[str, dict],
    texts: dict[str, str],
    units: set[str],
    contacts: dict[str, Contact],
) -> FileOutcome:
    outcome = FileOutcome(path, REJECTED)

    def reject(code: str, message: str) -> FileOutcome:
        outcome.problems.append(Problem(code, message, ERROR, Location(file=path.name)))
        return outcome

    if not path.exists():
        return reject("file.missing", "文件不存在")
    try:
        known = store.return_by_sha(file_sha256(path))
    except OSError as exc:
        return reject("file.unreadable", f"无法读取文件：{exc.strerror or exc}")
    if known is not None:  # the same bytes were accepted before: nothing to read
        outcome.status, outcome.unit, outcome.period = DUPLICATE, known["unit"], known["period"]
        outcome.sha256, outcome.current = known["sha256"], bool(known["current"])
        return outcome
    try:
        raw = read_workbook(path)
    except WorkbookRejected as exc:
        return reject(exc.code, exc.message)
    outcome.sha256 = raw.sha256
    meta = read_meta(raw)
    if meta is None:
        return reject(
            "form.no-metadata",
            "不是本系统下发的填报表（缺少隐藏的识别信息），无法确定报送单位。请在下发的填报表中填写后报送",
        )
    outcome.unit, outcome.period = meta.unit, meta.period
    if meta.workspace != workspace.name:
        return reject("form.wrong-workspace", f"这是“{meta.workspace}”的填报表，不属于本工作区（{workspace.name}）")
    if meta.unit not in units:
        return reject("form.unknown-unit", f"填报单位“{meta.unit}”不在当前任务的责任单位中（任务可能已调整），请核实")
    try:
        form_period = workspace.period(meta.period)
    except ReporterError:
        return reject("form.bad-metadata", f"填报表中的报送期“{meta.period}”无法识别，请使用下发的填报表")
    if period is not None and form_period.key != period.key:
        return reject(
            "form.wrong-period",
            f"这是{form_period.label}的填报表，不是{period.label}的。请使用本期下发的填报表报送",
        )
    try:
        content = read_content(raw, meta, texts)
    except Exception as exc:  # an unforeseen shape of file must not stop the batch
        return reject(
            "file.unexpected", f"读取内容时发生意外错误（{type(exc).__name__}），已跳过此文件。请反馈给维护人员"
        )
    outcome.problems += content.problems
    if content.errors:
        return outcome
    answers = []
    for answer in content.answers:
        if answer["task_id"] not in tasks:
            outcome.problems.append(
                Problem(
                    "task.removed",
                    "该任务已不在当前任务清单中（通知已修订），本行未导入",
                    WARNING,
                    Location(file=path.name, task=answer["task_id"]),
                )
            )
            continue
        answers.append(answer)
    directory = workspace.directory()
    for item in content.indicators:
        task = tasks.get(item["task_id"])
        if task and item["row"] < len(task["breakdown"]):
            row = task["breakdown"][item["row"]]
            item["indicator"] = row["indicator"] or task["text"]
            item["unit"] = row["unit"]
            item["target"] = next(
                (v for c, v in row["values"].items() if (d := directory.district(c)) and d.short == item["district"]),
                None,
            )
    mismatch = sender_mismatch(store, contacts, meta.unit, raw.sha256)
    if mismatch:
        outcome.problems.append(Problem("mail.sender-mismatch", mismatch, WARNING, Location(file=path.name)))
    fetched = store.fetched_file(raw.sha256)
    archive = _archive(workspace, raw.path, raw.sha256, form_period.key, raw.kind)
    had_earlier = store.has_return(meta.unit, form_period.key)
    record = ReturnRecord(
        sha256=raw.sha256,
        period=form_period.key,
        unit=meta.unit,
        file_name=path.name,
        archive=str(archive.relative_to(workspace.root)),
        saved_at=raw.saved_at or datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds"),
        form_version=meta.version,
        reporter=content.reporter,
        phone=content.phone,
        sender=fetched["sender"] if fetched else "",
        problems=[p.to_dict() for p in outcome.problems],
        answers=answers,
        indicators=content.indicators,
    )
    _, outcome.current = store.save_return(record)
    outcome.status = ACCEPTED
    outcome.superseded = had_earlier and outcome.current
    outcome.answers, outcome.indicators = len(answers), len(content.indicators)
    outcome.task_ids = [a["task_id"] for a in answers]
    return outcome


def sender_mismatch(store: Store, contacts: dict[str, Contact], unit: str, sha256: str) -> str:
    """A sentence when the file came by mail from an address not in the unit's contacts, else ``""``."""
    fetched = store.fetched_file(sha256)
    contact = contacts.get(unit)
    if not fetched or not contact or not contact.emails or not fetched["sender"]:
        return ""
    known = {a.lower() for a in [*contact.emails, *contact.cc]}
    if fetched["sender"].lower() in known:
        return ""
    return f"该文件由 {fetched['sender']} 发来，不是通讯录中{unit}的邮箱（{'、'.join(contact.emails)}），请核实"


def _archive(workspace: Workspace, path: Path, sha256: str, period: str, kind: str) -> Path:
    """Keep the original bytes under ``.reporter/archive/<period>/<sha256>.<kind>`` (written atomically)."""
    target = workspace.archive_dir / period / f"{sha256}.{kind}"
    if target.exists():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(path, temp)
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError(f"无法归档 {path.name}：{exc.strerror or exc}") from exc
    return target


# -- status ---------------------------------------------------------------------------------------------


@dataclass
class UnitStatus:
    """One unit's reporting status (报送情况) for a period."""

    unit: str
    kind: str
    lead: int
    cooperating: int
    returned_at: str = ""
    late: bool = False
    returns: int = 0
    reporter: str = ""
    phone: str = ""
    file: str = ""
    contact: str = ""
    reminders: int = 0

    @property
    def returned(self) -> bool:
        return bool(self.returned_at)

    @property
    def label(self) -> str:
        if not self.returned:
            return "未报送"
        return "逾期报送" if self.late else "按时报送"

    def to_dict(self) -> dict:
        return {
            "unit": self.unit,
            "kind": self.kind,
            "lead_tasks": self.lead,
            "cooperating_tasks": self.cooperating,
            "status": self.label,
            "returned_at": self.returned_at,
            "late": self.late,
            "returns": self.returns,
            "reporter": self.reporter,
            "phone": self.phone,
            "file": self.file,
            "contact": self.contact,
            "reminders": self.reminders,
        }


@dataclass
class StatusReport:
    period: Period
    due: date
    units: list[UnitStatus]
    unanswered: list[dict]

    def to_dict(self) -> dict:
        return {
            "period": self.period.key,
            "due": self.due.isoformat(),
            "units": [u.to_dict() for u in self.units],
            "unanswered_tasks": [{"id": t["id"], "text": t["text"][:60]} for t in self.unanswered],
        }


def reporting_status(
    workspace: Workspace, store: Store, period: Period, tasks: list[dict] | None = None
) -> StatusReport:
    """Who has returned the period's form and who has not, and which tasks have no answer at all.

    ``tasks``: the store's tasks when the caller has loaded them already.
    """
    due = due_date(workspace, store, period)
    tasks = [t for t in (store.tasks() if tasks is None else tasks) if active_in(t, period)]
    active = {t["id"] for t in tasks}
    counts: dict[str, list[int]] = {}
    for entry in store.task_units():
        if entry["task_id"] in active:
            counts.setdefault(entry["unit"], [0, 0])[0 if entry["role"] == LEAD else 1] += 1
    returns = store.returns(period.key)
    kinds = {d.unit: d.kind for d in workspace.districts}
    contacts, _ = read_contacts(workspace.contacts_path)
    reminders: dict[str, int] = {}
    for entry in store.mail_log(period.key, "reminder"):
        if entry["status"] in ("sent", "outbox"):
            reminders[entry["unit"]] = reminders.get(entry["unit"], 0) + 1
    rows = []
    for unit, (lead, cooperating) in counts.items():
        mine = [r for r in returns if r["unit"] == unit]
        status = UnitStatus(unit, kinds.get(unit, "部门单位"), lead, cooperating, returns=len(mine))
        contact = contacts.get(unit)
        if contact:
            status.contact = " ".join(filter(None, [contact.person, contact.phone]))
        status.reminders = reminders.get(unit, 0)
        current = next((r for r in mine if r["current"]), None)
        if current:
            first = min(r["saved_at"] for r in mine)
            status.returned_at = first
            status.late = date.fromisoformat(first[:10]) > due
            status.reporter, status.phone, status.file = current["reporter"], current["phone"], current["file_name"]
        rows.append(status)
    rows.sort(key=lambda s: (s.returned, s.late is False, s.unit))
    answered = {a["task_id"] for a in store.answers(period.key)}
    unanswered = [t for t in tasks if t["id"] not in answered]
    return StatusReport(period, due, rows, unanswered)


def latest_period(workspace: Workspace, store: Store) -> Period | None:
    """The most recent period with returns, if any."""
    periods = store.periods_with_returns()
    return workspace.period(periods[-1]) if periods else None

"""Collecting returned forms: check each file, merge its answers into the store, archive the original.

Files are read and checked in worker processes (``isolated_map``: a file that crashes, stalls or exhausts the
reader is refused alone), then merged by this process in the order given, each all or nothing (a savepoint of the
batch's transaction, committed every second); a file with any error is rejected whole and the batch goes on.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from reporter.contacts import Contact, read_contacts
from reporter.errors import OutputError, ReporterError, WorkspaceError, os_error_message
from reporter.forms.identity import identity_digest, same_identity
from reporter.forms.read import FormMeta, ReturnContent, read_content, read_meta
from reporter.io.files import replacing, sweep_leftovers
from reporter.io.workbooks import WorkbookRejected, file_sha256, read_workbook, whole_file_sha256
from reporter.model import ProgressCallback, ReturnRow, SentBack, Task
from reporter.parallel import WorkerFailure, default_jobs, in_background, isolated_map
from reporter.periods import Period
from reporter.problems import (
    ERROR,
    FILE_CHANGED,
    FILE_CRASHED,
    FILE_MISSING,
    FILE_NOT_REGULAR,
    FILE_TIMEOUT,
    FILE_UNEXPECTED,
    FILE_UNREADABLE,
    FORM_BAD_METADATA,
    FORM_FUTURE_SAVED_TIME,
    FORM_IDENTITY_CHANGED,
    FORM_NO_METADATA,
    FORM_UNKNOWN_UNIT,
    FORM_WRONG_PERIOD,
    FORM_WRONG_WORKSPACE,
    MAIL_SENDER_MISMATCH,
    TASK_REMOVED,
    VALUE_COMPLETED_SCALE,
    Location,
    Problem,
    ProblemType,
    count_by_code,
)
from reporter.settings import Workspace
from reporter.store import ReturnRecord, Store
from reporter.text import readable_number

INCOMING = "incoming"  # the archive's folder for the bytes the readers kept, until they are merged or not

# -- collect --------------------------------------------------------------------------------------------

FUTURE_TOLERANCE = timedelta(days=1)  # clocks a day off are common; a saved time beyond that is flagged
SCALE_LIMIT = 100  # a completed amount a hundred times its target is a wrong unit of measure, or a probe
IDENTITY_VERSION = 2  # forms from this version on carry their keyed identity

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REJECTED = "rejected"
SETTLED = "settled"  # refused before, and its unit has sent a good return since: not listed again
OUTCOME_LABELS = {
    ACCEPTED: "已接收",
    DUPLICATE: "重复（已收过）",
    REJECTED: "已退回",
    SETTLED: "此前已退回，该单位已重新报送",
}
# Refusals that say nothing of the unit's report: not ours, not from a known unit, a unit it may not be from (its
# identity was edited: never held against the unit it names), or a file changing under us
NOT_SENT_BACK = frozenset(
    {
        FORM_NO_METADATA.code,
        FORM_WRONG_WORKSPACE.code,
        FORM_UNKNOWN_UNIT.code,
        FORM_IDENTITY_CHANGED.code,
        FILE_CHANGED.code,
    }
)


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
    sent_back: bool = False  # refused, and its unit recorded as 已退回 for the period
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
                "settled": self.count(SETTLED),
                "tasks_updated": self.tasks_updated,
                "problems_by_code": count_by_code(self.problems()),
            },
        }


def return_files(paths: list[Path]) -> list[Path]:
    """Files named, and every entry inside folders named (recursively) that is not a folder, skipping hidden
    entries and Office lock files below the folder named (where the folder itself lies does not matter: a
    workspace may sit in ``~/.sync/``). Special files and links are listed too, to be refused by name."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if not p.is_dir()
                and not p.name.startswith("~$")
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _not_regular(path: Path, root: Path) -> Problem | None:
    """A refusal for what must not be opened: a FIFO, a device, a socket, or a link leading out of the
    workspace (``/dev/zero`` linked into the returns folder); else ``None``."""
    location = Location(file=path.name)
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            return FILE_NOT_REGULAR.at(location, what=f"指向工作区以外（{target}）的链接")
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return None
    kinds = (
        (stat.S_ISFIFO, "管道（FIFO）"),
        (stat.S_ISCHR, "设备文件"),
        (stat.S_ISBLK, "设备文件"),
        (stat.S_ISSOCK, "套接字"),
    )
    return FILE_NOT_REGULAR.at(location, what=next((label for test, label in kinds if test(mode)), "特殊文件"))


@dataclass
class ReadReturn:
    """What a worker found in one file: its bytes' identity, the form's metadata and content, or why not."""

    path: Path
    sha256: str = ""
    kind: str = ""
    saved_at: str = ""
    meta: FormMeta | None = None
    content: ReturnContent | None = None
    rejection: Problem | None = None  # the file cannot be read as a workbook
    content_error: Problem | None = None  # the metadata was read, the rest raised an unforeseen error
    kept: Path | None = None  # the bytes read, in a temporary file of the archive (moved in when accepted)


@dataclass(frozen=True)
class Reading:
    """What every reader gets once: the tasks' texts (a changed text is noted) and where to keep the bytes read."""

    texts: dict[str, str]
    incoming: Path


def read_return(reading: Reading, path: Path) -> ReadReturn:
    """Read and interpret one returned file (in a worker process: see ``isolated_map``); the bytes read are kept
    in ``reading.incoming`` for the archive."""
    location = Location(file=path.name)
    try:
        raw = read_workbook(path, keep_in=reading.incoming)
    except WorkbookRejected as exc:
        return ReadReturn(path, rejection=exc.kind.at(location, **exc.fields))
    result = ReadReturn(path, raw.sha256, raw.kind, raw.saved_at, read_meta(raw), kept=raw.kept)
    if result.meta is not None:
        try:
            result.content = read_content(raw, result.meta, reading.texts)
        except Exception as exc:  # an unforeseen shape of file must not stop the batch
            result.content_error = FILE_UNEXPECTED.at(location, error_type=type(exc).__name__)
    return result


def _failed_read(path: Path, failure: WorkerFailure) -> ReadReturn:
    location = Location(file=path.name)
    if failure.reason == "timeout":
        return ReadReturn(path, rejection=FILE_TIMEOUT.at(location, label="该"))
    if failure.reason == "crashed":
        return ReadReturn(path, rejection=FILE_CRASHED.at(location))
    return ReadReturn(path, rejection=FILE_UNEXPECTED.at(location, error_type=failure.detail))


def collect_returns(
    workspace: Workspace,
    store: Store,
    paths: list[Path],
    period: Period | None = None,
    *,
    tasks: Callable[[], list[Task]] | None = None,
    contacts: dict[str, Contact] | None = None,
    progress: ProgressCallback | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> CollectResult:
    """Check and merge returned forms, each all or nothing; the rest go on when one is rejected.

    Files whose bytes were accepted before are not read again; the others are read by ``workspace.jobs`` worker
    processes (one per core by default). ``tasks``: gives the store's tasks when the caller has them already;
    ``contacts``: the address book. Neither is read when every file is known (a ``run`` with nothing new).
    ``meanwhile``: other work of this process, started in a thread when there are files to read (``in_background``).
    """
    files = return_files(paths)
    if not files:
        raise WorkspaceError("没有找到要收集的文件：" + "、".join(str(p) for p in paths))
    early: dict[int, FileOutcome] = {}
    to_read: list[int] = []
    for index, path in enumerate(files):
        outcome = _known(store, path, workspace.root)
        if outcome is None:
            to_read.append(index)
        else:
            early[index] = outcome
    if not to_read:  # every file known or refused without reading: nothing to merge
        if progress:
            progress("收集填报表", len(files), len(files))
        return CollectResult([early[index] for index in range(len(files))])
    by_id = {t.id: t for t in (store.tasks() if tasks is None else tasks())}
    units = {e.unit for e in store.task_units()} | set(store.office_aliases())  # a form sent before a merge too
    if contacts is None:
        contacts, _ = read_contacts(workspace.contacts_path)
    key = store.form_key()
    texts = {task_id: task.full_text for task_id, task in by_id.items()}
    incoming = workspace.archive_dir / INCOMING
    shared = Reading(texts, incoming)
    reading = isolated_map(read_return, [files[i] for i in to_read], shared, jobs=workspace.jobs or default_jobs())
    if meanwhile is not None:
        in_background(meanwhile)
    read: dict[int, ReadReturn] = {}
    result = CollectResult()

    def merge_ready(step_done: Callable[[], None]) -> None:  # in the order given, as soon as the next is read
        while len(result.outcomes) < len(files):
            index = len(result.outcomes)
            outcome = early.get(index)
            if outcome is None:
                if index not in read:
                    return
                raw = read.pop(index)
                try:
                    with store.transaction():  # the file's answers and its refusal, or nothing
                        outcome = _merge(workspace, store, raw, period, by_id, units, contacts, key)
                        _record_send_back(workspace, store, raw, outcome, period, units)
                finally:
                    if raw.kept is not None:  # not archived: refused, or the same bytes are there already
                        raw.kept.unlink(missing_ok=True)
                step_done()
            result.outcomes.append(outcome)
            if progress:
                progress("收集填报表", len(result.outcomes), len(files))

    try:
        with store.batch() as step_done:  # merging overlaps reading; one commit a second, not one per file
            merge_ready(step_done)
            for position, value in reading:
                path = files[to_read[position]]
                read[to_read[position]] = _failed_read(path, value) if isinstance(value, WorkerFailure) else value
                merge_ready(step_done)
    finally:  # a copy kept by a reader that died before it reported, or of a file not merged (an error)
        sweep_leftovers([incoming])
    return _settled(store, result)


def _settled(store: Store, result: CollectResult) -> CollectResult:
    """Refused files whose unit sent a good return after them (in this batch too) marked as settled."""
    for outcome in result.outcomes:
        if outcome.sent_back:
            sent_back = store.send_back_by_sha(outcome.sha256)
            if sent_back is not None and store.replaced_since(sent_back):
                outcome.status, outcome.problems, outcome.sent_back = SETTLED, [], False
    return result


def _known(store: Store, path: Path, root: Path) -> FileOutcome | None:
    """The outcome of a file that needs no reading: missing, not a regular file, unreadable, or bytes already
    accepted; else None."""
    outcome = FileOutcome(path, REJECTED)
    if not path.exists():
        outcome.problems.append(FILE_MISSING.at(Location(file=path.name)))
        return outcome
    try:
        refusal = _not_regular(path, root)
        if refusal is not None:
            outcome.problems.append(refusal)
            return outcome
        sha256 = file_sha256(path)
    except OSError as exc:
        outcome.problems.append(FILE_UNREADABLE.at(Location(file=path.name), reason=exc.strerror or exc))
        return outcome
    known = store.return_by_sha(sha256)
    if known is not None:
        return _duplicate(outcome, known)
    sent_back = store.send_back_by_sha(sha256)
    if sent_back is not None and store.replaced_since(sent_back):
        outcome.status, outcome.unit, outcome.period, outcome.sha256 = SETTLED, sent_back.unit, sent_back.period, sha256
        return outcome
    return None


def _record_send_back(
    workspace: Workspace,
    store: Store,
    raw: ReadReturn,
    outcome: FileOutcome,
    period: Period | None,
    units: set[str],
) -> None:
    """A refused form of a known unit: the unit is 已退回 for the period (the one collected when it sent another
    period's form), with the first error as the reason."""
    codes = {p.code for p in outcome.problems}
    if outcome.status != REJECTED or not outcome.sha256 or outcome.unit not in units or codes & NOT_SENT_BACK:
        return
    if FORM_WRONG_PERIOD.code in codes and period is not None:
        key = period.key
    else:
        try:
            key = workspace.period(outcome.period).key
        except ReporterError:
            return
    errors = [p for p in outcome.problems if p.severity == ERROR] or outcome.problems
    store.save_send_back(
        SentBack(outcome.sha256, key, outcome.unit, raw.path.name, errors[0].message, _arrival(store, raw))
    )
    outcome.sent_back = True


def _arrival(store: Store, raw: ReadReturn) -> str:
    """When a file reached the office: the mail's date when it was fetched, else its time in the returns folder."""
    fetched = store.fetched_file(raw.sha256)
    if fetched and fetched.received_at:
        return fetched.received_at
    try:
        return datetime.fromtimestamp(raw.path.stat().st_mtime).isoformat(timespec="microseconds")
    except OSError:
        return datetime.now().isoformat(timespec="microseconds")


def _duplicate(outcome: FileOutcome, known: ReturnRow) -> FileOutcome:
    outcome.status, outcome.unit, outcome.period = DUPLICATE, known.unit, known.period
    outcome.sha256, outcome.current = known.sha256, known.current
    return outcome


def _merge(
    workspace: Workspace,
    store: Store,
    raw: ReadReturn,
    period: Period | None,
    tasks: dict[str, Task],
    units: set[str],
    contacts: dict[str, Contact],
    key: bytes,
) -> FileOutcome:
    path = raw.path
    outcome = FileOutcome(path, REJECTED)

    def reject(kind: ProblemType, **fields: object) -> FileOutcome:
        outcome.problems.append(kind.at(Location(file=path.name), **fields))
        return outcome

    if raw.rejection is not None:
        outcome.problems.append(raw.rejection)
        return outcome
    known = store.return_by_sha(raw.sha256)  # the same bytes twice in one batch: the first one was just merged
    if known is not None:
        return _duplicate(outcome, known)
    outcome.sha256 = raw.sha256
    meta = raw.meta
    if meta is None:
        return reject(FORM_NO_METADATA)
    outcome.unit, outcome.period = meta.unit, meta.period
    if meta.workspace != workspace.name:
        return reject(FORM_WRONG_WORKSPACE, form_workspace=meta.workspace, workspace=workspace.name)
    if meta.unit not in units:
        return reject(FORM_UNKNOWN_UNIT, unit=meta.unit)
    try:
        form_period = workspace.period(meta.period)
    except ReporterError:
        return reject(FORM_BAD_METADATA, period=meta.period)
    if period is not None and form_period.key != period.key:
        return reject(FORM_WRONG_PERIOD, form_period=form_period.label, period=period.label)
    identity = _identity_problem(store, key, meta, form_period, Location(file=path.name))
    if identity is not None:
        outcome.problems.append(identity)
        return outcome
    if raw.content_error is not None or raw.content is None:
        outcome.problems.append(raw.content_error or FILE_UNEXPECTED.at(Location(file=path.name), error_type="-"))
        return outcome
    content = raw.content
    outcome.problems += content.problems
    if content.errors:
        return outcome
    answers = []
    for answer in content.answers:
        if answer.task_id not in tasks:
            outcome.problems.append(TASK_REMOVED.at(Location(file=path.name, task=answer.task_id)))
            continue
        answers.append(answer)
    directory = workspace.directory()
    for item in content.indicators:
        task = tasks.get(item.task_id)
        if task and item.row < len(task.breakdown):
            row = task.breakdown[item.row]
            item.indicator = row.indicator or task.text
            item.unit = row.unit
            item.target = next(
                (v for c, v in row.values.items() if (d := directory.district(c)) and d.short == item.district),
                None,
            )
            if item.target and item.completed is not None and item.completed > SCALE_LIMIT * item.target:
                outcome.problems.append(
                    VALUE_COMPLETED_SCALE.at(
                        Location(file=path.name, task=item.task_id),
                        district=item.district,
                        indicator=item.indicator,
                        completed=readable_number(item.completed),
                        target=readable_number(item.target),
                        times=readable_number(round(item.completed / item.target)),
                    )
                )
    mismatch = sender_mismatch(store, contacts, meta.unit, raw.sha256, Location(file=path.name))
    if mismatch:
        outcome.problems.append(mismatch)
    fetched = store.fetched_file(raw.sha256)
    archive = _archive(workspace, raw, form_period.key)
    if archive is None:
        return reject(FILE_CHANGED)
    had_earlier = store.has_return(meta.unit, form_period.key)
    mtime = datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="microseconds")
    if raw.saved_at and raw.saved_at > (datetime.now() + FUTURE_TOLERANCE).isoformat(timespec="seconds"):
        outcome.problems.append(
            FORM_FUTURE_SAVED_TIME.at(Location(file=path.name), saved_at=raw.saved_at.replace("T", " "))
        )
    record = ReturnRecord(
        sha256=raw.sha256,
        period=form_period.key,
        unit=meta.unit,
        file_name=path.name,
        archive=str(archive.relative_to(workspace.root)),
        saved_at=raw.saved_at or mtime[:19],
        arrived_at=_arrival(store, raw),
        form_version=meta.version,
        reporter=content.reporter,
        phone=content.phone,
        sender=fetched.sender if fetched else "",
        problems=[p.to_dict() for p in outcome.problems],
        answers=answers,
        indicators=content.indicators,
    )
    _, outcome.current = store.save_return(record)
    outcome.status = ACCEPTED
    outcome.superseded = had_earlier and outcome.current
    outcome.answers, outcome.indicators = len(answers), len(content.indicators)
    outcome.task_ids = [a.task_id for a in answers]
    return outcome


def _identity_problem(store: Store, key: bytes, meta: FormMeta, period: Period, location: Location) -> Problem | None:
    """``form.identity-changed`` when the hidden sheet is not what we wrote into the form sent to that unit for
    that period (or its identity was removed from a form that had one), else ``None``. Forms written before forms
    carried an identity are taken as they are."""
    if meta.identity:
        expected = identity_digest(
            key,
            meta.workspace,
            meta.unit,
            meta.period,
            meta.tasks.items(),
            [(k, task_id, row, district) for k, (task_id, row, district) in meta.indicators.items()],
        )
        if same_identity(expected, meta.identity):
            return None
    elif meta.version < IDENTITY_VERSION and all(
        f.version < IDENTITY_VERSION for f in store.forms(period.key) if f.unit == meta.unit
    ):
        return None
    return FORM_IDENTITY_CHANGED.at(location, unit=meta.unit, period=period.label)


def sender_mismatch(
    store: Store, contacts: dict[str, Contact], unit: str, sha256: str, location: Location
) -> Problem | None:
    """A warning when the file came by mail from an address not in the unit's contacts, else ``None``."""
    fetched = store.fetched_file(sha256)
    contact = contacts.get(unit)
    if not fetched or not contact or not contact.emails or not fetched.sender:
        return None
    known = {a.lower() for a in [*contact.emails, *contact.cc]}
    if fetched.sender.lower() in known:
        return None
    return MAIL_SENDER_MISMATCH.at(location, sender=fetched.sender, unit=unit, addresses="、".join(contact.emails))


def _archive(workspace: Workspace, raw: ReadReturn, period: str) -> Path | None:
    """Keep the original bytes under ``.reporter/archive/<period>/<sha256>.<kind>``: the copy the reader kept of
    the bytes it read, moved in (``raw.kept`` is then ``None``); without one, a copy of the file (written
    atomically), or ``None`` when the file no longer has the bytes that were read (it changed while the batch
    ran)."""
    target = workspace.archive_dir / period / f"{raw.sha256}.{raw.kind}"
    if target.exists():
        return target
    if raw.kept is not None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(raw.kept, target)
        except OSError as exc:
            raise OutputError(os_error_message(exc, target)) from exc
        raw.kept = None
        return target
    with replacing(target) as temp:
        try:
            shutil.copyfile(raw.path, temp)
        except OSError as exc:
            raise OutputError(os_error_message(exc, target)) from exc
        if whole_file_sha256(temp) != raw.sha256:
            return None  # the temporary copy is removed, nothing is kept
    return target

"""The office's edits in the ledger (台账), read back before the next ledger is written.

The ledger is the office's master workbook. Every command that writes it first reads the live file and turns
what the office changed into store changes:

* a changed definition cell of a task (任务内容, 牵头领导, 牵头单位, 配合单位, 完成时限, 板块 …): an office edit,
  which wins over every later re-parse of the notice (a revised notice that says otherwise is a conflict, shown
  until the office chooses in the 台账修改 sheet);
* a row with a task text and no id (or an id of the office's own): a new task (批示交办 …), given an id;
* 督办状态 set to 已销号 or 停止督办 (with a reason in 状态说明): the task is no longer asked about or counted;
* corrected progress cells (最新进展, 完成进度, 状态 …): an answer from 督查室 for the period the ledger showed,
  kept in 报送历史 beside the units' answers;
* 处理 in the 台账修改 sheet: 采用通知 drops the office's value, 保留台账 keeps it and settles the conflict.

A cell is "changed" when it differs from what the last ledger showed there (recorded in the store when it was
written), so values that changed in the store since (a new return, a revised notice) are not taken for edits.
A bad edit (an unknown unit, a date that is not a date, a duplicate id …) is a problem naming sheet, row and
column and is not applied; the rest is. The cell stays in the next ledger as typed, marked, until it is fixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from reporter.contacts import bad_addresses, read_contacts, split_addresses, update_contacts
from reporter.errors import OutputError
from reporter.forms.values import parse_percent, parse_status
from reporter.io.workbooks import (
    RawSheet,
    WorkbookRejected,
    column_letter,
    open_elsewhere,
    read_own_workbook,
    whole_file_sha256,
)
from reporter.ledger.changes import LedgerChange, LedgerChanges
from reporter.ledger.sheets import (
    CONTACT_COLUMNS,
    CORRECTABLE,
    EDITABLE,
    ID_COLUMNS,
    KEEP_OFFICE,
    MERGE_INTO,
    MERGED_NAMES,
    RENAME_TO,
    RESOLUTIONS,
    SHEET_EDITS,
    SHEET_LEADERS,
    SHEET_LIVELIHOOD,
    SHEET_UNITS,
    TAKE_NOTICE,
    UNIT_KINDS,
    cell_text,
)
from reporter.model import (
    COOPERATING,
    LEAD,
    LIVELIHOOD,
    OFFICE,
    STOPPED,
    SUPERVISED,
    SUPERVISION_STATES,
    SUPERVISION_SYNONYMS,
    WORK,
    Answer,
    CollectiveUnit,
    OfficeEdit,
    Task,
)
from reporter.notices.parser import time_point
from reporter.notices.targets import extract_targets
from reporter.notices.units import District, expand_collective, read_units, split_list
from reporter.periods import active_in
from reporter.problems import (
    LEDGER_BAD_ADDRESS,
    LEDGER_BAD_DATE,
    LEDGER_BAD_KIND,
    LEDGER_BAD_RESOLUTION,
    LEDGER_BAD_STATE,
    LEDGER_BAD_VALUE,
    LEDGER_DUPLICATE_ID,
    LEDGER_EMPTY_TEXT,
    LEDGER_NO_ID_COLUMN,
    LEDGER_NO_PERIOD,
    LEDGER_NOT_ACTIVE,
    LEDGER_STOP_WITHOUT_REASON,
    LEDGER_UNKNOWN_ID,
    LEDGER_UNKNOWN_UNIT,
    LEDGER_UNREADABLE,
    Location,
    Problem,
    ProblemType,
)
from reporter.settings import Workspace
from reporter.status import DEPARTMENT_KIND, NO_FORM_KIND
from reporter.store import Store
from reporter.store.edits import CONFIRMED, REJECTED, CellKey

# What a change did, as listed to the office.
EDITED = "修改"
ADDED = "新增任务"
CORRECTED = "进度更正"
REVERTED = "采用通知"
SETTLED = "保留台账"
MERGED = "合并单位"
UNMERGED = "取消合并"
RENAMED = "领导调整"
CONTACT = "联系方式"
KIND = "单位类型"
_TEXT_COLUMNS = {"任务内容", "项目名称"}
_OWN_ID = re.compile(r"^[0-9A-Za-z\u4e00-\u9fa5][0-9A-Za-z\u4e00-\u9fa5\-_.]{0,30}$")


class LedgerOpenError(OutputError):
    """The ledger is open in Excel, WPS or LibreOffice: nothing is read or written."""


@dataclass
class _Batch:
    """The store changes being gathered."""

    edits: list[OfficeEdit] = field(default_factory=list)
    reverted: list[tuple[str, str]] = field(default_factory=list)
    added: list[Task] = field(default_factory=list)
    answers: list[tuple[str, Answer]] = field(default_factory=list)
    pending: dict[CellKey, tuple[str, str]] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)
    unmerged: list[str] = field(default_factory=list)
    contacts: dict[str, dict[str, str]] = field(default_factory=dict)  # unit -> 联系人 / 电子邮箱 / 联系电话
    districts: list[tuple[District, str]] = field(default_factory=list)  # confirmed or rejected by the office
    no_forms: list[tuple[str, bool]] = field(default_factory=list)  # 类型 set to 不发表 (True) or from it (False)


def check_ledger_closed(workspace: Workspace) -> None:
    """Refuse to go on while the ledger is open in Excel, WPS or LibreOffice (its edits would be lost)."""
    lock = open_elsewhere(workspace.ledger_path)
    if lock:
        name = workspace.ledger_path.name
        raise LedgerOpenError(
            f"{name} 正在被 Excel/WPS 打开（发现锁定文件 {lock}），请保存并关闭台账后再运行；本次未读取也未写入任何内容"
        )


def read_back(workspace: Workspace, store: Store) -> LedgerChanges | None:
    """Read the office's edits from the live ledger into the store. None when there is nothing to read (no
    ledger yet, or one written before its cells were recorded)."""
    path = workspace.ledger_path
    check_ledger_closed(workspace)
    if not path.exists():
        return None
    meta = store.ledger_meta()
    if meta.get("written_sha256") == whole_file_sha256(path) and not store.ledger_pending():
        return None  # the ledger as written, with nothing waiting to be applied: the office has not saved it since
    shown = store.ledger_cells()
    if not shown:
        return None
    try:
        book = read_own_workbook(path, (*ID_COLUMNS, SHEET_EDITS, SHEET_UNITS, SHEET_LEADERS))
    except WorkbookRejected as exc:
        problem = LEDGER_UNREADABLE.at(Location(file=path.name), reason=exc.message)
        return LedgerChanges(source=path.name, problems=[problem])
    if meta.get("read_sha256") == book.sha256:
        return None  # this very file was read already (the ledger after it could not be written): not twice
    saved = " ".join(filter(None, [book.saved_at.replace("T", " ") + " 保存" if book.saved_at else "", book.author]))
    reader = _Reader(workspace, store, path, shown, saved_at=book.saved_at, period=meta.get("period", ""))
    reader.result.source = f"{path.name}（{saved}）" if saved else path.name
    for name in ID_COLUMNS:
        sheet = book.sheet(name)
        if sheet is not None:
            reader.read_task_sheet(sheet)
    edits_sheet = book.sheet(SHEET_EDITS)
    if edits_sheet is not None:
        reader.read_resolutions(edits_sheet)
    units_sheet = book.sheet(SHEET_UNITS)
    if units_sheet is not None:
        reader.read_units_sheet(units_sheet)
    leaders_sheet = book.sheet(SHEET_LEADERS)
    if leaders_sheet is not None:
        reader.read_leaders(leaders_sheet)
    batch = reader.batch
    if batch.contacts:  # first: when the address book cannot be written, nothing is applied
        contacts = workspace.contacts_path
        lock = open_elsewhere(contacts)
        if lock:
            raise LedgerOpenError(
                f"{contacts.name} 正在被 Excel/WPS 打开（发现锁定文件 {lock}），台账中修改的联系方式无法写入通讯录。"
                "请保存并关闭通讯录后再运行；本次未采用台账中的任何修改"
            )
        update_contacts(contacts, batch.contacts, font=workspace.font, title_font=workspace.title_font)
    store.apply_office_changes(
        edits=batch.edits,
        reverted=batch.reverted,
        added=batch.added,
        answers=batch.answers,
        pending=batch.pending,
        source=reader.result.source,
        read_sha256=book.sha256,
        merged=batch.merged,
        unmerged=batch.unmerged,
        districts=batch.districts,
        no_forms=batch.no_forms,
    )
    return reader.result


class _Reader:
    def __init__(
        self, workspace: Workspace, store: Store, path: Path, shown: dict[CellKey, str], *, saved_at: str, period: str
    ) -> None:
        self.workspace = workspace
        self.store = store
        self.directory = workspace.directory()
        self.file = path.name
        self.shown = shown
        self.saved_at = saved_at
        self.tasks = {t.id: t for t in store.tasks()}
        self.all_ids = store.task_ids()
        self.edits = store.office_edits_by_task()
        self.pending = store.ledger_pending()
        self.period = period  # the period the last ledger showed: progress corrections are for it
        self.units = self._known_units()
        self.batch = _Batch()
        self.result = LedgerChanges(source=path.name)
        self.shown_rows = {(key[0], key[1]) for key in shown}  # the (sheet, task) rows the last ledger showed
        self.store_districts = store.stored_districts()

    def _known_units(self) -> set[str]:
        units = {entry.unit for entry in self.store.task_units()}
        units |= {name for task in self.tasks.values() for name in (*task.lead_units, *task.cooperating_units)}
        units |= {d.unit for d in self.workspace.districts}
        units |= set(self.workspace.aliases.values())
        contacts, _ = read_contacts(self.workspace.contacts_path)  # the address book names units notices may not
        return units | set(contacts)

    # -- problems ---------------------------------------------------------------------------------------

    def _problem(
        self, kind: ProblemType, sheet: str, row: int, column: int | None, task: str = "", /, **fields: object
    ) -> Problem:
        letter = column_letter(column) if column is not None else ""
        problem = kind.at(Location(file=self.file, sheet=sheet, row=row, column=letter, task=task), **fields)
        self.result.problems.append(problem)
        return problem

    # -- the task sheets -------------------------------------------------------------------------------

    def read_task_sheet(self, sheet: RawSheet) -> None:
        name = sheet.name
        header_at, columns = _header(sheet.rows, ID_COLUMNS[name])
        if header_at is None:
            self._problem(LEDGER_NO_ID_COLUMN, name, 2, None, column=ID_COLUMNS[name])
            return
        id_column = columns[ID_COLUMNS[name]]
        seen: dict[str, int] = {}
        for index in range(header_at + 1, len(sheet.rows)):
            row = sheet.rows[index]
            number = index + 1  # the Excel row
            cell = _reader(row, columns)
            task_id = cell(ID_COLUMNS[name])
            if not any(cell_text(v) for v in row):
                continue
            if task_id and task_id in seen:
                self._problem(LEDGER_DUPLICATE_ID, name, number, id_column, task_id, task=task_id, other=seen[task_id])
                continue
            if task_id:
                seen[task_id] = number
            if task_id and task_id in self.tasks and (name, task_id) in self.shown_rows:
                self._read_edits(name, number, task_id, cell, columns)
            elif task_id and task_id in self.all_ids:
                reason = "已在其他表或已删除" if task_id not in self.tasks else "不在上次生成的本表中"
                self._problem(LEDGER_UNKNOWN_ID, name, number, id_column, task_id, task=task_id, reason=reason)
            else:
                self._read_new_task(name, number, task_id, cell, columns)

    def _to_read(self, key: CellKey, typed: str) -> bool:
        """Whether a cell the last ledger showed holds an edit to apply: it differs from what was shown, or it is
        still the value typed earlier that could not be applied then (tried again)."""
        before = self.shown.get(key)
        if before is None:
            return False
        waiting = self.pending.get(key)
        return typed != before or bool(waiting and waiting[0] == typed)

    def _read_edits(
        self, sheet: str, row: int, task_id: str, cell: Callable[[str], str], columns: dict[str, int]
    ) -> None:
        task = self.tasks[task_id]
        for column in EDITABLE[sheet]:
            if column not in columns:
                continue
            typed = cell(column)
            key = (sheet, task_id, column)
            before = self.shown.get(key)
            if not self._to_read(key, typed):
                continue
            assert before is not None  # a cell the last ledger showed
            value = self._value(sheet, row, columns[column], task, column, typed, cell)
            if value is None:
                self.batch.pending[key] = (typed, self.result.problems[-1].message)
                continue
            parsed = self._parsed(task_id, value)
            if value == parsed:
                if any(e.field == column for e in self.edits.get(task_id, [])):
                    self.batch.reverted.append((task_id, column))
                    self._change(REVERTED, sheet, row, column, task_id, before, typed)
                continue
            self.batch.edits.append(
                OfficeEdit(task_id, column, typed, value, parsed, None, self.result.source, self.saved_at)
            )
            self._change(EDITED, sheet, row, column, task_id, before, typed)
        self._read_progress(sheet, row, task_id, cell, columns)

    def _parsed(self, task_id: str, value: dict[str, Any]) -> dict[str, Any]:
        """The notice's own values of the attributes an edit sets (before any office edit)."""
        for edit in self.edits.get(task_id, []):
            if set(edit.value) == set(value):
                return edit.parsed
        base = self.store.parsed_task(task_id)
        return {name: base.get(name, "") for name in value}

    def _value(
        self, sheet: str, row: int, at: int, task: Task, column: str, typed: str, cell: Callable[[str], str]
    ) -> dict[str, Any] | None:
        """The task attributes an edited cell sets, or None (a problem recorded) when it cannot be applied."""
        names = EDITABLE[sheet][column]
        if column in _TEXT_COLUMNS and not typed:
            self._problem(LEDGER_EMPTY_TEXT, sheet, row, at, task.id, column=column)
            return None
        if names == ("leaders",):
            return {"leaders": split_list(typed)}
        if names[0] in ("lead_units", "cooperating_units"):
            return self._units(sheet, row, at, task, names[0], typed)
        if names[0] == "deadline":
            if not typed:
                return {"deadline": "", "deadline_text": ""}
            when = _date(typed, task.year)
            if when is None:
                self._problem(LEDGER_BAD_DATE, sheet, row, at, task.id, value=typed)
                return None
            return {"deadline": when, "deadline_text": typed}
        if names == ("supervision",):
            state = SUPERVISION_SYNONYMS.get(typed, typed) or SUPERVISED
            if state not in SUPERVISION_STATES:
                choices = "、".join(SUPERVISION_STATES)
                self._problem(LEDGER_BAD_STATE, sheet, row, at, task.id, value=typed, choices=choices)
                return None
            if state == STOPPED and not (cell("状态说明") or task.supervision_note):
                self._problem(LEDGER_STOP_WITHOUT_REASON, sheet, row, at, task.id, state=state)
                return None
            return {"supervision": "" if state == SUPERVISED else state}
        if names[0] in ("text", "target_text"):  # the quantitative targets are read again from the new wording
            wording = typed if names[0] == "target_text" or task.kind == WORK else task.target_text or typed
            targets = extract_targets(wording, require_verb=task.kind == WORK)
            return {names[0]: typed, "targets": [t.to_dict() for t in targets]}
        return {names[0]: typed}

    def _units(self, sheet: str, row: int, at: int, task: Task, name: str, typed: str) -> dict[str, Any] | None:
        units = read_units(typed, self.directory)
        unknown = [u for u in units.real if u not in self.units]
        if unknown:
            self._problem(LEDGER_UNKNOWN_UNIT, sheet, row, at, task.id, unit="、".join(unknown))
            return None
        role = LEAD if name == "lead_units" else COOPERATING
        collectives = [c for c in task.collective_units if c.role != role] + [
            CollectiveUnit(c, role, expand_collective(c, self.directory)) for c in units.collective
        ]
        return {name: units.real, "collective_units": [c.to_dict() for c in collectives]}

    def _read_progress(
        self, sheet: str, row: int, task_id: str, cell: Callable[[str], str], columns: dict[str, int]
    ) -> None:
        changed = [c for c in CORRECTABLE if c in columns and cell(c) != self.shown.get((sheet, task_id, c), cell(c))]
        if not changed:
            return
        first = columns[changed[0]]
        if not self.period:
            self._problem(LEDGER_NO_PERIOD, sheet, row, first, task_id)
            return
        if not active_in(self.tasks[task_id], self.workspace.period(self.period)):
            self._problem(LEDGER_NOT_ACTIVE, sheet, row, first, task_id, period=self.period)
            return
        percent, status = parse_percent(cell("完成进度（%）")), parse_status(cell("状态"))
        for parsed, column in ((percent, "完成进度（%）"), (status, "状态")):
            if parsed.error:
                self._problem(LEDGER_BAD_VALUE, sheet, row, columns[column], task_id, message=parsed.error)
                return
        answer = Answer(
            task_id=task_id,
            role=OFFICE,
            progress=cell("最新进展"),
            percent=percent.value if isinstance(percent.value, float) else None,
            status=status.value if isinstance(status.value, str) else "",
            problems=cell("存在问题"),
            plan=cell("下步计划"),
            unit=self.workspace.office or "督查室",
            period=self.period,
            saved_at=self.saved_at or date.today().isoformat(),
            file_name=self.file,
        )
        self.batch.answers.append((self.period, answer))
        for column in changed:
            self._change(
                CORRECTED, sheet, row, column, task_id, self.shown.get((sheet, task_id, column), ""), cell(column)
            )

    def _read_new_task(
        self, sheet: str, row: int, task_id: str, cell: Callable[[str], str], columns: dict[str, int]
    ) -> None:
        text_column = "任务内容" if sheet != SHEET_LIVELIHOOD else "项目名称"
        if not cell(text_column):
            return  # a row with no task text (a note the office keeps beside the table): left alone
        kind = WORK if sheet != SHEET_LIVELIHOOD else LIVELIHOOD
        year = cell("年度") or self._latest_year()
        if task_id and not _OWN_ID.match(task_id):
            self._problem(
                LEDGER_UNKNOWN_ID,
                sheet,
                row,
                columns[ID_COLUMNS[sheet]],
                task_id,
                task=task_id,
                reason="含有无法使用的字符",
            )
            return
        new_id = task_id or self._next_id(year, kind)
        task = Task(id=new_id, kind=kind, part="督查室增补任务", section=cell("板块"), number=0, text=cell(text_column))
        task.target_text = cell("目标任务")
        task.leaders = split_list(cell("牵头领导"))
        lead_column = "牵头单位" if kind == WORK else "责任单位"
        for column, name in ((lead_column, "lead_units"), ("配合单位", "cooperating_units")):
            if column not in columns:
                continue
            key = (sheet, new_id, column)
            value = self._units(sheet, row, columns[column], task, name, cell(column))
            if value is None:
                self.batch.pending[key] = (cell(column), self.result.problems[-1].message)
                continue
            setattr(task, name, value[name])
            task.collective_units = [CollectiveUnit.from_dict(c) for c in value["collective_units"]]
        if cell("完成时限"):
            when = _date(cell("完成时限"), year)
            if when is None:
                self._problem(LEDGER_BAD_DATE, sheet, row, columns["完成时限"], new_id, value=cell("完成时限"))
                self.batch.pending[(sheet, new_id, "完成时限")] = (cell("完成时限"), self.result.problems[-1].message)
            else:
                task.deadline, task.deadline_text = when, cell("完成时限")
        task.targets = extract_targets(task.target_text or task.text, require_verb=kind == WORK)
        task.number = sum(1 for t in self.batch.added if t.kind == kind) + 1
        self.all_ids.add(new_id)
        self.batch.added.append(task)
        self._change(ADDED, sheet, row, ID_COLUMNS[sheet], new_id, "", task.text[:40])

    def _latest_year(self) -> str:
        years = sorted({t.year for t in self.tasks.values() if t.year.isdigit()})
        return years[-1] if years else str(date.today().year)

    def _next_id(self, year: str, kind: str) -> str:
        prefix = f"{year}-{'J' if kind == WORK else 'MJ'}-"
        used = [int(i[len(prefix) :]) for i in self.all_ids if i.startswith(prefix) and i[len(prefix) :].isdigit()]
        return f"{prefix}{max(used, default=0) + 1:03d}"

    # -- the 台账修改 sheet --------------------------------------------------------------------------------

    def read_resolutions(self, sheet: RawSheet) -> None:
        header_at, columns = _header(sheet.rows, "任务编号")
        if header_at is None or "处理" not in columns or "栏目" not in columns:
            return
        for index in range(header_at + 1, len(sheet.rows)):
            row = sheet.rows[index]
            cell = _reader(row, columns)
            choice = cell("处理")
            if not choice:
                continue
            task_id, column = cell("任务编号"), cell("栏目")
            if choice not in RESOLUTIONS:
                choices = "、".join(RESOLUTIONS)
                self._problem(
                    LEDGER_BAD_RESOLUTION,
                    SHEET_EDITS,
                    index + 1,
                    columns["处理"],
                    task_id,
                    value=choice,
                    choices=choices,
                )
                continue
            edit = next((e for e in self.edits.get(task_id, []) if e.field == column), None)
            if edit is None:
                continue
            if choice == TAKE_NOTICE:
                self.batch.reverted.append((task_id, column))
                self._change(REVERTED, SHEET_EDITS, index + 1, column, task_id, edit.cell, "")
            elif choice == KEEP_OFFICE and edit.conflict is not None:
                settled = OfficeEdit(task_id, column, edit.cell, edit.value, edit.conflict, None, edit.source, edit.at)
                self.batch.edits.append(settled)
                self._change(SETTLED, SHEET_EDITS, index + 1, column, task_id, "", edit.cell)

    # -- the 责任单位 and 牵头领导 sheets ----------------------------------------------------------------------

    def read_units_sheet(self, sheet: RawSheet) -> None:
        """合并到: a unit name merged into another (one form, one address, answers counted once); a name deleted
        from 已合并的名称: merged no more; 联系人, 电子邮箱, 联系电话: the unit's contact, written into the address
        book so that the two stay in step."""
        header_at, columns = _header(sheet.rows, "单位")
        if header_at is None or MERGE_INTO not in columns:
            return
        aliases = self.store.office_aliases()
        for index in range(header_at + 1, len(sheet.rows)):
            row = sheet.rows[index]

            cell = _reader(row, columns)
            unit, target = cell("单位"), cell(MERGE_INTO)
            if target and target != unit:
                if target not in self.units:
                    self._problem(LEDGER_UNKNOWN_UNIT, SHEET_UNITS, index + 1, columns[MERGE_INTO], unit=target)
                    continue
                self.batch.merged[unit] = aliases.get(target, target)
                self._change(MERGED, SHEET_UNITS, index + 1, MERGE_INTO, "", unit, target)
            self._read_contact(index + 1, unit, cell, columns)
            self._read_kind(index + 1, unit, cell, columns)
            shown = self.shown.get((SHEET_UNITS, unit, MERGED_NAMES))
            if shown is not None and MERGED_NAMES in columns:
                kept = set(split_list(cell(MERGED_NAMES)))
                for name in split_list(shown):
                    if name not in kept and aliases.get(name) == unit:
                        self.batch.unmerged.append(name)
                        self._change(UNMERGED, SHEET_UNITS, index + 1, MERGED_NAMES, "", name, "")

    def _read_kind(self, row: int, unit: str, cell: Callable[[str], str], columns: dict[str, int]) -> None:
        """类型: a district found in a notice confirmed (区县, 开发园区) or not (部门单位); a unit the office says is
        a district or zone becomes one; 不发表: a unit the office sends no form (and back)."""
        before, typed = self.shown.get((SHEET_UNITS, unit, "类型")), cell("类型")
        if before is None or typed == before or "类型" not in columns:
            return
        if typed not in UNIT_KINDS:
            choices = "、".join(UNIT_KINDS)
            self._problem(LEDGER_BAD_KIND, SHEET_UNITS, row, columns["类型"], value=typed, unit=unit, choices=choices)
            return
        if typed == NO_FORM_KIND or before == NO_FORM_KIND:
            self.batch.no_forms.append((unit, typed == NO_FORM_KIND))
            self._change(KIND, SHEET_UNITS, row, "类型", "", before, typed)
            if typed in (NO_FORM_KIND, DEPARTMENT_KIND):
                return
        stored = {d.unit for d, _ in self.store_districts}
        if unit in {d.unit for d in self.workspace.districts} - stored:
            return  # a district of reporter.toml: changed there, not here
        known = next((d for d, _ in self.store_districts if d.unit == unit), None)
        if typed == DEPARTMENT_KIND:
            if known is not None:
                self.batch.districts.append((known, REJECTED))
                self._change(KIND, SHEET_UNITS, row, "类型", "", before, typed)
            return
        name = known.name if known else re.sub(r"(人民)?政府$|管委会$", "", unit) or unit
        short = known.short if known else name
        self.batch.districts.append((District(name, short, typed, government=unit), CONFIRMED))
        self._change(KIND, SHEET_UNITS, row, "类型", "", before, typed)

    def _read_contact(self, row: int, unit: str, cell: Callable[[str], str], columns: dict[str, int]) -> None:
        for column in CONTACT_COLUMNS:
            key = (SHEET_UNITS, unit, column)
            before, typed = self.shown.get(key), cell(column)
            if column not in columns or not self._to_read(key, typed):
                continue
            assert before is not None  # a cell the last ledger showed
            if column == "电子邮箱" and (bad := bad_addresses(typed)):
                self._problem(LEDGER_BAD_ADDRESS, SHEET_UNITS, row, columns[column], address="、".join(bad), unit=unit)
                self.batch.pending[key] = (typed, self.result.problems[-1].message)
                continue
            self.batch.contacts.setdefault(unit, {})[column] = (
                "；".join(split_addresses(typed)) if column == "电子邮箱" else typed
            )
            self._change(CONTACT, SHEET_UNITS, row, column, "", before, typed)

    def read_leaders(self, sheet: RawSheet) -> None:
        """改为: a leader renamed, or replaced by another (人事调整), on every one of their tasks."""
        header_at, columns = _header(sheet.rows, "领导")
        if header_at is None or RENAME_TO not in columns:
            return
        for index in range(header_at + 1, len(sheet.rows)):
            cell = _reader(sheet.rows[index], columns)
            leader, target = cell("领导"), cell(RENAME_TO)
            if not target or target == leader:
                continue
            for task in self.tasks.values():
                if leader not in task.leaders:
                    continue
                earlier = next((e for e in self.batch.edits if e.task_id == task.id and e.field == "牵头领导"), None)
                current = earlier.value["leaders"] if earlier else task.leaders
                leaders = list(dict.fromkeys(target if name == leader else name for name in current))
                value = {"leaders": leaders}
                if earlier is not None:
                    self.batch.edits.remove(earlier)
                parsed = self._parsed(task.id, value)
                self._change(RENAMED, SHEET_LEADERS, index + 1, RENAME_TO, task.id, leader, target)
                if value == parsed:  # back to what the notice says: the edit is no longer needed
                    if any(e.field == "牵头领导" for e in self.edits.get(task.id, [])):
                        self.batch.reverted.append((task.id, "牵头领导"))
                    continue
                edit = OfficeEdit(
                    task.id, "牵头领导", "、".join(leaders), value, parsed, None, self.result.source, self.saved_at
                )
                self.batch.edits.append(edit)

    def _change(self, kind: str, sheet: str, row: int, column: str, task_id: str, before: str, after: str) -> None:
        self.result.changes.append(LedgerChange(kind, sheet, row, column, task_id, before, after))


def _reader(row: list[object], columns: dict[str, int]) -> Callable[[str], str]:
    """The cells of a row by column title, as compared (``cell_text``); a missing column reads as ``""``."""

    def cell(title: str) -> str:
        at = columns.get(title)
        return cell_text(row[at]) if at is not None and at < len(row) else ""

    return cell


def _header(rows: list[list[object]], id_title: str) -> tuple[int | None, dict[str, int]]:
    """The header row (among the first five) holding ``id_title``, and each title's column."""
    for index, row in enumerate(rows[:5]):
        titles = [cell_text(value) for value in row]
        if id_title in titles:
            return index, {title: at for at, title in reversed(list(enumerate(titles))) if title}
    return None, {}


def _date(text: str, year: str) -> str | None:
    """完成时限 as an ISO date: ``2024-12-31``, ``2024/12/31``, ``2024年12月31日``, ``12月底前`` (in the task's year)."""
    try:
        return date.fromisoformat(text.replace("/", "-").strip()[:10]).isoformat()
    except ValueError:
        pass
    return time_point(text, int(year) if year.isdigit() else None)

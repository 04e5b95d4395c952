"""One reporting period's state, read from the store once and shared by the ledger, the forms and the reports.

``load_snapshot`` reads the tasks, their units, the period's answers and returns, the previous period's answers,
the address book and the reminders sent, then works out every task's progress and who has reported. The ledger,
the reports and ``reporter status`` all take the same snapshot, so a count shows the same value everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar

from reporter.contacts import Contact, read_contacts
from reporter.model import Answer, IndicatorAnswer, ReturnRow, SentBack, StoredNotice, Task, TaskUnit
from reporter.periods import Period, active_in, period_containing
from reporter.progress import TaskProgress, compute_progress, note_decreases
from reporter.settings import Workspace
from reporter.status import StatusReport, reporting_status
from reporter.store import Store


def resolve_period(workspace: Workspace, store: Store | None, key: str | None) -> Period:
    """``--period``, else ``[periods] current``, else the period of the last ``reporter forms``, else the latest
    period with returns, else today's."""
    if key:
        return workspace.period(key)
    if workspace.current_period:
        return workspace.period(workspace.current_period)
    if store is not None:
        remembered = store.remembered_period()
        if remembered:
            try:
                return workspace.period(remembered)
            except ValueError:  # a workspace whose kind of period changed since (months to quarters)
                pass
        latest = latest_period(workspace, store)
        if latest is not None:
            return latest
    return period_containing(date.today(), workspace.period_kind)


def latest_period(workspace: Workspace, store: Store) -> Period | None:
    """The most recent period in which returns arrived (accepted, or sent back), if any."""
    periods = sorted({*store.periods_with_returns(), *store.periods_with_send_backs()})
    return workspace.period(periods[-1]) if periods else None


def due_date(workspace: Workspace, store: Store, period: Period, due: date | None = None) -> date:
    """The due date given now, else the one recorded for the period, else the configured default."""
    if due is not None:
        return due
    recorded = store.period_due(period.key)
    return date.fromisoformat(recorded) if recorded else period.due(workspace.due_day)


@dataclass
class PeriodSnapshot:
    """The tasks and, for a period, their answers, progress and reporting status."""

    tasks: list[Task]  # every active task of every notice, in notice and document order
    task_units: list[TaskUnit]
    contacts: dict[str, Contact]
    period: Period | None = None
    due: date | None = None
    active: list[Task] = field(default_factory=list)  # the tasks running in the period
    answers: list[Answer] = field(default_factory=list)  # the period's current answers
    progress: dict[str, TaskProgress] = field(default_factory=dict)  # of the active tasks
    previous: Period | None = None  # the period before, when it has returns
    previous_progress: dict[str, TaskProgress] = field(default_factory=dict)
    indicators: list[IndicatorAnswer] = field(default_factory=list)  # the period's current indicator answers
    status: StatusReport | None = None
    no_forms: frozenset[str] = frozenset()  # units the office sends no form (类型 不发表): not asked, not counted

    @property
    def form_units(self) -> list[TaskUnit]:
        """The task units that get a form and are expected to report."""
        return [e for e in self.task_units if e.unit not in self.no_forms]

    notices: list[StoredNotice] = field(default_factory=list)  # every stored notice (titles and 文号 for briefs)
    issue: int = 1  # the period's brief number (期号): [report] first_issue plus the periods with returns before it

    def loaded_period(self) -> Period:
        """The period the snapshot was loaded for (one loaded without a period has none)."""
        if self.period is None:
            raise ValueError("snapshot loaded without a period")
        return self.period

    def require_period(self) -> tuple[Period, StatusReport]:
        """The period and its reporting status (a snapshot loaded without a period, or without its answers, has no
        status)."""
        if self.status is None:
            raise ValueError("snapshot loaded without a period or without its answers")
        return self.loaded_period(), self.status


def load_snapshot(
    workspace: Workspace,
    store: Store,
    period: Period | None,
    *,
    tasks: list[Task] | None = None,
    contacts: dict[str, Contact] | None = None,
    answers: bool = True,
) -> PeriodSnapshot:
    """Read the period's state from the store once. ``tasks`` / ``contacts``: when the caller has them already.
    ``answers=False``: the period's tasks, units and due date only, without its answers, progress and reporting
    status (the forms need none of them; a province's 80,000 answers of two periods are not read)."""
    if tasks is None:
        tasks = store.tasks()
    if contacts is None:
        contacts, _ = read_contacts(workspace.contacts_path)
    task_units = store.task_units()
    snapshot = PeriodSnapshot(tasks, task_units, contacts, period, no_forms=store.no_form_units())
    if period is None:
        return snapshot
    snapshot.due = due_date(workspace, store, period)
    snapshot.notices = store.notices()
    snapshot.issue = workspace.briefs.first_issue + sum(1 for key in store.periods_with_returns() if key < period.key)
    snapshot.active = [t for t in tasks if active_in(t, period)]
    if not answers:
        return snapshot
    aliases = store.office_aliases()  # a unit merged into another in the ledger answers as that one
    snapshot.answers = _merged(store.answers(period.key), aliases)
    corrected = snapshot.answers + store.office_answers(period.key)  # the office's corrections in the ledger
    rules = workspace.light_rules
    snapshot.progress = compute_progress(snapshot.active, task_units, corrected, period, rules)
    previous = period.previous()
    previous_answers = _merged(store.answers(previous.key), aliases) + store.office_answers(previous.key)
    snapshot.previous = previous if store.has_period_returns(previous.key) else None
    snapshot.previous_progress = compute_progress(snapshot.active, task_units, previous_answers, previous, rules)
    note_decreases(snapshot.progress, snapshot.previous_progress)
    snapshot.indicators = _merged_indicators(store.indicator_answers(period.key), aliases)
    snapshot.status = reporting_status(
        period,
        snapshot.due,
        snapshot.active,
        task_units,
        _merged(store.returns(period.key), aliases),
        snapshot.answers,
        kinds={d.unit: d.kind for d in workspace.districts},
        contacts=contacts,
        mail_log=store.mail_log(period.key, "reminder"),
        sent_back=_merged(store.send_backs(period.key), aliases),
        no_forms=snapshot.no_forms,
    )
    return snapshot


_Row = TypeVar("_Row", Answer, ReturnRow, SentBack)


def _merged(rows: list[_Row], aliases: dict[str, str]) -> list[_Row]:
    """Answers or returns of a unit the office merged into another, as that other unit's."""
    return [replace(row, unit=aliases[row.unit]) if row.unit in aliases else row for row in rows]


def _merged_indicators(rows: list[IndicatorAnswer], aliases: dict[str, str]) -> list[IndicatorAnswer]:
    return [replace(r, returned_by=aliases[r.returned_by]) if r.returned_by in aliases else r for r in rows]

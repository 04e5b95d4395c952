"""Writing the period's forms: one fill-in workbook per real responsible unit, and a manifest of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reporter.errors import WorkspaceError
from reporter.forms.identity import identity_digest
from reporter.forms.plan import FORM_VERSION, FormPlan, indicator_key, plan_forms
from reporter.io.formbook import write_form
from reporter.io.xlsx import Column, Sheet, write_workbook
from reporter.parallel import parallel_map
from reporter.periods import Period
from reporter.settings import Workspace
from reporter.snapshot import PeriodSnapshot
from reporter.status import DEPARTMENT_KIND
from reporter.store import Store

MANIFEST_NAME = "填报表清单.xlsx"


@dataclass
class FormsResult:
    period: Period
    due: date
    folder: Path
    manifest: Path
    plans: list[FormPlan] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # units whose earlier form of the period was withdrawn


def make_forms(workspace: Workspace, store: Store, snapshot: PeriodSnapshot, due: date | None = None) -> FormsResult:
    """Write one form per real responsible unit into ``output/forms/<period>/`` and a manifest workbook.

    ``due``: the due date given now; else the one recorded for the period, else the configured default.
    """
    period = snapshot.loaded_period()  # the forms need no answers: ``load_snapshot(answers=False)``
    if not snapshot.tasks:
        raise WorkspaceError("工作区中还没有任务，请先运行 reporter parse <通知文件> 或 reporter run")
    tasks = snapshot.active
    if not tasks:
        years = "、".join(sorted({t.year for t in snapshot.tasks}))
        raise WorkspaceError(f"{period.label}没有在办的任务（已导入的通知年度：{years}），请检查报送期")
    due = due or snapshot.due or period.due(workspace.due_day)
    units = snapshot.form_units
    previous = store.latest_answers_of_units_before(list(dict.fromkeys(e.unit for e in units)), period.key)
    previous_indicators: dict[str, dict[str, float]] = {}
    for item in store.indicator_answers():
        if item.period < period.key and item.completed is not None:
            key = indicator_key(item.task_id, item.row)
            previous_indicators.setdefault(item.returned_by, {})[key] = item.completed
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
    secret = store.form_key()
    for plan in plans:
        plan.identity = form_identity(secret, plan)
    folder = workspace.forms_dir / period.key
    result = FormsResult(period, due, folder, folder / MANIFEST_NAME, plans)
    jobs = [FormJob(plan, folder / plan.file_name, workspace.font, workspace.title_font) for plan in plans]
    result.paths = list(parallel_map(write_form_job, jobs, workspace.jobs))
    store.set_period_due(period.key, due.isoformat())
    store.save_forms(
        period.key,
        [
            (p.unit, path.name, FORM_VERSION, [t.id for t in p.tasks])
            for p, path in zip(plans, result.paths, strict=True)
        ],
    )
    planned = {p.unit for p in plans}
    withdrawn = [f for f in store.forms(period.key) if f.unit not in planned]  # 不发表 now, or no task left
    for form in withdrawn:
        (folder / form.file).unlink(missing_ok=True)
    store.drop_forms(period.key, [f.unit for f in withdrawn])
    result.withdrawn = [f.unit for f in withdrawn]
    write_workbook(
        result.manifest, [_manifest_sheet(workspace, result)], font=workspace.font, title_font=workspace.title_font
    )
    return result


def form_identity(key: bytes, plan: FormPlan) -> str:
    return identity_digest(
        key,
        plan.workspace,
        plan.unit,
        plan.period.key,
        [(t.id, t.role) for t in plan.tasks],
        [(i.key, i.task_id, i.row, i.district) for i in plan.indicators],
    )


@dataclass
class FormJob:
    """One form to write (picklable, for the worker processes)."""

    plan: FormPlan
    path: Path
    font: str
    title_font: str


def write_form_job(job: FormJob) -> Path:
    write_form(job.plan, job.path, font=job.font, title_font=job.title_font)
    return job.path


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
                kinds.get(plan.unit, DEPARTMENT_KIND),
                plan.lead_count,
                plan.cooperating_count,
                len(plan.indicators),
                path.name,
            ]
            for i, (plan, path) in enumerate(zip(result.plans, result.paths, strict=True), start=1)
        ],
    )

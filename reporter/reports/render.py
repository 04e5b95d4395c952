"""``reporter report``: the period's Word briefs (per leader, per district, per unit, monthly) from the store."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from reporter.errors import OutputError, WorkspaceError
from reporter.forms.collect import Progress, due_date, reporting_status
from reporter.forms.plan import safe_file_name
from reporter.periods import Period, active_in
from reporter.progress import compute_progress
from reporter.reports.briefs import (
    ReportData,
    district_context,
    leader_context,
    leaders,
    monthly_context,
    unit_context,
)
from reporter.reports.templates import DISTRICT, LEADER, MONTHLY, UNIT, render, template_path
from reporter.reports.workbook import write_report_workbook
from reporter.settings import Workspace
from reporter.store import Store

KIND_LABELS = {
    "excel": "汇总表",
    "leader": "领导专报",
    "district": "区县专报",
    "unit": "单位专报",
    "monthly": "月度通报",
    "pdf": "PDF",
}


@dataclass
class ReportFile:
    path: Path
    kind: str


@dataclass
class ReportResult:
    folder: Path
    files: list[ReportFile] = field(default_factory=list)
    templates_written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_report_data(workspace: Workspace, store: Store, period: Period) -> ReportData:
    """The tasks running in the period, their progress now and one period earlier, reporting status."""
    all_tasks = store.tasks()
    tasks = [t for t in all_tasks if active_in(t, period)]
    if not tasks:
        raise WorkspaceError(f"{period.label}没有在办的任务，无法出具报告，请检查报送期")
    units = store.task_units()
    progress = compute_progress(tasks, units, store.answers(period.key), period, workspace.light_rules)
    previous = period.previous()
    previous_progress = compute_progress(tasks, units, store.answers(previous.key), previous, workspace.light_rules)
    status = reporting_status(workspace, store, period, all_tasks)
    return ReportData(
        workspace=workspace.name,
        office=workspace.office,
        period=period,
        previous=previous if store.returns(previous.key) else None,
        due=due_date(workspace, store, period),
        tasks=tasks,
        progress=progress,
        previous_progress=previous_progress,
        unit_status=[u.to_dict() | {"returned_at": u.returned_at} for u in status.units],
        indicators=store.indicator_answers(period.key),
        districts=[(d.short, d.unit) for d in workspace.districts],
    )


def write_reports(
    workspace: Workspace,
    store: Store,
    period: Period,
    *,
    units: bool = False,
    pdf: bool = False,
    progress: Progress | None = None,
) -> ReportResult:
    """Render every brief for the period into ``output/reports/<period>/``."""
    data = load_report_data(workspace, store, period)
    folder = workspace.output_dir / "reports" / period.key
    result = ReportResult(folder)
    fonts = workspace.word_fonts
    templates = {}
    for spec in (LEADER, DISTRICT, UNIT, MONTHLY):
        if spec is UNIT and not units:
            continue
        path, written = template_path(workspace.templates_dir, spec, fonts)
        templates[spec.kind] = path
        if written:
            result.templates_written.append(path)

    total = 1 + len(leaders(data)) + len(data.districts) + (len(data.unit_status) if units else 0)

    def emit(kind: str, name: str, context: dict) -> None:
        target = folder / kind_folder(kind) / f"{safe_file_name(name)}.docx"
        render(templates[kind], context, target)
        result.files.append(ReportFile(target, kind))
        if progress:
            progress("出具报告", len(result.files), total)

    emit("monthly", f"{period.label}目标任务督查通报", monthly_context(data))
    workbook = folder / f"{period.label}督查汇总表.xlsx"
    write_report_workbook(data, workbook, font=workspace.font, title_font=workspace.title_font)
    result.files.append(ReportFile(workbook, "excel"))
    for leader in leaders(data):
        emit("leader", f"{leader}-{period.key}督查专报", leader_context(data, leader))
    for short, unit in data.districts:
        emit("district", f"{short}-{period.key}督查专报", district_context(data, short, unit))
    if units:
        for status in data.unit_status:
            emit("unit", f"{status['unit']}-{period.key}", unit_context(data, status["unit"]))
    if pdf:
        result.files += to_pdf([f.path for f in result.files if f.path.suffix == ".docx"], folder / "PDF", result)
    return result


def kind_folder(kind: str) -> str:
    return {"leader": "领导专报", "district": "区县专报", "unit": "单位专报", "monthly": ""}[kind]


def to_pdf(paths: list[Path], folder: Path, result: ReportResult) -> list[ReportFile]:
    """Convert with LibreOffice when installed; otherwise say so once and go on."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        result.notes.append("未安装 LibreOffice，未生成 PDF（安装后加 --pdf 重新运行即可）")
        return []
    folder.mkdir(parents=True, exist_ok=True)
    profile = folder.parent / ".lo-profile"
    try:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.resolve().as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                *map(str, paths),
            ],
            capture_output=True,
            timeout=600,
            check=True,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        raise OutputError(f"LibreOffice 转换 PDF 失败：{exc}") from exc
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return [ReportFile(folder / f"{p.stem}.pdf", "pdf") for p in paths if (folder / f"{p.stem}.pdf").exists()]

"""``reporter report``: the period's Word briefs (monthly, per leader, per district, per unit) and Excel report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reporter.errors import OutputError, WorkspaceError
from reporter.forms.plan import safe_file_name
from reporter.io.office import OfficeError, convert_with_office
from reporter.model import ProgressCallback
from reporter.reports.briefs import (
    ReportData,
    Row,
    district_context,
    leader_context,
    leaders,
    monthly_context,
    unit_context,
)
from reporter.reports.templates import DISTRICT, LEADER, MONTHLY, UNIT, render, template_path
from reporter.reports.workbook import write_report_workbook
from reporter.settings import Workspace
from reporter.snapshot import PeriodSnapshot

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


def report_data(workspace: Workspace, snapshot: PeriodSnapshot) -> ReportData:
    """The snapshot's tasks running in the period, their progress now and one period earlier, reporting status."""
    period, status = snapshot.require_period()
    if not snapshot.active:
        raise WorkspaceError(f"{period.label}没有在办的任务，无法出具报告，请检查报送期")
    return ReportData(
        workspace=workspace.name,
        office=workspace.office,
        period=period,
        previous=snapshot.previous,
        due=status.due,
        tasks=snapshot.active,
        progress=snapshot.progress,
        previous_progress=snapshot.previous_progress,
        unit_status=status.units,
        indicators=snapshot.indicators,
        districts=[(d.short, d.unit) for d in workspace.districts],
    )


def write_reports(
    workspace: Workspace,
    snapshot: PeriodSnapshot,
    *,
    units: bool = False,
    pdf: bool = False,
    progress: ProgressCallback | None = None,
) -> ReportResult:
    """Render every brief for the snapshot's period into ``output/reports/<period>/``."""
    data = report_data(workspace, snapshot)
    period = data.period
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

    def emit(kind: str, name: str, context: Row) -> None:
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
            emit("unit", f"{status.unit}-{period.key}", unit_context(data, status.unit))
    if pdf:
        result.files += to_pdf([f.path for f in result.files if f.path.suffix == ".docx"], folder / "PDF", result)
    return result


def kind_folder(kind: str) -> str:
    return {"leader": "领导专报", "district": "区县专报", "unit": "单位专报", "monthly": ""}[kind]


def to_pdf(paths: list[Path], folder: Path, result: ReportResult) -> list[ReportFile]:
    """Convert with LibreOffice when installed; otherwise say so once and go on."""
    try:
        converted = convert_with_office(paths, "pdf", folder, timeout=600)
    except OfficeError as exc:
        raise OutputError(f"LibreOffice 转换 PDF 失败：{exc}") from exc
    if converted is None:
        result.notes.append("未安装 LibreOffice，未生成 PDF（安装后加 --pdf 重新运行即可）")
        return []
    return [ReportFile(path, "pdf") for path in converted]

"""``reporter report``: the period's Word briefs (monthly, per leader, per district, per unit) and Excel report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reporter.consolidation import consolidate_snapshot
from reporter.errors import OutputError, WorkspaceError
from reporter.forms.plan import safe_file_name
from reporter.io.office import OfficeError, convert_with_office, font_substitutions
from reporter.io.xlsx import Sheet
from reporter.model import ProgressCallback
from reporter.parallel import parallel_stream
from reporter.reports.briefs import (
    ReportData,
    Row,
    district_context,
    leader_context,
    monthly_context,
    unit_context,
)
from reporter.reports.jobs import ReportJob, write_job
from reporter.reports.templates import (
    DISTRICT,
    LEADER,
    MONTHLY,
    OUTDATED,
    UNIT,
    UPGRADED,
    WRITTEN,
    template_path,
)
from reporter.reports.workbook import build_report_sheets, district_sheets, leader_sheets
from reporter.settings import WordFonts, Workspace
from reporter.snapshot import PeriodSnapshot


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


def report_data(workspace: Workspace, snapshot: PeriodSnapshot, signed: date | None = None) -> ReportData:
    """The period's consolidation and how the office heads and signs; 成文日期 is ``signed`` or the due date."""
    period, status = snapshot.require_period()
    if not snapshot.active:
        raise WorkspaceError(f"{period.label}没有在办的任务，无法出具报告，请检查报送期")
    return ReportData(
        workspace=workspace.name,
        office=workspace.office or "督查室",
        consolidation=consolidate_snapshot(workspace, snapshot),
        briefs=workspace.briefs,
        yellow_gap=workspace.light_rules.yellow_gap,
        not_started_month=workspace.light_rules.not_started_red_after_month,
        signed=signed or status.due,
    )


def write_reports(
    workspace: Workspace,
    snapshot: PeriodSnapshot,
    *,
    units: bool = False,
    pdf: bool = False,
    signed: date | None = None,
    progress: ProgressCallback | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> ReportResult:
    """Render every brief for the snapshot's period into ``output/reports/<period>/``: the monthly 通报 and the
    督查汇总表, each leader's and each district's brief with its Excel companion, and with ``units`` each unit's.

    ``meanwhile``: the caller's other work (``run``: the ledger), done in this process while the workers finish
    the briefs."""
    data = report_data(workspace, snapshot, signed)
    c = data.consolidation
    period = c.period
    folder = workspace.output_dir / "reports" / period.key
    result = ReportResult(folder)
    fonts = workspace.word_fonts
    templates = {}
    for spec in (LEADER, DISTRICT, UNIT, MONTHLY):
        if spec is UNIT and not units:
            continue
        path, state = template_path(workspace.templates_dir, spec, fonts, data.office)
        templates[spec.kind] = path
        if state == WRITTEN:
            result.templates_written.append(path)
        elif state == OUTDATED:
            result.notes.append(
                f"模板 {path.name} 不是当前的默认版式，仍按它出具；如未修改过，可删除后重新运行以生成新版式"
            )
        elif state == UPGRADED:
            result.notes.append(f"默认模板 {path.name} 已更新为新版式（原文件备份为 {path.stem}.旧版.docx）")
    leaders = c.leaders()
    districts = list(c.districts["district"])
    unit_names = list(c.units["unit"]) if units else []

    def emit(kind: str, name: str, context: Row) -> ReportJob:
        target = folder / kind_folder(kind) / f"{safe_file_name(name)}.docx"
        return ReportJob(kind, target, template=templates[kind], context=context)

    def book(kind: str, name: str, sheets: list[Sheet]) -> ReportJob:
        target = folder / kind_folder(kind) / f"{safe_file_name(name)}.xlsx"
        label = "excel" if kind == "monthly" else "companion"
        return ReportJob(label, target, sheets=sheets, font=workspace.font, title_font=workspace.title_font)

    def jobs() -> Iterator[ReportJob]:
        """Each file's job as soon as its data is ready, the longest first: the monthly 通报 and the 汇总表 are
        written while the leaders' and districts' data is still being put together."""
        yield emit("monthly", f"{period.label}目标任务督查通报", monthly_context(data))
        yield book("monthly", f"{period.label}督查汇总表", build_report_sheets(c))
        for leader in leaders:
            yield emit("leader", f"{leader}-{period.key}督查专报", leader_context(data, leader))
            yield book("leader", f"{leader}-{period.key}督查专报", leader_sheets(c, leader))
        for district in districts:
            yield emit("district", f"{district}-{period.key}督查专报", district_context(data, district))
            yield book("district", f"{district}-{period.key}督查专报", district_sheets(c, district))
        for unit in unit_names:
            yield emit("unit", f"{unit}-{period.key}", unit_context(data, unit))

    count = 2 + 2 * len(leaders) + 2 * len(districts) + len(unit_names)
    for job in parallel_stream(write_job, jobs(), count, workspace.jobs, meanwhile=meanwhile):
        result.files.append(ReportFile(job.target, job.kind))
        if progress:
            progress("出具报告", len(result.files), count)
    if pdf:
        result.files += to_pdf(
            [f.path for f in result.files if f.path.suffix == ".docx"], folder / "PDF", result, workspace.word_fonts
        )
    return result


def kind_folder(kind: str) -> str:
    return {"leader": "领导专报", "district": "区县专报", "unit": "单位专报", "monthly": ""}[kind]


def to_pdf(paths: list[Path], folder: Path, result: ReportResult, fonts: WordFonts) -> list[ReportFile]:
    """Convert with LibreOffice when installed; otherwise say so once and go on. Missing official-document fonts are
    replaced by the closest installed face, with one note naming them."""
    families = (fonts.body, fonts.title, fonts.heading1, fonts.heading2, fonts.table, fonts.page_number)
    substitutions = font_substitutions(families)
    try:
        converted = convert_with_office(paths, "pdf", folder, timeout=600, fonts=substitutions)
    except OfficeError as exc:
        raise OutputError(f"LibreOffice 转换 PDF 失败：{exc}") from exc
    if converted is None:
        result.notes.append("未安装 LibreOffice，未生成 PDF（安装后加 --pdf 重新运行即可）")
        return []
    if substitutions:
        wanted = "、".join(s.wanted for s in substitutions)
        faces = dict.fromkeys(s.used for s in substitutions)
        if len(faces) == 1:
            instead = f"以 {next(iter(faces))} 代替"
        else:  # e.g. "仿宋_GB2312、楷体_GB2312以 Noto Serif CJK SC 代替，黑体以 Noto Sans CJK SC 代替"
            instead = "，".join(
                "、".join(s.wanted for s in substitutions if s.used == face) + f"以 {face} 代替" for face in faces
            )
        result.notes.append(f"本机未安装公文字体{wanted}，PDF 中{instead}；正式印发请在装有公文字体的电脑上转换")
    return [ReportFile(path, "pdf") for path in converted]

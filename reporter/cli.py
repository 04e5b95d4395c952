"""Command line. Thin: options in, one operation (``reporter.operations``) per command, rich output out.

Every ``ReporterError`` becomes one Chinese line and exit code 1; usage errors exit 2; a traceback is shown
only with ``--debug``.
"""

from __future__ import annotations

import atexit
import gc
import io
import json
import os
import sys
import traceback
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from reporter import __version__
from reporter.errors import ReporterError, WorkspaceError
from reporter.forms.collect import ACCEPTED, DUPLICATE, REJECTED, SETTLED, CollectResult
from reporter.io.files import write_text_atomic
from reporter.ledger import LedgerResult
from reporter.lock import workspace_lock
from reporter.notices.lexicon import Lexicon
from reporter.notices.parser import explain_lines
from reporter.operations import (
    ImportResult,
    build_ledger,
    check_contacts,
    collect_period,
    fetch_mail,
    init_workspace,
    mail_units,
    parse_notices,
    period_status,
    render_reports,
    run_workspace,
    write_contacts,
    write_period_forms,
)
from reporter.problems import SEVERITY_LABELS, Problem, count_by_code
from reporter.reports import KIND_LABELS
from reporter.settings import Workspace, load_workspace
from reporter.status import LATE, NOT_REPORTED, ON_TIME, SENT_BACK

if TYPE_CHECKING:  # mail is loaded by the mail commands only
    from reporter.mail.jobs import SendResult

MAX_PROBLEMS_SHOWN = 60
# The cycle collector runs less often while a command runs (as mypy does): a province's ledger builds about a million
# objects, none of them in a cycle, and the default thresholds had it walk them all ten times (2 of 12 s of CPU).
GC_THRESHOLDS = (200_000, 30, 30)


class ReporterGroup(click.Group):
    """Translates errors into Chinese messages in one place."""

    def invoke(self, ctx: click.Context) -> object:
        thresholds = gc.get_threshold()
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ReporterError as exc:
            if ctx.meta.get("debug"):
                traceback.print_exc()
            _err_console().print(f"[bold red]错误：[/]{escape(str(exc))}", highlight=False)
            ctx.exit(1)
        except KeyboardInterrupt:
            _err_console().print("已中断。")
            ctx.exit(130)
        except Exception as exc:
            if ctx.meta.get("debug"):
                traceback.print_exc()
            _err_console().print(
                f"[bold red]内部错误：[/]{type(exc).__name__}: {escape(str(exc))}。请加 --debug 重新运行以查看详细信息，并反馈给维护人员。",
                highlight=False,
            )
            ctx.exit(1)
        finally:
            gc.set_threshold(*thresholds)


def entry() -> None:
    """The ``reporter`` command (and ``python -m reporter``): ``main``, then the process ends as mypy ends, without
    freeing its objects one by one: tearing down pandas, lxml and a province's data took longer than some commands
    themselves (0.3 s of the sample workspace's ``run``). Everything is written and closed by then (the store, the
    lock, the pools: the workers and the fork server end with this process); the exit functions run and the output
    is flushed first."""
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):  # as the interpreter reports sys.exit("...")
        print(code, file=sys.stderr)
        code = 1
    # what an exit does besides freeing objects: the atexit functions, among them multiprocessing's, which removes
    # the temporary folder of the fork server's socket (/tmp/pymp-…, otherwise left behind by every run)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (reporter … | head) or a closed stream
            pass
    os._exit(code or 0)


def _tolerant_streams() -> None:
    """Output that never fails on encoding: a Windows console or a redirected output in GBK (cp936) cannot show
    every character a unit or a notice may contain (rare characters, emoji); those are shown as "?" rather than
    stopping the command."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if isinstance(stream, io.TextIOWrapper) and encoding not in ("utf8", "utf8sig"):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, OSError):  # a stream already written in a way that cannot change
                pass


def _console(*, stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console.width = 160  # logs and pipes: wide enough that file names and document numbers are not cut
    return console


def _err_console() -> Console:
    return _console(stderr=True)


# -- options shared by several commands, each defined once -------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def workspace_option(function: F) -> F:
    """``--workspace DIR`` (``-w``): the workspace folder."""
    return click.option(
        "--workspace",
        "-w",
        "workspace_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="工作区文件夹（默认：当前文件夹或其上级中含 reporter.toml 的文件夹）。",
    )(function)


def date_option(function: F) -> F:
    """``--date YYYY-MM-DD``: the briefs' 成文日期 (default: the period's due date)."""
    return click.option(
        "--date",
        "signed",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        metavar="日期",
        help="通报和专报的成文日期，如 2021-06-28。默认：本期报送截止日（不是出具报告的当天）。",
    )(function)


def period_option(function: F) -> F:
    """``--period P`` (``-p``): the reporting period."""
    return click.option(
        "--period",
        "-p",
        "period_key",
        metavar="报送期",
        help="报送期，如 2021-06（按季度的工作区写 2021-Q2）。默认：reporter.toml 中的 current，否则最近一次生成填报表的一期，否则最近有报送的一期，否则本月。",
    )(function)


def json_option(function: F) -> F:
    """``--json OUT``: write the command's result as JSON to a file, or to the screen with ``-``."""
    return click.option(
        "--json",
        "json_out",
        type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
        help="把结果写成 JSON 文件（- 表示输出到屏幕）。",
    )(function)


class DueDate(click.ParamType):
    """A due date: ``2021-06-25``, ``2021/6/25``, ``2021.6.25`` or ``2021年6月25日``; anything else is a usage error."""

    name = "日期"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip().replace("/", "-").replace(".", "-")
        for pattern in ("%Y-%m-%d", "%Y年%m月%d日"):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        self.fail(f"截止日期“{value}”格式不对，请写作 2021-06-25", param, ctx)


def _emit_json(console: Console, json_out: Path | None, payload: object) -> None:
    """Write ``payload`` as JSON to ``json_out`` (``-``: the screen)."""
    if json_out is None:
        return
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    if str(json_out) == "-":
        click.echo(text)
        return
    _write_text(json_out, text)
    console.print(f"已写出 JSON：{json_out}")


@click.group(cls=ReporterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@workspace_option
@click.option("--debug", is_flag=True, help="出错时显示完整的调用栈（供维护人员排查）。")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    metavar="N",
    help="生成填报表和报告时同时使用的进程数（默认：本机 CPU 核数；1 为逐个生成）。",
)
@click.version_option(__version__, prog_name="reporter")
@click.pass_context
def main(ctx: click.Context, workspace_dir: Path | None, debug: bool, jobs: int | None) -> None:
    """reporter：政府工作报告目标任务督查工具。

    解析目标任务责任分解通知，生成台账，收集各单位报送，出具督查通报。

    示例：reporter run
    """
    _tolerant_streams()
    ctx.ensure_object(dict)
    ctx.obj["workspace_dir"] = workspace_dir
    ctx.obj["jobs"] = jobs
    ctx.meta["debug"] = debug


def _workspace(ctx: click.Context, *, write: bool = True) -> Workspace:
    """The workspace; for a command that writes (``write``), held against other commands until it ends."""
    workspace = load_workspace(ctx.obj.get("workspace_dir"))
    workspace.jobs = ctx.obj.get("jobs")
    if write:
        acquired = ctx.with_resource(workspace_lock(workspace, f"reporter {ctx.info_name}"))
        if acquired.note:
            _err_console().print(f"[yellow]注意：[/]{escape(acquired.note)}", highlight=False)
    return workspace


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="", help="工作区名称，出现在台账标题中（默认：文件夹名）。")
@click.option("--office", default="", help="督查室（联系处室）名称。")
def init(directory: Path, name: str, office: str) -> None:
    """新建一个空的工作区：reporter.toml（带注释）、input/notices、input/returns、output。

    示例：reporter init 2024督查 --name "某县政府工作报告目标任务督查"
    """
    created = init_workspace(directory, name=name, office=office)
    console = _console()
    console.print(f"已新建工作区：{directory}")
    for path in created:
        console.print(f"  {path}")
    console.print("下一步：把通知放入 input/notices/，在 reporter.toml 中配置区县（市），然后运行 reporter run")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
@click.option("--no-store", is_flag=True, help="只解析，不写入工作区数据库。")
@click.option("--explain", "explain_id", metavar="任务编号", help="逐行说明这项任务的每个字段来自通知的哪一行。")
@click.pass_context
def parse(
    ctx: click.Context, files: tuple[Path, ...], json_out: Path | None, no_store: bool, explain_id: str | None
) -> None:
    """解析通知文件，列出任务数和需要核对的问题；在工作区内时同时导入工作区数据库。

    退出码：0 全部解析（可有警告）；1 有文件无法解析；2 命令用法错误。

    示例：reporter parse input/notices/2021年通知.txt --json 2021.json
    示例：reporter parse input/notices/2021年通知.docx --explain 2021-G2-101
    """
    workspace = _maybe_workspace(ctx, required=False, write=not no_store)
    to_stdout = json_out is not None and str(json_out) == "-"
    console = _err_console() if to_stdout else _console()
    paths = list(files)
    result = parse_notices(workspace, paths, store=not no_store)
    if explain_id:
        _explain(console, result, explain_id, workspace.lexicon if workspace else None)
        return
    _print_import(console, result)
    if json_out is not None:  # a province's notice is 10,000 tasks of JSON: made only when asked for
        documents = [o.notice.to_dict() for o in result.outcomes if o.notice]
        _emit_json(console, json_out, documents[0] if len(paths) == 1 and documents else documents)
    if result.failed:
        ctx.exit(1)


def _explain(console: Console, result: ImportResult, task_id: str, lexicon: Lexicon | None = None) -> None:
    tasks = {t.id: t for o in result.outcomes if o.notice for t in o.notice.tasks}
    if task_id not in tasks:
        close = [i for i in tasks if i.endswith(task_id.split("-")[-1])][:8]
        hint = f"，相近的编号：{'、'.join(close)}" if close else ""
        raise WorkspaceError(f"解析结果中没有任务“{task_id}”{hint}")
    task = tasks[task_id]
    table = Table(title=f"任务 {task.id} 的来源（{task.part} {task.section}）", title_justify="left")
    for heading in ("行号", "原文", "识别为"):
        table.add_column(heading, overflow="fold")
    table.add_row(str(task.line), f"{task.number}.", "任务编号")
    for number, text, role in explain_lines(task, lexicon):
        table.add_row(str(number), escape(text), role)
    console.print(table)
    fields = Table(title="得到的字段", title_justify="left", show_header=False)
    fields.add_column("字段")
    fields.add_column("值", overflow="fold")
    for name, value in (
        ("任务内容", task.text),
        ("目标任务", task.target_text),
        (task.leader_label or "牵头领导", "、".join(task.leaders)),
        ("牵头单位", "、".join(task.lead_units)),
        ("配合单位", "、".join(task.cooperating_units)),
        ("集合主体", "；".join(f"{c.name}→{'、'.join(c.members) or '（不展开）'}" for c in task.collective_units)),
        ("量化指标", "；".join(t.text for t in task.targets)),
        ("任务分解", "；".join(f"{r.indicator or r.table}{r.unit and f'（{r.unit}）'}" for r in task.breakdown)),
    ):
        if value:
            fields.add_row(name, escape(value))
    for note in task.read_as:
        fields.add_row("读取方式", escape(note))
    console.print(fields)
    _print_problems(console, task.warnings)


def _maybe_workspace(ctx: click.Context, *, required: bool, write: bool = True) -> Workspace | None:
    try:
        return _workspace(ctx, write=write)
    except WorkspaceError:
        if required or ctx.obj.get("workspace_dir"):
            raise
        return None


def _write_text(path: Path, text: str) -> None:
    write_text_atomic(path, text + "\n")


@main.command()
@json_option
@click.pass_context
def ledger(ctx: click.Context, json_out: Path | None) -> None:
    """根据工作区数据库生成台账 output/台账.xlsx（原台账自动备份到 output/备份/）。

    生成前先读取现有台账中督查室所作的修改（任务内容、牵头领导、牵头单位、配合单位、完成时限、板块、
    督办状态，新增的任务行，更正的进度），并入工作区数据库，以台账为准；无法采用的修改逐项说明位置。
    台账正在 Excel/WPS 中打开时不读取也不写入。

    退出码：0 完成；1 有台账修改未能采用（已逐项说明，其余修改照常采用）。

    示例：reporter ledger --json 台账修改.json
    """
    to_stdout = json_out is not None and str(json_out) == "-"
    console = _err_console() if to_stdout else _console()
    result = build_ledger(_workspace(ctx))
    _print_ledger(console, result)
    read = result.changes.to_dict() if result.changes else {"source": "", "changes": [], "problems": []}
    _emit_json(console, json_out, {"ledger": str(result.path), **read})
    if result.changes and result.changes.problems:
        ctx.exit(1)


@main.command()
@period_option
@date_option
@click.option("--pdf", is_flag=True, help="报告同时转换为 PDF（需已安装 LibreOffice）。")
@click.pass_context
def run(ctx: click.Context, period_key: str | None, signed: datetime | None, pdf: bool) -> None:
    """一键运行：解析新的或修改过的通知，收集 input/returns/<报送期>/ 中报回的填报表，更新台账，出具全部报告。

    最后列出生成的文件（文件、类型、大小）和需要处理的问题。
    退出码：0 全部完成；1 有通知或填报表被退回（其余照常处理，报告照常出具）。

    示例：reporter run --period 2021-06
    """
    workspace = _workspace(ctx)
    console = _console()
    console.print(f"工作区：{workspace.root.resolve()}")
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as bars:
        steps: dict[str, TaskID] = {}

        def advance(step: str, done: int, total: int) -> None:
            if step not in steps:
                steps[step] = bars.add_task(step, total=total)
            bars.update(steps[step], completed=done, total=total)

        result = run_workspace(
            workspace, period_key, pdf=pdf, signed=signed.date() if signed else None, progress=advance
        )
    _print_import(console, result.imported)
    if result.collected:
        _print_collect(console, result.collected)
    produced = []
    if result.ledger:
        _print_ledger(console, result.ledger)
        produced.append((result.ledger.path, "台账"))
    if result.reports:
        produced += [(f.path, KIND_LABELS[f.kind]) for f in result.reports.files]
        for path in result.reports.templates_written:
            console.print(f"已生成默认模板：{path}（可在 Word 中修改措辞）")
    if produced:
        title = f"生成的文件{f'（{result.period.label}）' if result.period else ''}"
        _print_files(console, title, produced, workspace.root)
    for note in result.notes:
        console.print(f"[yellow]提示：[/]{escape(note)}")
    if result.rejected:
        console.print("[red]有文件被退回，见上表；其余已照常处理。[/]")
        ctx.exit(1)


@main.command()
@period_option
@click.option("--due", type=DueDate(), help="截止日期，如 2021-06-25（默认：报送期最后一个月的 due_day 日）。")
@click.pass_context
def forms(ctx: click.Context, period_key: str | None, due: date | None) -> None:
    """为每个责任单位生成填报表（output/forms/<报送期>/），并生成填报表清单。

    每个单位一个 .xlsx：填报说明、填报任务（已预填上期内容）、区县政府另有民生实事指标；
    只有填报列可以编辑，其余内容受保护；表内隐藏的识别信息保证文件改名后仍能识别。
    生成前先读入台账中督查室的修改（如新增的任务、停止督办、合并的单位），并同步更新台账。

    示例：reporter forms --period 2021-06 --due 2021-06-25
    """
    run = write_period_forms(_workspace(ctx), period_key, due)
    result = run.result
    console = _console()
    if run.ledger:
        _print_ledger(console, run.ledger)
    if run.note:
        console.print(f"[yellow]提示：[/]{escape(run.note)}")
    if len(result.plans) <= MAX_PROBLEMS_SHOWN:  # a province's thousand units: the manifest lists them
        table = Table(title=f"{result.period.label}填报表（截止 {result.due.isoformat()}）", title_justify="left")
        for heading in ("单位", "牵头任务", "配合任务", "民生实事指标", "文件"):
            table.add_column(heading, overflow="fold")
        for plan, path in zip(result.plans, result.paths, strict=True):
            table.add_row(
                escape(plan.unit),
                str(plan.lead_count),
                str(plan.cooperating_count),
                str(len(plan.indicators)) if plan.indicators else "",
                escape(path.name),
            )
        console.print(table)
    console.print(f"共生成填报表{len(result.paths)}份，在 {result.folder}；清单：{result.manifest.name}")
    if len(result.plans) > MAX_PROBLEMS_SHOWN:
        console.print(
            f"{result.period.label}填报表截止 {result.due.isoformat()}；"
            f"牵头任务共{sum(p.lead_count for p in result.plans)}项次，"
            f"配合任务共{sum(p.cooperating_count for p in result.plans)}项次，"
            f"民生实事指标共{sum(len(p.indicators) for p in result.plans)}项；各单位明细见清单"
        )
    if result.withdrawn:
        console.print(
            f"不再发表（台账“责任单位”表中类型为“不发表”，或已没有本期任务）：{escape('、'.join(result.withdrawn))}，"
            "已删除其此前生成的本期填报表"
        )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@period_option
@json_option
@click.pass_context
def collect(ctx: click.Context, paths: tuple[Path, ...], period_key: str | None, json_out: Path | None) -> None:
    """收集各单位报送的填报表（文件或文件夹），并入工作区数据库，更新台账。

    按表内隐藏的识别信息认定单位和报送期（与文件名无关），按任务编号对应各行。
    每个文件单独处理：有错误的文件整份退回并说明位置，其余照常接收；原件按内容指纹归档，
    重复收集同一文件不会重复计入；同一单位同一报送期的新报送替代旧报送，旧报送保留在历史中。
    未指定路径时收集 input/returns/<报送期>/。指定 --period 时只接收这一报送期的填报表，其他报送期的文件退回。

    退出码：0 全部接收；1 有文件被退回。

    示例：reporter collect input/returns/2021-06 --period 2021-06
    """
    workspace = _workspace(ctx)
    to_stdout = json_out is not None and str(json_out) == "-"
    console = _err_console() if to_stdout else _console()
    run = collect_period(workspace, list(paths), period_key)
    result = run.result
    _print_collect(console, result)
    if run.ledger:
        _print_ledger(console, run.ledger)
    _emit_json(console, json_out, result.to_dict())
    if result.rejected:
        ctx.exit(1)


@main.command()
@period_option
@json_option
@click.pass_context
def status(ctx: click.Context, period_key: str | None, json_out: Path | None) -> None:
    """报送情况：哪些单位已报送、哪些逾期或未报送，哪些任务没有任何单位反馈。

    示例：reporter status --period 2021-06
    """
    report = period_status(_workspace(ctx, write=False), period_key)
    period = report.period
    console = _console()
    if json_out is not None and str(json_out) == "-":
        _emit_json(console, json_out, report.to_dict())  # the JSON alone, for a pipe
        return
    table = Table(title=f"{period.label}报送情况（截止日期 {report.due.isoformat()}）", title_justify="left")
    for heading in (
        "单位",
        "联系人",
        "牵头任务",
        "配合任务",
        "报送情况",
        "报送时间",
        "次数",
        "催报",
        "填报人",
        "联系电话",
        "退回原因",
    ):
        table.add_column(heading, overflow="fold")
    styles = {NOT_REPORTED: "red", SENT_BACK: "magenta", LATE: "yellow", ON_TIME: "green"}
    for unit in report.units:
        table.add_row(
            escape(unit.unit),
            escape(unit.contact),
            str(unit.lead),
            str(unit.cooperating),
            f"[{styles[unit.label]}]{unit.label}[/]",
            unit.returned_at.replace("T", " "),
            str(unit.returns or ""),
            str(unit.reminders or ""),
            escape(unit.reporter),
            escape(unit.phone),
            escape(unit.sent_back),
        )
    console.print(table)
    returned = sum(1 for u in report.units if u.returned)
    late = sum(1 for u in report.units if u.late)
    sent_back = sum(1 for u in report.units if u.label == SENT_BACK)
    console.print(
        f"应报{len(report.units)}个单位，已报{returned}个（其中逾期{late}个），未报{len(report.units) - returned}个"
        + (f"（其中报送的文件被退回{sent_back}个）" if sent_back else "")
        + f"；没有任何单位反馈的任务{len(report.unanswered)}项。"
    )
    if report.unanswered:
        shown = "、".join(t.id for t in report.unanswered[:30])
        more = f"等{len(report.unanswered)}项" if len(report.unanswered) > 30 else ""
        console.print(f"无反馈任务：{shown}{more}（完整名单见台账“工作任务”表）")
    _emit_json(console, json_out, report.to_dict())


@main.command()
@period_option
@date_option
@click.option("--units", "per_unit", is_flag=True, help="另为每个责任单位出具一份单位专报。")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转换为 PDF（需已安装 LibreOffice）。")
@click.pass_context
def report(ctx: click.Context, period_key: str | None, signed: datetime | None, per_unit: bool, pdf: bool) -> None:
    """出具本期督查报告（Word）：月度督查通报、每位牵头领导的专报、每个区县的专报，可选每个单位的专报。

    报告写在 output/reports/<报送期>/。措辞来自 templates/ 中的 Word 模板（可在 Word 中修改），
    模板缺失时自动生成默认模板；模板变量写错时会指出模板和变量名。

    示例：reporter report --period 2021-06 --pdf
    """
    result = render_reports(
        _workspace(ctx), period_key, units=per_unit, pdf=pdf, signed=signed.date() if signed else None
    )
    console = _console()
    for path in result.templates_written:
        console.print(f"已生成默认模板：{path}（可在 Word 中修改措辞）")
    _print_files(
        console,
        f"已出具的报告（{result.folder}）",
        [(f.path, KIND_LABELS[f.kind]) for f in result.files],
        result.folder,
    )
    for note in result.notes:
        console.print(f"[yellow]提示：[/]{escape(note)}")


def _print_files(console: Console, title: str, files: list[tuple[Path, str]], base: Path) -> None:
    """A table of files written: path (relative to ``base`` when inside it), kind, size."""
    table = Table(title=title, title_justify="left")
    for heading in ("文件", "类型", "大小"):
        table.add_column(heading, overflow="fold")
    for path, kind in files:
        shown = path.relative_to(base) if path.is_relative_to(base) else path
        table.add_row(escape(str(shown)), kind, f"{path.stat().st_size / 1024:.0f} KB")
    console.print(table)


@main.command()
@click.option(
    "--template", "make_template", is_flag=True, help="生成（或补全）通讯录 input/通讯录.xlsx，列出通知中的每个单位。"
)
@click.pass_context
def contacts(ctx: click.Context, make_template: bool) -> None:
    """责任单位通讯录：检查 input/通讯录.xlsx，或用 --template 生成列出全部单位的空表（已填内容保留）。

    示例：reporter contacts --template
    """
    workspace = _workspace(ctx, write=make_template)
    console = _console()
    if make_template:
        path, kept, added = write_contacts(workspace)
        console.print(f"已写出通讯录：{path}（保留已填{kept}行，新增{added}个单位）。请填写各单位的联系人和电子邮箱。")
        return
    check = check_contacts(workspace)
    console.print(f"通讯录中有{len(check.found)}个单位；{len(check.missing)}个责任单位没有电子邮箱。")
    if check.missing:
        console.print("没有邮箱的单位：" + escape("、".join(check.missing)))
    _print_problems(console, check.problems)


def _send(ctx: click.Context, kind: str, period_key: str | None, dry_run: bool, **options: Any) -> None:
    """The body of ``send`` and ``remind``: mail, print the outcome, exit 1 when a unit failed or has no address."""
    period, result = mail_units(_workspace(ctx), period_key, kind=kind, dry_run=dry_run, **options)
    what = {"form": "填报表发送情况", "reminder": "催报情况", "due-soon": "截止前提醒情况"}[kind]
    title = f"{period.label}{what}"
    _print_send(_console(), result, title)
    if result.count("failed") or result.count("no-address") or result.count("unknown"):
        ctx.exit(1)


def _print_send(console: Console, result: SendResult, title: str) -> None:
    table = Table(title=title, title_justify="left")
    for heading in ("单位", "结果", "收件人", "说明"):
        table.add_column(heading, overflow="fold")
    styles = {
        "sent": "green",
        "outbox": "cyan",
        "skipped": "dim",
        "failed": "red",
        "no-address": "yellow",
        "unknown": "bold red",
    }
    for outcome in result.outcomes:
        detail = outcome.detail or (str(outcome.path) if outcome.path else "")
        table.add_row(
            escape(outcome.unit),
            f"[{styles[outcome.status]}]{outcome.label}[/]",
            escape("、".join(outcome.recipients)),
            escape(detail),
        )
    console.print(table)
    for name in result.templates_written:
        console.print(f"已生成默认邮件模板：templates/{name}（可修改措辞）")
    console.print(
        f"发送{result.count('sent')}封，存为 .eml {result.count('outbox')}封，跳过{result.count('skipped')}个，"
        f"失败{result.count('failed')}个，无邮箱{result.count('no-address')}个"
        + (f"，是否发出不明{result.count('unknown')}个。" if result.count("unknown") else "。")
    )
    for line in result.unknown_messages():
        console.print(f"[bold red]请核实：[/]{escape(line)}")
    if result.count("unknown") and not result.sent_folder:
        console.print(
            "在 reporter.toml 的 \\[mail] 中设置 imap_sent_folder（发件邮箱的“已发送”文件夹）后，"
            "reporter 会先到该文件夹按邮件编号核实，已发出的不再重发，未发出的自动补发。"
        )
    if result.outbox:
        console.print("未配置发件服务器或使用了 --dry-run：邮件已存为 .eml 文件，可用邮件客户端打开后发送。")
    if result.outbox and result.no_sender:
        console.print(
            "未配置发件人（reporter.toml 的 \\[mail] sender）：.eml 文件中没有发件人，用 Outlook 等邮件客户端打开后"
            "将以客户端当前的邮箱发出；通过发件服务器发送前，请先填写 sender。"
        )
    _print_problems(console, result.problems)


@main.command()
@period_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="不发送，只把邮件存为 output/outbox/<报送期>/ 下的 .eml 文件（不需要发件服务器、密码或发件人）。",
)
@click.option(
    "--resend",
    multiple=True,
    metavar="单位",
    help="再次发送给这个单位（可重复），包括上次发送中断、是否发出不明的单位。",
)
@click.pass_context
def send(ctx: click.Context, period_key: str | None, dry_run: bool, resend: tuple[str, ...]) -> None:
    """把填报表作为附件发送给每个单位（收件人来自 input/通讯录.xlsx）；已发过的单位不会重复发送。

    发件服务器在 reporter.toml 的 [mail] 中配置，密码用环境变量 REPORTER_SMTP_PASSWORD 或系统钥匙串。
    发送中途断线、不能确定是否已发出的邮件不会自动重发：配置了 imap_sent_folder 的到“已发送”文件夹核实，
    否则列出单位，由督查室核实后用 --resend 单位 重发。
    退出码：0 全部发出；1 有单位发送失败、没有邮箱或是否发出不明。

    示例：reporter send --period 2021-06 --dry-run
    """
    _send(ctx, "form", period_key, dry_run, resend=resend)


@main.command()
@period_option
@click.option("--dry-run", is_flag=True, help="不发送，只把催报邮件存为 .eml 文件。")
@click.option("--again", is_flag=True, help="今天已催报过（或已提醒过）的单位也再发一次。")
@click.option(
    "--before-due",
    is_flag=True,
    help="截止日期前的提醒：告知尚未报送的单位截止日期和剩余天数（不计入催报次数；截止日期过后请不加此项催报）。",
)
@click.option(
    "--resend",
    multiple=True,
    metavar="单位",
    help="再次催报这个单位（可重复），包括今天发送中断、是否发出不明的单位。",
)
@click.pass_context
def remind(
    ctx: click.Context, period_key: str | None, dry_run: bool, again: bool, before_due: bool, resend: tuple[str, ...]
) -> None:
    """向尚未报送的单位发送催报邮件（附填报表），并记录催报次数（reporter status 中可见）。

    报送的文件被退回的单位，邮件中写明退回的文件和原因。加 --before-due 则在截止日期前发送提醒。
    与 send 一样，发送中断、是否发出不明的催报不会自动重发（见 reporter send --help）。

    示例：reporter remind --period 2021-06；截止前三天：reporter remind --before-due
    """
    _send(ctx, "due-soon" if before_due else "reminder", period_key, dry_run, again=again, resend=resend)


@main.command()
@period_option
@click.option(
    "--from-folder",
    "eml_folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="不连收件服务器，改为读取这个文件夹中另存的 .eml 邮件。",
)
@click.pass_context
def fetch(ctx: click.Context, period_key: str | None, eml_folder: Path | None) -> None:
    """从收件服务器（IMAP）的文件夹下载新邮件中的 Excel 附件到 input/returns/<报送期>/，每封邮件只取一次。

    收件服务器和文件夹在 reporter.toml 的 [mail] 中配置（imap_host、imap_folder，如“收件箱/督查”），
    密码用环境变量 REPORTER_IMAP_PASSWORD 或系统钥匙串。

    文件名会被清理（不含路径、不覆盖已有文件），内容相同的附件只保存一份；记录发件人，
    收集时若发件人不是该单位通讯录中的邮箱会提示核实。

    示例：reporter fetch --period 2021-06
    """
    period, result = fetch_mail(_workspace(ctx), period_key, eml_folder)
    console = _console()
    table = Table(title=f"{period.label}收取的附件", title_justify="left")
    for heading in ("文件", "发件人", "邮件时间"):
        table.add_column(heading, overflow="fold")
    for item in result.files:
        table.add_row(escape(item.path.name), escape(item.sender), item.received_at.replace("T", " "))
    console.print(table)
    console.print(
        f"新邮件{result.messages}封（已取过的{result.skipped_messages}封跳过），保存附件{len(result.files)}个，"
        f"重复附件{len(result.duplicates)}个，非 Excel 附件{len(result.ignored)}个。"
        f"下一步：reporter collect --period {period.key}"
    )


# -- output ---------------------------------------------------------------------------------------------


def _print_import(console: Console, result: ImportResult) -> None:
    table = Table(title="通知解析结果", title_justify="left")
    for heading in ("文件", "文号", "工作任务", "民生实事", "警告", "数据库"):
        table.add_column(heading, overflow="fold")
    status_labels = {"new": "新导入", "unchanged": "无变化", "updated": "已更新"}
    for outcome in result.outcomes:
        if outcome.notice is None and outcome.reused is None:
            table.add_row(outcome.path.name, "", "", "", "", "[red]无法解析[/]")
            continue
        kinds = outcome.kinds
        work = kinds.count("work")
        saved = status_labels.get(outcome.saved.status, "") if outcome.saved else "未导入"
        if outcome.reused:
            saved = "无变化（未重新解析）"
        table.add_row(
            outcome.path.name,
            outcome.label,
            str(work),
            str(len(kinds) - work),
            str(len(outcome.problems())),
            saved,
        )
    console.print(table)
    for outcome in result.outcomes:
        if outcome.saved and outcome.saved.changes and outcome.saved.status == "updated":
            changes = Table(title=f"{outcome.path.name} 与上次导入相比的变化", title_justify="left")
            for heading in ("任务编号", "变化", "说明"):
                changes.add_column(heading, overflow="fold")
            for change in outcome.saved.changes:
                changes.add_row(change.task_id, change.label, escape(change.detail))
            console.print(changes)
        if outcome.saved and outcome.saved.conflicts:
            conflicts = Table(
                title=f"{outcome.path.name} 修订后与台账修改不一致（保留台账的修改，请在台账“台账修改”表中处理）",
                title_justify="left",
            )
            for heading in ("任务编号", "栏目", "台账值", "修订后的通知"):
                conflicts.add_column(heading, overflow="fold")
            for conflict in outcome.saved.conflicts:
                conflicts.add_row(conflict.task_id, conflict.field, escape(conflict.office), escape(conflict.notice))
            console.print(conflicts)
    _print_problems(console, result.problems())


def _print_problems(console: Console, problems: list[Problem]) -> None:
    if not problems:
        return
    table = Table(title=f"需要核对的问题（{len(problems)}项）", title_justify="left", show_lines=False)
    for heading in ("级别", "代码", "位置", "说明"):
        table.add_column(heading, overflow="fold")
    order = {"error": 0, "warning": 1}
    for problem in sorted(problems, key=lambda p: order.get(p.severity, 2))[:MAX_PROBLEMS_SHOWN]:
        style = "red" if problem.severity == "error" else "yellow"
        table.add_row(
            f"[{style}]{SEVERITY_LABELS.get(problem.severity, problem.severity)}[/]",
            problem.code,
            escape(problem.location.describe()),
            escape(problem.message),
        )
    console.print(table)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        console.print(f"……其余{len(problems) - MAX_PROBLEMS_SHOWN}项见台账“解析警告”工作表，或用 --json 输出。")


def _print_collect(console: Console, result: CollectResult) -> None:
    table = Table(title="填报表收集结果", title_justify="left")
    for heading in ("文件", "单位", "报送期", "结果", "任务", "指标", "问题"):
        table.add_column(heading, overflow="fold")
    styles = {ACCEPTED: "green", DUPLICATE: "dim", REJECTED: "red", SETTLED: "dim"}
    shown = result.outcomes
    if len(shown) > MAX_PROBLEMS_SHOWN:  # a province's month: the files that need a look, the rest counted below
        shown = [o for o in shown if o.status in (REJECTED, SETTLED) or o.problems]
    for outcome in shown:
        table.add_row(
            escape(outcome.path.name),
            escape(outcome.unit),
            escape(outcome.period),
            f"[{styles[outcome.status]}]{escape(outcome.label)}[/]",
            str(outcome.answers) if outcome.status == ACCEPTED else "",
            str(outcome.indicators) if outcome.indicators else "",
            str(len(outcome.problems)) if outcome.problems else "",
        )
    if shown:
        console.print(table)
    if len(shown) < len(result.outcomes):
        console.print(
            f"另有{len(result.outcomes) - len(shown)}份已接收或重复、无问题，未逐一列出"
            "（各单位报送情况见台账“报送情况”表，逐份结果可用 --json 导出）"
        )
    console.print(
        f"接收{result.count(ACCEPTED)}份，退回{result.count(REJECTED)}份，重复{result.count(DUPLICATE)}份"
        + (f"，此前已退回且单位已重新报送{result.count(SETTLED)}份" if result.count(SETTLED) else "")
        + f"；更新任务{result.tasks_updated}项。"
    )
    problems = result.problems()
    if problems:
        counts = Table(title="问题分类", title_justify="left")
        counts.add_column("代码")
        counts.add_column("数量", justify="right")
        for code, count in count_by_code(problems).items():
            counts.add_row(code, str(count))
        console.print(counts)
    _print_problems(console, problems)


def _print_ledger(console: Console, result: LedgerResult) -> None:
    changes = result.changes
    if changes is not None and changes.changes:
        table = Table(title=f"已采用的台账修改（{len(changes.changes)}项，来自{changes.source}）", title_justify="left")
        for heading in ("类型", "工作表", "行", "栏目", "任务编号", "原值", "新值"):
            table.add_column(heading, overflow="fold")
        for change in changes.changes[:MAX_PROBLEMS_SHOWN]:
            table.add_row(
                change.kind,
                change.sheet,
                str(change.row),
                change.column,
                change.task_id,
                escape(change.before),
                escape(change.after),
            )
        console.print(table)
    if changes is not None:
        _print_problems(console, changes.problems)
    console.print(
        f"已生成台账：{result.path}（工作任务{result.work_tasks}项，民生实事{result.livelihood_projects}项，"
        f"责任单位{result.units}个，牵头领导{result.leaders}位，解析警告{result.warnings}条）"
    )
    if result.backup:
        console.print(f"原台账已备份为：{result.backup}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The Word templates (docxtpl: Jinja inside .docx) and rendering them with a clear message when one is broken.

Default templates are built here with GB/T 9704 page, styles and page numbers; ``reporter report`` writes any
missing one into the workspace's ``templates/`` folder, where the office may edit the wording in Word.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError

from reporter.errors import TemplateError, template_refusal
from reporter.io.word import (
    DocumentProperties,
    WordDocument,
    WordTemplate,
    drop_unused_styles,
    head_line,
    landscape_section,
    new_document,
    page_break,
    paragraph,
    record_rules,
    save_document,
    set_alignment,
    set_first_line_indent,
    set_keep_with_next,
    set_right_indent,
    table,
    word_environment,
)
from reporter.settings import WordFonts


@dataclass(frozen=True)
class TemplateSpec:
    kind: str
    file: str
    title: str


LEADER = TemplateSpec("leader", "督查专报-领导.docx", "领导督查专报")
DISTRICT = TemplateSpec("district", "督查专报-区县.docx", "区县督查专报")
UNIT = TemplateSpec("unit", "督查专报-单位.docx", "单位督查专报")
MONTHLY = TemplateSpec("monthly", "月度督查通报.docx", "月度督查通报")
TEMPLATES = (LEADER, DISTRICT, UNIT, MONTHLY)
TEMPLATE_VERSION = "2"  # the default templates' design; an unedited older default is replaced by the new one
DEFAULT_OFFICE = "督查室"  # the author of templates and briefs when reporter.toml names no office


def _loop_table(
    document: WordDocument,
    headers: list[str],
    cells: list[str],
    loop: str,
    widths: Sequence[float],
    fonts: WordFonts,
    numeric: Sequence[int] = (),
) -> None:
    """A table whose body is one Jinja row repeated: ``{%tr for … %}`` / cells / ``{%tr endfor %}``."""
    blank = [""] * len(headers)
    grid = table(document, headers, [blank, cells, blank], widths, fonts, numeric=numeric)
    grid.cell(1, 0).paragraphs[0].runs[0].text = "{%tr " + loop + " %}"
    grid.cell(3, 0).paragraphs[0].runs[0].text = "{%tr endfor %}"


def _centered(document: WordDocument, text: str) -> None:
    line = paragraph(document, text)
    set_alignment(line, "center")
    set_first_line_indent(line, 0)


def _title_lines(document: WordDocument) -> None:
    """The title in 2号 小标宋, over two lines when long (``title_lines``)."""
    paragraph(document, "{%p for line in title_lines %}")
    paragraph(document, "{{ line }}", "公文标题")
    paragraph(document, "{%p endfor %}")


def _title(document: WordDocument, subtitle: str = "") -> None:
    """The title, an optional subtitle, and the office and date below it, as in a 专报."""
    _title_lines(document)
    if subtitle:
        paragraph(document, subtitle, "公文副标题")
    _centered(document, "{{ office }}　　{{ date }}")
    paragraph(document, "")


def _bulletin_head(document: WordDocument) -> None:
    """版头 of a 简报 (red name, 期号, office and date over a red rule), unless the office prints on letterhead."""
    paragraph(document, "{%p if bulletin_head %}")
    paragraph(document, "{{ head }}", "版头")
    paragraph(document, "第{{ issue }}期", "期号")
    head_line(paragraph(document, "{{ office }}\t{{ date }}", "主送"), rule=True)
    paragraph(document, "")
    paragraph(document, "{%p endif %}")


def _attachment(document: WordDocument, number: int, title: str, note: str = "") -> None:
    paragraph(document, f"附件{number}", "附件标签")
    paragraph(document, title, "公文标题")
    if note:
        _centered(document, note)


# 附件 tables on landscape pages: 225 mm of 版心 across; widths in mm so that no header word, id or number breaks.
_LAGGING_HEADERS = [
    "序号",
    "任务编号",
    "任务内容",
    "牵头单位",
    "完成进度\n（%）",
    "序时进度\n（%）",
    "进度分类",
    "存在问题",
]
_LAGGING_CELLS = [
    "{{ t.index }}",
    "{{ t.id }}",
    "{{ t.short_text }}",
    "{{ t.lead_unit }}",
    "{{ t.percent }}",
    "{{ t.expected }}",
    "{{ t.category }}",
    "{{ t.problems }}",
]
_LAGGING_WIDTHS = [12, 28, 53, 30, 19, 19, 27, 37]
_LAGGING_NUMERIC = (0, 1, 4, 5, 6)


def _lagging_attachment(document: WordDocument, fonts: WordFonts, number: int) -> None:
    _attachment(document, number, "进度滞后任务清单", "（含民生实事项目，明显滞后在前）")
    paragraph(document, "{%p if lagging %}")
    _loop_table(
        document, _LAGGING_HEADERS, _LAGGING_CELLS, "for t in lagging", _LAGGING_WIDTHS, fonts, _LAGGING_NUMERIC
    )
    paragraph(document, "{%p else %}")
    paragraph(document, "本期没有进度滞后的任务。")
    paragraph(document, "{%p endif %}")


def _leader_template(document: WordDocument, fonts: WordFonts) -> None:
    """领导专报: 总体情况 with shares, 滞后事项 named inline, the leader's lead units that did not report, every task
    in the 附件."""
    _title(document, "（{{ addressed }}牵头任务）")
    paragraph(document, "一、总体情况", "一级标题")
    paragraph(
        document,
        "{{ addressed }}牵头的目标任务共{{ summary.total }}项（含民生实事项目）。截至{{ as_of }}，"
        "已完成{{ summary.done }}项，占{{ summary.done_share }}；达到序时进度{{ summary.on_schedule }}项，"
        "占{{ summary.on_schedule_share }}；进度滞后{{ summary.lagging }}项，占{{ summary.lagging_share }}，"
        "其中略滞后{{ summary.slightly_behind }}项、明显滞后{{ summary.well_behind }}项；"
        "牵头单位未报送{{ summary.unreported }}项。{{ threshold }}",
    )
    paragraph(document, "二、进度滞后事项", "一级标题")
    paragraph(
        document,
        "{% if summary.lagging %}进度滞后的任务主要有：{{ lagging_sentence }}"
        "{% if lagging_more %}另有{{ lagging_more }}项，详见附件。{% endif %}"
        "{% else %}本期没有进度滞后的任务。{% endif %}",
    )
    paragraph(document, "三、报送情况", "一级标题")
    paragraph(
        document,
        "{% if unreported_units %}以下牵头单位本期未报送进展：{{ unreported_units|join('、') }}。"
        "{% else %}牵头单位均已报送本期进展。{% endif %}",
    )
    paragraph(document, "")
    paragraph(document, "附件：各项任务推进情况")
    landscape_section(document)
    _attachment(document, 1, "各项任务推进情况")
    _loop_table(
        document,
        [*_LAGGING_HEADERS[:-1], "最新进展"],  # the lagging list's columns, progress instead of problems
        [*_LAGGING_CELLS[:-1], "{{ t.progress_short }}"],
        "for t in tasks",
        [12, 28, 47, 28, 19, 19, 27, 45],
        fonts,
        _LAGGING_NUMERIC,
    )


def _district_template(document: WordDocument, fonts: WordFonts) -> None:
    """区县专报: the district's own reporting, indicators and rank, its answers on the tasks it shares; one page
    when it sent nothing."""
    _title(document)
    paragraph(document, "{%p if not reported %}")
    paragraph(
        document,
        "截至{{ date }}，{{ unit }}尚未报送{{ period_label }}政府工作报告目标任务和民生实事项目进展情况"
        "（报送截止时间为{{ due }}）。请尽快补报，逾期未报的将在月度通报中予以通报。",
    )
    paragraph(
        document,
        "本期{{ unit }}承担牵头任务{{ lead_tasks }}项、配合任务{{ cooperating_tasks }}项"
        "{% if indicators_total %}，民生实事分解指标{{ indicators_total }}项{% endif %}。",
    )
    paragraph(document, "{%p else %}")
    paragraph(document, "一、报送情况", "一级标题")
    paragraph(
        document,
        "{{ unit }}于{{ reported_at }}报送{{ period_label }}进展{% if late %}，已超过报送截止时间（{{ due }}）"
        "{% else %}，按时报送{% endif %}。本期承担牵头任务{{ lead_tasks }}项、配合任务{{ cooperating_tasks }}项，"
        "报送了其中{{ answered_tasks }}项的进展。",
    )
    paragraph(document, "二、民生实事项目", "一级标题")
    paragraph(
        document,
        "{% if indicators_total %}本地区承担民生实事分解指标{{ indicators_total }}项，已报{{ indicators_reported }}项"
        "{% if composite_rate %}，平均完成率{{ composite_rate }}%（单项超过100%按100%计），"
        "在报送数据的{{ ranked }}个区县（市）中排{{ rank }}{% endif %}。"
        "{% else %}本地区本期没有民生实事分解指标。{% endif %}",
    )
    paragraph(document, "{%p if indicators %}")
    _loop_table(
        document,
        ["项目", "指标", "计量\n单位", "目标", "累计完成", "完成率\n（%）", "排名"],
        [
            "{{ i.project }}",
            "{{ i.indicator }}",
            "{{ i.measure }}",
            "{{ i.target }}",
            "{{ i.completed }}",
            "{{ i.rate }}",
            "{{ i.rank }}",
        ],
        "for i in indicators",
        [30, 28, 20, 18, 21, 18, 21],
        fonts,
        (2, 3, 4, 5, 6),
    )
    paragraph(document, "{%p endif %}")
    paragraph(document, "三、工作任务", "一级标题")
    paragraph(
        document,
        "{% if lead_tasks %}本地区牵头的任务{{ lead_tasks }}项，本地区报送的进展见下表；“全市进度”为全部牵头单位报送"
        "情况，仅作参考。{% else %}本地区本期没有牵头任务。{% endif %}"
        "配合任务{{ cooperating_tasks }}项的报送情况见随附 Excel 表。",
    )
    paragraph(document, "{%p if lead %}")
    _loop_table(
        document,
        ["任务编号", "任务内容", "本地区\n职责", "本地区报送", "全市进度\n（参考）"],
        ["{{ t.id }}", "{{ t.short_text }}", "{{ t.role }}", "{{ t.own }}", "{{ t.category }}"],
        "for t in lead",
        [28, 46, 19, 36, 27],
        fonts,
        (0, 2, 4),
    )
    paragraph(document, "{%p endif %}")
    paragraph(document, "{%p endif %}")


def _unit_template(document: WordDocument, fonts: WordFonts) -> None:
    """单位专报: the unit's tasks, what it reported, and where each task stands."""
    _title(document)
    paragraph(
        document,
        "{{ unit }}本期承担目标任务{{ tasks|length }}项。{% if reported %}已于{{ reported_at }}报送"
        "{% if late %}（逾期）{% endif %}。{% else %}本期尚未报送，请尽快补报。{% endif %}",
    )
    _loop_table(
        document,
        ["任务编号", "任务内容", "职责", "本单位报送", "任务进度"],
        ["{{ t.id }}", "{{ t.short_text }}", "{{ t.role }}", "{{ t.own }}", "{{ t.category }}"],
        "for t in tasks",
        [28, 52, 15, 34, 27],
        fonts,
        (0, 2, 4),
    )


def _monthly_template(document: WordDocument, fonts: WordFonts) -> None:
    """月度督查通报: 版头, 主送, 导语, 总体情况 with shares, 滞后事项 inline, 民生实事 with the district ranking,
    报送情况, 下一步工作要求, 附件说明, 落款; then the 附件 tables on landscape pages and the 版记."""
    _bulletin_head(document)
    _title_lines(document)
    paragraph(document, "")
    paragraph(document, "{{ recipients }}：", "主送")
    paragraph(
        document,
        "{{ basis }}要求，{{ office }}对{{ period_label }}政府工作报告目标任务和民生实事项目推进情况进行了督查。"
        "总体看，{{ judgement }}。现将有关情况通报如下。",
    )
    paragraph(document, "一、总体情况", "一级标题")
    paragraph(
        document,
        "纳入督查的政府工作报告目标任务共{{ summary.total }}项（不含民生实事项目）。截至{{ as_of }}，"
        "已完成{{ summary.done }}项，占{{ summary.done_share }}；达到序时进度{{ summary.on_schedule }}项，"
        "占{{ summary.on_schedule_share }}；进度滞后{{ summary.lagging }}项，占{{ summary.lagging_share }}，"
        "其中略滞后{{ summary.slightly_behind }}项、明显滞后{{ summary.well_behind }}项；"
        "牵头单位未报送{{ summary.unreported }}项，占{{ summary.unreported_share }}。"
        "{% if summary.undetermined %}另有{{ summary.undetermined }}项报送内容不全，无法判定进度。{% endif %}"
        "{{ change }}",
    )
    paragraph(document, "{{ threshold }}")
    paragraph(document, "二、进度滞后事项", "一级标题")
    paragraph(
        document,
        "{% if summary.lagging %}{% if well_behind_count %}明显滞后的任务主要有{% else %}进度滞后的任务有{% endif %}："
        "{{ lagging_sentence }}{% if lagging_more %}另有{{ lagging_more }}项进度滞后，详见附件1。{% endif %}"
        "{% else %}本期没有进度滞后的任务。{% endif %}",
    )
    paragraph(document, "三、民生实事项目", "一级标题")
    paragraph(
        document,
        "民生实事项目共{{ livelihood_summary.total }}项，已完成{{ livelihood_summary.done }}项，"
        "达到序时进度{{ livelihood_summary.on_schedule }}项，进度滞后{{ livelihood_summary.lagging }}项"
        "{% if livelihood_summary.unreported %}，牵头单位未报送{{ livelihood_summary.unreported }}项{% endif %}。"
        "{% if livelihood_lagging_sentence %}滞后较多的是：{{ livelihood_lagging_sentence }}{% endif %}"
        "{% if district_ranking %}分区县看，{{ district_ranking }}{% endif %}"
        "{% if districts_missing %}{{ districts_missing|join('、') }}未报送指标完成数据。{% endif %}详见附件3。",
    )
    paragraph(document, "四、报送情况", "一级标题")
    paragraph(
        document,
        "本期应报送单位{{ units_total }}个，按时报送{{ units_on_time }}个，逾期报送{{ units_late }}个，"
        "未报送{{ units_total - units_reported }}个。"
        "{% if unreported_lead_units %}承担牵头任务但未报送的单位有："
        "{{ unreported_lead_units_named|join('、') }}{% if unreported_lead_units|length > "
        "unreported_lead_units_named|length %}等{{ unreported_lead_units|length }}个{% endif %}。{% endif %}"
        "{% if late_units %}逾期报送的单位有：{{ late_units|join('、') }}。{% endif %}各单位报送情况见附件4。",
    )
    paragraph(document, "五、下一步工作要求", "一级标题")
    paragraph(document, "{%p for r in requirements %}")
    paragraph(document, "{{ r.ordinal }}{{ r.text }}")
    paragraph(document, "{%p endfor %}")
    paragraph(document, "")
    paragraph(document, "{%p for a in attachments %}")
    paragraph(document, "{% if loop.first %}附件：{% else %}　　　{% endif %}{{ a.number }}．{{ a.title }}")
    paragraph(document, "{%p endfor %}")
    paragraph(document, "")
    paragraph(document, "")
    set_keep_with_next(paragraph(document, "{{ office }}", "落款"))
    set_right_indent(paragraph(document, "{{ date }}", "落款"), 2)
    landscape_section(document)
    _lagging_attachment(document, fonts, 1)
    page_break(document)
    _attachment(document, 2, "分牵头领导推进情况", "（含民生实事项目；单位：项）")
    _loop_table(
        document,
        ["牵头领导", "任务数", "已完成", "达到序时进度", "略滞后", "明显滞后", "未报"],
        [
            "{{ l.name }}",
            "{{ l.total }}",
            "{{ l.done }}",
            "{{ l.on_schedule }}",
            "{{ l.slightly_behind }}",
            "{{ l.well_behind }}",
            "{{ l.unreported }}",
        ],
        "for l in by_leader",
        [50, 24, 24, 34, 24, 28, 24],
        fonts,
        (1, 2, 3, 4, 5, 6),
    )
    page_break(document)
    _attachment(
        document,
        3,
        "民生实事项目分区县完成情况",
        "（按各项指标平均完成率排名，单项超过100%按100%计；明细见督查汇总表）",
    )
    paragraph(document, "{%p if districts %}")
    _loop_table(
        document,
        ["排名", "区县（市）", "已报/应报\n指标", "平均完成率\n（%）", "报送情况"],
        ["{{ d.rank }}", "{{ d.district }}", "{{ d.indicators_text }}", "{{ d.composite_rate }}", "{{ d.report }}"],
        "for d in districts",
        [24, 44, 30, 32, 30],
        fonts,
        (0, 2, 3, 4),
    )
    paragraph(document, "{%p else %}")
    paragraph(document, "本工作区未配置区县（市），没有分区县完成情况。")
    paragraph(document, "{%p endif %}")
    page_break(document)
    _attachment(document, 4, "报送情况")
    _loop_table(
        document,
        ["序号", "单位", "类型", "牵头任务", "配合任务", "报送情况", "报送时间"],
        [
            "{{ u.index }}",
            "{{ u.unit }}",
            "{{ u.kind }}",
            "{{ u.lead_tasks }}",
            "{{ u.cooperating_tasks }}",
            "{{ u.status }}",
            "{{ u.returned_short }}",
        ],
        "for u in units",
        [14, 80, 26, 24, 24, 26, 31],
        fonts,
        (0, 2, 3, 4, 5, 6),
    )
    paragraph(document, "")
    paragraph(document, "{%p if copy_to %}")
    record_rules(paragraph(document, "抄送：{{ copy_to }}。", "版记"))
    paragraph(document, "{%p endif %}")
    printed = paragraph(document, "{{ office }}\t{{ date }}印发", "版记")
    head_line(printed, rule=False, width_mm=223)
    record_rules(printed)


_BODIES: dict[str, Callable[[WordDocument, WordFonts], None]] = {
    LEADER.kind: _leader_template,
    DISTRICT.kind: _district_template,
    UNIT.kind: _unit_template,
    MONTHLY.kind: _monthly_template,
}


def build_template(spec: TemplateSpec, path: Path, fonts: WordFonts, office: str = DEFAULT_OFFICE) -> Path:
    """Write the default template for ``spec`` to ``path``, the office as its author; its keywords record its
    design (``reporter-template monthly 2``), by which an unedited default of an older design is told."""
    marker = f"reporter-template {spec.kind} {TEMPLATE_VERSION}"
    document = new_document(fonts, DocumentProperties(spec.title, office, spec.title, marker, spec.title))
    _BODIES[spec.kind](document, fonts)
    drop_unused_styles(document)  # every brief made from it would carry them
    save_document(document, path)
    return path


WRITTEN, UPGRADED, KEPT, OUTDATED = "written", "upgraded", "kept", "outdated"
_DEFAULTS_RECORD = ".默认模板.json"  # sha256 of each default template as written, to tell an unedited one


def template_path(folder: Path, spec: TemplateSpec, fonts: WordFonts, office: str = DEFAULT_OFFICE) -> tuple[Path, str]:
    """The workspace's template for ``spec`` and what was done: ``written`` (missing, the default written),
    ``upgraded`` (an unedited default of an older design, replaced and kept as ``*.旧版.docx``), ``outdated`` (an
    edited one, or one from before designs were recorded, kept as it is) or ``kept``."""
    path = folder / spec.file
    record_path = folder / _DEFAULTS_RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.is_file() else {}
    except (OSError, ValueError):
        record = {}
    current = f"{spec.kind} {TEMPLATE_VERSION}"
    state = WRITTEN
    if path.exists():
        written = record.get(spec.file, {})
        unedited = written.get("sha256") == _sha256(path)
        if not unedited:  # edited by the office, or from before designs were recorded: never replaced
            return path, KEPT if _is_current(path, current) else OUTDATED
        if written.get("design") == current:
            return path, KEPT
        shutil.copy2(path, path.with_name(f"{path.stem}.旧版.docx"))
        state = UPGRADED
    build_template(spec, path, fonts, office)
    record[spec.file] = {"design": current, "sha256": _sha256(path)}
    record_path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    return path, state


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _is_current(path: Path, design: str) -> bool:
    try:
        return WordTemplate(path).keywords() == f"reporter-template {design}"
    except Exception:  # an unreadable template is reported when it is rendered
        return False


_VARIABLES: dict[tuple[Path, int, int], frozenset[str]] = {}


def _variables(template: Path, document: WordTemplate, environment: jinja2.Environment) -> frozenset[str]:
    """The template's variables, worked out once per file version (a period renders one template 16 times)."""
    status = template.stat()
    key = (template.resolve(), status.st_mtime_ns, status.st_size)
    if key not in _VARIABLES:
        _VARIABLES[key] = frozenset(document.undeclared_variables(environment))
    return _VARIABLES[key]


def render(template: Path, context: dict[str, Any], output: Path, kind: str = "") -> None:
    """Render a docxtpl template; a broken template or an unknown variable is a ``TemplateError`` naming both.
    The brief gets its own properties: its title, the office as author, the period and the kind of brief
    (``kind``: ``monthly``, ``leader`` …)."""
    try:
        document = WordTemplate(template)
        environment = word_environment()
        missing = sorted(_variables(template, document, environment) - set(context))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"模板 {template.name} 有语法错误（第{exc.lineno}行附近）：{exc.message}") from exc
    except Exception as exc:  # a file that is not a .docx, or a damaged one
        raise TemplateError(
            f"模板 {template.name} 无法打开（{type(exc).__name__}），请检查或删除后重新生成默认模板"
        ) from exc
    if missing:
        raise TemplateError(
            f"模板 {template.name} 使用了报告中没有的变量：{'、'.join(missing)}。"
            f"可用的变量：{'、'.join(sorted(context))}（见 README）"
        )
    try:
        document.render(context, environment)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"模板 {template.name} 中的变量有误：{exc.message}（可用的字段见 README）") from exc
    except (SecurityError, OverflowError) as exc:  # the sandbox's refusals (OverflowError: a huge range)
        raise TemplateError(template_refusal(template.name, exc, offers="报告", outcome="已停止出具")) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"模板 {template.name} 渲染失败：{exc}") from exc
    document.set_properties(brief_properties(context, kind))
    document.save(output)


def brief_properties(context: dict[str, Any], kind: str = "") -> DocumentProperties:
    """A brief's properties: title, the office, the period as subject, the kind and the period as keywords, the
    kind as category (月度督查通报, 领导督查专报 …)."""
    name = next((spec.title for spec in TEMPLATES if spec.kind == kind), "")
    period, label = str(context.get("period", "")), str(context.get("period_label", ""))
    return DocumentProperties(
        title=str(context.get("title", "")),
        author=str(context.get("office", "")) or DEFAULT_OFFICE,
        subject=label,
        keywords="；".join(word for word in dict.fromkeys((name, label, period)) if word),
        category=name,
    )

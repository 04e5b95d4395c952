"""The Word templates (docxtpl: Jinja inside .docx) and rendering them with a clear message when one is broken.

Default templates are built here with GB/T 9704 page, styles and page numbers; ``reporter report`` writes any
missing one into the workspace's ``templates/`` folder, where the office may edit the wording in Word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from reporter.errors import TemplateError
from reporter.io.word import (
    WordDocument,
    WordTemplate,
    new_document,
    paragraph,
    save_document,
    set_alignment,
    set_first_line_indent,
    table,
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


def _loop_table(
    document: WordDocument, headers: list[str], cells: list[str], loop: str, widths: Sequence[float], fonts: WordFonts
) -> None:
    """A table whose body is one Jinja row repeated: ``{%tr for … %}`` / cells / ``{%tr endfor %}``."""
    blank = [""] * len(headers)
    grid = table(document, headers, [blank, cells, blank], widths, fonts)
    grid.cell(1, 0).paragraphs[0].runs[0].text = "{%tr " + loop + " %}"
    grid.cell(3, 0).paragraphs[0].runs[0].text = "{%tr endfor %}"


def _header(document: WordDocument, title: str, subtitle: str) -> None:
    paragraph(document, title, "公文标题")
    if subtitle:
        paragraph(document, subtitle, "公文副标题")
    line = paragraph(document, "{{ office }}　　{{ date }}")
    set_alignment(line, "center")
    set_first_line_indent(line, 0)


_LAGGING_HEADERS = ["编号", "任务", "牵头单位", "完成进度(%)", "序时进度(%)", "亮灯", "存在问题"]
_LAGGING_CELLS = [
    "{{ t.id }}",
    "{{ t.short_text }}",
    "{{ t.lead_unit }}",
    "{{ t.percent }}",
    "{{ t.expected }}",
    "{{ t.light }}",
    "{{ t.problems }}",
]
_LAGGING_WIDTHS = [20, 44, 22, 15, 15, 12, 28]


def _leader_template(document: WordDocument, fonts: WordFonts) -> None:
    """领导专报: summary, lagging tasks, every task by part and section."""
    _header(document, "{{ period_label }}目标任务推进情况督查专报", "（{{ leader }}同志牵头任务）")
    paragraph(document, "一、总体情况", "一级标题")
    paragraph(
        document,
        "{{ leader }}同志牵头的目标任务共{{ summary.total }}项。截至{{ period_label }}末，已完成{{ summary.done }}项；"
        "亮绿灯{{ summary.green }}项、黄灯{{ summary.yellow }}项、红灯{{ summary.red }}项，"
        "进度滞后{{ summary.lagging }}项；牵头单位未报送{{ summary.unreported }}项。",
    )
    paragraph(document, "{%p if unreported_units %}")
    paragraph(document, "尚未报送的单位：{{ unreported_units|join('、') }}。")
    paragraph(document, "{%p endif %}")
    paragraph(document, "二、进度滞后任务", "一级标题")
    paragraph(document, "{%p if not lagging %}")
    paragraph(document, "本期没有进度滞后的任务。")
    paragraph(document, "{%p endif %}")
    _loop_table(document, _LAGGING_HEADERS, _LAGGING_CELLS, "for t in lagging", _LAGGING_WIDTHS, fonts)
    paragraph(document, "三、各项任务推进情况", "一级标题")
    paragraph(document, "{%p for part in parts %}")
    paragraph(document, "{{ part.name }}", "二级标题")
    paragraph(document, "{%p for s in part.sections %}")
    paragraph(document, "{% if s.name != part.name %}{{ s.name }}{% endif %}", "二级标题")
    paragraph(document, "{%p for t in s.tasks %}")
    paragraph(
        document,
        "{{ t.number }}.{{ t.short_text }}（牵头单位：{{ t.lead_unit }}；{{ t.status }}"
        "{% if t.percent %}，完成{{ t.percent }}%{% endif %}；{{ t.light }}）"
        "{% if t.progress %}进展：{{ t.progress }}{% endif %}"
        "{% if t.problems %}存在问题：{{ t.problems }}{% endif %}"
        "{% if t.plan %}下步计划：{{ t.plan }}{% endif %}",
    )
    paragraph(document, "{%p endfor %}")
    paragraph(document, "{%p endfor %}")
    paragraph(document, "{%p endfor %}")


def _district_template(document: WordDocument, fonts: WordFonts) -> None:
    """区县专报: livelihood indicators with rank, the district's tasks, its reporting status."""
    _header(document, "{{ district }}{{ period_label }}目标任务推进情况督查专报", "")
    paragraph(document, "一、民生实事项目", "一级标题")
    paragraph(document, "{%p if not indicators %}")
    paragraph(document, "本期未收到本地区民生实事指标完成数据。")
    paragraph(document, "{%p endif %}")
    _loop_table(
        document,
        ["项目", "指标", "单位", "目标", "累计完成", "完成率(%)", "排名"],
        [
            "{{ i.project }}",
            "{{ i.indicator }}",
            "{{ i.unit }}",
            "{{ i.target }}",
            "{{ i.completed }}",
            "{{ i.rate }}",
            "{{ i.rank }}/{{ i.of }}",
        ],
        "for i in indicators",
        [30, 36, 12, 15, 17, 17, 14],
        fonts,
    )
    paragraph(document, "二、工作任务", "一级标题")
    paragraph(
        document,
        "{{ unit }}承担的任务共{{ summary.total }}项，亮绿灯{{ summary.green }}项、黄灯{{ summary.yellow }}项、"
        "红灯{{ summary.red }}项。",
    )
    _loop_table(
        document,
        ["编号", "任务", "牵头单位", "本地区反馈", "亮灯"],
        ["{{ t.id }}", "{{ t.short_text }}", "{{ t.lead_unit }}", "{{ t.own_progress }}", "{{ t.light }}"],
        "for t in tasks",
        [22, 50, 26, 44, 14],
        fonts,
    )
    paragraph(document, "三、报送情况", "一级标题")
    paragraph(
        document,
        "{% if reported %}{{ unit }}已于{{ reported_at }}报送{{ period_label }}进展{% if late %}（逾期）{% endif %}。"
        "{% else %}{{ unit }}尚未报送{{ period_label }}进展，请于{{ due }}前报送。{% endif %}",
    )


def _unit_template(document: WordDocument, fonts: WordFonts) -> None:
    """单位专报: the unit's tasks and what it reported."""
    _header(document, "{{ unit }}{{ period_label }}目标任务推进情况", "")
    paragraph(
        document,
        "{{ unit }}承担的目标任务共{{ summary.total }}项。{% if reported %}本期已于{{ reported_at }}报送"
        "{% if late %}（逾期）{% endif %}。{% else %}本期尚未报送。{% endif %}",
    )
    _loop_table(
        document,
        ["编号", "任务", "状态", "完成进度(%)", "亮灯", "进展情况"],
        [
            "{{ t.id }}",
            "{{ t.short_text }}",
            "{{ t.status }}",
            "{{ t.percent }}",
            "{{ t.light }}",
            "{{ t.progress }}",
        ],
        "for t in tasks",
        [22, 44, 18, 16, 12, 44],
        fonts,
    )


def _monthly_template(document: WordDocument, fonts: WordFonts) -> None:
    """月度督查通报: overall figures, by part and leader, livelihood projects, lagging tasks, reporting."""
    _header(document, "{{ period_label }}政府工作报告目标任务督查通报", "")
    paragraph(document, "一、总体情况", "一级标题")
    paragraph(
        document,
        "纳入督查的政府工作报告目标任务共{{ summary.total }}项。截至{{ period_label }}末，已完成{{ summary.done }}项，"
        "亮绿灯{{ summary.green }}项、黄灯{{ summary.yellow }}项、红灯{{ summary.red }}项，"
        "进度滞后{{ summary.lagging }}项，牵头单位未报送{{ summary.unreported }}项。"
        "{% if previous_period_label %}与{{ previous_period_label }}相比，已完成增加{{ change.done }}项，"
        "进度滞后{% if change.lagging >= 0 %}增加{{ change.lagging }}{% else %}减少{{ -change.lagging }}{% endif %}项。{% endif %}",
    )
    paragraph(document, "（一）分板块情况", "二级标题")
    _loop_table(
        document,
        ["板块", "任务数", "已完成", "绿灯", "黄灯", "红灯", "未报送"],
        [
            "{{ p.name }}",
            "{{ p.total }}",
            "{{ p.done }}",
            "{{ p.green }}",
            "{{ p.yellow }}",
            "{{ p.red }}",
            "{{ p.unreported }}",
        ],
        "for p in by_part",
        [50, 16, 16, 16, 16, 16, 16],
        fonts,
    )
    paragraph(document, "（二）分牵头领导情况", "二级标题")
    _loop_table(
        document,
        ["牵头领导", "任务数", "已完成", "绿灯", "黄灯", "红灯", "未报送"],
        [
            "{{ l.name }}",
            "{{ l.total }}",
            "{{ l.done }}",
            "{{ l.green }}",
            "{{ l.yellow }}",
            "{{ l.red }}",
            "{{ l.unreported }}",
        ],
        "for l in by_leader",
        [50, 16, 16, 16, 16, 16, 16],
        fonts,
    )
    paragraph(document, "二、民生实事项目", "一级标题")
    paragraph(
        document,
        "民生实事项目共{{ livelihood_summary.total }}项，已完成{{ livelihood_summary.done }}项，"
        "亮红灯{{ livelihood_summary.red }}项、黄灯{{ livelihood_summary.yellow }}项。",
    )
    _loop_table(
        document,
        ["指标", "区县", "目标", "累计完成", "完成率(%)", "排名"],
        [
            "{{ i.indicator }}",
            "{{ i.district }}",
            "{{ i.target }}",
            "{{ i.completed }}",
            "{{ i.rate }}",
            "{{ i.rank }}",
        ],
        "for i in indicators",
        [54, 22, 18, 20, 22, 14],
        fonts,
    )
    paragraph(document, "三、进度滞后任务", "一级标题")
    paragraph(document, "{%p if not lagging %}")
    paragraph(document, "本期没有进度滞后的任务。")
    paragraph(document, "{%p endif %}")
    _loop_table(document, _LAGGING_HEADERS, _LAGGING_CELLS, "for t in lagging", _LAGGING_WIDTHS, fonts)
    paragraph(document, "四、报送情况", "一级标题")
    paragraph(
        document,
        "应报送单位{{ units_total }}个，已报送{{ units_reported }}个。"
        "{% if late_units %}逾期报送：{{ late_units|join('、') }}。{% endif %}"
        "{% if unreported_units %}未报送：{{ unreported_units|join('、') }}。{% endif %}",
    )


_BODIES: dict[str, Callable[[WordDocument, WordFonts], None]] = {
    LEADER.kind: _leader_template,
    DISTRICT.kind: _district_template,
    UNIT.kind: _unit_template,
    MONTHLY.kind: _monthly_template,
}


def build_template(spec: TemplateSpec, path: Path, fonts: WordFonts) -> Path:
    """Write the default template for ``spec`` to ``path``."""
    document = new_document(fonts)
    _BODIES[spec.kind](document, fonts)
    save_document(document, path)
    return path


def template_path(folder: Path, spec: TemplateSpec, fonts: WordFonts) -> tuple[Path, bool]:
    """The workspace's template for ``spec``; the default is written there first when missing."""
    path = folder / spec.file
    if path.exists():
        return path, False
    build_template(spec, path, fonts)
    return path, True


def render(template: Path, context: dict[str, Any], output: Path) -> None:
    """Render a docxtpl template; a broken template or an unknown variable is a ``TemplateError`` naming both."""
    try:
        document = WordTemplate(template)
        environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
        missing = sorted(document.undeclared_variables(environment) - set(context))
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
    except jinja2.TemplateError as exc:
        raise TemplateError(f"模板 {template.name} 渲染失败：{exc}") from exc
    document.save(output)

"""Quantitative targets in a task's text: ``地区生产总值增长7%`` -> (地区生产总值, 增长, 7, %)."""

from __future__ import annotations

import re

from reporter.model import Target

_MAGNITUDE = r"(?:万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千|百)?"
_BASE_UNITS = (
    "个百分点|个工作日|平方公里|平方米|立方米|千瓦时|千瓦|标准箱|标箱|公里|千米|公顷|人次|美元|"
    "%|‰|米|亩|吨|人|名|户|家|所|个|条|座|项|台|辆|件|张|头|只|套|艘|元|部|批|处|间|床|天|棵|株|场|期|支|篇"
)
UNIT_PATTERN = rf"{_MAGNITUDE}(?:{_BASE_UNITS})"
# A number not inside a longer one or a word, and its unit. The pattern starts with the digit (the character before
# it is checked after it, by a two-character lookbehind), so that the search skips to the digits of a clause rather
# than trying the lookbehind at every character: four times faster, the same matches.
_QUANTITY = re.compile(rf"(\d(?<![\d.A-Za-z_{{]\d)\d*(?:\.\d+)?)\s*({UNIT_PATTERN})(?![A-Za-z])")
_QUALIFIER = re.compile(r"^(左右|以上|以内|以下|上下)")
_VERBS = sorted(
    """增长到 提高到 提升到 提高至 增加到 下降到 降低到 控制在 稳定在 保持在 达到 超过 突破 不低于 不超过
    增长 增加 新增 提高 提升 下降 降低 减少 压缩至 压缩到 保持 完成 建成 新建 新改建 新改扩建 新建改建 改造 改建
    创建 培育 引进 组建 实现 累计 认定 处置 消化 整治提升 启动改造 落实 帮助 推动 攻克 集聚 打造 推广应用
    新推广应用 新培育 新引进 新入库 淘汰 建设 开展 设立 配置 覆盖 培训 接种 建立 下沉 统筹建立 培育发展""".split(),
    key=len,
    reverse=True,
)
_VERB = re.compile("|".join(map(re.escape, _VERBS)))
_CLAUSE = re.compile(r"[，；。！？]")
_LEADING_FILLER = re.compile(r"^(、|和|及|以及|并|力争|全年|确保|其中|累计|共|分别)+")
_MAGNITUDE_VALUES = {
    "万亿": 1e12,
    "千亿": 1e11,
    "百亿": 1e10,
    "十亿": 1e9,
    "亿": 1e8,
    "千万": 1e7,
    "百万": 1e6,
    "十万": 1e5,
    "万": 1e4,
    "千": 1e3,
    "百": 1e2,
}


def extract_targets(text: str, *, require_verb: bool = True) -> list[Target]:
    """Every number with a unit of measure that states a target, in text order.

    With ``require_verb`` (work-report tasks) a number counts only when a comparator verb (增长, 新增, 达到 …)
    or a qualifier (左右, 以上, 以内) goes with it, so that ``25条意见`` is not taken for a target. Livelihood
    target texts are all targets, so they pass ``require_verb=False``.
    """
    targets: list[Target] = []
    for clause in _CLAUSE.split(text):
        last_verb = ""
        position = 0
        for match in _QUANTITY.finditer(clause):
            segment = clause[position : match.start()]
            after = clause[match.end() :]
            qualifier_match = _QUALIFIER.match(after)
            qualifier = qualifier_match.group(1) if qualifier_match else ""
            position = match.end() + len(qualifier)
            verbs = list(_VERB.finditer(segment))
            noun_after = ""
            if verbs:
                start, end = _verb_chain(segment, verbs)
                last_verb = segment[start:end]
                before, behind = segment[:start], segment[end:]
                following = _noun_after(after[len(qualifier) :])
                if not behind.strip() and following:
                    # verb + number + measure word + noun: the noun after is what is counted (配置200台除颤器)
                    noun_after = indicator = following
                elif behind.strip() and before.strip() and not _LEADING_FILLER.fullmatch(before):
                    indicator = before + behind
                else:
                    indicator = behind if behind.strip() else before
                cleaned = _clean_indicator(indicator)
                if not cleaned:
                    noun_after = indicator = _noun_after(after[len(qualifier) :])
                    cleaned = _clean_indicator(indicator)
                comparator = last_verb
            elif last_verb or qualifier or not require_verb:
                comparator = last_verb if segment.startswith(("、", "和", "及")) else ""
                indicator = segment
                if not require_verb and 0 < len(segment.strip("、和及")) <= 2:
                    comparator, indicator = segment.strip("、和及"), ""
                if require_verb and not comparator and not qualifier:
                    continue
                cleaned = _clean_indicator(indicator)
            else:
                continue
            if not cleaned:
                noun_after = indicator = _noun_after(after[len(qualifier) :])
                cleaned = _clean_indicator(indicator)
            if noun_after:
                position += len(noun_after)
            targets.append(
                Target(
                    indicator=cleaned,
                    comparator=comparator,
                    value=_number(match.group(1)),
                    unit=match.group(2),
                    qualifier=qualifier,
                    text=(segment + match.group(0) + qualifier + noun_after).lstrip("、和及"),
                )
            )
    return targets


def _verb_chain(segment: str, verbs: list[re.Match[str]]) -> tuple[int, int]:
    """Span of the last comparator, joined with verbs linked to it by 和/及/、 (``新建和提升``)."""
    start, end = verbs[-1].span()
    for verb in reversed(verbs[:-1]):
        if segment[verb.end() : start] in ("和", "及", "、", "或"):
            start = verb.start()
        else:
            break
    return start, end


_INCLUDING = re.compile(r"（(含|包括)[^）]*）?")
_NOUN_END = re.compile(r"[、，；。和及]|\d")


def _noun_after(text: str) -> str:
    text = _INCLUDING.sub("", text)
    return _NOUN_END.split(text, maxsplit=1)[0]


def _clean_indicator(text: str) -> str:
    text = _LEADING_FILLER.sub("", text.strip())
    return text.strip("、，：:的")


def _number(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def unit_scale(unit: str) -> tuple[float, str]:
    """Split a unit into its magnitude and base: ``万平方米`` -> (10000, 平方米); ``%`` -> (1, %)."""
    for prefix, factor in _MAGNITUDE_VALUES.items():
        if unit.startswith(prefix) and len(unit) > len(prefix) and unit != "千米" and unit != "千瓦":
            return factor, unit[len(prefix) :]
    return 1.0, unit


COUNT_UNITS = frozenset("个 家 所 座 处 条 项 台 辆 件 张 套 间 只 部".split())
PERSON_UNITS = frozenset("人 人次 名".split())


def comparable_units(a: str, b: str) -> bool:
    """Whether two base units measure the same kind of thing (个 and 家 both count things)."""
    if a == b:
        return True
    return (a in COUNT_UNITS and b in COUNT_UNITS) or (a in PERSON_UNITS and b in PERSON_UNITS)

"""District breakdown tables (任务分解) of livelihood projects, in both layouts the notices use.

* one cell per line (2019): ``任务`` / ``分解`` / ``海曙`` / ``江北`` … / ``单位`` / ``(万平方米)`` / ``10`` / ``5`` …
* tab-separated rows (2021): ``任务分解⇥海曙⇥江北…`` then ``接种人数 (万人)⇥4.92⇥1.97…``

Rows are checked: header/row column counts must agree (otherwise the values are kept but not assigned to
columns), and a row's total is compared with the project's target when they measure the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from reporter.model import BreakdownRow, Target
from reporter.notices.targets import comparable_units, unit_scale
from reporter.problems import (
    BREAKDOWN_COLUMN_MISMATCH,
    BREAKDOWN_SUM_MISMATCH,
    BREAKDOWN_UNKNOWN_COLUMN,
    BREAKDOWN_UNKNOWN_COLUMNS,
    BREAKDOWN_UNPARSED,
    Location,
    Problem,
)
from reporter.text import normalize_line

TABLE_TITLE = "任务分解"
_TITLE_TOKENS = ("任务分解", "任务", "分解")
_VALUE = re.compile(r"^(?:[-+]?\d+(?:\.\d+)?%?|/|／|-|—|－|–|——)$")
_NOT_APPLICABLE = {"/", "／", "-", "—", "－", "–", "——"}
_LABEL_UNIT = re.compile(r"^(.*?)（([^（）]{1,8})）$")
_UNIT_WORD = re.compile(r"(个|家|所|人|人次|元|米|亩|吨|辆|台|条|座|项|公里|件|张|户|名|%|处|套|间|次|天)$")

ColumnMatcher = Callable[[str], "str | None"]


@dataclass
class _Group:
    """Cells gathered for one row before interpretation."""

    line: int
    title: str
    columns: list[str]
    label: str
    values: list[str]


@dataclass
class BreakdownResult:
    rows: list[BreakdownRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def is_value(token: str) -> bool:
    """A cell holding a number, a percentage, or ``/`` (not applicable)."""
    return bool(_VALUE.match(token.replace(" ", "")))


def parse_breakdown(
    lines: list[tuple[int, str]],
    match_column: ColumnMatcher,
    *,
    file: str = "",
    task: str = "",
) -> BreakdownResult:
    """Read a breakdown table from its raw lines ``(line number, text)``."""
    result = BreakdownResult()
    lines = [(n, text) for n, text in lines if text.strip()]
    if not lines:
        return result
    tabbed = any("\t" in text for _, text in lines)
    if tabbed:
        lines = _columns_as_rows(lines, match_column)
    groups = _tab_groups(lines, match_column) if tabbed else _cell_groups(lines, match_column, result, file, task)
    for group in groups:
        result.rows.append(_make_row(group, result, file, task))
    return result


def _columns_as_rows(lines: list[tuple[int, str]], match_column: ColumnMatcher) -> list[tuple[int, str]]:
    """A table with the districts down the first column (``海曙⇥6⇥5``) turned to the usual layout.

    Recognised when the header's cells are not districts but most first cells of the rows below are.
    """
    rows = [[normalize_line(c) for c in text.split("\t")] for _, text in lines]
    header, body = rows[0], [r for r in rows[1:] if any(r)]
    if len(header) < 2 or not body:
        return lines
    header_matches = sum(1 for c in header[1:] if c and match_column(c))
    first_matches = sum(1 for r in body if r and r[0] and match_column(r[0]))
    if header_matches or first_matches < max(2, len(body) * 0.6):
        return lines
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in [header, *body]]
    corner = header[0] or TABLE_TITLE
    transposed = [[corner, *(r[0] for r in padded[1:])]]
    transposed += [[padded[0][c], *(r[c] for r in padded[1:])] for c in range(1, width)]
    first_line = lines[0][0]
    return [(first_line + i, "\t".join(row)) for i, row in enumerate(transposed)]


def _tab_groups(lines: list[tuple[int, str]], match_column: ColumnMatcher) -> list[_Group]:
    groups: list[_Group] = []
    title, columns, pending_label = TABLE_TITLE, [], ""
    for number, text in lines:
        cells = [normalize_line(c) for c in text.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        values = cells[1:]
        if len(cells) > 1 and not any(is_value(v) for v in values):
            title, columns = cells[0] or TABLE_TITLE, [match_column(c) or c for c in values]
        elif len(cells) == 1 and not is_value(cells[0]):
            pending_label += cells[0]
        else:
            groups.append(_Group(number, title, columns, pending_label + cells[0], values))
            pending_label = ""
    return groups


def _cell_groups(
    lines: list[tuple[int, str]], match_column: ColumnMatcher, result: BreakdownResult, file: str, task: str
) -> list[_Group]:
    tokens = [(n, normalize_line(t)) for n, t in lines]
    blocks: list[tuple[int, list[str], list[str]]] = []
    for number, token in tokens:
        if is_value(token):
            if not blocks:
                blocks.append((number, [], []))
            blocks[-1][2].append(token)
        elif not blocks or blocks[-1][2]:
            blocks.append((number, [token], []))
        else:
            blocks[-1][1].append(token)
    groups: list[_Group] = []
    title, columns = TABLE_TITLE, []
    for number, texts, values in blocks:
        while texts and texts[0] in _TITLE_TOKENS:
            texts = texts[1:]
        leading, found, label_tokens = _find_columns(texts, match_column)
        if found:
            title = "".join(leading) or TABLE_TITLE
            columns = found
            while len(columns) < len(values) and len(label_tokens) > 1 and _looks_like_column(label_tokens[0]):
                result.problems.append(
                    BREAKDOWN_UNKNOWN_COLUMN.at(Location(file=file, line=number, task=task), column=label_tokens[0])
                )
                columns = [*columns, label_tokens[0]]
                label_tokens = label_tokens[1:]
        elif not columns and values:
            columns, label_tokens = texts[: len(values)], texts[len(values) :]
            result.problems.append(
                BREAKDOWN_UNKNOWN_COLUMNS.at(Location(file=file, line=number, task=task), columns="、".join(columns))
            )
        if not values:
            result.problems.append(
                BREAKDOWN_UNPARSED.at(Location(file=file, line=number, task=task), text="".join(texts))
            )
            continue
        groups.append(_Group(number, title, columns, "".join(label_tokens), values))
    return groups


def _find_columns(texts: list[str], match_column: ColumnMatcher) -> tuple[list[str], list[str], list[str]]:
    """Split a run of text cells into (title cells, recognised column names, row-label cells).

    Column names broken over two lines (``市卫生`` / ``健康委``) are joined when the join is a known name.
    """
    leading: list[str] = []
    columns: list[str] = []
    i = 0
    while i < len(texts):
        matched = None
        for j in range(min(len(texts), i + 3), i, -1):
            name = match_column("".join(texts[i:j]))
            if name:
                matched = (name, j)
                break
        if matched:
            columns.append(matched[0])
            i = matched[1]
        elif columns:
            break
        else:
            leading.append(texts[i])
            i += 1
    if not columns:
        return [], [], texts
    return leading, columns, texts[i:]


def _looks_like_column(token: str) -> bool:
    return (
        token not in ("单位", "计量单位", "指标", "项目")
        and "（" not in token
        and len(token) <= 6
        and not _UNIT_WORD.search(token)
    )


def split_label(label: str) -> tuple[str, str]:
    """``示范小区（个）`` -> (示范小区, 个); ``足球场（含笼式）（个）`` -> (足球场（含笼式）, 个)."""
    label = label.replace(" ", "")
    match = _LABEL_UNIT.match(label)
    if match and not match.group(2).startswith(("含", "包括")):
        return match.group(1), match.group(2)
    return label, ""


def _parse_value(raw: str) -> tuple[float | None, bool]:
    raw = raw.replace(" ", "")
    if raw in _NOT_APPLICABLE:
        return None, False
    percent = raw.endswith("%")
    number = float(raw.rstrip("%"))
    return (int(number) if number.is_integer() else number), percent


def _make_row(group: _Group, result: BreakdownResult, file: str, task: str) -> BreakdownRow:
    indicator, unit = split_label(group.label)
    if indicator in ("", "单位"):
        indicator = group.title if group.title != TABLE_TITLE else ""
    parsed = [_parse_value(v) for v in group.values]
    percent = any(p for _, p in parsed)
    numbers = [n for n, _ in parsed]
    aligned = len(numbers) == len(group.columns)
    if not aligned:
        result.problems.append(
            BREAKDOWN_COLUMN_MISMATCH.at(
                Location(file=file, line=group.line, task=task),
                label=group.label or indicator,
                count=len(numbers),
                column_count=len(group.columns),
                columns="、".join(group.columns),
            )
        )
    shares = numbers if not aligned else [n for c, n in zip(group.columns, numbers, strict=True) if not _is_total(c)]
    present = [n for n in shares if n is not None]
    total = None if percent or not present else _round(sum(present))  # a 合计 column is not one more share
    return BreakdownRow(
        table=group.title,
        indicator=indicator,
        unit=unit or ("%" if percent else ""),
        columns=list(group.columns),
        raw=list(group.values),
        values=dict(zip(group.columns, numbers, strict=True)) if aligned else {},
        percent=percent,
        aligned=aligned,
        total=total,
    )


_TOTAL_COLUMNS = re.compile(r"^(?:全[市县区])?(?:合\s*计|小\s*计|总\s*计|总数|总量)$")


def _is_total(column: str) -> bool:
    """合计, 小计, 总计, 全市合计: the table's own total, not a district's share."""
    return bool(_TOTAL_COLUMNS.match(column.strip()))


def _round(value: float) -> float:
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[“”‘’（）()《》、，\s\d.]", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)} | set(text)


def similarity(a: str, b: str) -> float:
    """Dice overlap of characters and character pairs; 0 when unrelated, 1 when identical."""
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def check_totals(
    rows: list[BreakdownRow], targets: list[Target], *, file: str = "", task: str = "", line: int | None = None
) -> list[Problem]:
    """Compare each row's total with the project target it corresponds to; record the check on the row.

    A target that several rows share (``百姓健身房和社区多功能运动场110个``) is met by their combined total.
    """
    matched: dict[int, list[tuple[BreakdownRow, float]]] = {}
    for row in rows:
        if row.total is None or row.percent:
            continue
        best = _best_target(row, targets)
        if best is not None:
            index, row_scale = best
            matched.setdefault(index, []).append((row, row_scale))
    problems: list[Problem] = []
    for index, group in matched.items():
        target = targets[index]
        target_scale, _ = unit_scale(target.unit)
        expected = target.value * target_scale
        combined = sum(row.total * scale for row, scale in group if row.total is not None)  # all have totals
        group_ok = len(group) > 1 and _close(expected, combined)
        for row, row_scale in group:
            assert row.total is not None  # only rows with a total are matched to targets
            ok = _close(expected, row.total * row_scale) or group_ok
            row.check = {
                "target": target.text,
                "target_value": target.value,
                "target_unit": target.unit,
                "total": row.total,
                "unit": row.unit,
                "combined": group_ok,
                "ok": ok,
            }
            if not ok:
                label = row.indicator or row.table
                problems.append(
                    BREAKDOWN_SUM_MISMATCH.at(
                        Location(file=file, line=line, task=task),
                        label=label,
                        total=_fmt(row.total),
                        unit=row.unit,
                        target=target.text,
                        target_value=_fmt(target.value),
                        target_unit=target.unit,
                    )
                )
    return problems


def _best_target(row: BreakdownRow, targets: list[Target]) -> tuple[int, float] | None:
    """Index of the target a row corresponds to (same kind of unit, most similar wording) and the row's scale."""
    row_scale, row_base = unit_scale(row.unit) if row.unit else (1.0, "")
    candidates = []
    for index, target in enumerate(targets):
        _, target_base = unit_scale(target.unit)
        if target.unit == "%" or (row_base and not comparable_units(row_base, target_base)):
            continue
        score = similarity(row.indicator, f"{target.indicator}{target.text}") if row.indicator else 0.0
        candidates.append((score, index))
    if not candidates:
        return None
    score, index = max(candidates, key=lambda c: c[0])
    if score >= 0.25 or (not row.indicator and len(candidates) == 1):
        return index, row_scale
    # Wording too different to tell (“甬上乐业”计划 vs 城镇新增就业16万人): accept a target the total meets.
    assert row.total is not None  # only rows with a total are matched to targets
    for _, index in candidates:
        if _close(targets[index].value * unit_scale(targets[index].unit)[0], row.total * row_scale):
            return index, row_scale
    return None


def _close(expected: float, actual: float) -> bool:
    return abs(expected - actual) <= 1e-6 * max(1.0, abs(expected))


def _fmt(value: float) -> str:
    return f"{value:g}"

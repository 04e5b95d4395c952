"""Interpreting a returned form's values: metadata, task rows matched by id, indicator rows. Pure.

Problems are data: every finding is a ``Problem`` with file, sheet, row and column. Errors reject the file
(nothing of it is merged, so a unit can correct everything at once); warnings and notes do not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from reporter.forms.plan import (
    FILL_COLUMNS,
    FORM_MARKER,
    INDICATOR_COLUMNS,
    INDICATORS_SHEET,
    META_SHEET,
    PREVIOUS_PREFIX,
    TASKS_SHEET,
)
from reporter.forms.values import clean_text, parse_amount, parse_percent, parse_status, same_text
from reporter.io.workbooks import RawSheet, RawWorkbook, column_letter
from reporter.model import AnswerValues, IndicatorValues
from reporter.problems import (
    ERROR,
    FORM_COLUMN_MISSING,
    FORM_DUPLICATE_TASK,
    FORM_MISSING_TASK,
    FORM_NO_INDICATOR_SHEET,
    FORM_NO_TASK_SHEET,
    FORM_ROW_WITHOUT_ID,
    FORM_TEXT_CHANGED,
    FORM_UNKNOWN_INDICATOR,
    FORM_UNKNOWN_TASK,
    VALUE_COMPLETED,
    VALUE_CONTRADICTION,
    VALUE_INTERPRETED,
    VALUE_PERCENT,
    VALUE_STATUS,
    VALUE_TOO_LONG,
    Location,
    Problem,
)
from reporter.progress import contradictions

HEADER_SCAN_ROWS = 20
TEXT_LIMIT = 5000


@dataclass
class FormMeta:
    """What the hidden metadata sheet says about a form."""

    version: int
    workspace: str
    unit: str
    period: str
    due: str
    tasks: dict[str, str] = field(default_factory=dict)  # task id -> role
    indicators: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # key -> (task id, row, district)
    tasks_sheet: str = TASKS_SHEET
    indicators_sheet: str = ""
    identity: str = ""


@dataclass
class ReturnContent:
    """The answers found in a returned form and the problems met."""

    meta: FormMeta | None
    answers: list[AnswerValues] = field(default_factory=list)
    indicators: list[IndicatorValues] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reporter: str = ""
    phone: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


def _key(header: object) -> str:
    text = unicodedata.normalize("NFKC", clean_text(header))
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")")


_FILL_BY_KEY = {_key(h): f for f, h in FILL_COLUMNS}
_FILL_BY_KEY.update({"完成进度": "percent", "完成进度%": "percent", "进展": "progress"})
_ID_KEYS = {"任务编号", "编号"}
_TEXT_KEY = "任务内容"
_INDICATOR_BY_KEY = {_key(h): f for f, h in INDICATOR_COLUMNS}
_VALUE_ERRORS = {"percent": VALUE_PERCENT, "status": VALUE_STATUS}


def read_meta(workbook: RawWorkbook) -> FormMeta | None:
    """The form's metadata, from its (very) hidden sheet, or ``None`` if it is not one of our forms."""
    sheet = workbook.sheet(META_SHEET)
    candidates = [sheet] if sheet else []
    candidates += [s for s in workbook.sheets if s is not sheet and s.rows and s.rows[0][:1] == [FORM_MARKER]]
    for candidate in candidates:
        rows = candidate.rows
        if not rows or clean_text(rows[0][0]) != FORM_MARKER:
            continue
        values: dict[str, str] = {}
        meta = FormMeta(version=_int(rows[0][1] if len(rows[0]) > 1 else 0), workspace="", unit="", period="", due="")
        for row in rows[1:]:
            cells = [clean_text(v) for v in row]
            if not cells or not cells[0]:
                continue
            if cells[0] == "task" and len(cells) > 2:
                meta.tasks[cells[1]] = cells[2]
            elif cells[0] == "indicator" and len(cells) > 4:
                meta.indicators[cells[1]] = (cells[2], _int(row[3]), cells[4])
            elif len(cells) > 1:
                values[cells[0]] = cells[1]
        meta.workspace = values.get("workspace", "")
        meta.unit = values.get("unit", "")
        meta.period = values.get("period", "")
        meta.due = values.get("due", "")
        meta.tasks_sheet = values.get("tasks_sheet", TASKS_SHEET)
        meta.indicators_sheet = values.get("indicators_sheet", "")
        meta.identity = values.get("identity", "")
        return meta
    return None


def _int(value: object) -> int:
    try:
        return int(float(str(value)))
    except ValueError:
        return 0


def _find_table(
    workbook: RawWorkbook, preferred: str, required: set[str]
) -> tuple[RawSheet, int, dict[str, int]] | None:
    """The sheet and header row holding all ``required`` headings; the preferred sheet first."""
    ordered = sorted(workbook.sheets, key=lambda s: (s.name != preferred, not s.visible))
    for sheet in ordered:
        if sheet.name == META_SHEET:
            continue
        for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
            keys = {_key(v): c for c, v in enumerate(row) if clean_text(v)}
            if all(r in keys or (r == "任务编号" and "编号" in keys) for r in required):
                return sheet, index, keys
    return None


def read_content(workbook: RawWorkbook, meta: FormMeta, task_texts: dict[str, str]) -> ReturnContent:
    """Answers and indicator values of a form whose metadata has been checked; rows matched by id."""
    content = ReturnContent(meta)
    file = workbook.path.name
    found = _find_table(workbook, meta.tasks_sheet, {"任务编号", "进展情况"})
    if found is None:
        content.problems.append(FORM_NO_TASK_SHEET.at(Location(file=file)))
        return content
    sheet, header_index, headers = found
    id_column = headers["任务编号"] if "任务编号" in headers else headers["编号"]  # _find_table made sure
    columns = {
        field_name: c
        for key, c in headers.items()
        if not key.startswith(PREVIOUS_PREFIX) and (field_name := _FILL_BY_KEY.get(key))
    }
    for field_name, heading in FILL_COLUMNS:
        if field_name not in columns:
            content.problems.append(
                FORM_COLUMN_MISSING.at(Location(file=file, sheet=sheet.name, row=header_index + 1), heading=heading)
            )
    text_column = headers.get(_TEXT_KEY)
    seen: dict[str, int] = {}
    for index in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        excel_row = index + 1

        def cell(column: int | None, row: list[object] = row) -> object:
            return row[column] if column is not None and column < len(row) else None

        task_id = clean_text(cell(id_column))
        filled = {f: cell(c) for f, c in columns.items()}
        if not task_id:
            if any(clean_text(v) for v in filled.values()):
                content.problems.append(
                    FORM_ROW_WITHOUT_ID.at(
                        Location(file=file, sheet=sheet.name, row=excel_row, column=column_letter(id_column))
                    )
                )
            continue
        where = Location(file=file, sheet=sheet.name, row=excel_row, column=column_letter(id_column), task=task_id)
        if task_id not in meta.tasks:
            content.problems.append(FORM_UNKNOWN_TASK.at(where, task_id=task_id))
            continue
        if task_id in seen:
            content.problems.append(FORM_DUPLICATE_TASK.at(where, task_id=task_id, first_row=seen[task_id]))
            continue
        seen[task_id] = excel_row
        if text_column is not None and task_id in task_texts:
            written = clean_text(cell(text_column))
            if written and not same_text(written, task_texts[task_id]):
                content.problems.append(
                    FORM_TEXT_CHANGED.at(
                        Location(
                            file=file, sheet=sheet.name, row=excel_row, column=column_letter(text_column), task=task_id
                        )
                    )
                )
        answer = _answer(task_id, meta.tasks[task_id], filled, columns, content, file, sheet.name, excel_row)
        if answer is not None:
            content.answers.append(answer)
    for task_id in meta.tasks:
        if task_id not in seen:
            content.problems.append(
                FORM_MISSING_TASK.at(Location(file=file, sheet=sheet.name, task=task_id), task_id=task_id)
            )
    if meta.indicators:
        _read_indicators(workbook, meta, content)
    return content


def _answer(
    task_id: str,
    role: str,
    filled: dict[str, object],
    columns: dict[str, int],
    content: ReturnContent,
    file: str,
    sheet: str,
    excel_row: int,
) -> AnswerValues | None:
    def where(field_name: str) -> Location:
        return Location(file=file, sheet=sheet, row=excel_row, column=column_letter(columns[field_name]), task=task_id)

    if not any(clean_text(v) for v in filled.values()):
        return None
    answer = AnswerValues(task_id, role)
    for field_name, _ in FILL_COLUMNS:
        raw = filled.get(field_name)
        if field_name == "percent":
            parsed = parse_percent(raw)
        elif field_name == "status":
            parsed = parse_status(raw)
        else:
            text = clean_text(raw)
            if len(text) > TEXT_LIMIT:
                content.problems.append(VALUE_TOO_LONG.at(where(field_name), length=len(text), limit=TEXT_LIMIT))
                text = text[:TEXT_LIMIT]
            setattr(answer, field_name, text)
            continue
        if parsed.error:
            content.problems.append(_VALUE_ERRORS[field_name].at(where(field_name), message=parsed.error))
        elif parsed.note:
            content.problems.append(VALUE_INTERPRETED.at(where(field_name), message=parsed.note))
        setattr(answer, field_name, parsed.value if field_name == "percent" else (parsed.value or ""))
    for text in contradictions(answer.status, answer.percent):  # accepted, and listed in 需核实
        content.problems.append(VALUE_CONTRADICTION.at(where("status"), message=text))
    if not content.reporter and answer.reporter:
        content.reporter = answer.reporter
    if not content.phone and answer.phone:
        content.phone = answer.phone
    return answer


def _read_indicators(workbook: RawWorkbook, meta: FormMeta, content: ReturnContent) -> None:
    file = workbook.path.name
    found = _find_table(workbook, meta.indicators_sheet or INDICATORS_SHEET, {"指标编号", "累计完成"})
    if found is None:
        content.problems.append(FORM_NO_INDICATOR_SHEET.at(Location(file=file), sheet=INDICATORS_SHEET))
        return
    sheet, header_index, headers = found
    columns = {f: headers[k] for k, f in _INDICATOR_BY_KEY.items() if k in headers}
    seen: set[str] = set()
    for index in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        key = clean_text(row[columns["key"]]) if columns["key"] < len(row) else ""
        if not key:
            continue
        excel_row = index + 1
        column = columns["completed"]
        where = Location(file=file, sheet=sheet.name, row=excel_row, column=column_letter(column))
        if key not in meta.indicators or key in seen:
            reason = "重复" if key in seen else "不是下发给本单位的指标"
            content.problems.append(FORM_UNKNOWN_INDICATOR.at(where, key=key, reason=reason))
            continue
        seen.add(key)
        task_id, breakdown_row, district = meta.indicators[key]
        parsed = parse_amount(row[column] if column < len(row) else None)
        if parsed.error:
            content.problems.append(VALUE_COMPLETED.at(where, message=parsed.error))
            continue
        note_column = columns.get("note")
        note = clean_text(row[note_column]) if note_column is not None and note_column < len(row) else ""
        if parsed.value is None and not note:
            continue
        content.indicators.append(
            IndicatorValues(
                task_id=task_id,
                row=breakdown_row,
                district=district,
                completed=parsed.value if isinstance(parsed.value, float | int) else None,
                note=note,
                indicator=clean_text(row[columns["indicator"]]) if "indicator" in columns else "",
                unit=clean_text(row[columns["unit"]]) if "unit" in columns else "",
            )
        )

"""Reading what people really type into a returned form. Pure: cell value in, clean value or a reason out.

Percent (完成进度) rules, documented in the README:

- ``80``, ``"80"``, ``"８０"``, ``"80%"``, ``"80 ％"`` → 80;
- a number strictly between 0 and 1 (``0.8``, or a cell Excel shows as ``80%``, which it stores as 0.8)
  is a fraction → 80, reported as a note so the office can check;
- ``0`` and ``1`` are read as 0 % and 1 %; values below 0 or above 100 are errors.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time

from reporter.text import shown_value

STATUSES = ("已完成", "正常推进", "进度滞后", "未启动", "其他")

# What units type instead of picking from the list, normalised (no spaces or punctuation).
_STATUS_SYNONYMS = {
    "已完成": "已完成",
    "完成": "已完成",
    "全部完成": "已完成",
    "已全部完成": "已完成",
    "已办结": "已完成",
    "办结": "已完成",
    "已完成年度目标": "已完成",
    "正常推进": "正常推进",
    "正常": "正常推进",
    "推进中": "正常推进",
    "正在推进": "正常推进",
    "按序时推进": "正常推进",
    "按序时进度推进": "正常推进",
    "序时推进": "正常推进",
    "有序推进": "正常推进",
    "进行中": "正常推进",
    "顺利推进": "正常推进",
    "进度滞后": "进度滞后",
    "滞后": "进度滞后",
    "进展滞后": "进度滞后",
    "落后": "进度滞后",
    "进度落后": "进度滞后",
    "未启动": "未启动",
    "未开始": "未启动",
    "尚未启动": "未启动",
    "尚未开始": "未启动",
    "暂未启动": "未启动",
    "其他": "其他",
    "其它": "其他",
}

MAX_AMOUNT = 1e12  # no indicator of a city or a province counts beyond this: a larger figure is a slip or a probe
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(%?)$")
_PUNCT = re.compile(r"[\s，,。.、；;：:！!？?（）()\[\]【】“”\"'‘’✓√✔]")


@dataclass(frozen=True)
class Parsed:
    """A cleaned value, or why it could not be read (``error``), plus an optional note (``note``)."""

    value: object = None
    error: str = ""
    note: str = ""


def clean_text(value: object) -> str:
    """Any cell value as text: trimmed, dates as ``2021-06-30``, whole floats without ``.0``."""
    if type(value) is str:  # most cells: tested first
        if "\r" in value or "\u3000" in value or "\xa0" in value:
            value = value.replace("\r\n", "\n").replace("\u3000", " ").replace("\xa0", " ")
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0, 0) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).replace("\r\n", "\n").replace("\u3000", " ").replace("\xa0", " ")
    return text.strip()


def _ascii_number_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace(",", "")


def parse_percent(value: object) -> Parsed:
    """完成进度 as a number 0–100 (see the module docstring for how each form is read)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Parsed(None)
    if isinstance(value, bool) or isinstance(value, date | datetime | time):
        return Parsed(error=f"“{shown_value(clean_text(value))}”不是百分数，请填写0到100之间的数字")
    fraction_note = ""
    if isinstance(value, int | float):
        number = float(value)
        explicit_percent = False
    else:
        match = _NUMBER.match(_ascii_number_text(str(value)))
        if not match:
            return Parsed(error=f"“{shown_value(clean_text(value))}”不是数字，请填写0到100之间的数字（如 80）")
        number = float(match.group(1))
        explicit_percent = bool(match.group(2))
    if not explicit_percent and 0 < number < 1:
        fraction_note = f"填写的“{clean_text(value)}”按小数理解为{number * 100:g}%"
        number *= 100
    if not math.isfinite(number) or number < 0 or number > 100:
        return Parsed(error=f"完成进度“{shown_value(value)}”超出范围，应在0到100之间")
    return Parsed(round(number, 2), note=fraction_note)


def parse_status(value: object) -> Parsed:
    """状态: one of ``STATUSES``; common typed variants (``完成``, ``推进中``, ``滞后``) are mapped."""
    text = clean_text(value)
    if not text:
        return Parsed(None)
    key = _PUNCT.sub("", unicodedata.normalize("NFKC", text))
    if key in _STATUS_SYNONYMS:
        status = _STATUS_SYNONYMS[key]
        return Parsed(status, note="" if status == text else f"状态“{text}”按“{status}”处理")
    return Parsed(error=f"状态“{text}”不在可选范围内，应为：{'、'.join(STATUSES)}")


def parse_amount(value: object) -> Parsed:
    """A completed amount (民生实事指标完成数): a non-negative number; text digits and full-width accepted."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Parsed(None)
    if isinstance(value, bool) or isinstance(value, date | datetime | time):
        return Parsed(error=f"“{shown_value(clean_text(value))}”不是数字")
    if isinstance(value, int | float):
        number = float(value)
    else:
        match = _NUMBER.match(_ascii_number_text(str(value)))
        if not match or match.group(2):
            return Parsed(error=f"“{shown_value(clean_text(value))}”不是数字，请只填写数字（计量单位见左侧）")
        number = float(match.group(1))
    if not math.isfinite(number):
        return Parsed(error=f"完成数“{shown_value(value)}”不是有效数字，请填写实际完成的数量")
    if number < 0:
        return Parsed(error=f"完成数“{shown_value(value)}”不能为负数")
    if number > MAX_AMOUNT:
        return Parsed(error=f"完成数“{shown_value(value)}”大得不合常理，请核实后填写实际完成的数量（计量单位见左侧）")
    return Parsed(number)


def same_text(left: str, right: str) -> bool:
    """Whether two texts are the same but for spaces, line breaks and full/half-width forms."""

    def squash(text: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))

    return squash(left) == squash(right)

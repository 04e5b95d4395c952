"""Reporting periods (报送期), 序时进度 and traffic lights. Pure functions over dates and numbers."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from reporter.errors import ConfigError
from reporter.model import Task
from reporter.text import chinese_count, chinese_numeral

MONTHLY = "monthly"
QUARTERLY = "quarterly"
PERIOD_KINDS = (MONTHLY, QUARTERLY)

GREEN = "green"
YELLOW = "yellow"
RED = "red"
BLUE = "blue"  # 即将到期: on schedule, not finished, its deadline close after the period
LIGHT_LABELS = {GREEN: "绿灯", BLUE: "蓝灯", YELLOW: "黄灯", RED: "红灯", "": ""}

_MONTH_KEY = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_KEY = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_FIVE_YEAR_PLAN = re.compile(r"[“\"]?十([一二三四五六七八九])五[”\"]?")


@dataclass(frozen=True)
class Period:
    """A reporting period: ``2021-06`` (a month) or ``2021-Q2`` (a quarter)."""

    key: str
    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """``2021年6月`` or ``2021年第二季度``."""
        if self.kind == QUARTERLY:
            return f"{self.start.year}年第{chinese_count((self.start.month - 1) // 3 + 1)}季度"
        return f"{self.start.year}年{self.start.month}月"

    def previous(self) -> Period:
        """The period just before this one, of the same kind."""
        if self.kind == QUARTERLY:
            q = (self.start.month - 1) // 3 + 1
            return parse_period(f"{self.start.year - 1}-Q4" if q == 1 else f"{self.start.year}-Q{q - 1}")
        year, month = (self.start.year - 1, 12) if self.start.month == 1 else (self.start.year, self.start.month - 1)
        return parse_period(f"{year}-{month:02d}")

    def due(self, due_day: int) -> date:
        """The default due date: ``due_day`` of the period's last month (the month's last day if shorter)."""
        last = calendar.monthrange(self.end.year, self.end.month)[1]
        return date(self.end.year, self.end.month, min(due_day, last))


def parse_period(key: str) -> Period:
    """``2021-06``/``2021-6`` → June 2021; ``2021-Q2`` → the second quarter. Raises ``ConfigError``."""
    text = key.strip()
    if match := _MONTH_KEY.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            last = calendar.monthrange(year, month)[1]
            return Period(f"{year}-{month:02d}", MONTHLY, date(year, month, 1), date(year, month, last))
    if match := _QUARTER_KEY.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        first = 3 * quarter - 2
        last_month = first + 2
        return Period(
            f"{year}-Q{quarter}",
            QUARTERLY,
            date(year, first, 1),
            date(year, last_month, calendar.monthrange(year, last_month)[1]),
        )
    raise ConfigError(f"报送期“{key}”格式不对：按月写作 2021-06，按季度写作 2021-Q2")


def period_containing(day: date, kind: str) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == QUARTERLY:
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse_period(f"{day.year}-{day.month:02d}")


def task_span(task: Task) -> tuple[date, date] | None:
    """When a task runs: its year (from the id), to its deadline, or to the end of its five-year plan."""
    return _span(task.id[:4], task.part, task.section, task.deadline)


@lru_cache(maxsize=4096)  # a province's tasks share a few parts, sections and deadlines; asked thrice per task
def _span(year_text: str, part: str, section: str, deadline: str) -> tuple[date, date] | None:
    if not year_text.isdigit():
        return None
    year = int(year_text)
    start, end = date(year, 1, 1), date(year, 12, 31)
    plan = _FIVE_YEAR_PLAN.search(f"{part} {section}")
    if plan:
        number = chinese_numeral(f"十{plan.group(1)}") or 10
        end = date(1955 + 5 * number, 12, 31)
        start = date(1955 + 5 * number - 4, 1, 1)
    if deadline:
        try:
            end = date.fromisoformat(deadline[:10])
        except ValueError:
            pass
    return (start, end) if end >= start else (start, start)


def active_in(task: Task, period: Period) -> bool:
    """Whether the task runs during the period (2019 tasks are not asked about in 2021) and is still supervised
    (a task the office closed or stopped in the ledger is not)."""
    if not task.supervised:
        return False
    span = task_span(task)
    return span is None or (span[0] <= period.end and span[1] >= period.start)


def time_progress(task: Task, period: Period) -> float | None:
    """序时进度: the elapsed share (0–100) of the task's span at the end of the period."""
    span = task_span(task)
    if span is None:
        return None
    start, end = span
    if period.end < start:
        return 0.0
    if period.end >= end:
        return 100.0
    elapsed = (period.end - start).days + 1
    total = (end - start).days + 1
    return round(100.0 * elapsed / total, 1)


@dataclass(frozen=True)
class LightRules:
    """Traffic-light thresholds (``[progress]`` in reporter.toml)."""

    yellow_gap: float = 10.0
    not_started_red_after_month: int = 3
    due_soon_days: int = 15  # 蓝灯: a task on schedule whose deadline is this many days or fewer after the period


def due_soon(deadline: str, period: Period, rules: LightRules) -> bool:
    """Whether a deadline (ISO date) falls after the period's end by at most ``rules.due_soon_days`` days."""
    if not deadline or rules.due_soon_days <= 0:
        return False
    try:
        day = date.fromisoformat(deadline[:10])
    except ValueError:
        return False
    return period.end < day <= period.end + timedelta(days=rules.due_soon_days)


def traffic_light(percent: float | None, status: str, expected: float | None, period: Period, rules: LightRules) -> str:
    """绿/黄/红 from the reported percent against 序时进度; ``""`` when nothing was reported.

    Where the status contradicts the percent (已完成 at 60 %, 未启动 at 30 %), the percent is judged; the answer is
    listed in 需核实 as well."""
    if (status == "已完成" and percent is None) or (percent is not None and percent >= 100):
        return GREEN
    month_in_year = period.end.month
    if status == "未启动" and not percent and month_in_year > rules.not_started_red_after_month:
        return RED
    if percent is None or expected is None:
        return {"已完成": GREEN, "正常推进": GREEN, "进度滞后": YELLOW, "未启动": YELLOW}.get(status, "")
    gap = expected - percent
    if gap <= 0:
        light = GREEN
    elif gap <= rules.yellow_gap:
        light = YELLOW
    else:
        light = RED
    if status == "进度滞后" and light == GREEN:
        light = YELLOW
    return light

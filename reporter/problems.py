"""Problems found in inputs are data, not exceptions: a code, a severity, a message and a location."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"
INFO = "info"

SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告", INFO: "提示"}


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file and a line (notices) or a sheet, row and column (workbooks)."""

    file: str = ""
    line: int | None = None
    sheet: str = ""
    row: int | None = None
    column: str = ""
    task: str = ""

    def describe(self) -> str:
        """Human-readable Chinese location, e.g. ``通知.txt 第12行 (任务 2019-G-001)``."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.line is not None:
            parts.append(f"第{self.line}行")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"{self.column}列")
        text = " ".join(parts)
        if self.task:
            text = f"{text} (任务 {self.task})" if text else f"任务 {self.task}"
        return text


@dataclass(frozen=True)
class Problem:
    """One finding; ``code`` is stable (e.g. ``breakdown.sum-mismatch``) so that tools can filter on it."""

    code: str
    message: str
    severity: str = WARNING
    location: Location = field(default_factory=Location)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["location"] = {k: v for k, v in data["location"].items() if v not in ("", None)}
        return data


def count_by_code(problems: list[Problem]) -> dict[str, int]:
    """How many problems of each code, in first-seen order."""
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.code] = counts.get(problem.code, 0) + 1
    return counts

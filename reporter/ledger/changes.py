"""What the office changed in the ledger, as read back and applied: listed to the office and in ``--json``."""

from __future__ import annotations

from dataclasses import dataclass, field

from reporter.problems import Problem


@dataclass(frozen=True)
class LedgerChange:
    """One change the office made in the ledger, as applied."""

    kind: str  # 修改, 新增任务, 进度更正, 采用通知, 保留台账
    sheet: str
    row: int
    column: str
    task_id: str
    before: str
    after: str

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "task": self.task_id,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class LedgerChanges:
    """What was read back from the ledger: the changes applied and the problems of the edits not applied."""

    source: str  # 台账.xlsx（2026-11-30T10:00:00 保存，张三）
    changes: list[LedgerChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "changes": [c.to_dict() for c in self.changes],
            "problems": [p.to_dict() for p in self.problems],
        }

"""Parse the text of a task-breakdown notice (目标任务责任分解) into a ``Notice``. Pure: lines in, records out.

The notice is read as a stream of lines. Lines are classified as page furniture (breadcrumbs, print
buttons, 抄送/印发 lines), part titles (``…目标任务责任分解``), headings (``一、…``), task starts
(``1.`` / ``12．``, accepted only in sequence so that a number at the start of a broken line is not taken
for a task), breakdown tables (``任务分解``) or continuation lines, which are joined to what they continue.
A task's lines are joined before its fields are split on their labels, so a label broken across lines
(``配`` / ``合单位：``) or a missing ``；`` between fields does no harm.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from reporter.model import COOPERATING, LEAD, LIVELIHOOD, WORK, CollectiveUnit, Notice, NoticeMeta, Task
from reporter.notices.breakdown import check_totals, parse_breakdown
from reporter.notices.lexicon import Lexicon, default_lexicon
from reporter.notices.targets import extract_targets
from reporter.notices.units import (
    SplitUnits,
    UnitDirectory,
    expand_collective,
    near_duplicates,
    read_units,
    split_list,
)
from reporter.problems import (
    NOTICE_NO_TASKS,
    NOTICE_UNPLACED_TEXT,
    TASK_DUPLICATE_NUMBER,
    TASK_EMPTY_TEXT,
    TASK_LEADER_FROM_HEADING,
    TASK_NO_LEAD_UNIT,
    TASK_NO_LEADER,
    TASK_NUMBER_GAP,
    TASK_NUMBER_UNREAD,
    TASK_TABLE_IN_FIELD,
    TASK_UNPLACED_TEXT,
    UNIT_NEAR_DUPLICATE,
    UNIT_PREFIX_ADDED,
    UNIT_REJOINED,
    Location,
    Problem,
    ProblemType,
)
from reporter.text import (
    CHINESE_NUMBER,
    chinese_numeral,
    join_lines,
    normalize_line,
    strip_punctuation,
    to_simplified,
)

LEADER_LABELS = ("牵头领导", "联系领导")
_INLINE_ROLES = re.compile(r"^(?P<lead>.+?)牵头[，,、；;]?(?P<coop>.*?)(?:配合|协同|参与)?$")  # the rest cooperate
_SUBITEM = re.compile(rf"^(?:[（(](?:\d{{1,3}}|{CHINESE_NUMBER})[）)]|[①②③④⑤⑥⑦⑧⑨⑩])\s*(?P<text>.*)$")
_TRAILING_ROLES = re.compile(r"[（(]([^（()）]*?牵头[^（()）]*)[）)]\s*$")
_SEPARATELY_LEAD = re.compile(r"^(?P<lead>.+?)分别牵头$")


def _without(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` less what ``pattern`` finds in it, traditional characters read as simplified."""
    key = to_simplified(text)
    kept, last = [], 0
    for match in pattern.finditer(key):
        kept.append(text[last : match.start()])
        last = match.end()
    return "".join(kept) + text[last:]


_LEAD_MARK = re.compile(r"[（(]牵头(?:单位)?[）)]")  # 县发改局（牵头）
# A leader's title given in brackets after the name: 张三（常务副县长）.
_LEADER_TITLE_NOTE = re.compile(r"[（(][^（）()]*(?:长|书记|主任|委员|主席|助理)[）)]$")
_HEADING = re.compile(rf"^({CHINESE_NUMBER})、(.+)$")
_TASK_START = re.compile(r"^(\d{1,5})\s*[.．、](?!\d)\s*(.*)$")
_PART_TITLE = re.compile(
    r"^(?!《)(?!任务分[解工]$).{0,60}(目标任务|任务|项目|实事|工作)(责任)?分[解工](方案|表|清单)?$"
)
# A part about the work report's tasks even when it names 民生实事 too: “重点工作及民生实事项目任务分解”.
_WORK_TITLE = re.compile(r"重点工作|工作报告|工作任务|重点任务")
_CLOSING = ("。", "；", "：", "！", "？")
# A top-level item numbered （一） in a section where no 1. task is open: a task.
_PAREN_TASK = re.compile(
    rf"^(?:[（(](?P<number>{CHINESE_NUMBER}|\d{{1,3}})[）)]|(?P<circled>[①-⑳])|(?P<shi>{CHINESE_NUMBER})是)"
    r"\s*(?P<text>\S.*)$"
)  # （一） (1) ① 一是


_UNIT_FIELDS = frozenset({"牵头单位", "配合单位", "责任单位"})
_TABLE_WORDS = frozenset({"合计", "小计", "总计", "全市", "全县", "全区"})


def _before_flattened_table(value: str) -> tuple[str, str]:
    """A field's value and the flattened table run on after it, if any: ``市公安局，各区政府 鄞州 海曙 合计
    新辟线路 2 5 7`` gives (``市公安局，各区政府``, ``鄞州 海曙 合计 新辟线路 2 5 7``). A table is three or more
    space-separated cells after the value with numbers or a total column among them."""
    cells = value.split()
    for start in range(1, len(cells) - 2):
        rest = cells[start:]
        if sum(c.replace(".", "", 1).isdigit() for c in rest) >= 2 or _TABLE_WORDS & set(rest):
            cut = value.index(rest[0], len(" ".join(cells[:start])))
            return value[:cut].rstrip(), value[cut:].strip()
    return value, ""


def _item_number(match: re.Match[str]) -> int:
    """The number of an item matched by ``_PAREN_TASK``: （三） (3) ③ 三是 are all 3."""
    if match.group("circled"):
        return ord(match.group("circled")) - ord("①") + 1
    text = match.group("number") or match.group("shi") or ""
    return int(text) if text.isdigit() else chinese_numeral(text) or 0


_DOC_NUMBER = re.compile(r"([\u4e00-\u9fa5]{1,12})[〔\[［（【(](\d{4})[〕\]］）】)](\d{1,4})号")
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(印发|发布)?$")
_FURNITURE = re.compile(
    r"^(当前位置|首页$|[>＞›»]|【打印本页】|【关闭窗口】|【关闭】|分享到|（此件公开发布）|（此件不公开）|"
    r"—\s*\d+\s*—$|-\s*\d+\s*-$|第\d+页|.*【打印】|来源：|发布时间：|字号：|浏览次数)"
)
_COPY_TO = re.compile(r"^(抄送|抄报|印发)：|^【打印本页】|^【关闭窗口】|^分享到")


@dataclass
class _Draft:
    """Lines gathered for one task before they are interpreted."""

    kind: str
    number: int
    part: int
    heading: str
    line: int
    title: str = ""
    lines: list[tuple[int, str]] = field(default_factory=list)
    table: list[tuple[int, str]] = field(default_factory=list)
    in_table: bool = False


@dataclass
class _Part:
    title: str
    kind: str
    line: int
    headings: list[str] = field(default_factory=list)
    drafts: list[_Draft] = field(default_factory=list)


def parse_notice(
    text: str | list[str],
    *,
    source: str = "",
    directory: UnitDirectory | None = None,
    code: str | None = None,
    line_numbers: list[int] | None = None,
) -> Notice:
    """Parse a notice's text (or its lines) into metadata, parts, tasks and warnings.

    ``line_numbers``: the source line of each line, when the lines are not the file's own (a table recovered
    from flattened text is given as several canonical lines); problems and ``--explain`` name the source line.
    """
    lines = text.splitlines() if isinstance(text, str) else list(text)
    if line_numbers is not None and len(line_numbers) != len(lines):
        raise ValueError("line_numbers must give one source line per line")
    lines, line_numbers = without_markup(lines, line_numbers or list(range(1, len(lines) + 1)))
    directory = directory or UnitDirectory()
    lines, line_numbers = split_run_on(lines, line_numbers, directory.lexicon)
    parser = _NoticeParser(lines, source, directory, line_numbers)
    return parser.parse(code)


_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|br|div|tr|li|h[1-6]|table|section|article)\b[^<>]{0,300}>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]{0,300}>")
_ENTITY = re.compile(r"&(?:#\d{1,6}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")


def is_part_title(line: str) -> bool:
    """A line titling a part of the notice (``2024年政府工作报告重点任务分工方案``), not the notice's own title."""
    return bool(_PART_TITLE.match(line)) and "关于" not in line and not line.endswith("通知")


def part_kind(title: str) -> str:
    """``livelihood`` for a part about 民生实事 alone, else ``work`` (also ``重点工作及民生实事…``)."""
    key = to_simplified(title)
    return LIVELIHOOD if "民生" in key and not _WORK_TITLE.search(key) else WORK


def without_markup(lines: list[str], numbers: list[int]) -> tuple[list[str], list[int]]:
    """Text pasted with its web page's markup: block tags start new lines, other tags and entities go.

    ``…配合单位：市教育局）</p><p align=\"left\">2.…`` becomes two lines, both of the source line they were on.
    """
    out_lines: list[str] = []
    out_numbers: list[int] = []
    for line, number in zip(lines, numbers, strict=True):
        if "<" not in line and "&" not in line:
            out_lines.append(line)
            out_numbers.append(number)
            continue
        for piece in _BLOCK_TAG.split(line):
            piece = html.unescape(_ANY_TAG.sub("", piece)) if _ENTITY.search(piece) else _ANY_TAG.sub("", piece)
            out_lines.append(piece.replace('\\"', '"'))
            out_numbers.append(number)
    return out_lines, out_numbers


_RUN_ON_MIN = 200  # characters: only a line this long can hold a whole list
_RUN_ON_NUMBER = re.compile(r"(?:(?<=\s)|(?<=[。；;]))(\d{1,3})\s*[.．、](?!\d)")


def split_run_on(lines: list[str], numbers: list[int], lexicon: Lexicon | None = None) -> tuple[list[str], list[int]]:
    """A whole list run together on one line (a newspaper page): a new line before each task number that follows
    a space or a full stop and continues the sequence 1, 2, 3 …, and before each field label after a space."""
    labels = (lexicon or default_lexicon()).label_after_space
    out_lines: list[str] = []
    out_numbers: list[int] = []
    for line, number in zip(lines, numbers, strict=True):
        if len(line) < _RUN_ON_MIN:
            out_lines.append(line)
            out_numbers.append(number)
            continue
        cuts, expected = [], None
        for match in _RUN_ON_NUMBER.finditer(line):
            value = int(match.group(1))
            if (expected is None and value == 1) or value == expected:
                cuts.append(match.start())
                expected = value + 1
        if len(cuts) < 2:
            out_lines.append(line)
            out_numbers.append(number)
            continue
        pieces = [line[start:end] for start, end in zip([0, *cuts], [*cuts, len(line)], strict=True)]
        for piece in pieces:
            for part in labels.split(piece):
                if part.strip():
                    out_lines.append(part.strip())
                    out_numbers.append(number)
    return out_lines, out_numbers


def no_tasks_message(name: str, lines: list[str], shown: int = 3) -> str:
    """Why a notice gave no task, what was looked for, what the file begins with, and the .xlsx route."""
    seen = [normalize_line(line) for line in lines]
    seen = [line[:30] + ("…" if len(line) > 30 else "") for line in seen if line][:shown]
    beginning = "；开头几行是：" + " / ".join(f"“{line}”" for line in seen) if seen else "；文件中没有文字"
    return (
        f"{name}：没有识别出任何任务。查找的是“1.”“（一）”式编号的任务及其“牵头领导”“牵头单位”“责任单位”等，"
        f"或含“序号、工作任务、牵头单位”等表头的任务表{beginning}。"
        "如通知的格式特殊，可把任务清单整理成 Excel（.xlsx，表头写 序号、工作任务、牵头领导、牵头单位、配合单位）后放入"
        " input/notices/ 再运行"
    )


class _NoticeParser:
    def __init__(
        self, lines: list[str], source: str, directory: UnitDirectory, line_numbers: list[int] | None = None
    ) -> None:
        self.raw = lines
        self.lex = directory.lexicon
        self.line_numbers = line_numbers or list(range(1, len(lines) + 1))
        self.normalized = [normalize_line(line) for line in lines]  # each line normalised once
        self.keys = [to_simplified(line) for line in self.normalized]  # and as matched (simplified)
        self.source = source
        self.directory = directory
        self.warnings: list[Problem] = []
        self.parts: list[_Part] = []
        self.meta = NoticeMeta(code="", source=source)
        self.preamble: list[str] = []
        self._units: dict[str, SplitUnits] = {}  # unit fields read, by text (a province's lists recur)

    # -- reading the line stream -------------------------------------------------------------------

    def parse(self, code: str | None) -> Notice:
        self._read_metadata()
        has_part_titles = any(is_part_title(key) for key in self.keys)
        draft: _Draft | None = None
        furniture = False
        last_number = 0
        heading_since_task = True

        paren_tasks = 0  # the last （一）-numbered task of the current section, 0 when none is open
        previous = ""  # the last line read, for a part title wrapped over two lines
        for position, (index, raw) in enumerate(zip(self.line_numbers, self.raw, strict=True)):
            line = self.normalized[position]
            if not line:
                continue
            key = self.keys[position]  # matched with traditional characters read as simplified; text kept as written
            if self._is_furniture(key):
                furniture = furniture or bool(_COPY_TO.match(key))
                previous = ""
                continue
            if is_part_title(key):
                self._close(draft)
                draft, furniture = None, False
                title = line
                if line.startswith(("及", "和", "与")) and previous and not previous.endswith(_CLOSING):
                    title = previous + line  # a title wrapped before 及：“……重点工作” / “及民生实事项目任务分解方案”
                    if self.preamble and self.preamble[-1] == previous:
                        self.preamble.pop()
                kind = part_kind(title)
                self.parts.append(_Part(title=title, kind=kind, line=index))
                last_number, heading_since_task, paren_tasks = 0, True, 0
                previous = line
                continue
            previous = line
            heading = _HEADING.match(key)
            part = self.parts[-1] if self.parts else None
            if heading and (part or not has_part_titles) and self._heading_in_sequence(part, heading.group(1)):
                if part is None:
                    part = self._implicit_part(index)
                self._close(draft)
                draft, furniture = None, False
                title = line[heading.start(2) :].strip()
                if part.kind == LIVELIHOOD:
                    draft = _Draft(
                        LIVELIHOOD, chinese_numeral(heading.group(1)) or 0, len(self.parts) - 1, "", index, title=title
                    )
                    part.headings.append(line)
                else:
                    part.headings.append(line)
                    heading_since_task, paren_tasks = True, 0
                continue
            start = _TASK_START.match(key)
            if start and (part is None or part.kind == WORK) and (part or not has_part_titles):
                number = int(start.group(1))
                if self._task_in_sequence(number, last_number, heading_since_task, line[start.start(2) :], index):
                    if part is None:
                        part = self._implicit_part(index)
                    self._close(draft)
                    furniture = False
                    draft = _Draft(WORK, number, len(self.parts) - 1, part.headings[-1] if part.headings else "", index)
                    if start.group(2):
                        draft.lines.append((index, line[start.start(2) :]))
                    last_number, heading_since_task = number, False
                    continue
            paren = _PAREN_TASK.match(key)
            if (
                paren
                and part is not None
                and part.kind == WORK
                and (heading_since_task or paren_tasks)
                and _item_number(paren) == paren_tasks + 1
                and self._has_own_fields(position)
            ):
                self._close(draft)  # （一）地区生产总值增长7%  责任单位：…  — numbered by （一） in this section
                furniture = False
                paren_tasks = paren_tasks + 1
                draft = _Draft(
                    WORK, paren_tasks, len(self.parts) - 1, part.headings[-1] if part.headings else "", index
                )
                draft.lines.append((index, line[paren.start("text") :]))
                heading_since_task = False
                continue
            if (
                paren
                and paren.group("number")
                and not paren.group("number").isdigit()  # only （二）-style lines are sub-headings
                and part is not None
                and part.kind == WORK
                and self._opens_numbered_tasks(position)
                and not (draft and any(_SUBITEM.match(text) for _, text in draft.lines))  # not its last sub-item
            ):
                self._close(draft)  # （二）活力后劲指标 above 4.… 5.…: a sub-heading between tasks, not task text
                draft = None
                continue
            if furniture:
                continue
            if part is not None and self._is_signature(line):
                furniture = True  # the issuer's signature and date close the body
                continue
            if draft and draft.kind == LIVELIHOOD and (draft.in_table or self._is_table_start(raw)):
                draft.in_table = True
                draft.table.append((index, raw.rstrip("\r\n")))
                continue
            if (
                draft
                and draft.kind == WORK
                and draft.lines
                and draft.lines[-1][1].endswith(("）", ")"))  # cheap first: most lines end otherwise
                and self._closes_with_fields(to_simplified(draft.lines[-1][1]))
                and not self.lex.label.match(key)
            ):
                # A task closed by its own bracket of fields is complete: the line after it is the next task, its
                # number lost (mojibake, a dropped list number), when it carries fields of its own, else stray text.
                if not (self._closes_with_fields(key) or self._has_own_fields(position)):
                    self._warn(NOTICE_UNPLACED_TEXT, index, text=line[:60])
                    continue
                self._close(draft)
                number = draft.number + 1
                if paren_tasks and draft.number == paren_tasks:
                    paren_tasks = number
                else:
                    last_number = number
                draft = _Draft(WORK, number, draft.part, draft.heading, index)
                draft.lines.append((index, line))
                self._warn(TASK_NUMBER_UNREAD, index, number=number, text=line[:30])
                continue
            if draft and (label := self.lex.label.match(key)) and self.lex.field_of(label.group(1)) in _UNIT_FIELDS:
                kept, table = _before_flattened_table(raw)
                if table:  # 配合单位：市公安局，各区政府 鄞州 海曙 合计 新辟线路 2 5 7: a table run into the field
                    line = normalize_line(kept)
                    self._warn(TASK_TABLE_IN_FIELD, index, label=label.group(1), text=table[:60])
            if draft:
                draft.lines.append((index, line))
            elif part is None:
                self.preamble.append(line)
            else:
                self._warn(NOTICE_UNPLACED_TEXT, index, text=line[:60])
        self._close(draft)
        if not self.parts:
            self._warn(NOTICE_NO_TASKS, None)
        tasks = self._build_tasks(code)
        self._note_heading_leaders(tasks)
        add_missing_prefixes(tasks, self.source)
        notice = Notice(meta=self.meta, parts=self._parts_summary(tasks), tasks=tasks, warnings=self.warnings)
        notice.warnings.extend(unit_warnings([notice]))
        return notice

    def _read_metadata(self) -> None:
        normalized = self.normalized
        for line in normalized:
            if not self.meta.title and "关于" in line and ("通知" in line or "分解" in line):
                self.meta.title = line
                self.meta.issuer = line.split("关于")[0] or self.meta.issuer
            if not self.meta.doc_number and (match := _DOC_NUMBER.search(line)):
                self.meta.doc_number = f"{match.group(1)}〔{match.group(2)}〕{match.group(3)}号"
            if not self.meta.issuer and line.endswith("文件") and len(line) <= 30 and not _FURNITURE.match(line):
                self.meta.issuer = line[: -len("文件")]
            if match := _DATE.match(line):
                date = f"{int(match.group(1)):04d}-{int(match.group(2)):02d}-{int(match.group(3)):02d}"
                if not match.group(4) or not self.meta.date:  # the signing date wins over the 印发 date
                    self.meta.date = date
        years = re.findall(r"(\d{4})年", self.meta.title)
        if years:
            self.meta.year = int(years[0])
        elif self.meta.doc_number:
            doc_number = _DOC_NUMBER.search(self.meta.doc_number)
            assert doc_number is not None  # doc_number is written from a match of _DOC_NUMBER
            self.meta.year = int(doc_number.group(2))
        elif self.meta.date:
            self.meta.year = int(self.meta.date[:4])

    def _note_heading_leaders(self, tasks: list[Task]) -> None:
        """One note per section whose tasks took their leader from its heading (a leader read from afar)."""
        groups: dict[tuple[str, str], list[Task]] = {}
        for task in tasks:
            if task.leader_label == "板块牵头领导":
                groups.setdefault((task.part, task.section), []).append(task)
        for (part, section), members in groups.items():
            first = members[0]
            self.warnings.append(
                TASK_LEADER_FROM_HEADING.at(
                    Location(file=self.source, line=first.line, task=first.id),
                    count=len(members),
                    heading=section or part,
                    leader="、".join(first.leaders),
                )
            )

    def _opens_numbered_tasks(self, position: int) -> bool:
        """Whether the next non-empty line after ``position`` starts a 1.-numbered task."""
        for line in self.keys[position + 1 : position + 4]:
            if line:
                return bool(_TASK_START.match(line))
        return False

    def _has_own_fields(self, position: int) -> bool:
        """Whether the line at ``position`` or the lines after it, up to the next numbered line or heading, carry
        a field label."""
        if self.lex.label.search(self.keys[position]):
            return True
        for line in self.keys[position + 1 : position + 12]:
            if not line:
                continue
            if _TASK_START.match(line) or _PAREN_TASK.match(line) or _HEADING.match(line):
                return False
            if self.lex.label.search(line):
                return True
        return False

    def _closes_with_fields(self, key: str) -> bool:
        """Whether a line ends with a bracket of its own responsibility fields: ……。（牵头单位：A；配合单位：B）,
        ……（市发改委牵头，市财政局配合）. Brackets inside the bracket (a gloss, 各县（市、区）) are allowed."""
        key = key.rstrip()
        if not key.endswith(("）", ")")):
            return False
        depth = 0
        for position in range(len(key) - 1, -1, -1):
            char = key[position]
            if char in "）)":
                depth += 1
            elif char in "（(":
                depth -= 1
                if depth == 0:
                    inside = key[position + 1 : -1].strip()
                    return bool(self.lex.label.match(inside) or _TRAILING_ROLES.search(key[position:]))
        return False

    def _is_furniture(self, line: str) -> bool:
        if _FURNITURE.match(line) or _COPY_TO.match(line):
            return True
        if (match := _DATE.match(line)) and match.group(4):
            return True
        return line.endswith("文件") and self.meta.issuer != "" and line.startswith(self.meta.issuer)

    def _is_signature(self, line: str) -> bool:
        return line == self.meta.issuer or bool(_DATE.match(line))

    @staticmethod
    def _is_table_start(raw: str) -> bool:
        cell = raw.strip().split("\t")[0].strip()
        return cell in ("任务分解", "任务") or cell.startswith("任务分解")

    def _implicit_part(self, line: int) -> _Part:
        part = _Part(title="政府工作报告目标任务", kind=WORK, line=line)
        self.parts.append(part)
        return part

    def _heading_in_sequence(self, part: _Part | None, numeral: str) -> bool:
        value = chinese_numeral(numeral)
        if value is None:
            return False
        last = _HEADING.match(part.headings[-1]) if part and part.headings else None
        previous = (chinese_numeral(last.group(1)) or 0) if last else 0  # a part's headings matched, in sequence
        return value == previous + 1 or value == 1

    def _task_in_sequence(self, number: int, last: int, after_heading: bool, rest: str, line: int) -> bool:
        if number == last + 1 or (number == 1 and (after_heading or last == 0)):
            return True
        if last < number <= last + 3 and len(rest) >= 6:
            self._warn(TASK_NUMBER_GAP, line, last=last, number=number)
            return True
        return False

    def _close(self, draft: _Draft | None) -> None:
        if draft is not None:
            self.parts[draft.part].drafts.append(draft)

    def _warn(self, kind: ProblemType, line: int | None, /, task: str = "", **fields: object) -> None:
        self.warnings.append(kind.at(Location(file=self.source, line=line, task=task), **fields))

    # -- from drafts to tasks ------------------------------------------------------------------------

    def _build_tasks(self, code: str | None) -> list[Task]:
        self.meta.code = code or (str(self.meta.year) if self.meta.year else "N")
        numbered_parts = self._numbering_parts()
        work_count = sum(1 for p in numbered_parts if p[1] == WORK)
        livelihood_count = len(numbered_parts) - work_count
        tasks: list[Task] = []
        counters = {WORK: 0, LIVELIHOOD: 0}
        seen_ids: set[str] = set()
        for title, kind, drafts, sections in numbered_parts:
            counters[kind] += 1
            letter = "G" if kind == WORK else "M"
            many = work_count if kind == WORK else livelihood_count
            part_code = f"{letter}{counters[kind]}" if many > 1 else letter
            for draft in drafts:
                task_id = f"{self.meta.code}-{part_code}-{draft.number:03d}"
                if task_id in seen_ids:
                    self._warn(TASK_DUPLICATE_NUMBER, draft.line, number=draft.number)
                    suffix = 2
                    while f"{task_id}-{suffix}" in seen_ids:
                        suffix += 1
                    task_id = f"{task_id}-{suffix}"
                seen_ids.add(task_id)
                section = draft.heading if sections else ""
                split = self._split_subitems(draft)
                if split is None:
                    tasks.append(self._build_task(draft, task_id, title, section))
                    continue
                parent_text, subs = split
                for k, sub in enumerate(subs, start=1):
                    task = self._build_task(sub, f"{task_id}.{k}", title, section)
                    task.parent, task.parent_text = task_id, parent_text
                    tasks.append(task)
        return tasks

    def _split_subitems(self, draft: _Draft) -> tuple[str, list[_Draft]] | None:
        """A numbered task whose sub-items (（1）… （2）…) each name their own leader or units, as one task each.

        Labels given before the first sub-item (a shared leader) apply to every sub-item that does not give its own.
        """
        if draft.kind != WORK:
            return None
        marks = [i for i, (_, text) in enumerate(draft.lines) if _SUBITEM.match(text)]
        if len(marks) < 2:
            return None
        segments = [draft.lines[start:end] for start, end in zip(marks, [*marks[1:], len(draft.lines)], strict=True)]
        label, field_of = self.lex.label, self.lex.field_of
        if not all(label.search("".join(text for _, text in segment)) for segment in segments):
            return None
        head = draft.lines[: marks[0]]
        head_body = "".join(text for _, text in head)
        first_label = label.search(head_body)
        parent_text = (head_body[: first_label.start()] if first_label else head_body).strip()
        shared = [(number, text) for number, text in head if label.search(text)]
        subs = []
        for segment in segments:
            number, text = segment[0]
            own = {field_of(m.group(1)) for _, t in segment for m in label.finditer(t)}
            inherited = [(n, t) for n, t in shared if not {field_of(m.group(1)) for m in label.finditer(t)} & own]
            sub = _Draft(draft.kind, draft.number, draft.part, draft.heading, number)
            item = _SUBITEM.match(text)
            assert item is not None  # every segment starts at a sub-item
            sub.lines = [(number, item.group("text")), *segment[1:], *inherited]
            subs.append(sub)
        return parent_text, subs

    def _numbering_parts(self) -> list[tuple[str, str, list[_Draft], bool]]:
        """Parts as numbered lists. A work part whose headings each restart numbering at 1 is split into
        one part per heading (2021: 十四五 targets / the year's targets); otherwise headings are sections."""
        result = []
        for part in self.parts:
            if part.kind == WORK and len(part.headings) >= 2:
                groups: dict[str, list[_Draft]] = {}
                for draft in part.drafts:
                    groups.setdefault(draft.heading, []).append(draft)
                if len(groups) >= 2 and all(g[0].number == 1 for g in groups.values()) and "" not in groups:
                    for heading, drafts in groups.items():
                        match = _HEADING.match(heading)
                        assert match is not None  # a draft's heading is one of its part's headings
                        result.append((match.group(2), WORK, drafts, False))
                    continue
            result.append((part.title, part.kind, part.drafts, part.kind == WORK))
        return result

    def _build_task(self, draft: _Draft, task_id: str, part: str, section: str) -> Task:
        body = ""
        for _, text in draft.lines:
            body = join_lines(body, text)
        key = to_simplified(body)  # labels matched with traditional characters read as simplified
        first = self.lex.label.search(key)
        lead_text = body[: first.start()] if first else body
        inline = lead_text.rstrip().endswith(("（", "("))  # （牵头单位：A；配合单位：B）closing the task text
        if inline:
            lead_text = lead_text.rstrip()[:-1]
        fields: dict[str, str] = {}
        labels = list(self.lex.label.finditer(key))
        written_leader_label = ""
        for i, match in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(body)
            value = strip_punctuation(body[match.end() : end])
            if inline:
                value = strip_punctuation(value.rstrip("）)"))
            label = self.lex.field_of(match.group(1))
            if label == "牵头领导" and match.group(1) != label:
                written_leader_label = match.group(1)
            fields[label] = f"{fields[label]}、{value}" if label in fields and value else value or fields.get(label, "")

        unit_labels = {"牵头单位", "配合单位", "责任单位"}
        if not unit_labels & fields.keys() and (trailing := _TRAILING_ROLES.search(to_simplified(lead_text))):
            fields["责任单位"] = lead_text[trailing.start(1) : trailing.end(1)]  # ……。（市发改委牵头，市财政局配合）
            lead_text = lead_text[: trailing.start()]
        task = Task(
            id=task_id, kind=draft.kind, part=part, section=section, number=draft.number, text="", line=draft.line
        )
        location = Location(file=self.source, line=draft.line, task=task_id)
        for label in unit_labels & fields.keys():
            value = _without(fields[label], self.lex.note)  # （列第一位者为牵头单位，下同）: a rule the parser applies
            fields[label] = strip_punctuation(_without(value, self.lex.duty))
        if draft.kind == WORK:
            task.text = lead_text.strip()
        else:
            task.text = draft.title
            if lead_text.strip():
                task.warnings.append(TASK_UNPLACED_TEXT.at(location, text=lead_text.strip()[:60]))
        task.target_text = fields.get("目标任务", "")
        for label in LEADER_LABELS:
            if label in fields:
                task.leader_label = written_leader_label if label == "牵头领导" and written_leader_label else label
                task.leaders = [_LEADER_TITLE_NOTE.sub("", name) or name for name in split_list(fields[label])]
                break
        for heading in (section or "", part or ""):
            if task.leaders or not (leader := self.lex.section_leader.match(to_simplified(heading))):
                continue
            group = "name" if leader.group("name") else "titled"
            task.leaders = [heading[leader.start(group) : leader.end(group)]]  # 一、王某市长牵头的重点工作
            task.leader_label = "板块牵头领导"
            task.read_as.append(f"牵头领导取自板块标题“{heading}”")
        task.source_lines = [*draft.lines, *[(number, f"\x00{text}") for number, text in draft.table]]
        year = int(task_id[:4]) if task_id[:4].isdigit() else None
        task.milestones = milestones(task.text, year)
        task.deadline_text = fields.get("完成时限", "")
        deadline = time_point(task.deadline_text, year) if task.deadline_text else None
        if deadline is None and task.milestones:
            deadline = max(m["date"] for m in task.milestones)
        task.deadline = deadline or ""
        task.responsible_persons = split_list(fields.get("责任人", ""))
        self._assign_units(task, fields, location)

        task.targets = extract_targets(task.target_text or task.text, require_verb=draft.kind == WORK)
        if draft.table:
            self._read_breakdown(task, draft, fields, location)
        self._expand_collectives(task)
        if not task.text:
            task.warnings.append(TASK_EMPTY_TEXT.at(location))
        if not task.leaders:
            task.warnings.append(TASK_NO_LEADER.at(location))
        if not task.lead_units:
            task.warnings.append(TASK_NO_LEAD_UNIT.at(location, message="未找到牵头单位（或责任单位）"))
        return task

    def _read_units(self, text: str) -> SplitUnits:
        """``read_units`` of a unit field, worked out once per text in this notice (the directory does not change
        during a parse); a copy, which the caller may change."""
        units = self._units.get(text)
        if units is None:
            units = self._units[text] = read_units(text, self.directory)
        return units.copy()

    def _assign_units(self, task: Task, fields: dict[str, str], location: Location) -> None:
        def read(label: str) -> SplitUnits:
            return self._read_units(fields.get(label, ""))

        lead, cooperating = SplitUnits(), SplitUnits()
        responsible = fields.get("责任单位", "")
        plain = to_simplified(responsible)
        if "牵头单位" not in fields and _LEAD_MARK.search(plain):  # 县统计局、县发改局（牵头）、县财政局
            items = split_list(responsible)
            marked = [bool(_LEAD_MARK.search(to_simplified(item))) for item in items]
            leads = [_without(item, _LEAD_MARK) for item, lead in zip(items, marked, strict=True) if lead]
            others = [item for item, lead in zip(items, marked, strict=True) if not lead]
            others_label = "配合单位" if "配合单位" not in fields else "责任单位"
            fields = {**fields, "牵头单位": "、".join(leads), others_label: "、".join(others)}
            if others_label == "配合单位":
                fields["责任单位"] = ""
            task.read_as.append("标注“（牵头）”的单位为牵头单位")
        elif "牵头单位" not in fields and (separately := _SEPARATELY_LEAD.match(plain)):
            lead_names = responsible[separately.start("lead") : separately.end("lead")]
            fields = {**fields, "牵头单位": lead_names, "责任单位": ""}  # A、B分别牵头
            task.read_as.append("“分别牵头”：所列单位均为牵头单位")
        elif "牵头单位" not in fields and "配合单位" not in fields and (roles := _INLINE_ROLES.match(plain)):
            coop = responsible[roles.start("coop") : roles.end("coop")] if roles.group("coop") else ""
            lead_names = responsible[roles.start("lead") : roles.end("lead")]
            fields = {**fields, "牵头单位": lead_names, "配合单位": coop, "责任单位": ""}
            task.read_as.append("牵头、配合按“……牵头，……配合”的写法读出")
        if "牵头单位" in fields:
            lead = read("牵头单位")
            cooperating = _merge(read("配合单位"), read("责任单位"))
        elif "配合单位" in fields:
            lead, cooperating = read("责任单位"), read("配合单位")
        elif "责任单位" in fields:
            items = split_list(fields["责任单位"])
            first = self._read_units(items[0]) if items else SplitUnits()
            rest = self._read_units("、".join(items[1:]))
            if first.real and not first.collective:
                lead = first
                cooperating = rest
                if rest.real or rest.collective:
                    task.read_as.append("只有责任单位：列第一位的作为牵头单位，其余为配合单位")
            else:
                cooperating = _merge(first, rest)
                task.warnings.append(
                    TASK_NO_LEAD_UNIT.at(
                        location,
                        message=f"责任单位列第一位的“{items[0] if items else ''}”不是具体单位，无法确定牵头单位",
                    )
                )
        for person in [*lead.persons, *cooperating.persons]:
            if person not in task.responsible_persons:
                task.responsible_persons.append(person)
        task.lead_units = list(lead.real)
        task.cooperating_units = [u for u in cooperating.real if u not in lead.real]
        task.collective_units = [CollectiveUnit(n, LEAD) for n in lead.collective] + [
            CollectiveUnit(n, COOPERATING) for n in cooperating.collective if n not in lead.collective
        ]

    def _read_breakdown(self, task: Task, draft: _Draft, fields: dict[str, str], location: Location) -> None:
        project_units = {u for u in task.lead_units + task.cooperating_units}

        def match_column(token: str) -> str | None:
            district = self.directory.district(token)
            if district:
                return district.short
            name = self.directory.canonical(token)
            return name if name in project_units else None

        result = parse_breakdown(draft.table, match_column, file=self.source, task=task.id)
        task.breakdown = result.rows
        task.warnings.extend(result.problems)
        task.warnings.extend(
            check_totals(task.breakdown, task.targets, file=self.source, task=task.id, line=draft.table[0][0])
        )

    def _expand_collectives(self, task: Task) -> None:
        related = [c for row in task.breakdown for c, v in row.values.items() if v is not None] or None
        prefix = ""
        for collective in task.collective_units:
            name = collective.name
            if name == "开发园区管委会" and prefix:
                name = prefix + name  # “相关区县（市）政府、开发园区管委会”: 相关 governs both
            prefix = next((p for p in ("各", "相关", "有关") if collective.name.startswith(p)), "")
            collective.members = expand_collective(name, self.directory, related)

    def _parts_summary(self, tasks: list[Task]) -> list[dict]:
        parts: list[dict] = []
        for task in tasks:
            if not parts or parts[-1]["title"] != task.part:
                parts.append({"title": task.part, "kind": task.kind, "sections": [], "tasks": 0})
            parts[-1]["tasks"] += 1
            if task.section and task.section not in parts[-1]["sections"]:
                parts[-1]["sections"].append(task.section)
        return parts


def _merge(first: SplitUnits, second: SplitUnits) -> SplitUnits:
    merged = SplitUnits(list(first.real), list(first.collective))
    merged.real += [u for u in second.real if u not in merged.real]
    merged.collective += [u for u in second.collective if u not in merged.collective]
    return merged


@dataclass(frozen=True)
class NearDuplicate:
    """Two unit names that probably name one unit, and a task where each is used."""

    first: str
    second: str
    reason: str
    first_task: str
    second_task: str

    def problem(self, file: str = "") -> Problem:
        return UNIT_NEAR_DUPLICATE.at(
            Location(file=file, task=self.second_task),
            first=self.first,
            first_task=self.first_task,
            second=self.second,
            second_task=self.second_task,
            reason=self.reason,
        )


def near_duplicate_units(notices: list[Notice]) -> list[NearDuplicate]:
    """Near-duplicate real unit names used in the given notices, each pair once."""
    where: dict[str, str] = {}
    for notice in notices:
        for task in notice.tasks:
            for unit in task.lead_units + task.cooperating_units:
                where.setdefault(unit, task.id)
    return [NearDuplicate(a, b, reason, where[a], where[b]) for a, b, reason in near_duplicates(list(where))]


def unit_warnings(notices: list[Notice]) -> list[Problem]:
    """Near-duplicate unit names as warnings, for the user to confirm."""
    return [pair.problem(notices[0].meta.source if len(notices) == 1 else "") for pair in near_duplicate_units(notices)]


_TIME = re.compile(
    r"(?:(?P<year>\d{4})年)?(?:(?P<quarter>[一二三四1-4])季度(?:末|底)?|(?P<half>上|下)半年|(?P<end>年底|年内|年末|全年)|"
    r"(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日|(?P<part>底|末|上旬|中旬|下旬))?)(?:前|之前|以前)?"
)


def time_point(text: str, year: int | None) -> str | None:
    """The last day meant by ``6月底前``, ``一季度``, ``上半年``, ``年底前``, ``2024年9月30日前`` (ISO), or None."""
    import calendar

    match = _TIME.search(text or "")
    if not match:
        return None
    if match.group("year"):
        year = int(match.group("year"))
    elif year is None:
        return None
    if match.group("quarter"):
        written = match.group("quarter")
        quarter = int(written) if written.isdigit() else chinese_numeral(written) or 0
        month = 3 * quarter
    elif match.group("half"):
        month = 6 if match.group("half") == "上" else 12
    elif match.group("end"):
        month = 12
    else:
        month = int(match.group("month"))
        if not 1 <= month <= 12:
            return None
        if match.group("day"):
            day = int(match.group("day"))
            return f"{year}-{month:02d}-{min(day, calendar.monthrange(year, month)[1]):02d}"
        if match.group("part") in ("上旬", "中旬"):
            return f"{year}-{month:02d}-{10 if match.group('part') == '上旬' else 20:02d}"
    return f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


_CLAUSE_END = re.compile(r"[；;。]")


def milestones(text: str, year: int | None) -> list[dict]:
    """Clauses of a task that begin with a time (``一季度完成…；6月底前…``) as milestones."""
    found = []
    for clause in _CLAUSE_END.split(text or ""):
        clause = clause.strip("，, ")
        match = _TIME.match(clause)
        if (
            match
            and match.group(0)
            and len(clause) > len(match.group(0))
            and (date := time_point(match.group(0), year))
        ):
            found.append({"when": match.group(0), "date": date, "text": clause})
    return found


_PREFIXES = ("市", "县", "区", "省")


def add_missing_prefixes(tasks: list[Task], source: str = "") -> None:
    """Unit names read as the name the same notice uses elsewhere (with a note on the task):

    - ``发改委`` where the notice elsewhere says ``市发改委`` (only when exactly one prefixed form appears);
    - ``市综综合执法局``, a name broken across lines with one character written on both (``市综`` / ``综合执法局``),
      where the notice elsewhere says ``市综合执法局``.
    Other names are left as written.
    """
    names = {u for t in tasks for u in (*t.lead_units, *t.cooperating_units)}
    names |= {m for t in tasks for c in t.collective_units for m in c.members}
    renamed: dict[str, str] = {}
    kinds: dict[str, ProblemType] = {}
    for name in names:
        single = [name[:i] + name[i + 1 :] for i in range(1, len(name)) if name[i] == name[i - 1]]
        rejoined = [n for n in single if n in names]
        if len(rejoined) == 1:
            renamed[name], kinds[name] = rejoined[0], UNIT_REJOINED
            continue
        if name.startswith(_PREFIXES):
            continue
        candidates = [f"{p}{name}" for p in _PREFIXES if f"{p}{name}" in names]
        if len(candidates) == 1:
            renamed[name], kinds[name] = candidates[0], UNIT_PREFIX_ADDED
    if not renamed:
        return
    for task in tasks:
        before = (list(task.lead_units), list(task.cooperating_units))
        for collective in task.collective_units:
            members = [renamed.get(m, m) for m in collective.members]
            if members != collective.members:
                before[1].extend(m for m in collective.members if m in renamed and m not in before[1])
                collective.members = list(dict.fromkeys(members))
        task.lead_units = list(dict.fromkeys(renamed.get(u, u) for u in task.lead_units))
        task.cooperating_units = [
            u for u in dict.fromkeys(renamed.get(u, u) for u in task.cooperating_units) if u not in task.lead_units
        ]
        for old in (u for u in (*before[0], *before[1]) if u in renamed):
            task.warnings.append(
                kinds[old].at(Location(file=source, line=task.line, task=task.id), old=old, new=renamed[old])
            )


def explain_lines(task: Task, lexicon: Lexicon | None = None) -> list[tuple[int, str, str]]:
    """For ``parse --explain``: each source line of a task and what it became (``(line, text, role)``).

    ``lexicon``: the workspace's, so that the labels it added are shown as labels.
    """
    lexicon = lexicon or default_lexicon()
    current = "任务内容" if task.kind == WORK else "项目名称后的文字"
    rows = []
    previous = ""
    for index, (number, text) in enumerate(task.source_lines):
        if text.startswith("\x00"):  # a line of the district breakdown table
            rows.append((number, text[1:], "任务分解表"))
            continue
        line = normalize_line(text)
        tail = previous[-6:]
        previous = line
        split = [m for m in lexicon.label.finditer(tail + line) if m.start() < len(tail) < m.end()]
        if split:  # a label broken across two lines: 配 / 合单位：
            line = (tail + line)[split[0].start() :]
        found = list(lexicon.label.finditer(line))
        if not found:
            rows.append((number, text, current if index == 0 else f"{current}（续）"))
            continue
        names = []
        for match in found:
            canonical = lexicon.field_of(match.group(1))
            names.append(canonical if canonical == match.group(1) else f"{canonical}（原文“{match.group(1)}”）")
        role = "、".join(names)
        if line[: found[0].start()].strip(" （("):
            role = f"{current}（续），{role}"
        current = lexicon.field_of(found[-1].group(1))
        rows.append((number, text, role))
    return rows

"""Problems found in inputs are data, not exceptions: a code, a severity, a message and a location.

Every code is registered once here as a ``ProblemType`` (code, severity, Chinese title and message template);
call sites make their problems from the named constants, e.g. ``FORM_UNKNOWN_UNIT.at(location, unit=name)``.
"""

from __future__ import annotations

import string
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


# -- the registry of problem codes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: a stable ``code``, its ``severity``, a short Chinese ``title`` and a message template.

    The template is a ``str.format`` string with named fields only (``{unit}``, ``{size_mb:.1f}``).
    """

    code: str
    severity: str
    title: str
    template: str
    fields: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_LABELS:
            raise ValueError(f"problem type {self.code}: unknown severity {self.severity!r}")
        if not self.code or not self.title.strip() or not self.template.strip():
            raise ValueError(f"problem type {self.code!r}: code, title and template must not be empty")
        names: list[str] = []
        for _, name, _, _ in string.Formatter().parse(self.template):
            if name is None:
                continue
            if not name.isidentifier():
                raise ValueError(f"problem type {self.code}: template field {name!r} is not a plain name")
            if name not in names:
                names.append(name)
        object.__setattr__(self, "fields", tuple(names))

    def message(self, **fields: object) -> str:
        """The Chinese message: the template filled with exactly its fields."""
        if set(fields) != set(self.fields):
            raise TypeError(f"problem type {self.code} takes fields {list(self.fields)}, got {sorted(fields)}")
        return self.template.format(**fields)

    def at(self, location: Location, /, **fields: object) -> Problem:
        """A ``Problem`` of this type at ``location``, its message made from the template and ``fields``."""
        return Problem(self.code, self.message(**fields), self.severity, location)


REGISTRY: dict[str, ProblemType] = {}


def _register(code: str, severity: str, title: str, template: str) -> ProblemType:
    """Add a problem type to ``REGISTRY``; a code registered twice is a programming error."""
    if code in REGISTRY:
        raise ValueError(f"problem code registered twice: {code}")
    problem_type = ProblemType(code, severity, title, template)
    REGISTRY[code] = problem_type
    return problem_type


# Advice closing several messages about unreadable workbooks.
RESAVE_ADVICE = "请用 Excel 或 WPS 打开后“另存为”Excel 工作簿（*.xlsx）再报送"

# Returned files that cannot be read as workbooks (raised by reporter.io.workbooks, reported by collect).
FILE_MISSING = _register("file.missing", ERROR, "文件不存在", "文件不存在")
FILE_EMPTY = _register("file.empty", ERROR, "文件为空", "文件是空的（0 字节），可能保存或传输时出错，请重新报送")
FILE_TOO_LARGE = _register(
    "file.too-large",
    ERROR,
    "文件过大",
    "文件过大（{size_mb:.1f} MB，上限 {limit_mb} MB），填报表通常不足 1 MB，请删除粘贴的图片等内容后重新保存",
)
FILE_UNREADABLE = _register("file.unreadable", ERROR, "无法读取文件", "无法读取文件：{reason}")
FILE_NOT_WORKBOOK = _register("file.not-workbook", ERROR, "不是 Excel 工作簿", "{message}")
FILE_CORRUPT = _register("file.corrupt", ERROR, "文件已损坏", "{detail}。" + RESAVE_ADVICE)
FILE_ENCRYPTED = _register("file.encrypted", ERROR, "文件设置了密码", "{message}")
FILE_ZIP_BOMB = _register("file.zip-bomb", ERROR, "文件结构异常（疑似压缩炸弹）", "{detail}，已拒绝读取")
FILE_TOO_MANY_CELLS = _register(
    "file.too-many-cells",
    ERROR,
    "单元格过多",
    "工作表 {part} 含有{cells}个单元格，远超填报表规模，已拒绝读取",
)
FILE_CELL_OUT_OF_RANGE = _register(
    "file.cell-out-of-range",
    ERROR,
    "单元格位置超出范围",
    "工作表 {part} 的单元格位置超出填报表范围（最远到第{max_row}行、第{max_column}列），"
    "可能是误操作或恶意文件。请删除多余内容后重新保存",
)
FILE_XML_DTD = _register(
    "file.xml-dtd", ERROR, "文件含有 DTD/实体声明", "文件部件 {part} 含有 DTD/实体声明，存在安全风险，已拒绝读取"
)
FILE_TIMEOUT = _register("file.timeout", ERROR, "读取超时", "读取{label}文件超时，文件可能异常。" + RESAVE_ADVICE)
FORM_IDENTITY_CHANGED = _register(
    "form.identity-changed",
    ERROR,
    "身份信息被修改",
    "填报表隐藏的身份信息被修改，与下发给{unit}的{period}填报表不符，已拒绝接收，也不会计入任何单位。"
    "请使用下发的原表填报后重新报送",
)
FORM_FUTURE_SAVED_TIME = _register(
    "form.future-saved-time",
    WARNING,
    "保存时间晚于当前时间",
    "文件记录的保存时间 {saved_at} 晚于当前时间，报送单位电脑的时钟可能有误；以收到文件的先后为准",
)
FILE_NOT_REGULAR = _register(
    "file.not-regular",
    ERROR,
    "不是普通文件",
    "该文件是{what}，不是普通文件，已拒绝读取。请把报送的 Excel 文件本身放入收集文件夹",
)
FILE_CHANGED = _register(
    "file.changed",
    ERROR,
    "文件在收集过程中被修改",
    "文件在读取后又被修改（可能正在被保存或同步），本次未接收。请待文件保存完毕后重新收集",
)
FILE_CRASHED = _register(
    "file.crashed",
    ERROR,
    "读取时程序异常退出",
    "读取该文件时读取程序异常退出（文件可能被恶意构造，或内容远超正常填报表），已拒绝读取。" + RESAVE_ADVICE,
)
FILE_LEGACY_UNREADABLE = _register(
    "file.legacy-unreadable", ERROR, "无法读取旧格式表格", "无法读取{label}文件。" + RESAVE_ADVICE
)
FILE_UNEXPECTED = _register(
    "file.unexpected",
    ERROR,
    "读取时发生意外错误",
    "读取内容时发生意外错误（{error_type}），已跳过此文件。请反馈给维护人员",
)

# Returned forms: metadata, task rows and indicator rows (reporter.forms).
FORM_NO_METADATA = _register(
    "form.no-metadata",
    ERROR,
    "不是本系统下发的填报表",
    "不是本系统下发的填报表（缺少隐藏的识别信息），无法确定报送单位。请在下发的填报表中填写后报送",
)
FORM_BAD_METADATA = _register(
    "form.bad-metadata",
    ERROR,
    "报送期无法识别",
    "填报表中的报送期“{period}”无法识别，请使用下发的填报表",
)
FORM_WRONG_WORKSPACE = _register(
    "form.wrong-workspace",
    ERROR,
    "填报表不属于本工作区",
    "这是“{form_workspace}”的填报表，不属于本工作区（{workspace}）",
)
FORM_UNKNOWN_UNIT = _register(
    "form.unknown-unit",
    ERROR,
    "填报单位不在责任单位中",
    "填报单位“{unit}”不在当前任务的责任单位中（任务可能已调整），请核实",
)
FORM_WRONG_PERIOD = _register(
    "form.wrong-period",
    ERROR,
    "不是本期的填报表",
    "这是{form_period}的填报表，不是{period}的。请使用本期下发的填报表报送",
)
FORM_NO_TASK_SHEET = _register(
    "form.no-task-sheet",
    ERROR,
    "找不到填报任务表",
    "找不到填报任务表（表头应有“任务编号”“进展情况”列），请使用下发的填报表填写",
)
FORM_COLUMN_MISSING = _register("form.column-missing", WARNING, "缺少填报列", "缺少“{heading}”列，该项按未填写处理")
FORM_ROW_WITHOUT_ID = _register(
    "form.row-without-id",
    ERROR,
    "填写的行没有任务编号",
    "这一行填了内容但没有任务编号，无法对应到任务。请在下发的任务行中填写，不要另起一行",
)
FORM_UNKNOWN_TASK = _register(
    "form.unknown-task",
    ERROR,
    "任务编号不是下发给本单位的",
    "任务编号“{task_id}”不是下发给本单位的任务，请勿修改任务编号",
)
FORM_DUPLICATE_TASK = _register(
    "form.duplicate-task",
    ERROR,
    "任务行重复",
    "任务编号“{task_id}”出现了两次（另见第{first_row}行），请删除重复的行",
)
FORM_TEXT_CHANGED = _register(
    "form.text-changed", WARNING, "任务内容被改动", "任务内容被改动，以下发的原文为准（改动内容未导入）"
)
FORM_MISSING_TASK = _register(
    "form.missing-task",
    ERROR,
    "任务行缺失",
    "任务“{task_id}”的行不见了（被删除或任务编号被改动），请恢复该行后重新报送",
)
FORM_NO_INDICATOR_SHEET = _register(
    "form.no-indicator-sheet",
    WARNING,
    "找不到民生实事指标表",
    "找不到“{sheet}”工作表（表头应有“指标编号”“累计完成”列），民生实事指标未导入",
)
FORM_UNKNOWN_INDICATOR = _register(
    "form.unknown-indicator",
    ERROR,
    "指标编号有误",
    "指标编号“{key}”{reason}，请勿修改指标编号",
)

# Values written in a returned form; the messages come from reporter.forms.values.
VALUE_TOO_LONG = _register("value.too-long", WARNING, "内容过长", "内容过长（{length}字），只保留前{limit}字")
VALUE_PERCENT = _register("value.percent", ERROR, "完成进度无法识别", "{message}")
VALUE_STATUS = _register("value.status", ERROR, "状态无法识别", "{message}")
VALUE_COMPLETED = _register("value.completed", ERROR, "累计完成数无法识别", "{message}")
VALUE_COMPLETED_SCALE = _register(
    "value.completed-scale",
    WARNING,
    "完成数远超目标",
    "{district}的指标“{indicator}”完成数{completed}是目标{target}的{times}倍，已接收，请与报送单位核实计量单位",
)
VALUE_CONTRADICTION = _register(
    "value.contradiction", WARNING, "状态与完成进度矛盾", "{message}，已接收，请与报送单位核实"
)
VALUE_INTERPRETED = _register("value.interpreted", INFO, "填写内容已按推断理解", "{message}")

# Collecting: tasks and senders (reporter.forms.collect).
TASK_REMOVED = _register(
    "task.removed", WARNING, "任务已不在任务清单中", "该任务已不在当前任务清单中（通知已修订），本行未导入"
)
MAIL_SENDER_MISMATCH = _register(
    "mail.sender-mismatch",
    WARNING,
    "发件人不是单位登记的邮箱",
    "该文件由 {sender} 发来，不是通讯录中{unit}的邮箱（{addresses}），请核实",
)

# The address book (reporter.contacts).
CONTACTS_MISSING = _register(
    "contacts.missing", WARNING, "没有通讯录", "没有通讯录 {file}，可用 reporter contacts --template 生成"
)
CONTACTS_UNREADABLE = _register("contacts.unreadable", ERROR, "无法读取通讯录", "{message}")
CONTACTS_EMPTY = _register("contacts.empty", WARNING, "通讯录为空", "通讯录是空的")
CONTACTS_NO_HEADER = _register("contacts.no-header", ERROR, "通讯录缺少表头", "通讯录缺少“单位”“电子邮箱”列")
CONTACTS_BAD_ADDRESS = _register(
    "contacts.bad-address", WARNING, "电子邮箱地址无效", "“{address}”不是有效的电子邮箱地址（{unit}）"
)

# Notices (reporter.notices, reporter.operations).
NOTICE_UNREADABLE = _register("notice.unreadable", ERROR, "无法读取通知", "{message}")
NOTICE_UNPLACED_TEXT = _register("notice.unplaced-text", WARNING, "文字未归入任务", "未能归入任何任务的文字：“{text}”")
NOTICE_NO_TASKS = _register("notice.no-tasks", WARNING, "没有找到任务", "没有找到任何编号任务或民生实事项目")
TASK_NUMBER_GAP = _register(
    "task.number-gap", WARNING, "任务编号不连续", "任务编号从{last}跳到{number}，请核对原文是否缺少任务"
)
TASK_NUMBER_UNREAD = _register(
    "task.number-unread",
    WARNING,
    "任务编号无法识别",
    "此行没有可识别的编号，但带有自己的牵头单位，按顺序作为第{number}项任务，请核对原文：“{text}”",
)
TASK_TABLE_IN_FIELD = _register(
    "task.table-in-field",
    WARNING,
    "单位栏后接有表格文字",
    "“{label}”一栏后接着一段表格文字，未作为单位读入，请核对原文：“{text}”",
)
TABLE_CELL_MISSING = _register(
    "table.cell-missing",
    INFO,
    "表格行缺少单元格",
    "表格这一行没有“{column}”单元格（网页、PDF转出的表格会略去空单元格），其余单元格已按内容归入各栏，请核对",
)
TASK_DUPLICATE_NUMBER = _register("task.duplicate-number", WARNING, "任务编号重复", "任务编号{number}重复出现")
TASK_UNPLACED_TEXT = _register(
    "task.unplaced-text", WARNING, "项目名称后有未识别的文字", "项目名称后有未能识别的文字：“{text}”"
)
TASK_EMPTY_TEXT = _register("task.empty-text", WARNING, "任务内容为空", "任务内容为空")
TASK_NO_LEADER = _register("task.no-leader", WARNING, "未找到牵头领导", "未找到牵头领导（或联系领导）")
TASK_NO_LEAD_UNIT = _register("task.no-lead-unit", WARNING, "未确定牵头单位", "{message}")
UNIT_NEAR_DUPLICATE = _register(
    "unit.near-duplicate",
    WARNING,
    "单位名称相近",
    "单位名称“{first}”（{first_task}）与“{second}”（{second_task}）相近（{reason}）。"
    "如为同一单位，请在 reporter.toml 的 [aliases] 中登记",
)
UNIT_PREFIX_ADDED = _register("unit.prefix-added", INFO, "单位名称已补全前缀", "单位“{old}”按本通知中的“{new}”处理")
TASK_LEADER_FROM_HEADING = _register(
    "task.leader-from-heading",
    INFO,
    "牵头领导取自板块标题",
    "本板块{count}项任务没有写牵头领导，按板块标题“{heading}”取“{leader}”，请核对",
)
UNIT_REJOINED = _register(
    "unit.rejoined", INFO, "跨行的单位名称已接好", "单位“{old}”在换行处重复了一个字，按本通知中的“{new}”处理"
)

# District breakdown tables of tasks (reporter.notices.breakdown).
BREAKDOWN_UNKNOWN_COLUMN = _register(
    "breakdown.unknown-column",
    WARNING,
    "任务分解表头未配置",
    "任务分解表头“{column}”不是已配置的区县（市）或单位，已按列名处理，请在 reporter.toml 中配置",
)
BREAKDOWN_UNKNOWN_COLUMNS = _register(
    "breakdown.unknown-columns",
    WARNING,
    "任务分解表头均未配置",
    "任务分解表头“{columns}”均未配置，已按数值个数对齐，请核对",
)
BREAKDOWN_UNPARSED = _register(
    "breakdown.unparsed", WARNING, "任务分解未能读取", "任务分解中“{text}”后没有数值，未能读取"
)
BREAKDOWN_COLUMN_MISMATCH = _register(
    "breakdown.column-mismatch",
    WARNING,
    "任务分解数值与表头列数不符",
    "任务分解“{label}”有{count}个数值，但表头只有{column_count}列（{columns}），数值未对应到区县（市），请核对原文",
)
BREAKDOWN_SUM_MISMATCH = _register(
    "breakdown.sum-mismatch",
    WARNING,
    "任务分解合计与目标不一致",
    "任务分解“{label}”各列合计{total}{unit}，与目标任务“{target}”（{target_value}{target_unit}）不一致",
)

# The office's edits read back from the ledger (reporter.ledger.readback). Not applied; the cell stays as typed.
LEDGER_UNREADABLE = _register(
    "ledger.unreadable", ERROR, "台账无法读取", "无法读取台账中的修改（{reason}），本次未采用台账中的任何修改"
)
LEDGER_NO_ID_COLUMN = _register(
    "ledger.no-id-column",
    ERROR,
    "台账缺少编号列",
    "找不到“{column}”列（可能被删除或改名），本表的修改未采用。请从 output/备份/ 中找回该列，或恢复表头",
)
LEDGER_DUPLICATE_ID = _register(
    "ledger.duplicate-id",
    ERROR,
    "台账编号重复",
    "编号“{task}”在本表出现了不止一次（另见第{other}行），这一行的修改未采用",
)
LEDGER_UNKNOWN_ID = _register(
    "ledger.unknown-id",
    ERROR,
    "台账编号无效",
    "编号“{task}”{reason}。新增任务请把编号留空（将自动编号），这一行未采用",
)
LEDGER_EMPTY_TEXT = _register("ledger.empty-text", ERROR, "任务内容为空", "“{column}”不能为空，修改未采用")
LEDGER_UNKNOWN_UNIT = _register(
    "ledger.unknown-unit",
    ERROR,
    "单位不在名单中",
    "“{unit}”不是台账“责任单位”表中的单位，修改未采用。如是新单位，请先在通讯录中登记；如是笔误，请改为规范名称",
)
LEDGER_BAD_DATE = _register(
    "ledger.bad-date",
    ERROR,
    "完成时限无法识别",
    "完成时限“{value}”无法识别为日期（可写 2024-12-31 或“12月底前”），修改未采用",
)
LEDGER_BAD_STATE = _register(
    "ledger.bad-state", ERROR, "督办状态无效", "督办状态“{value}”无效，应为：{choices}；修改未采用"
)
LEDGER_STOP_WITHOUT_REASON = _register(
    "ledger.stop-without-reason",
    ERROR,
    "停止督办未写原因",
    "标为“{state}”须在“状态说明”中写明原因（如 领导批示、人事调整），修改未采用",
)
LEDGER_BAD_VALUE = _register("ledger.bad-value", ERROR, "进度更正无效", "{message}，这一行的进度更正未采用")
LEDGER_NO_PERIOD = _register(
    "ledger.no-period", ERROR, "台账未显示报送期", "上次生成的台账没有报送期，进度更正无法归入某一期，未采用"
)
LEDGER_NOT_ACTIVE = _register(
    "ledger.not-active",
    ERROR,
    "任务不在本期督办",
    "这项任务不在{period}督办范围内（未到期、已过期、已销号或停止督办），进度更正未采用",
)
LEDGER_BAD_ADDRESS = _register(
    "ledger.bad-address",
    ERROR,
    "电子邮箱无效",
    "{unit}的电子邮箱“{address}”不是有效的地址，修改未采用（多个地址用分号隔开）",
)
LEDGER_BAD_KIND = _register(
    "ledger.bad-kind", ERROR, "单位类型无效", "{unit}的类型“{value}”无效，应为：{choices}；修改未采用"
)
LEDGER_BAD_RESOLUTION = _register(
    "ledger.bad-resolution", ERROR, "处理方式无效", "“处理”栏的“{value}”无效，应为：{choices}；未处理"
)

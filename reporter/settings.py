"""The workspace: a folder with ``reporter.toml``, ``input/``, ``output/`` and the store in ``.reporter/``."""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from reporter.errors import ConfigError, UnknownKeyError, WorkspaceError
from reporter.mail.settings import MailSettings, settings_from_config
from reporter.notices.lexicon import WORD_LISTS, Lexicon, LexiconError, default_lexicon
from reporter.notices.units import DISTRICT_KIND, ZONE_KIND, District, UnitDirectory
from reporter.periods import PERIOD_KINDS, LightRules, Period, parse_period

CONFIG_NAME = "reporter.toml"
CONTACTS_FILE = "通讯录.xlsx"
STORE_DIR = ".reporter"
STORE_NAME = "store.sqlite3"


@dataclass(frozen=True)
class WordFonts:
    """The fonts an office PC has, with fallbacks configurable in reporter.toml ([report])."""

    title: str = "方正小标宋简体"
    body: str = "仿宋_GB2312"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    page_number: str = "宋体"
    table: str = "仿宋_GB2312"


DEFAULT_REQUIREMENTS = (
    "压实工作责任。各牵头单位要对照目标任务和时间节点，倒排工期、挂图作战，确保各项任务按序时推进。",
    "加快滞后事项。对进度滞后的事项，牵头单位要深入分析原因，制定赶超措施，限期追上序时进度，{office}将跟踪督查。",
    "规范报送工作。各单位要按时、如实报送进展情况，报送数据与实际不符的要及时更正，未按时报送的要说明原因。",
)


@dataclass(frozen=True)
class BriefSettings:
    """How the monthly 通报 is headed and signed ([report] in reporter.toml)."""

    head: str = "督查通报"  # the 简报 name printed in red at the top
    head_style: str = "简报"  # 简报: red head with 期号 and rule; 公文: no head (printed on the office's letterhead)
    first_issue: int = 1  # 期号 of the first period with returns
    recipients: str = "各区县（市）人民政府，市直各有关单位"  # 主送
    copy_to: str = ""  # 抄送 in the 版记, empty for none
    requirements: tuple[str, ...] = DEFAULT_REQUIREMENTS  # 下一步工作要求, one paragraph each ({office} allowed)


HEAD_STYLES = ("简报", "公文")


@dataclass
class Workspace:
    """A loaded workspace: where things are and what ``reporter.toml`` says."""

    root: Path
    name: str = ""
    office: str = ""
    ledger_name: str = "台账.xlsx"
    font: str = "宋体"
    title_font: str = "黑体"
    districts: list[District] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    notice_codes: dict[str, str] = field(default_factory=dict)
    lexicon: Lexicon = field(default_factory=default_lexicon)  # the package's words and the workspace's [lexicon]
    contact: str = ""
    period_kind: str = "monthly"
    current_period: str = ""
    due_day: int = 25
    light_rules: LightRules = field(default_factory=LightRules)
    word_fonts: WordFonts = field(default_factory=WordFonts)
    briefs: BriefSettings = field(default_factory=BriefSettings)
    jobs: int | None = None  # worker processes for forms and reports (--jobs); None: one per core
    mail: MailSettings = field(default_factory=MailSettings)

    @property
    def notices_dir(self) -> Path:
        return self.root / "input" / "notices"

    @property
    def returns_dir(self) -> Path:
        return self.root / "input" / "returns"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def ledger_path(self) -> Path:
        return self.output_dir / self.ledger_name

    @property
    def forms_dir(self) -> Path:
        return self.output_dir / "forms"

    @property
    def contacts_path(self) -> Path:
        return self.root / "input" / CONTACTS_FILE

    @property
    def outbox_dir(self) -> Path:
        return self.output_dir / "outbox"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def archive_dir(self) -> Path:
        """Where accepted returned forms are kept, by content hash (never deleted)."""
        return self.root / STORE_DIR / "archive"

    @property
    def store_path(self) -> Path:
        return self.root / STORE_DIR / STORE_NAME

    def directory(self) -> UnitDirectory:
        return UnitDirectory(districts=list(self.districts), aliases=dict(self.aliases), lexicon=self.lexicon)

    def period(self, key: str) -> Period:
        """A period of this workspace; quarterly keys are refused in a monthly workspace and vice versa."""
        period = parse_period(key)
        if period.kind != self.period_kind:
            expected = "按月（如 2021-06）" if self.period_kind == "monthly" else "按季度（如 2021-Q2）"
            raise ConfigError(f"本工作区{expected}报送，报送期“{key}”不符（见 reporter.toml 的 [periods] kind）")
        return period

    def notice_code(self, path: Path) -> str | None:
        """The task-id prefix configured for a notice file, if any (default: the notice's year)."""
        return self.notice_codes.get(path.name)


def find_workspace(start: Path | None = None) -> Path | None:
    """The nearest folder, from ``start`` upwards, holding a ``reporter.toml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def load_workspace(root: Path | None = None) -> Workspace:
    """Load the workspace at ``root`` (or the one around the current folder)."""
    if root is None:
        found = find_workspace()
        if found is None:
            raise WorkspaceError(
                f"当前文件夹不是 reporter 工作区（未找到 {CONFIG_NAME}）。请进入工作区文件夹，"
                "或用 --workspace 指定，或用 reporter init 新建"
            )
        root = found
    config_path = root / CONFIG_NAME
    if not config_path.is_file():
        raise WorkspaceError(f"{root} 不是 reporter 工作区：缺少 {CONFIG_NAME}（可用 reporter init 新建）")
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8-sig"))  # Notepad saves UTF-8 with a BOM
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{config_path} 不是 UTF-8 编码，请用记事本“另存为 UTF-8”后重试") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path} 格式错误：{exc}") from exc
    return workspace_from_config(root, data, config_path)


def workspace_from_config(root: Path, data: dict, config_path: Path | None = None) -> Workspace:
    """Build a ``Workspace`` from parsed TOML, checking every value (and refusing keys it does not know)."""
    where = config_path or root / CONFIG_NAME
    _check_keys(data, where)
    section = _table(data, "workspace", where)
    ledger = _table(data, "ledger", where)
    workspace = Workspace(
        root=root,
        name=_str(section, "name", where, ""),
        office=_str(section, "office", where, ""),
        ledger_name=_str(ledger, "file", where, "台账.xlsx"),
        font=_str(ledger, "font", where, "宋体"),
        title_font=_str(ledger, "title_font", where, "黑体"),
    )
    if not workspace.ledger_name.endswith(".xlsx") or "/" in workspace.ledger_name or "\\" in workspace.ledger_name:
        raise ConfigError(f"{where}：[ledger] file 应为不含路径的 .xlsx 文件名，当前为“{workspace.ledger_name}”")
    districts = data.get("districts", [])
    if not isinstance(districts, list):
        raise ConfigError(f"{where}：districts 应写成 [[districts]] 表数组")
    for i, item in enumerate(districts, start=1):
        if not isinstance(item, dict) or not item.get("name"):
            raise ConfigError(f"{where}：第{i}个 [[districts]] 缺少 name")
        kind = item.get("kind", DISTRICT_KIND)
        if kind not in (DISTRICT_KIND, ZONE_KIND):
            raise ConfigError(f"{where}：区县“{item['name']}”的 kind 应为“{DISTRICT_KIND}”或“{ZONE_KIND}”")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"{where}：区县“{item['name']}”的 aliases 应为字符串列表")
        workspace.districts.append(
            District(
                name=str(item["name"]),
                short=str(item.get("short", item["name"])),
                kind=kind,
                government=str(item.get("government", "")),
                aliases=tuple(aliases),
            )
        )
    aliases = _table(data, "aliases", where)
    if not all(isinstance(v, str) for v in aliases.values()):
        raise ConfigError(f'{where}：[aliases] 中每项应为 "别名" = "规范名称"')
    workspace.aliases = dict(aliases)
    periods = _table(data, "periods", where)
    workspace.contact = _str(section, "contact", where, "")
    workspace.period_kind = _str(periods, "kind", where, "monthly")
    if workspace.period_kind not in PERIOD_KINDS:
        raise ConfigError(f'{where}：[periods] kind 应为 "monthly"（按月）或 "quarterly"（按季度）')
    workspace.current_period = _str(periods, "current", where, "")
    if workspace.current_period:
        try:
            workspace.period(workspace.current_period)
        except ConfigError as exc:
            raise ConfigError(f"{where}：[periods] current：{exc}") from exc
    workspace.due_day = _int(periods, "due_day", where, 25, 1, 31)
    progress = _table(data, "progress", where)
    workspace.light_rules = LightRules(
        yellow_gap=float(_int(progress, "yellow_gap", where, 10, 0, 100)),
        not_started_red_after_month=_int(progress, "not_started_red_after_month", where, 3, 0, 12),
        due_soon_days=_int(progress, "due_soon_days", where, 15, 0, 366),
    )
    report = _table(data, "report", where)
    defaults = WordFonts()
    workspace.word_fonts = WordFonts(
        **{key: _str(report, f"{key}_font", where, getattr(defaults, key)) for key in defaults.__dataclass_fields__}
    )
    workspace.briefs = _briefs(report, where)
    workspace.mail = settings_from_config(_table(data, "mail", where), where)
    try:
        workspace.lexicon = default_lexicon().extended(_table(data, "lexicon", where), f"{where}：[lexicon]")
    except LexiconError as exc:
        raise ConfigError(str(exc)) from exc
    codes = _table(data, "notices", where)
    workspace.notice_codes = {str(k): str(v.get("code", "")) for k, v in codes.items() if isinstance(v, dict)}
    return workspace


# The keys each table of reporter.toml knows; [aliases] and the tables' names in [notices] are the office's own.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "workspace": ("name", "office", "contact"),
    "ledger": ("file", "font", "title_font"),
    "districts": ("name", "short", "kind", "government", "aliases"),
    "periods": ("kind", "current", "due_day"),
    "progress": ("yellow_gap", "not_started_red_after_month", "due_soon_days"),
    "report": (
        *(f"{f.name}_font" for f in fields(WordFonts)),
        *(f.name for f in fields(BriefSettings)),
    ),
    "mail": tuple(f.name for f in fields(MailSettings)),
    "lexicon": ("labels", *WORD_LISTS),
    "notices": ("code",),  # in each [notices."文件名"]
}
TOP_LEVEL = (*TABLE_KEYS, "aliases")
# Keys refused with a message of their own (a password in [mail]) rather than as unknown.
_REFUSED_ELSEWHERE = {"mail": ("password", "smtp_password", "imap_password")}


def _check_keys(data: dict, where: Path) -> None:
    """Refuse the first key no table knows, naming the file, the table, the key and the closest known key."""
    _refuse_unknown(data, TOP_LEVEL, where, "")
    for name, known in TABLE_KEYS.items():
        value = data.get(name)
        if name == "districts":
            items = value if isinstance(value, list) else []
            for i, item in enumerate(items, start=1):
                if isinstance(item, dict):
                    _refuse_unknown(item, known, where, f"第{i}个 [[districts]]")
        elif name == "notices":
            for file, table in (value if isinstance(value, dict) else {}).items():
                if isinstance(table, dict):
                    _refuse_unknown(table, known, where, f'[notices."{file}"]')
        elif isinstance(value, dict):
            _refuse_unknown(value, known, where, f"[{name}]", skip=_REFUSED_ELSEWHERE.get(name, ()))


def _refuse_unknown(table: dict, known: tuple[str, ...], where: Path, label: str, skip: tuple[str, ...] = ()) -> None:
    """``label`` names the table as the office sees it (``[mail]``, ``第2个 [[districts]]``); ``""``: the top level.

    ``skip``: keys refused later with a message of their own.
    """
    for key in table:
        if key in known or key in skip:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        suggestion = close[0] if close else ""
        if not label:  # the top level holds tables: show them as [name]
            shown, hint = (f"[{key}]", f"[{suggestion}]") if isinstance(table[key], dict) else (key, suggestion)
            place = (
                f"{where} 中没有 {shown} 这一节"
                if isinstance(table[key], dict)
                else f"{where} 的顶层没有 {shown} 这一项"
            )
            choices = "、".join(f"[{k}]" for k in known)
        else:
            hint = suggestion
            space = "" if label.startswith("第") else " "  # 的第2个 [[districts]], 的 [mail]
            place = f"{where} 的{space}{label} 中没有 {key} 这一项"
            choices = "、".join(known)
        message = f"{place}，是否应为 {hint}？" if suggestion else f"{place}（可用的项：{choices}）"
        raise UnknownKeyError(message, table=label, key=key, suggestion=suggestion)


def _briefs(report: dict, where: Path) -> BriefSettings:
    defaults = BriefSettings()
    head_style = _str(report, "head_style", where, defaults.head_style)
    if head_style not in HEAD_STYLES:
        raise ConfigError(f"{where}：[report] head_style 应为“简报”或“公文”，当前为“{head_style}”")
    requirements = report.get("requirements", list(defaults.requirements))
    if not isinstance(requirements, list) or not all(isinstance(r, str) and r.strip() for r in requirements):
        raise ConfigError(f"{where}：[report] requirements 应为文字列表，每条一段")
    return BriefSettings(
        head=_str(report, "head", where, defaults.head),
        head_style=head_style,
        first_issue=_int(report, "first_issue", where, defaults.first_issue, 1, 9999),
        recipients=_str(report, "recipients", where, defaults.recipients),
        copy_to=_str(report, "copy_to", where, defaults.copy_to),
        requirements=tuple(r.strip() for r in requirements),
    )


def _table(data: dict, key: str, where: Path) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}：[{key}] 应为表（section）")
    return value


def _int(table: dict, key: str, where: Path, default: int, low: int, high: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{where}：{key} 应为{low}到{high}之间的整数")
    return value


def _str(table: dict, key: str, where: Path, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}：{key} 应为文本（用引号括起）")
    return value


CONFIG_TEMPLATE = """\
# reporter 工作区配置文件（UTF-8 编码，TOML 格式；以 # 开头的行是注释）
# A reporter workspace: notices go in input/notices/, returned forms in input/returns/,
# everything generated goes to output/.

[workspace]
# 工作区名称，出现在台账标题中
name = "{name}"
# 督查室（联系处室）名称
office = "{office}"
# 联系人及电话，印在填报表的填报说明中
contact = ""

[periods]
# 报送周期："monthly"（按月，报送期写作 2021-06）或 "quarterly"（按季度，写作 2021-Q2）
kind = "monthly"
# 当前报送期（命令未指定 --period 时使用；留空则取最近一次 reporter forms 的报送期，再无则取今天所在的报送期）
current = ""
# 默认截止日：报送期最后一个月的几号（填报表上可用 --due 另定）
due_day = 25

[progress]
# 亮灯规则：完成进度落后序时进度不超过 yellow_gap 个百分点为黄灯，超过为红灯；
# 第 not_started_red_after_month 月之后仍“未启动”的直接红灯
yellow_gap = 10
not_started_red_after_month = 3
# 蓝灯（即将到期）：达到序时进度但尚未完成、完成时限在本期结束后 due_soon_days 天内的任务；0 为不亮蓝灯
due_soon_days = 15

[ledger]
# 台账文件名（生成在 output/ 下）
file = "台账.xlsx"
# 台账正文字体与标题字体（办公电脑常见字体）
font = "宋体"
title_font = "黑体"

[report]
# Word 报告字体（GB/T 9704-2012）：标题 方正小标宋简体，正文 仿宋_GB2312，一级标题 黑体，二级标题 楷体_GB2312，
# 页码 宋体。电脑上没有这些字体时可改为已安装的字体，如 "仿宋"、"楷体"、"宋体"
title_font = "方正小标宋简体"
body_font = "仿宋_GB2312"
heading1_font = "黑体"
heading2_font = "楷体_GB2312"
page_number_font = "宋体"
table_font = "仿宋_GB2312"

# 各区县（市）与开发园区。一般无需在此填写：运行后在台账“责任单位”表的“类型”栏确认从通知中识别出的区县和
# 开发园区即可。如需在此配置：通知中的“各区县（市）政府”“开发园区管委会”会展开为这里配置的单位，
# 任务分解表的列名（如“海曙”“高新”）也按这里识别。kind 为“区县”或“开发园区”。
# [[districts]]
# name = "海曙区"          # 全称
# short = "海曙"           # 分解表中的简称
# kind = "区县"
# government 为空时，区县默认为“全称+政府”，开发园区默认为“全称+管委会”
# government = "海曙区政府"
# aliases = ["海曙区人民政府"]
{districts}
# 单位别名：通知中写法不一的同一单位，统一为右边的规范名称。
# 解析时提示的“单位名称相近”警告，确认是同一单位后在此登记。
[aliases]
# "市邮政局" = "市邮政管理局"
{aliases}
[mail]
# 发件人（督查室邮箱）；每封邮件都抄送 cc 中的地址
sender = ""
cc = []
# 发件服务器。smtp_host 留空时不实际发送，只把邮件存为 output/outbox/<报送期>/ 下的 .eml 文件
smtp_host = ""
smtp_port = 465
smtp_security = "ssl"     # "ssl"、"starttls" 或 "none"
smtp_user = ""            # 密码不要写在这里：用环境变量 REPORTER_SMTP_PASSWORD 或系统钥匙串
pause_seconds = 1.0       # 每封邮件之间的间隔（秒），避免触发邮件服务器限流
retries = 3
# 收件服务器（reporter fetch 从这里取各单位报回的附件）
imap_host = ""
imap_port = 993
imap_security = "ssl"
imap_user = ""            # 密码：环境变量 REPORTER_IMAP_PASSWORD 或系统钥匙串
imap_folder = "INBOX"
# 发件邮箱的“已发送”文件夹（邮件服务器把经它发出的邮件存在这里，如 "Sent" 或 "已发送"）。发送中途断线、
# 不能确定某封邮件是否已发出时，reporter 到这里按邮件编号（Message-ID）核实，已发出的不再重发；留空则不核实，
# 由督查室向单位核实后用 --resend 决定是否重发
imap_sent_folder = ""

# 通知用语（可选）：本地通知中出现、而 reporter 尚不认识的字段名或用语，在此补充即可，无需等待新版本。
# labels 写“原文字段名 = 对应字段”，对应字段为 牵头领导、联系领导、牵头单位、责任单位、配合单位、责任人、
# 目标任务、完成时限、进展情况 之一；collectives 为集合主体用语，notes 为单位名单后的说明用语，
# leader_titles、leader_verbs 为“一、某某区长牵头重点工作”式板块标题中的职务和动词；
# task_verbs、department_stems 用于拆分丢失了全部分隔的表格文字（任务内容的开头动词、部门名称的词根）。
[lexicon]
# labels = {{ "督办领导" = "牵头领导", "协办部门" = "配合单位" }}
# collectives = ["各功能区"]
# notes = ["排序第一"]

# 某份通知的任务编号前缀（默认取通知年份，如 2021-G2-014）。同一年有两份通知时在此区分。
# [notices."某县2021年通知.docx"]
# code = "2021B"
"""

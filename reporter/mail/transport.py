"""Sending each unit its form and reminders (SMTP), and taking returns from a mailbox (IMAP) or .eml files.

Passwords come from the environment (``REPORTER_SMTP_PASSWORD``, ``REPORTER_IMAP_PASSWORD``) or the system
keyring (service ``reporter-smtp`` / ``reporter-imap``), never from reporter.toml, and are never printed.
"""

from __future__ import annotations

import base64
import hashlib
import imaplib
import os
import re
import smtplib
import ssl
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reporter.errors import MailError, template_refusal
from reporter.io.files import write_bytes_atomic
from reporter.io.workbooks import WORKBOOK_SUFFIXES
from reporter.mail.settings import MailSettings
from reporter.model import MessageHeaders

FORM_TEMPLATE = "邮件-下发填报表.txt"
REMINDER_TEMPLATE = "邮件-催报.txt"
# Long lines unfolded (up to RFC 5322's 998): the default folding garbles a long content type with encoded params.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
MAX_NAME = 100
MAX_NAME_BYTES = 200
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}

DEFAULT_TEMPLATES = {
    FORM_TEMPLATE: """\
主题：请于{{ due_label }}前报送{{ period_label }}政府工作报告目标任务推进情况（{{ unit }}）

{{ person or unit }}：

    现将{{ unit }}{{ period_label }}政府工作报告目标任务推进情况填报表发给你们（见附件），其中牵头任务{{ lead }}项、配合任务{{ cooperating }}项{% if indicators %}、民生实事指标{{ indicators }}项{% endif %}。
    请于{{ due_label }}前在附件中填写后，直接回复本邮件报送。附件文件名可以修改，请勿改动表格结构和任务编号。

    联系人：{{ office_contact }}

{{ office }}
{{ date }}
""",
    REMINDER_TEMPLATE: """\
主题：【催报】请尽快报送{{ period_label }}目标任务推进情况（{{ unit }}）

{{ person or unit }}：

    截至{{ date }}，尚未收到{{ unit }}{{ period_label }}目标任务推进情况（截止日期{{ due_label }}）。请尽快填写附件中的填报表，直接回复本邮件报送。如已报送，请忽略本邮件。

    联系人：{{ office_contact }}

{{ office }}
{{ date }}
""",
}


def secret(kind: str, user: str) -> str:
    """The password for ``smtp`` or ``imap``: environment first, then the system keyring if installed."""
    value = os.environ.get(f"REPORTER_{kind.upper()}_PASSWORD", "")
    if value or not user:
        return value
    try:
        import keyring  # optional

        return keyring.get_password(f"reporter-{kind}", user) or ""
    except Exception:  # no keyring package or no backend: the environment is the way
        return ""


def user_for(kind: str, configured: str) -> str:
    return os.environ.get(f"REPORTER_{kind.upper()}_USER", "") or configured


# -- templates ------------------------------------------------------------------------------------------


def template_text(folder: Path, name: str) -> tuple[str, bool]:
    """A mail template from ``templates/``; the default is written there first when missing."""
    path = folder / name
    if path.exists():
        return path.read_text(encoding="utf-8-sig"), False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEFAULT_TEMPLATES[name], encoding="utf-8")
    return DEFAULT_TEMPLATES[name], True


# Control characters a plain-text mail cannot carry (tab and line ends stay): dropped from every printed value.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029]")


def mail_text(value: object) -> str:
    """A value printed by a mail template (Jinja ``finalize``): text without control characters, line ends as
    ``\\n``, so that a value can never add a header line (the subject is the first line, and the message refuses
    a line end in a header)."""
    text = str(value)
    if text.isprintable():  # most values
        return text
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def mail_environment() -> jinja2.Environment:
    """Mail templates are plain text: no autoescape, but sandboxed (an edited template reaches the variables and
    Jinja's filters, nothing of Python)."""
    return ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, finalize=mail_text
    )


def render_mail(name: str, text: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject (first line ``主题：…``) and body; unknown variables are named in the error."""
    environment = mail_environment()
    try:
        missing = sorted(meta.find_undeclared_variables(environment.parse(text)) - set(context))
        if missing:
            raise MailError(
                f"邮件模板 {name} 使用了没有的变量：{'、'.join(missing)}。可用的变量：{'、'.join(sorted(context))}"
            )
        rendered = environment.from_string(text).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise MailError(f"邮件模板 {name} 有语法错误（第{exc.lineno}行）：{exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise MailError(f"邮件模板 {name} 中的变量有误：{exc.message}") from exc
    except (SecurityError, OverflowError) as exc:  # the sandbox's refusals (OverflowError: a huge range)
        raise MailError("邮件" + template_refusal(name, exc, offers="邮件", outcome="未生成邮件")) from exc
    first, _, rest = rendered.lstrip("\ufeff").partition("\n")
    if not first.startswith(("主题：", "主题:")):
        raise MailError(f"邮件模板 {name} 的第一行应为“主题：……”")
    return first.split("：", 1)[-1].split(":", 1)[-1].strip(), rest.strip("\n") + "\n"


# -- messages ---------------------------------------------------------------------------------------------


def build_message(
    sender: str,
    to: list[str],
    cc: list[str],
    subject: str,
    body: str,
    attachment: Path | None,
    attachment_name: str = "",
    message_id: str = "",
) -> EmailMessage:
    """A UTF-8 message; a Chinese attachment name is RFC 2231-encoded both as ``filename`` and as ``name``.

    ``message_id``: the Message-ID to set (one recorded before sending); a fresh one when empty.
    """
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "reporter.local"
    message["Message-ID"] = message_id or make_msgid(domain=domain)
    message.set_content(body, cte="base64")
    if attachment is not None:
        name = attachment_name or attachment.name
        message.add_attachment(attachment.read_bytes(), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=name)
        list(message.iter_attachments())[-1].set_param("name", name, header="Content-Type")
    return message


def write_eml(message: EmailMessage, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe_name(name, '.eml')}"
    write_bytes_atomic(path, bytes(message))
    return path


# -- SMTP -------------------------------------------------------------------------------------------------


def _reply_text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def message_id_for(sender: str, token: str, unit: str, period: str, kind: str, attempt: int) -> str:
    """The Message-ID of one attempt at one unit's message: the same whenever that attempt is built again."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "reporter.local"
    digest = hashlib.sha256(f"{token}\0{unit}".encode()).hexdigest()[:20]
    return f"<reporter.{period}.{kind}.{attempt}.{digest}@{domain}>"


class PermanentFailure(Exception):
    """The server refused for good (5xx): do not retry."""


class UncertainDelivery(Exception):
    """The connection was lost after the message was handed over, before the server answered: it may have been sent."""


class _DataTracking(smtplib.SMTP):
    """An SMTP connection that notes when the message itself starts to go out (the DATA command)."""

    data_started = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.data_started = True
        return super().data(msg)


class _DataTrackingSSL(_DataTracking, smtplib.SMTP_SSL):
    """The same over SSL."""


class SmtpSender:
    """One SMTP connection, reopened as needed; transient failures retried with back-off."""

    def __init__(self, settings: MailSettings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.sleep = sleep
        self.connection: _DataTracking | None = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.smtp_cafile or None)

    def _connect(self) -> _DataTracking:
        settings = self.settings
        try:
            if settings.smtp_security == "ssl":
                connection: _DataTracking = _DataTrackingSSL(
                    settings.smtp_host, settings.smtp_port, context=self._context(), timeout=30
                )
            else:
                connection = _DataTracking(settings.smtp_host, settings.smtp_port, timeout=30)
                if settings.smtp_security == "starttls":
                    connection.starttls(context=self._context())
            user = user_for("smtp", settings.smtp_user)
            if user:
                connection.login(user, secret("smtp", user))
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"邮件服务器 {settings.smtp_host} 拒绝登录（账号或密码错误）：{exc.smtp_code}") from exc
        return connection

    def send(self, message: EmailMessage, recipients: list[str]) -> dict[str, str]:
        """Send; return refused recipients (address → reason). Raises ``PermanentFailure`` when nobody got it.

        A failure before the message itself went out is retried; a connection lost after it went out and before the
        server answered raises ``UncertainDelivery`` (never retried: the server may have accepted it).
        """
        delay = 1.0
        for attempt in range(self.settings.retries + 1):
            try:
                if self.connection is None:
                    self.connection = self._connect()
                self.connection.data_started = False
                refused = self.connection.send_message(message, to_addrs=recipients)
                return {address: f"{code} {_reply_text(reply)}" for address, (code, reply) in refused.items()}
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                if all(code >= 500 for code in codes):
                    reasons = "；".join(
                        f"{a}：{c} {r.decode(errors='replace')}" for a, (c, r) in exc.recipients.items()
                    )
                    raise PermanentFailure(f"收件人全部被拒绝（{reasons}）") from exc
                error: Exception = exc
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code >= 500:
                    raise PermanentFailure(f"服务器拒绝：{exc.smtp_code} {_reply_text(exc.smtp_error)}") from exc
                error = exc
            except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
                if self.connection is not None and self.connection.data_started:
                    self.close()
                    raise UncertainDelivery(f"{type(exc).__name__} {exc}".strip()) from exc
                error = exc
            except Exception as exc:  # anything else: not sent unless the message had started to go out
                if self.connection is not None and self.connection.data_started:
                    self.close()
                    raise UncertainDelivery(f"{type(exc).__name__} {exc}".strip()) from exc
                raise
            self.close()
            if attempt < self.settings.retries:
                self.sleep(delay)
                delay *= 2
        raise ConnectionError(f"多次重试后仍未发出：{type(error).__name__} {error}")

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.connection = None


# -- IMAP and .eml --------------------------------------------------------------------------------------------


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
FETCHED_FLAG = "$ReporterFetched"


def safe_name(name: str, default_suffix: str = ".xlsx") -> str:
    """A file name that cannot leave its folder or upset Windows: no path, no reserved characters, bounded."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, default_suffix.lstrip(".")
    suffix = re.sub(r"[^0-9A-Za-z]", "", suffix)[:10] or default_suffix.lstrip(".")
    stem = _UNSAFE.sub("_", stem).strip(" .") or "附件"
    if stem.upper() in _RESERVED:
        stem = f"_{stem}"
    stem = stem[: MAX_NAME - len(suffix) - 1]
    while len(f"{stem}.{suffix}".encode()) > MAX_NAME_BYTES:  # file systems count bytes (255), not characters
        stem = stem[:-1]
    return f"{stem}.{suffix}"


@dataclass
class FetchedFile:
    path: Path
    sha256: str
    sender: str
    message_id: str
    received_at: str


@dataclass
class FetchResult:
    messages: int = 0
    skipped_messages: int = 0
    files: list[FetchedFile] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def attachments_of(raw: bytes) -> tuple[MessageHeaders, list[tuple[str, bytes]]]:
    """Headers we keep and the workbook attachments (name, bytes) of one message."""
    message = message_from_bytes(raw, policy=policy.default)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    try:
        received = parsedate_to_datetime(str(message.get("Date"))).astimezone().replace(tzinfo=None)
        received_at = received.isoformat(timespec="seconds")
    except (TypeError, ValueError):
        received_at = ""
    headers = MessageHeaders(
        message_id=str(message.get("Message-ID", "")).strip() or f"<sha256-{hashlib.sha256(raw).hexdigest()}>",
        sender=sender,
        subject=str(message.get("Subject", "")),
        received_at=received_at,
    )
    found: list[tuple[str, bytes]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        if not name:
            continue
        payload = part.get_payload(decode=True)  # the decoded bytes of a non-multipart part, or None
        found.append((name, payload if isinstance(payload, bytes) else b""))
    return headers, found


def store_attachment(folder: Path, name: str, data: bytes, known_hashes: set[str]) -> tuple[Path | None, str]:
    """Save under a safe name, never overwriting; ``None`` when the same bytes are already there."""
    digest = hashlib.sha256(data).hexdigest()
    if digest in known_hashes:
        return None, digest
    folder.mkdir(parents=True, exist_ok=True)
    clean = safe_name(name)
    stem, suffix = clean.rsplit(".", 1)
    path, counter = folder / clean, 2
    while path.exists():
        path = folder / f"{stem}({counter}).{suffix}"
        counter += 1
    write_bytes_atomic(path, data)
    known_hashes.add(digest)
    return path, digest


def is_workbook_name(name: str) -> bool:
    return name.lower().endswith(WORKBOOK_SUFFIXES)


def imap_mailbox(name: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501) for 已发送, quoted when it holds a space."""
    out, pending = [], ""

    def flush() -> None:
        if pending:
            encoded = base64.b64encode(pending.encode("utf-16-be")).decode("ascii").rstrip("=").replace("/", ",")
            out.append(f"&{encoded}-")

    for char in name:
        if " " <= char <= "~":
            flush()
            pending = ""
            out.append("&-" if char == "&" else char)
        else:
            pending += char
    flush()
    encoded = "".join(out)
    if re.search(r'[\s"\\(){%*\]]', encoded):
        return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return encoded


class ImapSource:
    """New messages of an IMAP folder (over SSL), each marked once processed; or, read-only, any folder searched."""

    def __init__(self, settings: MailSettings, folder: str = "", *, readonly: bool = False) -> None:
        self.settings = settings
        folder = folder or settings.imap_folder
        user = user_for("imap", settings.imap_user)
        if not settings.imap_host or not user:
            raise MailError(
                "未配置收件服务器：请在 reporter.toml 的 [mail] 中设置 imap_host 和 imap_user，密码放在环境变量 REPORTER_IMAP_PASSWORD"
            )
        try:
            if settings.imap_security == "ssl":
                context = ssl.create_default_context(cafile=settings.imap_cafile or None)
                self.connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    settings.imap_host, settings.imap_port, ssl_context=context
                )
            else:
                self.connection = imaplib.IMAP4(settings.imap_host, settings.imap_port)
                if settings.imap_security == "starttls":
                    self.connection.starttls(ssl.create_default_context(cafile=settings.imap_cafile or None))
            self.connection.login(user, secret("imap", user))
            status, _ = self.connection.select(imap_mailbox(folder), readonly=readonly)
        except imaplib.IMAP4.error as exc:
            raise MailError(f"收件服务器 {settings.imap_host} 登录或打开“{folder}”失败：{exc}") from exc
        except OSError as exc:
            raise MailError(f"无法连接收件服务器 {settings.imap_host}:{settings.imap_port}：{exc}") from exc
        if status != "OK":
            raise MailError(f"收件服务器上没有文件夹“{folder}”")

    def messages(self, since: date) -> list[tuple[bytes, bytes]]:
        """(uid, raw message) of messages since a day that are not yet marked as fetched."""
        query = f'(SINCE "{since.strftime("%d-%b-%Y")}" UNKEYWORD {FETCHED_FLAG})'
        status, data = self.connection.uid("SEARCH", query)  # no charset argument
        if status != "OK":
            return []
        found = []
        for uid in data[0].split():
            status, parts = self.connection.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if status == "OK" and raw:
                found.append((uid, raw))
        return found

    def holds(self, message_id: str) -> bool:
        """Whether the folder holds a message with this Message-ID (one this program set: ASCII, no quotes)."""
        if not re.fullmatch(r"<[!-~]+>", message_id) or '"' in message_id or "\\" in message_id:
            return False
        try:
            status, data = self.connection.uid("SEARCH", f'HEADER Message-ID "{message_id}"')
        except (imaplib.IMAP4.error, OSError) as exc:
            raise MailError(f"在收件服务器 {self.settings.imap_host} 上查找邮件失败：{exc}") from exc
        return status == "OK" and bool(data and data[0] and data[0].split())

    def mark(self, uid: bytes) -> None:
        self.connection.uid("STORE", uid.decode("ascii"), "+FLAGS", f"({FETCHED_FLAG})")

    def close(self) -> None:
        try:
            self.connection.logout()
        except (imaplib.IMAP4.error, OSError):
            pass

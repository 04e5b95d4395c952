"""Sending each unit its form and reminders (SMTP), and taking returns from a mailbox (IMAP) or .eml files.

Passwords come from the environment (``REPORTER_SMTP_PASSWORD``, ``REPORTER_IMAP_PASSWORD``) or the system
keyring (service ``reporter-smtp`` / ``reporter-imap``), never from reporter.toml, and are never printed.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import smtplib
import ssl
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.charset import Charset
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr, parsedate_to_datetime
from email.utils import quote as quote_param
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from imapclient import IMAPClient
from imapclient.exceptions import CapabilityError, IMAPClientError, LoginError
from jinja2 import meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reporter import __version__
from reporter.contacts import bad_addresses
from reporter.errors import MailError, template_refusal
from reporter.io.files import write_bytes_atomic
from reporter.io.workbooks import WORKBOOK_SUFFIXES
from reporter.mail.settings import MailSettings
from reporter.model import MessageHeaders

FORM_TEMPLATE = "邮件-下发填报表.txt"
REMINDER_TEMPLATE = "邮件-催报.txt"
DUE_SOON_TEMPLATE = "邮件-截止提醒.txt"
# Headers set through the email package are folded by it: lines of at most 76, so that an encoded word on a folded
# line stays within RFC 2047's 75 (at 78 the package makes words of 76). Headers set as they are (``set_raw``: the
# attachment's, see ``name_attachment``) are never refolded: refolding garbles a long content type into encoded words.
MAIL_POLICY = policy.SMTP.clone(max_line_length=76, refold_source="none")
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
MAX_NAME = 100
IMAP_TIMEOUT = 60  # seconds: connecting, and waiting for each answer
MAX_FOLDERS_SHOWN = 12  # folders named in the message about an unknown folder
MAX_NAME_BYTES = 200
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}

# The end of both reminders: why a unit's file was sent back (when it was), the contact and the signature
_SENT_BACK_AND_SIGNATURE = """\
{%- if sent_back %}
    你单位此前报送的《{{ sent_back_file }}》已退回，原因：{{ sent_back }}。请按附件重新填写后报送。
{%- endif %}

    联系人：{{ office_contact }}

{{ office }}
{{ date }}
"""

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
"""
    + _SENT_BACK_AND_SIGNATURE,
    DUE_SOON_TEMPLATE: """\
主题：【提醒】{{ period_label }}目标任务推进情况请于{{ due_label }}前报送（{{ unit }}）

{{ person or unit }}：

    {{ unit }}{{ period_label }}目标任务推进情况的报送截止日期为{{ due_label }}，距今还有{{ days_left }}天，目前尚未收到。请按时填写附件中的填报表，直接回复本邮件报送。如已报送，请忽略本邮件。
"""
    + _SENT_BACK_AND_SIGNATURE,
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


def sender_address(settings: MailSettings, office: str) -> Address | None:
    """The From address: ``[mail] sender`` (``"市政府督查室 <dcs@example.gov.cn>"``, or a bare address, then named
    after the office); ``None`` when no sender is configured. Also checks ``[mail] cc``."""
    bad_cc = [address for address in settings.cc if bad_addresses(address) or not address.strip()]
    if bad_cc:
        raise MailError(f"reporter.toml 的 [mail] cc 中有无效的邮箱地址：{'、'.join(bad_cc)}")
    if not settings.sender.strip():
        return None
    addresses = getaddresses([settings.sender])
    if len(addresses) != 1 or not addresses[0][1] or bad_addresses(addresses[0][1]):
        raise MailError(
            f"reporter.toml 的 [mail] sender 不是有效的发件人：“{settings.sender}”。"
            '请写成 "市政府督查室 <dcs@example.gov.cn>" 或 "dcs@example.gov.cn"'
        )
    display_name, addr_spec = addresses[0]
    return Address(display_name=display_name or office, addr_spec=addr_spec)


def build_message(
    sender: Address | None,
    to: list[str],
    cc: list[str],
    subject: str,
    body: str,
    attachment: Path | None,
    attachment_name: str = "",
    message_id: str = "",
    *,
    draft: bool = False,
) -> EmailMessage:
    """A UTF-8 message whose headers every common client decodes; the attachment is named in both encodings
    (see ``name_attachment``).

    ``sender``: the From address, ``None`` for none (a draft to be sent from the mail client's own account).
    ``message_id``: the Message-ID to set (one recorded before sending); a fresh one when empty.
    ``draft``: marked ``X-Unsent: 1``, so that Outlook opens the saved .eml as a message ready to send.
    """
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject
    if sender is not None:
        message["From"] = sender
    message["To"] = [Address(addr_spec=address) for address in to]
    if cc:
        message["Cc"] = [Address(addr_spec=address) for address in cc]
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain=(sender.domain if sender else "") or "reporter.local")
    if draft:
        message["X-Unsent"] = "1"
    message.set_content(body, cte="base64")
    if attachment is not None:
        message.add_attachment(attachment.read_bytes(), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1])
        name_attachment(list(message.iter_attachments())[-1], attachment_name or attachment.name)
    return message


_UTF8 = Charset("utf-8")  # header_encode: RFC 2047 encoded words, base64
_WORD_LENGTH = 64  # characters per encoded word (RFC 2047: at most 75) and per RFC 2231 section: lines stay under 78


def _encoded_words(text: str) -> list[str]:
    """``text`` as RFC 2047 encoded words, each a whole number of characters."""
    words: list[str] = []
    chunk = ""
    for char in text:
        if chunk and len(_UTF8.header_encode(chunk + char)) > _WORD_LENGTH:
            words.append(_UTF8.header_encode(chunk))
            chunk = ""
        chunk += char
    return [*words, _UTF8.header_encode(chunk)]


def _rfc2231_sections(param: str, text: str) -> list[str]:
    """``param*=utf-8''…`` (RFC 2231), in numbered sections (``param*0*=…; param*1*=…``) when long, split between
    characters."""
    sections: list[str] = []
    chunk = "utf-8''"
    for char in text:
        encoded = quote(char, safe="", encoding="utf-8")  # what email.utils.encode_rfc2231 does, a character at a time
        if len(chunk) + len(encoded) > _WORD_LENGTH:
            sections.append(chunk)
            chunk = ""
        chunk += encoded
    sections.append(chunk)
    if len(sections) == 1:
        return [f"{param}*={sections[0]}"]
    return [f"{param}*{index}*={section}" for index, section in enumerate(sections)]


def name_attachment(part: EmailMessage, name: str) -> None:
    """Name an attachment the way Outlook, QQ and 163 mail, Thunderbird and Apple Mail all read.

    A name in plain ASCII is quoted as it is. Otherwise the name is given twice, as common senders do: RFC 2047
    encoded words in quotes (``name="=?utf-8?b?…?="`` in Content-Type and ``filename="=?utf-8?b?…?="`` in
    Content-Disposition, as Outlook and Gmail send them, and the only form older Outlook and QQ mail's web client
    read) and RFC 2231 (``filename*=utf-8''…``, as Thunderbird and Apple Mail send it, preferred by clients that
    read it). The two headers are written as they are (pre-folded; ``MAIL_POLICY`` does not refold them): the
    email package can write only the RFC 2231 form, and folds a long content type into encoded words.
    """
    content_type = part.get_content_type()
    del part["Content-Type"]
    del part["Content-Disposition"]
    if name.isascii() and name.isprintable():
        part.set_raw("Content-Type", f'{content_type}; name="{quote_param(name)}"')
        part.set_raw("Content-Disposition", f'attachment; filename="{quote_param(name)}"')
        return
    words = "\n\t".join(_encoded_words(name))
    part.set_raw("Content-Type", f'{content_type};\n\tname="{words}"')
    filename = ";\n\t".join([f'filename="{words}"', *_rfc2231_sections("filename", name)])
    part.set_raw("Content-Disposition", f"attachment;\n\t{filename}")


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
            raise MailError(
                f"发件服务器 {settings.smtp_host} 拒绝了 {user} 的登录（{exc.smtp_code}）：请核对 smtp_user 和环境变量 "
                "REPORTER_SMTP_PASSWORD；QQ、163 等邮箱须先在网页邮箱的设置中开启 SMTP 服务，并以授权码代替密码"
            ) from exc
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


IMAP_ID = {"name": "reporter", "version": __version__}  # sent with the ID command (RFC 2971)


class ImapSource:
    """A folder of an IMAP mailbox: its new messages, each marked once processed; or, read-only, searched by
    Message-ID.

    Through imapclient: SSL, STARTTLS or in the clear (``imap_security``), the server's certificate checked against
    ``imap_cafile`` or the system's; folder names with Chinese characters (modified UTF-7, encoded by imapclient),
    written with ``/`` between levels whatever the server's separator. After login the client names itself (the ID
    command, RFC 2971) when the server offers it: 163/126 and Coremail refuse SELECT ("Unsafe Login") otherwise.
    """

    def __init__(self, settings: MailSettings, folder: str = "", *, readonly: bool = False) -> None:
        self.settings = settings
        setting = "imap_sent_folder" if folder and folder == settings.imap_sent_folder else "imap_folder"
        folder = folder or settings.imap_folder
        self.folder = folder
        user = user_for("imap", settings.imap_user)
        if not settings.imap_host or not user:
            raise MailError(
                "未配置收件服务器：请在 reporter.toml 的 [mail] 中设置 imap_host 和 imap_user，密码放在环境变量 REPORTER_IMAP_PASSWORD"
            )
        host, port = settings.imap_host, settings.imap_port
        where = f"收件服务器 {host}:{port}"
        try:
            context = ssl.create_default_context(cafile=settings.imap_cafile or None)
        except OSError as exc:  # the CA file is missing or unreadable
            raise MailError(
                f"无法读取 imap_cafile 指定的证书文件 {settings.imap_cafile}：{exc.strerror or exc}"
            ) from exc
        try:
            self.client = IMAPClient(
                host, port, ssl=settings.imap_security == "ssl", ssl_context=context, timeout=IMAP_TIMEOUT
            )
        except ssl.SSLCertVerificationError as exc:
            raise MailError(_certificate_message(where, "imap_cafile", exc)) from exc
        except (OSError, IMAPClientError) as exc:
            raise MailError(f"无法连接{where}：{_reason(exc)}。请核对 imap_host、imap_port 和 imap_security") from exc
        try:
            self._open(user, folder, setting, readonly, where, context)
        except BaseException:
            self.close()
            raise

    def _open(self, user: str, folder: str, setting: str, readonly: bool, where: str, context: ssl.SSLContext) -> None:
        client = self.client
        try:
            if self.settings.imap_security == "starttls":
                client.starttls(context)
            client.login(user, secret("imap", user))
        except CapabilityError as exc:
            raise MailError(f'{where} 不支持 STARTTLS：请把 [mail] imap_security 改为 "ssl"（端口一般为 993）') from exc
        except LoginError as exc:
            raise MailError(
                f"{where} 拒绝了 {user} 的登录：{_reason(exc)}。请核对 imap_user 和环境变量 REPORTER_IMAP_PASSWORD；"
                "QQ、163 等邮箱须先在网页邮箱的设置中开启 IMAP 服务，并以授权码代替密码"
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise MailError(_certificate_message(where, "imap_cafile", exc)) from exc
        except (OSError, IMAPClientError) as exc:
            raise MailError(f"{where} 登录失败：{_reason(exc)}") from exc
        mailbox = folder
        try:
            self._identify()
            mailbox = self._mailbox(folder)
            client.select_folder(mailbox, readonly=readonly)
        except IMAPClientError as exc:
            reason = _reason(exc)
            if "unsafe login" in reason.lower():
                raise MailError(
                    f"{where} 以“Unsafe Login”拒绝打开文件夹“{folder}”：该邮箱不接受未登记的收件程序。"
                    "请登录网页邮箱，在设置中开启 IMAP 服务并以授权码代替密码；政务邮箱（Coremail）请联系管理员允许 IMAP 客户端"
                ) from exc
            if not self._exists(mailbox):
                raise MailError(f"{where} 上没有文件夹“{folder}”{self._listing(folder, setting)}") from exc
            raise MailError(f"{where} 无法打开文件夹“{folder}”：{reason}") from exc
        except OSError as exc:
            raise MailError(f"{where} 的连接中断：{_reason(exc)}") from exc

    def _identify(self) -> None:
        """Send ID (RFC 2971) when the server offers it. Its answer is of no use here, and a server that refuses it
        is left to refuse what follows (SELECT) with a message of its own."""
        try:
            if self.client.has_capability("ID"):
                self.client.id_(IMAP_ID)
        except IMAPClientError:
            pass

    def _mailbox(self, folder: str) -> str:
        """The folder's name on the server: ``/`` between levels becomes the server's separator (often ``.``)."""
        if "/" not in folder:
            return folder
        try:
            listed = self.client.list_folders("", "")  # LIST "" "": the separator only
        except IMAPClientError:
            return folder
        separator = listed[0][1].decode("ascii", errors="replace") if listed and listed[0][1] else ""
        return folder.replace("/", separator) if separator and separator != "/" else folder

    def _exists(self, mailbox: str) -> bool:
        try:
            return bool(self.client.folder_exists(mailbox))
        except (IMAPClientError, OSError):
            return False

    def _listing(self, folder: str, setting: str) -> str:
        """The rest of the message about an unknown folder: the server's folders that can be opened (written with
        ``/``), the closest first, and where to put one."""
        remedy = f"请在 reporter.toml 的 [mail] {setting} 中改为服务器上已有的文件夹"
        try:
            listed = self.client.list_folders()
        except (IMAPClientError, OSError):
            return f"，{remedy}"
        names = [
            name.replace(separator.decode("ascii", errors="replace"), "/") if separator else name
            for flags, separator, name in listed
            if not {b"\\NOSELECT", b"\\NONEXISTENT"} & {flag.upper() for flag in flags}
        ]
        if not names:
            return f"，{remedy}"
        close = difflib.get_close_matches(folder, names, n=3, cutoff=0.3)
        shown = [*close, *(name for name in sorted(names) if name not in close)][:MAX_FOLDERS_SHOWN]
        more = "等" if len(names) > len(shown) else ""
        inbox = "（收件箱在服务器上名为 INBOX）" if folder.startswith("收件箱") else ""
        return f"。服务器上的文件夹有：{'、'.join(shown)}{more}；{remedy}{inbox}"

    def messages(self, since: date) -> Iterator[tuple[int, bytes]]:
        """(uid, raw message) of the messages since a day that are not yet marked as fetched, one at a time."""
        try:
            uids = self.client.search(["SINCE", since, "UNKEYWORD", FETCHED_FLAG])
            for uid in sorted(uids):
                data = self.client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
                raw = data.get(b"BODY[]")
                if raw:
                    yield uid, raw
        except (IMAPClientError, OSError) as exc:
            raise MailError(
                f"从收件服务器 {self.settings.imap_host} 读取“{self.folder}”时出错：{_reason(exc)}。"
                "已取到的邮件已保存并记录，可重新运行 reporter fetch"
            ) from exc

    def holds(self, message_id: str) -> bool:
        """Whether the folder holds a message with this Message-ID (one this program set: ASCII, no quotes)."""
        if not re.fullmatch(r"<[!-~]+>", message_id) or '"' in message_id or "\\" in message_id:
            return False
        try:
            return bool(self.client.search(["HEADER", "Message-ID", message_id]))
        except (IMAPClientError, OSError) as exc:
            raise MailError(f"在收件服务器 {self.settings.imap_host} 上查找邮件失败：{_reason(exc)}") from exc

    def mark(self, uid: int) -> None:
        try:
            self.client.add_flags([uid], [FETCHED_FLAG], silent=True)
        except (IMAPClientError, OSError) as exc:
            raise MailError(
                f"无法在收件服务器 {self.settings.imap_host} 上标记已取的邮件：{_reason(exc)}。"
                "附件已保存；再次运行 reporter fetch 时，该邮件按编号识别为已取过"
            ) from exc

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is None:
            return
        try:
            client.logout()
        except (IMAPClientError, OSError):
            try:
                client.shutdown()
            except OSError:
                pass


def _reason(exc: BaseException) -> str:
    """The server's words in an imapclient error, without imaplib's prefix ("select failed: …")."""
    text = str(exc).strip() or type(exc).__name__
    text = re.sub(r"^\w+ (?:command )?(?:failed|error): ", "", text)
    text = re.sub(r"^\[?b?['\"](.*)['\"]\]?$", r"\1", text)  # imaplib's repr of the server's bytes
    text = re.sub(r"\s*\(\d+\.\d+ \+ \d+\.\d+ secs\)\.?$", "", text)  # Dovecot's timing
    return text.rstrip(" .。")  # the message goes on after it


def _certificate_message(where: str, setting: str, exc: ssl.SSLCertVerificationError) -> str:
    return (
        f"{where} 的证书未通过验证（{exc.verify_message or exc.reason}）：如该服务器使用单位自签的证书，"
        f"请在 reporter.toml 的 [mail] {setting} 中填写其证书文件（.pem）的路径"
    )

"""The mail operations behind ``send``, ``remind``, ``fetch`` and ``contacts``."""

from __future__ import annotations

import difflib
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from reporter.contacts import Contact, read_contacts, write_contacts_template
from reporter.errors import MailError, WorkspaceError
from reporter.forms.plan import district_indicators
from reporter.mail.settings import MailSettings
from reporter.mail.transport import (
    DUE_SOON_TEMPLATE,
    FORM_TEMPLATE,
    REMINDER_TEMPLATE,
    FetchedFile,
    FetchResult,
    ImapSource,
    PermanentFailure,
    SmtpSender,
    UncertainDelivery,
    attachments_of,
    build_message,
    is_workbook_name,
    message_id_for,
    render_mail,
    sender_address,
    store_attachment,
    template_text,
    write_eml,
)
from reporter.model import LEAD
from reporter.periods import Period
from reporter.problems import Problem
from reporter.settings import Workspace
from reporter.snapshot import due_date
from reporter.store import Store

SENT, FAILED, OUTBOX, NO_ADDRESS, SKIPPED = "sent", "failed", "outbox", "no-address", "skipped"
PENDING = "pending"  # in the store: handed to the server, its answer not (yet) recorded
UNKNOWN = "unknown"  # an outcome: whether the unit got it cannot be told; left to the office
STATUS_LABELS = {
    SENT: "已发送",
    FAILED: "发送失败",
    OUTBOX: "已存为 .eml",
    NO_ADDRESS: "无邮箱地址",
    SKIPPED: "已发过，跳过",
    UNKNOWN: "是否发出不明",
}
DUE_SOON = "due-soon"  # a reminder before the due date (remind --before-due); not counted as 催报
KIND_WORDS = {
    "form": ("填报表", "send"),
    "reminder": ("催报邮件", "remind"),
    DUE_SOON: ("截止提醒", "remind --before-due"),
}
TEMPLATES = {"form": FORM_TEMPLATE, "reminder": REMINDER_TEMPLATE, DUE_SOON: DUE_SOON_TEMPLATE}
REMINDING = ("reminder", DUE_SOON)  # kinds sent only to units that have not returned the form


def unknown_fate_message(unit: str, kind: str, period_key: str) -> str:
    """What the office is told about a message that may or may not have reached the unit, and how to resend it."""
    what, command = KIND_WORDS[kind]
    return (
        f"{unit}的{what}在发送时与邮件服务器的连接中断，无法确定对方是否已收到；为免重复，本次未再发送。"
        f"请先向该单位核实，确需重发的，请运行 reporter {command} --period {period_key} --resend {unit}"
    )


@dataclass
class SendOutcome:
    unit: str
    status: str
    recipients: list[str] = field(default_factory=list)
    detail: str = ""
    path: Path | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class SendResult:
    kind: str
    outbox: bool
    outcomes: list[SendOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    templates_written: list[str] = field(default_factory=list)
    period_key: str = ""
    sent_folder: str = ""  # [mail] imap_sent_folder: where a message of unknown fate is looked up ("" for none)
    no_sender: bool = False  # no [mail] sender: the .eml files have no From (the mail client's account sends them)

    def unknown_messages(self) -> list[str]:
        """One line per message whose fate is unknown, naming the unit and the command that resends it."""
        return [unknown_fate_message(o.unit, self.kind, self.period_key) for o in self.outcomes if o.status == UNKNOWN]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def _label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def send_mail(
    workspace: Workspace,
    store: Store,
    period: Period,
    *,
    kind: str = "form",
    dry_run: bool = False,
    resend: tuple[str, ...] = (),
    again: bool = False,
    sleep: Callable[[float], None] | None = None,
) -> SendResult:
    """Send every unit its form (``kind="form"``) or a reminder to units that have not returned it.

    Exactly once: each message is recorded (``pending``, with its Message-ID) before it is handed to the server and
    updated with the answer. A message still ``pending`` from an earlier run, or cut off in this one, may have been
    sent: it is looked up in the IMAP Sent folder where one is configured, otherwise reported (``UNKNOWN``) and not
    sent again unless the office names the unit in ``resend``.
    """
    forms = store.forms(period.key)
    if not forms:
        raise WorkspaceError(f"还没有生成{period.label}的填报表，请先运行 reporter forms --period {period.key}")
    check_resend(resend, [form.unit for form in forms], period.label)
    sleep = sleep or time.sleep
    settings = workspace.mail
    from_address = sender_address(settings, workspace.office)
    outbox = dry_run or not settings.smtp_host
    if from_address is None and not outbox:
        raise MailError('请在 reporter.toml 的 [mail] 中填写发件人 sender（如 "市政府督查室 <dcs@example.gov.cn>"）')
    contacts, problems = read_contacts(workspace.contacts_path)
    template_name = TEMPLATES[kind]
    text, written = template_text(workspace.templates_dir, template_name)
    result = SendResult(
        kind,
        outbox,
        problems=problems,
        templates_written=[template_name] if written else [],
        period_key=period.key,
        sent_folder=settings.imap_sent_folder,
        no_sender=from_address is None,
    )
    due = due_date(workspace, store, period)
    roles: dict[tuple[str, str], str] = {(e.unit, e.task_id): e.role for e in store.task_units()}
    tasks = store.tasks()
    directory = workspace.directory()
    sender = None if outbox else SmtpSender(settings, sleep=sleep)
    today = date.today()
    log = store.mail_log(period.key, kind)
    if kind == DUE_SOON and today > due:
        raise MailError(
            f"{period.label}的报送截止日期{_label(due)}已过，截止前提醒不再发送；请用 reporter remind 向未报单位催报"
        )
    reminded_today = {r.unit for r in log if kind in REMINDING and r.status == SENT and r.at[:10] == today.isoformat()}
    sent_back = {r.unit: r for r in store.send_backs(period.key)}  # the last refused file of each unit
    # The last record of each unit when it is still pending (a reminder: only today's; an older one is history)
    latest = {r.unit: r for r in log if r.status != OUTBOX}
    pending = {
        unit: r
        for unit, r in latest.items()
        if r.status == PENDING and (kind == "form" or r.at[:10] == today.isoformat())
    }
    sent_check = SentCheck(settings) if pending and not outbox else None
    token = store.message_token()
    first = True
    try:
        for form in forms:
            unit = form.unit
            if kind in REMINDING and store.has_return(unit, period.key):
                continue
            retry = pending.get(unit) if not outbox else None
            retry_note = ""
            if not outbox and unit not in resend:
                if kind == "form" and store.was_sent(period.key, unit, kind):
                    result.outcomes.append(SendOutcome(unit, SKIPPED))
                    continue
                if kind in REMINDING and unit in reminded_today and not again:
                    result.outcomes.append(SendOutcome(unit, SKIPPED, detail="今天已催报过"))
                    continue
                if retry is not None:
                    assert sent_check is not None  # made above whenever something is pending
                    found = sent_check.holds(retry.message_id)
                    recipients_then = [a for a in retry.recipients.split(", ") if a]
                    if found is True:
                        note = f"上次发送后未及记录，已在“{settings.imap_sent_folder}”文件夹中核实发出，不再重发"
                        store.answer_mail(retry.id, SENT, recipients_then, note)
                        result.outcomes.append(SendOutcome(unit, SKIPPED, recipients_then, note))
                        continue
                    if found is None:
                        result.outcomes.append(SendOutcome(unit, UNKNOWN, recipients_then, sent_check.why))
                        continue
                    retry_note = f"上次发送中断，“{settings.imap_sent_folder}”文件夹中没有这封邮件，已重发"
            contact = contacts.get(unit, Contact(unit))
            if not contact.emails:
                result.outcomes.append(SendOutcome(unit, NO_ADDRESS, detail="通讯录中没有该单位的电子邮箱"))
                continue
            attachment = workspace.forms_dir / period.key / form.file
            if not attachment.exists():
                result.outcomes.append(
                    SendOutcome(unit, FAILED, detail=f"找不到填报表 {attachment.name}，请重新运行 reporter forms")
                )
                continue
            lead = sum(1 for task_id in form.task_ids if roles.get((unit, task_id)) == LEAD)
            context = {
                "unit": unit,
                "person": contact.person,
                "period": period.key,
                "period_label": period.label,
                "due": due.isoformat(),
                "due_label": _label(due),
                "lead": lead,
                "cooperating": len(form.task_ids) - lead,
                "indicators": len(district_indicators(tasks, unit, directory)),
                "office": workspace.office,
                "office_contact": workspace.contact,
                "date": _label(today),
                "file": attachment.name,
                "days_left": (due - today).days,
                "sent_back": sent_back[unit].reason.rstrip("。") if unit in sent_back else "",
                "sent_back_file": sent_back[unit].file_name if unit in sent_back else "",
            }
            subject, body = render_mail(template_name, text, context)
            cc = list(dict.fromkeys([*contact.cc, *settings.cc]))
            sha = hashlib.sha256(attachment.read_bytes()).hexdigest()
            recipients = [*contact.emails, *cc]
            if outbox:
                message = build_message(from_address, contact.emails, cc, subject, body, attachment, draft=True)
                name = f"{unit}-{ {'form': '填报表', 'reminder': '催报', DUE_SOON: '截止提醒'}[kind] }"
                path = write_eml(message, workspace.outbox_dir / period.key, name)
                store.log_mail(period.key, unit, kind, recipients, message["Message-ID"], OUTBOX, sha, str(path))
                result.outcomes.append(SendOutcome(unit, OUTBOX, recipients, path=path))
                continue
            if retry is not None:  # the same attempt again, under the same Message-ID
                row_id, message_id = retry.id, retry.message_id
            else:
                attempt = store.next_attempt(period.key, unit, kind)
                message_id = message_id_for(settings.sender, token, unit, period.key, kind, attempt)
                row_id = store.intend_mail(period.key, unit, kind, recipients, message_id, sha, attempt)
            message = build_message(from_address, contact.emails, cc, subject, body, attachment, message_id=message_id)
            if not first and settings.pause_seconds:
                sleep(settings.pause_seconds)
            first = False
            assert sender is not None  # not the outbox: a sender was opened above
            try:
                refused = sender.send(message, recipients)
            except (PermanentFailure, ConnectionError) as exc:
                store.answer_mail(row_id, FAILED, recipients, str(exc))
                result.outcomes.append(SendOutcome(unit, FAILED, recipients, str(exc)))
                continue
            except UncertainDelivery as exc:
                detail = f"连接中断，是否发出不明：{exc}"
                store.answer_mail(row_id, PENDING, recipients, detail)  # still pending: its fate is unknown
                result.outcomes.append(SendOutcome(unit, UNKNOWN, recipients, detail))
                continue
            except Exception as exc:  # e.g. the login refused: the message never went out (else UncertainDelivery)
                store.answer_mail(row_id, FAILED, recipients, f"{type(exc).__name__} {exc}".strip())
                raise
            delivered = [r for r in recipients if r not in refused]
            detail = "；".join([*filter(None, [retry_note]), *(f"{a} 被拒：{why}" for a, why in refused.items())])
            status = FAILED if all(a in refused for a in contact.emails) else SENT  # the unit itself got nothing
            store.answer_mail(row_id, status, delivered, detail)
            result.outcomes.append(SendOutcome(unit, status, delivered, detail))
    finally:
        if sender is not None:
            sender.close()
        if sent_check is not None:
            sent_check.close()
    return result


def check_resend(resend: tuple[str, ...], units: list[str], period_label: str) -> None:
    """Refuse ``--resend`` names that are not units with a form this period, naming the closest unit."""
    unknown = [name for name in dict.fromkeys(resend) if name not in units]
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, units, n=1, cutoff=0.4)
        hints.append(f"“{name}”（是否应为“{close[0]}”？）" if close else f"“{name}”")
    raise MailError(
        f"--resend 中的单位不在{period_label}的填报表中：{'、'.join(hints)}。"
        "请写单位的全称，与 reporter status 中的单位名称一致"
    )


class SentCheck:
    """Looks messages up by Message-ID in the IMAP Sent folder, connecting once, on first use.

    ``holds`` answers True or False, or None when it cannot tell (no Sent folder configured, or the server could not
    be asked); ``why`` then says why.
    """

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.source: ImapSource | None = None
        self.why = (
            "" if settings.imap_sent_folder else "连接中断，是否发出不明（未配置 imap_sent_folder，无法自动核实）"
        )

    def holds(self, message_id: str) -> bool | None:
        if not self.settings.imap_sent_folder or (self.why and self.source is None):
            return None
        try:
            if self.source is None:
                self.source = ImapSource(self.settings, self.settings.imap_sent_folder, readonly=True)
            return self.source.holds(message_id)
        except MailError as exc:
            self.why = f"连接中断，是否发出不明；到“已发送”文件夹核实时出错：{exc}"
            return None

    def close(self) -> None:
        if self.source is not None:
            self.source.close()


# -- fetch ----------------------------------------------------------------------------------------------------


def fetch_returns(workspace: Workspace, store: Store, period: Period, *, eml_folder: Path | None = None) -> FetchResult:
    """Save the workbook attachments of new messages into ``input/returns/<period>/``; each message once."""
    folder = workspace.returns_dir / period.key
    known = store.fetched_hashes()
    if folder.is_dir():
        known |= {hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}
    result = FetchResult()

    def take(raw: bytes) -> bool:
        headers, attachments = attachments_of(raw)
        if store.message_fetched(headers.message_id):
            result.skipped_messages += 1
            return True
        taken: list[tuple[str, str]] = []
        for name, data in attachments:
            if not is_workbook_name(name):
                result.ignored.append(name)
                continue
            path, digest = store_attachment(folder, name, data, known)
            if path is None:
                result.duplicates.append(name)
                continue
            taken.append((digest, path.name))
            result.files.append(FetchedFile(path, digest, headers.sender, headers.message_id, headers.received_at))
        store.save_fetched(headers, period.key, taken)
        result.messages += 1
        return True

    if eml_folder is not None:
        if not eml_folder.is_dir():
            raise WorkspaceError(f"找不到文件夹 {eml_folder}")
        for path in sorted(eml_folder.glob("*.eml")):
            take(path.read_bytes())
        return result
    source = ImapSource(workspace.mail)
    try:
        for uid, raw in source.messages(period.start - timedelta(days=31)):
            if take(raw):
                source.mark(uid)
    finally:
        source.close()
    return result


def contacts_template(workspace: Workspace, store: Store) -> tuple[Path, int, int]:
    units = list(dict.fromkeys(e.unit for e in store.task_units()))
    if not units:
        raise WorkspaceError("工作区中还没有任务，请先运行 reporter run")
    kept, added = write_contacts_template(
        workspace.contacts_path, units, font=workspace.font, title_font=workspace.title_font
    )
    return workspace.contacts_path, kept, added

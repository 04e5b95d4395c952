"""E-mail against real servers on loopback: aiosmtpd receives what we send, Dovecot holds what we fetch."""

from __future__ import annotations

import json
import re
import smtplib
from collections import Counter
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from reporter import __version__
from reporter.mail.settings import MailSettings
from reporter.mail.transport import SmtpSender, build_message, message_id_for, safe_name
from reporter.model import MailLogEntry
from reporter.store import Store
from tests import mailservers
from tests.cycle_helpers import CONFIG, fill_form, form_path, invoke, make_workspace
from tests.mailservers import free_port
from tests.test_cli import flat

UNITS_WITH_MAIL = {
    "市发改委": ("赵六", "fgw@test.gov.cn; fgw2@test.gov.cn", "zhuren@test.gov.cn"),
    "市经信局": ("钱七", "jxj@test.gov.cn", ""),
    "市统计局": ("孙八", "tjj@test.gov.cn", ""),
    "海曙区政府": ("李九", "haishu@test.gov.cn", ""),
    "江北区政府": ("周十", "jiangbei@test.gov.cn", ""),
    "市人社局": ("吴一", "rsj@test.gov.cn", ""),
    "市教育局": ("郑二", "jyj@test.gov.cn", ""),
    "市财政局": ("王三", "czj@test.gov.cn", ""),
}  # 市市场监管局 has no address


SENDER = "市政府督查室 <dcs@test.gov.cn>"


def mail_config(smtp=None, imap=None, *, sender: str = SENDER, imap_security: str = "ssl", extra: str = "") -> str:
    lines = ["[mail]", *([f"sender = {json.dumps(sender, ensure_ascii=False)}"] if sender else [])]
    lines += [
        'cc = ["dcs-archive@test.gov.cn"]',
        "pause_seconds = 0",
        "retries = 2",
    ]
    if smtp:
        lines += [
            'smtp_host = "127.0.0.1"',
            f"smtp_port = {smtp.port}",
            'smtp_security = "ssl"',
            'smtp_user = "dcs"',
            f'smtp_cafile = "{smtp.cafile}"',
        ]
    if imap:
        lines += [
            'imap_host = "127.0.0.1"',
            f"imap_port = {imap.port if imap_security == 'ssl' else imap.plain_port}",
            f'imap_security = "{imap_security}"',
            f'imap_user = "{imap.user}"',
            f'imap_cafile = "{imap.cafile}"',
        ]
    return "\n".join([*lines, extra]) + "\n"


def mail_workspace(root: Path, monkeypatch, smtp=None, imap=None, **config) -> Path:
    make_workspace(root)
    (root / "reporter.toml").write_text(CONFIG + mail_config(smtp, imap, **config), encoding="utf-8")
    monkeypatch.setenv("REPORTER_SMTP_PASSWORD", "smtp-secret")
    if imap:
        monkeypatch.setenv("REPORTER_IMAP_PASSWORD", imap.password)
    assert invoke("-w", root, "forms", "--period", "2021-06").exit_code == 0
    assert invoke("-w", root, "contacts", "--template").exit_code == 0
    workbook = openpyxl.load_workbook(root / "input" / "通讯录.xlsx")
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=3):
        if row[0].value in UNITS_WITH_MAIL:
            person, emails, cc = UNITS_WITH_MAIL[row[0].value]
            row[1].value, row[2].value, row[4].value = person, emails, cc
    workbook.save(root / "input" / "通讯录.xlsx")
    return root


def parsed(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)


READINGS = (
    "policy.default get_filename()",
    "Content-Type name= (RFC 2047)",
    "Content-Disposition filename= (RFC 2047)",
    "Content-Disposition filename*= (RFC 2231)",
)


def attachment_names(raw: bytes) -> dict[str, str]:
    """The attachment's name as each kind of mail client reads it from the message as it went over the wire:
    the email package; the quoted RFC 2047 words older Outlook and QQ mail's web client read (found in the raw
    header, decoded with ``decode_header``); and RFC 2231 alone (as a client that ignores the quoted form reads it)."""
    assert raw.isascii()  # 7-bit: every header encoded
    assert all(len(word) <= 75 for word in re.findall(rb"=\?[^?]+\?[bq]\?[^?]*\?=", raw, re.I))  # RFC 2047
    legacy = message_from_bytes(raw, policy=policy.compat32)
    part = next(p for p in legacy.walk() if p.get_content_maintype() == "application")

    def rfc2047(header: str, param: str) -> str:
        found = re.search(rf';\s*{param}="([^"]*)"', str(part[header]))
        assert found, part[header]
        return str(make_header(decode_header(found.group(1))))

    only_rfc2231 = re.sub(rb';\s*filename="[^"]*"', b"", raw)
    return dict(
        zip(
            READINGS,
            [
                next(parsed(raw).iter_attachments()).get_filename(),
                rfc2047("Content-Type", "name"),
                rfc2047("Content-Disposition", "filename"),
                next(parsed(only_rfc2231).iter_attachments()).get_filename(),
            ],
            strict=True,
        )
    )


def test_contacts_template_lists_units_and_keeps_filled_rows(tmp_path, monkeypatch):
    root = mail_workspace(tmp_path / "ws", monkeypatch)
    result = invoke("-w", root, "contacts", "--template")
    assert "保留已填9行，新增0个单位" in flat(result.output)
    rows = {
        r[0]: r
        for r in openpyxl.load_workbook(root / "input" / "通讯录.xlsx").active.iter_rows(min_row=3, values_only=True)
    }
    assert rows["市发改委"][1:3] == ("赵六", "fgw@test.gov.cn; fgw2@test.gov.cn")
    checked = invoke("-w", root, "contacts")
    assert "1个责任单位没有电子邮箱" in flat(checked.output) and "市市场监管局" in checked.output


def test_send_over_smtp_and_never_twice(tmp_path, monkeypatch, smtp_server):
    smtp_server.refuse["tjj@test.gov.cn"] = "550 5.1.1 mailbox unavailable"
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    result = invoke("-w", root, "send", "--period", "2021-06")
    assert result.exit_code == 1, result.output
    text = flat(result.output)
    assert "发送7封" in text and "失败1个，无邮箱1个" in text
    assert "市统计局发送失败" in text and "550" in text
    assert "市市场监管局无邮箱地址" in text
    assert smtp_server.logins[0] == ("dcs", "smtp-secret")
    by_unit = {}
    for item in smtp_server.received:
        message = parsed(item.data)
        by_unit[message["Subject"].split("（")[-1].rstrip("）")] = (item, message)
    item, message = by_unit["市发改委"]
    assert sorted(item.recipients) == sorted(
        ["fgw@test.gov.cn", "fgw2@test.gov.cn", "zhuren@test.gov.cn", "dcs-archive@test.gov.cn"]
    )
    assert message["Subject"] == "请于2021年6月25日前报送2021年6月政府工作报告目标任务推进情况（市发改委）"
    body = message.get_body(("plain",)).get_content()
    assert "赵六：" in body and "其中牵头任务1项、配合任务1项" in body
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "市发改委-2021-06-填报表.xlsx"
    assert attachment.get_content() == form_path(root, "市发改委").read_bytes()
    assert attachment_names(item.data) == dict.fromkeys(READINGS, "市发改委-2021-06-填报表.xlsx")
    assert "\r\nFrom: =?utf-8?b?5biC5pS/5bqc552j5p+l5a6k?= <dcs@test.gov.cn>\r\n" in item.data.decode("ascii")
    assert message["From"].addresses == (Address("市政府督查室", addr_spec="dcs@test.gov.cn"),)
    assert "X-Unsent" not in message
    assert "民生实事指标1项" in by_unit["海曙区政府"][1].get_body(("plain",)).get_content()
    count = len(smtp_server.received)
    again = invoke("-w", root, "send", "--period", "2021-06")  # only the unit that failed is tried again
    assert "发送0封" in flat(again.output) and "跳过7个" in flat(again.output) and "失败1个" in flat(again.output)
    assert len(smtp_server.received) == count + 1  # the office's cc copy of the retried message
    invoke("-w", root, "send", "--period", "2021-06", "--resend", "市经信局")
    assert len(smtp_server.received) == count + 3  # 市经信局 again, and 市统计局's cc copy once more
    with Store(root / ".reporter" / "store.sqlite3") as store:
        log = store.mail_log("2021-06", "form")
    sent = [r for r in log if r.status == "sent"]
    assert len(sent) == 8 and all(r.message_id.startswith("<") and len(r.attachment_sha256) == 64 for r in sent)


def test_transient_failure_is_retried(tmp_path, monkeypatch, smtp_server):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    smtp_server.transient_failures = 2
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    result = invoke("-w", root, "send", "--period", "2021-06")
    assert "发送8封" in flat(result.output), result.output
    assert len(smtp_server.received) == 8


def test_dry_run_writes_eml_files(tmp_path, monkeypatch):
    root = mail_workspace(tmp_path / "ws", monkeypatch)
    result = invoke("-w", root, "send", "--period", "2021-06", "--dry-run")
    assert "存为.eml8封" in flat(result.output)
    eml = root / "output" / "outbox" / "2021-06" / "市发改委-填报表.eml"
    message = parsed(eml.read_bytes())
    assert message["To"] == "fgw@test.gov.cn, fgw2@test.gov.cn"
    assert next(message.iter_attachments()).get_filename() == "市发改委-2021-06-填报表.xlsx"


def test_remind_only_units_that_have_not_returned(tmp_path, monkeypatch, smtp_server):
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    fill_form(
        form_path(root, "市发改委"),
        root / "input" / "returns" / "2021-06" / "a.xlsx",
        {"2021-G-001": {"status": "正常推进"}},
    )
    assert invoke("-w", root, "collect", "--period", "2021-06").exit_code == 0
    result = invoke("-w", root, "remind", "--period", "2021-06")
    subjects = [parsed(item.data)["Subject"] for item in smtp_server.received]
    assert all(s.startswith("【催报】请尽快报送2021年6月目标任务推进情况") for s in subjects)
    assert not any("市发改委" in s for s in subjects)
    assert len(subjects) == 7  # the 7 units with addresses that have not returned
    assert "跳过0个" in flat(result.output)
    invoke("-w", root, "remind", "--period", "2021-06")
    assert len(smtp_server.received) == 7  # not twice on the same day
    status = json.loads(invoke("-w", root, "status", "--json", "-").output)
    units = {u["unit"]: u for u in status["units"]}
    assert units["市经信局"]["reminders"] == 1 and units["市经信局"]["contact"] == "钱七"
    assert units["市发改委"]["reminders"] == 0


def _reply(sender: str, attachments: list[tuple[str, bytes]], message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "office@test.gov.cn"
    message["Subject"] = "回复：填报表"
    message["Date"] = "Tue, 22 Jun 2021 10:00:00 +0800"
    message["Message-ID"] = message_id
    message.set_content("附件是我单位的填报表。")
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(message)


def test_fetch_then_collect(tmp_path, monkeypatch, imap_server):
    root = mail_workspace(tmp_path / "ws", monkeypatch, imap=imap_server)
    filled = fill_form(
        form_path(root, "市发改委"), tmp_path / "f.xlsx", {"2021-G-001": {"progress": "邮件报回", "status": "正常推进"}}
    )
    other = fill_form(
        form_path(root, "市经信局"), tmp_path / "j.xlsx", {"2021-G-002": {"progress": "另一单位", "status": "正常推进"}}
    )
    long_name = "很长的文件名" * 50 + ".xlsx"
    imap_server.append(
        _reply("赵六 <fgw@test.gov.cn>", [("../../x.xlsx", filled.read_bytes()), ("说明.docx", b"PK")], "<m1@test>")
    )
    imap_server.append(
        _reply("someone@else.cn", [(long_name, other.read_bytes()), ("副本.xlsx", filled.read_bytes())], "<m2@test>")
    )
    result = invoke("-w", root, "fetch", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "新邮件2封" in text and "保存附件2个" in text and "重复附件1个" in text and "非Excel附件1个" in text
    folder = root / "input" / "returns" / "2021-06"
    names = sorted(p.name for p in folder.iterdir())
    assert "x.xlsx" in names
    assert all(len(n.encode()) <= 200 and "/" not in n for n in names)
    assert any(n.startswith("很长的文件名很长的文件名") for n in names)
    assert not (root / "x.xlsx").exists() and not (root / "input" / "x.xlsx").exists()
    again = invoke("-w", root, "fetch", "--period", "2021-06")
    assert "新邮件0封" in flat(again.output) and "保存附件0个" in flat(again.output)
    collected = invoke("-w", root, "collect", "--period", "2021-06", "--json", tmp_path / "c.json")
    assert collected.exit_code == 0, collected.output
    assert "接收2份" in flat(collected.output)
    report = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    warnings = [p for f in report["files"] for p in f["problems"] if p["code"] == "mail.sender-mismatch"]
    assert [w["message"] for w in warnings] == [
        "该文件由 someone@else.cn 发来，不是通讯录中市经信局的邮箱（jxj@test.gov.cn），请核实"
    ]
    with Store(root / ".reporter" / "store.sqlite3") as store:
        senders = {r.unit: r.sender for r in store.returns("2021-06")}
    assert senders == {"市发改委": "fgw@test.gov.cn", "市经信局": "someone@else.cn"}


def test_fetch_from_saved_eml_files(tmp_path, monkeypatch):
    root = mail_workspace(tmp_path / "ws", monkeypatch)
    filled = fill_form(form_path(root, "市发改委"), tmp_path / "f.xlsx", {"2021-G-001": {"status": "正常推进"}})
    saved = tmp_path / "邮件"
    saved.mkdir()
    (saved / "1.eml").write_bytes(_reply("fgw@test.gov.cn", [("发改委.xlsx", filled.read_bytes())], "<e1@test>"))
    result = invoke("-w", root, "fetch", "--period", "2021-06", "--from-folder", saved)
    assert "保存附件1个" in flat(result.output)
    assert (root / "input" / "returns" / "2021-06" / "发改委.xlsx").read_bytes() == filled.read_bytes()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../x.xlsx", "x.xlsx"),
        ("..\\..\\evil.xls", "evil.xls"),
        ("a:b*c?.xlsx", "a_b_c_.xlsx"),
        ("CON.xlsx", "_CON.xlsx"),
        ("   .xlsx", "附件.xlsx"),
    ],
)
def test_safe_names(name, safe):
    assert safe_name(name) == safe
    long = safe_name("长" * 300 + ".xlsx")
    assert long.endswith(".xlsx") and len(long.encode()) <= 200


def test_password_in_config_is_refused(tmp_path, monkeypatch):
    root = mail_workspace(tmp_path / "ws", monkeypatch)
    with (root / "reporter.toml").open("a", encoding="utf-8") as handle:
        handle.write('smtp_password = "123456"\n')
    result = invoke("-w", root, "send", "--dry-run")
    assert result.exit_code == 1
    assert "请不要把邮箱密码写在reporter.toml中，改用环境变量REPORTER_SMTP_PASSWORD或系统钥匙串" in flat(result.output)


# -- exactly once: a send cut off half-way ----------------------------------------------------------------------


def _per_unit(server) -> Counter:
    return Counter(parsed(item.data)["Subject"].split("（")[-1].rstrip("）") for item in server.received)


def _log(root: Path, kind: str = "form") -> dict[str, MailLogEntry]:
    """The last record of each unit."""
    with Store(root / ".reporter" / "store.sqlite3") as store:
        return {r.unit: r for r in store.mail_log("2021-06", kind)}


def _interrupt(monkeypatch, actions: list[str]) -> None:
    """Kill the run (KeyboardInterrupt, as Ctrl-C or a closed terminal) around ``SmtpSender.send``, per call in turn.

    ``"send"``: as usual; ``"stop-after"``: once the server accepted the message, before it is recorded;
    ``"stop-before"``: after it was recorded as about to go, before it is handed to the server.
    """
    real_send = SmtpSender.send
    queue = iter(actions)

    def send(self, message, recipients):
        action = next(queue, "send")
        if action == "stop-before":
            raise KeyboardInterrupt
        refused = real_send(self, message, recipients)
        if action == "stop-after":
            raise KeyboardInterrupt
        return refused

    monkeypatch.setattr(SmtpSender, "send", send)


def test_a_connection_lost_after_the_server_accepted_is_not_sent_twice(tmp_path, monkeypatch, smtp_server):
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    real_data = smtplib.SMTP.data
    calls: list[int] = []

    def data(self, msg):  # the 3rd message: the server accepts it, then the connection drops before its answer
        calls.append(1)
        reply = real_data(self, msg)
        if len(calls) == 3:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return reply

    monkeypatch.setattr(smtplib.SMTP, "data", data)
    first = invoke("-w", root, "send", "--period", "2021-06")
    assert first.exit_code == 1, first.output
    third = parsed(smtp_server.received[2].data)
    unit = third["Subject"].split("（")[-1].rstrip("）")
    message = (
        f"{unit}的填报表在发送时与邮件服务器的连接中断，无法确定对方是否已收到；为免重复，本次未再发送。"
        f"请先向该单位核实，确需重发的，请运行 reporter send --period 2021-06 --resend {unit}"
    )
    assert flat(f"请核实：{message}") in flat(first.output)
    assert "发送7封" in flat(first.output) and "是否发出不明1个" in flat(first.output)
    assert list(_per_unit(smtp_server).values()) == [1] * 8  # the rest went on, on a new connection
    assert _log(root)[unit].status == "pending" and _log(root)[unit].message_id == third["Message-ID"]

    again = invoke("-w", root, "send", "--period", "2021-06")
    assert again.exit_code == 1
    assert flat(f"请核实：{message}") in flat(again.output)
    assert "imap_sent_folder" in again.output
    assert "发送0封" in flat(again.output) and "跳过7个" in flat(again.output)
    assert len(smtp_server.received) == 8 and set(_per_unit(smtp_server).values()) == {1}  # each unit exactly once

    deliberate = invoke("-w", root, "send", "--period", "2021-06", "--resend", unit)
    assert "发送1封" in flat(deliberate.output) and "是否发出不明" not in flat(deliberate.output)
    assert _per_unit(smtp_server)[unit] == 2
    assert parsed(smtp_server.received[-1].data)["Message-ID"] == third["Message-ID"]  # the same message again
    assert _log(root)[unit].status == "sent"
    assert "发送0封" in flat(invoke("-w", root, "send", "--period", "2021-06").output)
    assert len(smtp_server.received) == 9


def test_a_connection_lost_before_the_message_went_out_is_retried_once(tmp_path, monkeypatch, smtp_server):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    real_rcpt = smtplib.SMTP.rcpt
    calls: list[int] = []

    def rcpt(self, *args, **kwargs):  # the connection drops while the 6th recipient is named: nothing went out
        calls.append(1)
        if len(calls) == 6:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_rcpt(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "rcpt", rcpt)
    result = invoke("-w", root, "send", "--period", "2021-06")
    assert result.exit_code == 1, result.output  # 市市场监管局 has no address
    assert "发送8封" in flat(result.output) and "是否发出不明" not in flat(result.output)
    assert list(_per_unit(smtp_server).values()) == [1] * 8
    assert {r.status for r in _log(root).values()} == {"sent"}


def test_an_interrupted_send_is_settled_in_the_sent_folder(tmp_path, monkeypatch, smtp_server, imap_server):
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server, imap=imap_server)
    with (root / "reporter.toml").open("a", encoding="utf-8") as handle:
        handle.write('imap_sent_folder = "已发送"\n')
    imap_server.create("已发送")
    smtp_server.on_accept = lambda raw: imap_server.append(raw, "已发送")

    _interrupt(monkeypatch, ["send", "stop-after"])  # the 2nd unit's message went out, and was not recorded
    assert invoke("-w", root, "send", "--period", "2021-06").exit_code == 130
    second = parsed(smtp_server.received[1].data)["Subject"].split("（")[-1].rstrip("）")
    assert _log(root)[second].status == "pending"

    _interrupt(monkeypatch, ["stop-before"])  # the 3rd unit's was recorded as about to go, and never handed over
    assert invoke("-w", root, "send", "--period", "2021-06").exit_code == 130
    log = _log(root)
    assert log[second].status == "sent"
    assert log[second].detail == "上次发送后未及记录，已在“已发送”文件夹中核实发出，不再重发"
    third = next(unit for unit, r in log.items() if r.status == "pending")
    assert len(smtp_server.received) == 2

    result = invoke("-w", root, "send", "--period", "2021-06")
    assert result.exit_code == 1, result.output  # 市市场监管局 has no address
    assert "上次发送中断，“已发送”文件夹中没有这封邮件，已重发" in flat(result.output)
    assert "是否发出不明" not in flat(result.output)
    assert len(smtp_server.received) == 8 and set(_per_unit(smtp_server).values()) == {1}  # each unit exactly once
    log = _log(root)
    assert {r.status for r in log.values()} == {"sent"} and log[third].attempt == 1
    assert len({r.message_id for r in log.values()}) == 8


def test_a_sent_folder_that_cannot_be_opened_leaves_the_message_to_the_office(
    tmp_path, monkeypatch, smtp_server, imap_server
):
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server, imap=imap_server)
    with (root / "reporter.toml").open("a", encoding="utf-8") as handle:
        handle.write('imap_sent_folder = "Sent Messages"\n')  # not on the server
    _interrupt(monkeypatch, ["stop-before"])
    assert invoke("-w", root, "send", "--period", "2021-06").exit_code == 130
    result = invoke("-w", root, "send", "--period", "2021-06")
    assert result.exit_code == 1
    assert "是否发出不明1个" in flat(result.output)
    assert flat(
        f"到“已发送”文件夹核实时出错：收件服务器 127.0.0.1:{imap_server.port} 上没有文件夹“Sent Messages”。"
        "服务器上的文件夹有：INBOX；请在 reporter.toml 的 [mail] imap_sent_folder 中改为服务器上已有的文件夹"
    ) in flat(result.output)
    assert "请核实：" in result.output and len(smtp_server.received) == 7


def test_remind_is_never_sent_twice_either(tmp_path, monkeypatch, smtp_server):
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    _interrupt(monkeypatch, ["stop-after"])
    assert invoke("-w", root, "remind", "--period", "2021-06").exit_code == 130
    unit = parsed(smtp_server.received[0].data)["Subject"].split("（")[-1].rstrip("）")
    result = invoke("-w", root, "remind", "--period", "2021-06")
    assert result.exit_code == 1
    message = (
        f"{unit}的催报邮件在发送时与邮件服务器的连接中断，无法确定对方是否已收到；为免重复，本次未再发送。"
        f"请先向该单位核实，确需重发的，请运行 reporter remind --period 2021-06 --resend {unit}"
    )
    assert flat(f"请核实：{message}") in flat(result.output)
    assert len(smtp_server.received) == 8 and set(_per_unit(smtp_server).values()) == {1}
    assert "是否发出不明1个" in flat(invoke("-w", root, "remind", "--period", "2021-06", "--again").output)
    assert len(smtp_server.received) == 15  # --again reminds the 7 others once more, not the unit left to the office
    assert _per_unit(smtp_server)[unit] == 1
    assert "发送1封" in flat(invoke("-w", root, "remind", "--period", "2021-06", "--resend", unit).output)
    assert _per_unit(smtp_server)[unit] == 2 and _log(root, "reminder")[unit].status == "sent"


def test_a_message_id_is_the_same_for_one_attempt_and_only_for_it():
    make = partial(message_id_for, "市政府督查室 <dcs@test.gov.cn>", "0a1b2c3d4e5f6071")
    first = make("市发改委", "2021-06", "form", 1)
    assert first == make("市发改委", "2021-06", "form", 1)
    assert first.startswith("<reporter.2021-06.form.1.") and first.endswith("@test.gov.cn>") and first.isascii()
    others = {
        make("市发改委", "2021-06", "form", 2),
        make("市经信局", "2021-06", "form", 1),
        make("市发改委", "2021-06", "reminder", 1),
        make("市发改委", "2021-07", "form", 1),
        message_id_for("dcs@test.gov.cn", "ffffffffffffffff", "市发改委", "2021-06", "form", 1),  # another store
    }
    assert first not in others and len(others) == 5


def test_a_refused_login_leaves_nothing_of_unknown_fate(tmp_path, monkeypatch, smtp_server):
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    monkeypatch.setenv("REPORTER_SMTP_PASSWORD", "wrong")
    refused = invoke("-w", root, "send", "--period", "2021-06")
    assert refused.exit_code == 1
    assert flat(refused.output) == flat(
        "错误：发件服务器 127.0.0.1 拒绝了 dcs 的登录（535）：请核对 smtp_user 和环境变量 REPORTER_SMTP_PASSWORD；"
        "QQ、163 等邮箱须先在网页邮箱的设置中开启 SMTP 服务，并以授权码代替密码"
    )
    assert smtp_server.logins and set(smtp_server.logins) == {("dcs", "wrong")} and not smtp_server.received
    assert [r.status for r in _log(root).values()] == ["failed"]  # recorded as about to go, then as never sent
    monkeypatch.setenv("REPORTER_SMTP_PASSWORD", "smtp-secret")
    result = invoke("-w", root, "send", "--period", "2021-06")
    assert "发送8封" in flat(result.output) and "是否发出不明" not in flat(result.output)
    assert set(_per_unit(smtp_server).values()) == {1} and len(smtp_server.received) == 8


# -- messages every client reads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "市发改委-2021-06-填报表.xlsx",
        "宁波市住房和城乡建设局（宁波市人民防空办公室）-2021-06-政府工作报告目标任务推进情况填报表.xlsx",
        "市发改委 2021年6月 填报表.xlsx",  # spaces
        "𠮷野家-填报表.xlsx",  # outside the Basic Multilingual Plane: four bytes in UTF-8
        "report 2021-06.xlsx",  # plain ASCII
    ],
)
def test_attachment_names_decode_in_every_client(tmp_path, monkeypatch, smtp_server, name):
    monkeypatch.setenv("REPORTER_SMTP_PASSWORD", "smtp-secret")
    settings = MailSettings(
        smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_user="dcs", smtp_cafile=str(smtp_server.cafile)
    )
    form = tmp_path / "form.xlsx"
    form.write_bytes(b"PK\x03\x04 a workbook")
    sender = Address("市政府督查室", addr_spec="dcs@test.gov.cn")
    message = build_message(sender, ["fgw@test.gov.cn"], [], "填报表", "正文\n", form, name)
    connection = SmtpSender(settings)
    try:
        assert connection.send(message, ["fgw@test.gov.cn"]) == {}
    finally:
        connection.close()
    raw = smtp_server.received[0].data
    assert attachment_names(raw) == dict.fromkeys(READINGS, name)
    assert next(parsed(raw).iter_attachments()).get_content() == form.read_bytes()
    assert ("filename*" in raw.decode("ascii")) == (not name.isascii())  # RFC 2231 only where it is needed


@pytest.mark.parametrize(("command", "stem"), [("send", "填报表"), ("remind", "催报")])
def test_a_dry_run_needs_no_server_password_or_sender(tmp_path, monkeypatch, command, stem):
    closed = SimpleNamespace(port=free_port(), cafile=tmp_path / "missing.pem")  # nothing listens there
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=closed, sender="")
    monkeypatch.delenv("REPORTER_SMTP_PASSWORD")
    result = invoke("-w", root, command, "--period", "2021-06", "--dry-run")
    assert result.exit_code == 1, result.output  # 市市场监管局 has no address
    text = flat(result.output)
    assert "存为.eml8封" in text and "无邮箱1个" in text
    assert (
        flat(
            "未配置发件人（reporter.toml 的 [mail] sender）：.eml 文件中没有发件人，用 Outlook 等邮件客户端打开后"
            "将以客户端当前的邮箱发出；通过发件服务器发送前，请先填写 sender。"
        )
        in text
    )
    raw = (root / "output" / "outbox" / "2021-06" / f"市发改委-{stem}.eml").read_bytes()
    message = parsed(raw)
    assert "From" not in message and message["X-Unsent"] == "1"  # Outlook opens it as a message ready to send
    assert message["To"] == "fgw@test.gov.cn, fgw2@test.gov.cn"
    assert message["Cc"] == "zhuren@test.gov.cn, dcs-archive@test.gov.cn"
    assert message["Subject"].endswith("目标任务推进情况（市发改委）")
    assert message["Message-ID"].endswith("@reporter.local>")
    assert attachment_names(raw) == dict.fromkeys(READINGS, "市发改委-2021-06-填报表.xlsx")


@pytest.mark.parametrize(
    ("sender", "display_name"),
    [
        ("市政府督查室 <dcs@test.gov.cn>", "市政府督查室"),
        ("dcs@test.gov.cn", "市政府督查室"),  # named after [workspace] office
        ('"宁波市人民政府办公厅督查室" <dcs@test.gov.cn>', "宁波市人民政府办公厅督查室"),
        ("宁波市人民政府办公厅督查室（政务督查处） <dcs@test.gov.cn>", "宁波市人民政府办公厅督查室（政务督查处）"),
    ],
)
def test_the_sender_is_named_in_chinese(tmp_path, monkeypatch, sender, display_name):
    root = mail_workspace(tmp_path / "ws", monkeypatch, sender=sender)
    invoke("-w", root, "send", "--period", "2021-06", "--dry-run")
    raw = (root / "output" / "outbox" / "2021-06" / "市发改委-填报表.eml").read_bytes()
    assert raw.isascii()
    legacy = message_from_bytes(raw, policy=policy.compat32)  # decoded as RFC 2047 says, as mail clients do
    assert str(make_header(decode_header(legacy["From"]))) == f"{display_name} <dcs@test.gov.cn>"
    (address,) = parsed(raw)["From"].addresses
    assert address.addr_spec == "dcs@test.gov.cn"
    # policy.default keeps the folding space between the two encoded words of a long display name (RFC 2047 6.2
    # says to drop it); the names here have no space of their own
    assert address.display_name.replace(" ", "") == display_name
    assert parsed(raw)["Message-ID"].endswith("@test.gov.cn>")


@pytest.mark.parametrize("sender", ["市政府督查室", "dcs@", "督查室@test.gov.cn", "a@test.gov.cn, b@test.gov.cn"])
def test_a_sender_that_is_not_one_address_is_refused(tmp_path, monkeypatch, sender):
    root = mail_workspace(tmp_path / "ws", monkeypatch, sender=sender)
    result = invoke("-w", root, "send", "--period", "2021-06", "--dry-run")
    assert result.exit_code == 1
    assert flat(result.output) == flat(
        f"错误：reporter.toml 的 [mail] sender 不是有效的发件人：“{sender}”。"
        '请写成 "市政府督查室 <dcs@example.gov.cn>" 或 "dcs@example.gov.cn"'
    )
    assert not (root / "output" / "outbox").exists()


def test_a_cc_that_is_not_an_address_is_refused(tmp_path, monkeypatch):
    root = mail_workspace(tmp_path / "ws", monkeypatch)
    config = root / "reporter.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'cc = ["dcs-archive@test.gov.cn"]', 'cc = ["督查室归档", "a@test.gov.cn"]'
        ),
        encoding="utf-8",
    )
    result = invoke("-w", root, "remind", "--period", "2021-06", "--dry-run")
    assert result.exit_code == 1
    assert flat(result.output) == flat("错误：reporter.toml 的 [mail] cc 中有无效的邮箱地址：督查室归档")


@pytest.mark.parametrize("command", ["send", "remind"])
def test_unknown_resend_names_are_refused(tmp_path, monkeypatch, smtp_server, command):
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    result = invoke("-w", root, command, "--period", "2021-06", "--resend", "发改委", "--resend", "不存在的单位")
    assert result.exit_code == 1
    assert flat(result.output) == flat(
        "错误：--resend 中的单位不在2021年6月的填报表中：“发改委”（是否应为“市发改委”？）、“不存在的单位”。"
        "请写单位的全称，与 reporter status 中的单位名称一致"
    )
    assert not smtp_server.received


# -- IMAP ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["ssl", "starttls", "none"])
def test_fetch_over_ssl_starttls_or_in_the_clear(tmp_path, monkeypatch, imap_server, security):
    root = mail_workspace(tmp_path / "ws", monkeypatch, imap=imap_server, imap_security=security)
    filled = fill_form(form_path(root, "市发改委"), tmp_path / "f.xlsx", {"2021-G-001": {"status": "正常推进"}})
    imap_server.append(_reply("赵六 <fgw@test.gov.cn>", [("发改委.xlsx", filled.read_bytes())], "<s1@test>"))
    logins = len(imap_server.log_lines("Login: "))
    result = invoke("-w", root, "fetch", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    assert "新邮件1封" in flat(result.output) and "保存附件1个" in flat(result.output)
    assert (root / "input" / "returns" / "2021-06" / "发改委.xlsx").read_bytes() == filled.read_bytes()
    ours = imap_server.log_lines("Login: ", at_least=logins + 1)[logins:]
    assert len(ours) == 1 and ours[0].startswith("user=<office@test.gov.cn>")
    assert (", TLS," in ours[0]) == (security != "none")  # the server saw the connection encrypted, or not


@pytest.mark.parametrize("imap_server", ["/", "."], indirect=True)  # Dovecot's separator between folder levels
def test_fetch_from_a_folder_with_a_chinese_name(tmp_path, monkeypatch, imap_server):
    root = mail_workspace(tmp_path / "ws", monkeypatch, imap=imap_server, extra='imap_folder = "收件箱/督查"')
    folder = imap_server.folder("收件箱", "督查")
    imap_server.create(folder)
    filled = fill_form(form_path(root, "市发改委"), tmp_path / "f.xlsx", {"2021-G-001": {"status": "正常推进"}})
    other = fill_form(form_path(root, "市经信局"), tmp_path / "j.xlsx", {"2021-G-002": {"status": "正常推进"}})
    imap_server.append(_reply("fgw@test.gov.cn", [("发改委.xlsx", filled.read_bytes())], "<d1@test>"), folder)
    imap_server.append(_reply("jxj@test.gov.cn", [("经信局.xlsx", other.read_bytes())], "<i1@test>"))  # INBOX
    result = invoke("-w", root, "fetch", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    assert "新邮件1封" in flat(result.output) and "保存附件1个" in flat(result.output)
    assert [p.name for p in (root / "input" / "returns" / "2021-06").iterdir()] == ["发改委.xlsx"]
    again = invoke("-w", root, "fetch", "--period", "2021-06")  # marked on the server: not taken twice
    assert "新邮件0封" in flat(again.output)
    # Each connection named itself (RFC 2971 ID), as Dovecot logged it (imap_id_log)
    assert imap_server.log_lines("ID sent: ", at_least=2) == [f"name=reporter, version={__version__}"] * 2


def _without_cafile(root: Path, monkeypatch) -> None:
    config = root / "reporter.toml"
    config.write_text(re.sub(r"imap_cafile = .*\n", "", config.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda root, monkeypatch: monkeypatch.setenv("REPORTER_IMAP_PASSWORD", "wrong"),
            "错误：收件服务器 127.0.0.1:{port} 拒绝了 office@test.gov.cn 的登录：[AUTHENTICATIONFAILED] "
            "Authentication failed。请核对 imap_user 和环境变量 REPORTER_IMAP_PASSWORD；"
            "QQ、163 等邮箱须先在网页邮箱的设置中开启 IMAP 服务，并以授权码代替密码",
        ),
        (
            lambda root, monkeypatch: (
                (root / "reporter.toml").open("a", encoding="utf-8").write('imap_folder = "收件箱/督察"\n')
            ),
            "错误：收件服务器 127.0.0.1:{port} 上没有文件夹“收件箱/督察”。服务器上的文件夹有：收件箱/督查、INBOX、已发送；"
            "请在 reporter.toml 的 [mail] imap_folder 中改为服务器上已有的文件夹（收件箱在服务器上名为 INBOX）",
        ),
        (
            _without_cafile,
            "错误：收件服务器 127.0.0.1:{port} 的证书未通过验证（{self_signed}）：如该服务器使用单位自签的证书，"
            "请在 reporter.toml 的 [mail] imap_cafile 中填写其证书文件（.pem）的路径",
        ),
    ],
    ids=["login-refused", "unknown-folder", "untrusted-certificate"],
)
def test_imap_errors_name_the_server_and_the_remedy(tmp_path, monkeypatch, imap_server, change, expected):
    root = mail_workspace(tmp_path / "ws", monkeypatch, imap=imap_server)
    imap_server.create(imap_server.folder("收件箱", "督查"))
    imap_server.create("已发送")
    change(root, monkeypatch)
    result = invoke("-w", root, "fetch", "--period", "2021-06")
    assert result.exit_code == 1
    self_signed = (
        "self signed certificate" if "self signed" in result.output else "self-signed certificate"
    )  # OpenSSL 1 or 3
    assert flat(result.output) == flat(expected.format(port=imap_server.port, self_signed=self_signed))


@pytest.fixture
def netease_imap_server():
    """An IMAP server that answers as 163/126 and Coremail do (see ``tests.mailservers.NeteaseImapServer``)."""
    yield from mailservers.netease_imap_server()


def _netease_config(root: Path, server, security: str = "none") -> None:
    with (root / "reporter.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            f'imap_host = "127.0.0.1"\nimap_port = {server.port}\nimap_security = "{security}"\n'
            f'imap_user = "{server.user}"\n'
        )


def test_fetch_names_itself_before_select_as_163_requires(tmp_path, monkeypatch, netease_imap_server):
    root = mail_workspace(tmp_path / "ws", monkeypatch)
    _netease_config(root, netease_imap_server)
    monkeypatch.setenv("REPORTER_IMAP_PASSWORD", netease_imap_server.password)
    result = invoke("-w", root, "fetch", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    assert "新邮件0封" in flat(result.output)
    commands = netease_imap_server.commands
    assert commands.index("LOGIN") < commands.index("ID") < commands.index("SELECT") and "LOGOUT" in commands


@pytest.mark.parametrize(
    ("refuse_select", "security", "expected"),
    [
        (
            True,
            "none",
            "错误：收件服务器 127.0.0.1:{port} 以“Unsafe Login”拒绝打开文件夹“INBOX”：该邮箱不接受未登记的收件程序。"
            "请登录网页邮箱，在设置中开启 IMAP 服务并以授权码代替密码；政务邮箱（Coremail）请联系管理员允许 IMAP 客户端",
        ),
        (
            False,
            "starttls",
            '错误：收件服务器 127.0.0.1:{port} 不支持 STARTTLS：请把 [mail] imap_security 改为 "ssl"（端口一般为 993）',
        ),
    ],
    ids=["unsafe-login", "no-starttls"],
)
def test_imap_refusals_of_163_and_coremail_are_explained(
    tmp_path, monkeypatch, netease_imap_server, refuse_select, security, expected
):
    netease_imap_server.refuse_select = refuse_select
    root = mail_workspace(tmp_path / "ws", monkeypatch)
    _netease_config(root, netease_imap_server, security)
    monkeypatch.setenv("REPORTER_IMAP_PASSWORD", netease_imap_server.password)
    result = invoke("-w", root, "fetch", "--period", "2021-06")
    assert result.exit_code == 1
    assert flat(result.output) == flat(expected.format(port=netease_imap_server.port))


def test_a_unit_sent_back_is_reminded_with_the_file_and_the_reason(tmp_path, monkeypatch, smtp_server):
    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    fill_form(  # 市发改委 sends May's form as its June report
        _may_form(root),
        root / "input" / "returns" / "2021-06" / "发改委五月.xlsx",
        {"2021-G-001": {"status": "正常推进"}},
    )
    assert invoke("-w", root, "collect", "--period", "2021-06").exit_code == 1
    result = invoke("-w", root, "remind", "--period", "2021-06")
    assert "发送8封" in flat(result.output), result.output
    bodies = {
        parsed(m.data)["Subject"]: parsed(m.data).get_body(("plain",)).get_content() for m in smtp_server.received
    }
    body = next(b for s, b in bodies.items() if "市发改委" in s)
    assert (
        "你单位此前报送的《发改委五月.xlsx》已退回，原因：这是2021年5月的填报表，不是2021年6月的。"
        "请使用本期下发的填报表报送。请按附件重新填写后报送。"
    ) in body
    other = next(b for s, b in bodies.items() if "市经信局" in s)
    assert "已退回" not in other


def _may_form(root: Path) -> Path:
    assert invoke("-w", root, "forms", "--period", "2021-05").exit_code == 0
    assert invoke("-w", root, "forms", "--period", "2021-06").exit_code == 0  # June stays the period at work
    return form_path(root, "市发改委", "2021-05")


def test_a_reminder_before_the_due_date_names_the_days_left_and_is_not_counted_as_a_chase(
    tmp_path, monkeypatch, smtp_server
):
    from datetime import date, timedelta

    root = mail_workspace(tmp_path / "ws", monkeypatch, smtp=smtp_server)
    result = invoke("-w", root, "remind", "--period", "2021-06", "--before-due")
    assert result.exit_code == 1
    assert result.output == (
        "错误：2021年6月的报送截止日期2021年6月25日已过，截止前提醒不再发送；请用 reporter remind 向未报单位催报\n"
    )
    due = date.today() + timedelta(days=5)
    assert invoke("-w", root, "forms", "--period", "2021-06", "--due", due.isoformat()).exit_code == 0
    result = invoke("-w", root, "remind", "--period", "2021-06", "--before-due")
    assert "发送8封" in flat(result.output), result.output  # and one unit without an address
    messages = [parsed(m.data) for m in smtp_server.received]
    assert len(messages) == 8
    label = f"{due.year}年{due.month}月{due.day}日"
    assert all(m["Subject"].startswith(f"【提醒】2021年6月目标任务推进情况请于{label}前报送") for m in messages)
    assert all("距今还有5天" in m.get_body(("plain",)).get_content() for m in messages)
    invoke("-w", root, "remind", "--period", "2021-06", "--before-due")
    assert len(smtp_server.received) == 8  # once a day
    units = {u["unit"]: u for u in json.loads(invoke("-w", root, "status", "--json", "-").output)["units"]}
    assert units["市经信局"]["reminders"] == 0  # a reminder before the due date is not a chase

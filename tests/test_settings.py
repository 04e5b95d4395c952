"""reporter.toml: every key must be one reporter knows (a typo is named with the closest key); a BOM is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporter.errors import ConfigError, UnknownKeyError
from reporter.settings import CONFIG_TEMPLATE, load_workspace
from tests.test_cli import flat, invoke

BASE = """\
[workspace]
name = "测试"
office = "市政府督查室"

[periods]
kind = "monthly"
due_day = 25

[[districts]]
name = "海曙区"
short = "海曙"

[[districts]]
name = "江北区"
short = "江北"

[mail]
sender = "市政府督查室 <dcs@test.gov.cn>"
smtp_host = ""
"""


def _write(root: Path, text: str, *, bom: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "reporter.toml").write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return root


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "[mail]\n",
            '[mail]\nsmtp_hots = "mail.example.cn"\n',
            " 的 [mail] 中没有 smtp_hots 这一项，是否应为 smtp_host？",
        ),
        (
            'name = "测试"\n',
            'name = "测试"\nofice = "督查室"\n',
            " 的 [workspace] 中没有 ofice 这一项，是否应为 office？",
        ),
        ("due_day = 25\n", "due_day = 25\ndue_date = 20\n", " 的 [periods] 中没有 due_date 这一项，是否应为 due_day？"),
        ('short = "江北"\n', 'shrot = "江北"\n', " 的第2个 [[districts]] 中没有 shrot 这一项，是否应为 short？"),
        ("[mail]\n", "[mial]\n", " 中没有 [mial] 这一节，是否应为 [mail]？"),
        ("[workspace]\n", 'nmae = "x"\n[workspace]\n', " 的顶层没有 nmae 这一项（可用的项：[workspace]、[ledger]、"),
        ("[mail]\n", "[mail]\nxyz = 1\n", " 的 [mail] 中没有 xyz 这一项（可用的项：sender、cc、smtp_host、"),
        (
            "[mail]\n",
            '[ledger]\ntitel_font = "黑体"\n\n[mail]\n',
            " 的 [ledger] 中没有 titel_font 这一项，是否应为 title_font？",
        ),
        (
            "[mail]\n",
            "[progress]\nyellow_gapp = 5\n\n[mail]\n",
            " 的 [progress] 中没有 yellow_gapp 这一项，是否应为 yellow_gap？",
        ),
        (
            "[mail]\n",
            '[report]\nbody_fnot = "仿宋"\n\n[mail]\n',
            " 的 [report] 中没有 body_fnot 这一项，是否应为 body_font？",
        ),
        ("[mail]\n", "[lexicon]\nlables = {}\n\n[mail]\n", " 的 [lexicon] 中没有 lables 这一项，是否应为 labels？"),
        (
            "[mail]\n",
            '[notices."2021年通知.docx"]\ncod = "2021B"\n\n[mail]\n',
            ' 的 [notices."2021年通知.docx"] 中没有 cod 这一项，是否应为 code？',
        ),
    ],
    ids=[
        "mail",
        "workspace",
        "periods",
        "districts",
        "table",
        "top-level",
        "no-close-key",
        "ledger",
        "progress",
        "report",
        "lexicon",
        "notices",
    ],
)
def test_an_unknown_key_is_named_with_the_closest_known_key(tmp_path, old, new, message):
    assert old in BASE
    root = _write(tmp_path / "ws", BASE.replace(old, new, 1))
    with pytest.raises(UnknownKeyError) as raised:
        load_workspace(root)
    expected = f"{root / 'reporter.toml'}{message}"
    if message.endswith("？"):
        assert str(raised.value) == expected
    else:  # the known keys follow
        assert str(raised.value).startswith(expected) and str(raised.value).endswith("）")


def test_the_exact_message_for_a_typo_in_mail(tmp_path):
    root = _write(tmp_path / "ws", BASE.replace("[mail]\n", '[mail]\nsmtp_hots = "mail.example.cn"\n'))
    with pytest.raises(UnknownKeyError) as raised:
        load_workspace(root)
    assert str(raised.value) == f"{root / 'reporter.toml'} 的 [mail] 中没有 smtp_hots 这一项，是否应为 smtp_host？"
    assert (raised.value.table, raised.value.key, raised.value.suggestion) == ("[mail]", "smtp_hots", "smtp_host")
    assert isinstance(raised.value, ConfigError)


def test_an_unknown_key_exits_1_with_one_line(tmp_path):
    root = _write(tmp_path / "ws", BASE.replace("[mail]\n", '[mail]\nsmtp_hots = "mail.example.cn"\n'))
    result = invoke("-w", str(root), "status")
    assert result.exit_code == 1
    assert flat(result.output) == flat(
        f"错误：{root / 'reporter.toml'} 的 [mail] 中没有 smtp_hots 这一项，是否应为 smtp_host？"
    )
    assert "Traceback" not in result.output


def test_a_password_in_mail_keeps_its_own_message(tmp_path):
    root = _write(tmp_path / "ws", BASE.replace("[mail]\n", '[mail]\nsmtp_password = "123456"\n'))
    with pytest.raises(ConfigError) as raised:
        load_workspace(root)
    assert not isinstance(raised.value, UnknownKeyError)
    assert "请不要把邮箱密码写在 reporter.toml 中" in str(raised.value)


def test_aliases_and_notice_file_names_are_the_offices_own(tmp_path):
    text = BASE + '\n[aliases]\n"市邮政局" = "市邮政管理局"\n\n[notices."某县2021年通知.docx"]\ncode = "2021B"\n'
    workspace = load_workspace(_write(tmp_path / "ws", text))
    assert workspace.aliases == {"市邮政局": "市邮政管理局"}
    assert workspace.notice_codes == {"某县2021年通知.docx": "2021B"}


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_a_bom_is_accepted(tmp_path, bom):
    workspace = load_workspace(_write(tmp_path / "ws", BASE, bom=bom))
    assert workspace.name == "测试"  # the first key, right after the BOM
    assert [d.short for d in workspace.districts] == ["海曙", "江北"]
    assert workspace.mail.sender == "市政府督查室 <dcs@test.gov.cn>"


def test_a_bom_does_not_hide_a_typo(tmp_path):
    root = _write(tmp_path / "ws", BASE.replace('name = "测试"\n', 'nmae = "测试"\n'), bom=True)
    with pytest.raises(UnknownKeyError) as raised:
        load_workspace(root)
    assert str(raised.value) == f"{root / 'reporter.toml'} 的 [workspace] 中没有 nmae 这一项，是否应为 name？"


def test_the_template_written_by_init_knows_every_key(tmp_path):
    text = CONFIG_TEMPLATE.format(name="测试", office="督查室", districts="", aliases="")
    uncommented = text.replace("# [[districts]]", "[[districts]]").replace("# name =", "name =")
    load_workspace(_write(tmp_path / "a", text))
    load_workspace(_write(tmp_path / "b", uncommented, bom=True))


def test_a_sent_folder_needs_an_imap_server(tmp_path):
    root = _write(tmp_path / "ws", BASE.replace("[mail]\n", '[mail]\nimap_sent_folder = "已发送"\n'))
    with pytest.raises(ConfigError) as raised:
        load_workspace(root)
    assert str(raised.value) == (
        f"{root / 'reporter.toml'}：[mail] 设置了 imap_sent_folder，还需设置收件服务器 imap_host 和 imap_user"
    )

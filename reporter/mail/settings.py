"""``[mail]`` in reporter.toml: servers, sender, pauses and retries (never passwords). Imports no mail library."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporter.errors import ConfigError


@dataclass(frozen=True)
class MailSettings:
    """``[mail]`` in reporter.toml (no passwords here)."""

    sender: str = ""
    cc: tuple[str, ...] = ()
    smtp_host: str = ""
    smtp_port: int = 465
    smtp_security: str = "ssl"
    smtp_user: str = ""
    smtp_cafile: str = ""
    pause_seconds: float = 1.0
    retries: int = 3
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"
    imap_user: str = ""
    imap_cafile: str = ""
    imap_folder: str = "INBOX"
    # The folder where the mail server keeps a copy of every message sent through it ("Sent", "已发送"): where a send
    # that was cut off is looked up by its Message-ID before it is sent again. Empty: such a send is left to the office.
    imap_sent_folder: str = ""


def settings_from_config(table: dict[str, Any], where: Path) -> MailSettings:
    """Check ``[mail]`` and build the settings."""
    defaults = MailSettings()
    values: dict[str, Any] = {}
    for key, default in defaults.__dict__.items():
        if key not in table:
            continue
        value = table[key]
        if key == "cc":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}：[mail] cc 应为邮箱地址列表")
            value = tuple(value)
        elif isinstance(default, int | float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{where}：[mail] {key} 应为数字")
            value = type(default)(value)
        elif not isinstance(value, str):
            raise ConfigError(f"{where}：[mail] {key} 应为文本（用引号括起）")
        values[key] = value
    for key in ("smtp_security", "imap_security"):
        if values.get(key, "ssl") not in ("ssl", "starttls", "none"):
            raise ConfigError(f'{where}：[mail] {key} 应为 "ssl"、"starttls" 或 "none"')
    if values.get("imap_sent_folder") and not values.get("imap_host"):
        raise ConfigError(f"{where}：[mail] 设置了 imap_sent_folder，还需设置收件服务器 imap_host 和 imap_user")
    if "password" in table or "smtp_password" in table or "imap_password" in table:
        raise ConfigError(
            f"{where}：请不要把邮箱密码写在 reporter.toml 中，改用环境变量 REPORTER_SMTP_PASSWORD 或系统钥匙串"
        )
    return MailSettings(**values)

"""Real mail servers on loopback for the tests: aiosmtpd (SMTP over SSL) and Dovecot (IMAP over SSL)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the tests trust it as their CA)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpServer:
    port: int
    cafile: Path
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> reply, e.g. "550 no such user"
    transient_failures: int = 0  # answer DATA with 451 this many times first
    logins: list[tuple[str, str]] = field(default_factory=list)
    # Called with each accepted message, as a server that keeps a copy of what it sends in the Sent folder does
    on_accept: Callable[[bytes], None] | None = None


@pytest.fixture
def smtp_server(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = make_certificate(tmp_path)
    server = SmtpServer(port=free_port(), cafile=cert)

    class Handler:
        async def handle_RCPT(self, smtp, session, envelope, address, options):
            if address in server.refuse:
                return server.refuse[address]
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, smtp, session, envelope):
            if server.transient_failures > 0:
                server.transient_failures -= 1
                return "451 try again later"
            server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            if server.on_accept is not None:
                server.on_accept(envelope.original_content)
            return "250 Message accepted"

    def authenticate(smtp, session, envelope, mechanism, auth_data):
        server.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"smtp-secret")

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=server.port,
        ssl_context=context,
        authenticator=authenticate,
        auth_require_tls=False,
        server_hostname="127.0.0.1",
    )
    controller.start()
    yield server
    controller.stop()


@dataclass
class ImapServer:
    port: int
    cafile: Path
    user: str = "office@test.gov.cn"
    password: str = "imap-secret"

    def _connect(self):
        import imaplib

        connection = imaplib.IMAP4_SSL(
            "127.0.0.1", self.port, ssl_context=ssl.create_default_context(cafile=str(self.cafile))
        )
        connection.login(self.user, self.password)
        return connection

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in a folder (its name as IMAP wants it: see ``reporter.mail.transport.imap_mailbox``)."""
        connection = self._connect()
        status, data = connection.append(folder, None, None, raw)
        assert status == "OK", data
        connection.logout()

    def create(self, folder: str) -> None:
        connection = self._connect()
        status, data = connection.create(folder)
        assert status == "OK", data
        connection.logout()


def _dovecot() -> str | None:
    return shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


@pytest.fixture
def imap_server(tmp_path):
    """Dovecot with a throw-away config, user and maildir; a failure in CI when Dovecot is missing."""
    binary = _dovecot()
    if binary is None:
        message = "未安装 Dovecot（dovecot-imapd）：无法测试 IMAP 收件（CI 的 .ci/run 会安装）"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Not under pytest's tmp_path: that is private to its owner, and Dovecot's own accounts must reach the maildir.
    root = Path(tempfile.mkdtemp(prefix="reporter-dovecot-"))
    root.chmod(0o755)
    for name in ("run", "state", "home"):
        (root / name).mkdir(parents=True)
    cert, key = make_certificate(root)
    server = ImapServer(port=free_port(), cafile=cert)
    (root / "passwd").write_text(f"{server.user}:{{PLAIN}}{server.password}::::::\n")
    if os.getuid() == 0:  # Dovecot never delivers mail as root: use its own unprivileged accounts
        mail_user = pwd.getpwnam("dovecot")
        internal, login = "dovecot", "dovenull"
        shutil.chown(root / "home", mail_user.pw_uid, mail_user.pw_gid)
        uid, gid = mail_user.pw_uid, mail_user.pw_gid
    else:
        me = pwd.getpwuid(os.getuid())
        internal = login = me.pw_name
        uid, gid = me.pw_uid, me.pw_gid
    (root / "dovecot.conf").write_text(
        f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {server.port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read().decode(errors="replace")) from None
            time.sleep(0.1)
    yield server
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(root, ignore_errors=True)

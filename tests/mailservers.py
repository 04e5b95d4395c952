"""Mail servers on loopback for the tests: aiosmtpd (SMTP over SSL), Dovecot (IMAP over SSL, STARTTLS or in the
clear), and a scripted IMAP server that answers as NetEase (163/126) and Coremail mailboxes do."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
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
        # handled=False: aiosmtpd answers a refused login itself (535); otherwise the client waits for an answer
        return AuthResult(success=auth_data.password == b"smtp-secret", handled=False)

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
    port: int  # IMAP over SSL
    plain_port: int  # IMAP in the clear, with STARTTLS offered
    cafile: Path
    log: Path  # Dovecot's log: logins, and the ID each client sent (imap_id_log)
    separator: str  # the hierarchy separator of the user's folders
    user: str = "office@test.gov.cn"
    password: str = "imap-secret"

    def _connect(self):
        from imapclient import IMAPClient

        client = IMAPClient(
            "127.0.0.1", self.port, ssl_context=ssl.create_default_context(cafile=str(self.cafile)), timeout=10
        )
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in a folder; ``folder`` as the server shows it (``收件箱/督查`` with separator ``/``)."""
        with self._connect() as client:
            client.append(folder, raw)

    def create(self, folder: str) -> None:
        """Create a folder (imapclient encodes a Chinese name as modified UTF-7)."""
        with self._connect() as client:
            client.create_folder(folder)

    def folder(self, *path: str) -> str:
        """A folder path joined with the server's separator: ``folder("收件箱", "督查")``."""
        return self.separator.join(path)

    def log_lines(self, marker: str, at_least: int = 1, timeout: float = 5) -> list[str]:
        """The lines of Dovecot's log that hold ``marker`` (``"ID sent: "``, ``"Login: "``), from where it stands;
        waits up to ``timeout`` seconds for ``at_least`` of them (Dovecot writes its log a moment later)."""
        deadline = time.time() + timeout
        while True:
            text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
            lines = [line.split(marker, 1)[1] for line in text.splitlines() if marker in line]
            if len(lines) >= at_least or time.time() > deadline:
                return lines
            time.sleep(0.05)


def _dovecot() -> str | None:
    return shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


@pytest.fixture
def imap_server(request):
    """Dovecot with a throw-away config, user and maildir; a failure in CI when Dovecot is missing.

    The folders' hierarchy separator is ``.`` (Dovecot's default for maildir), or the fixture's parameter
    (``@pytest.mark.parametrize("imap_server", ["/"], indirect=True)``).
    """
    separator = getattr(request, "param", ".")
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
    server = ImapServer(
        port=free_port(), plain_port=free_port(), cafile=cert, log=root / "dovecot.log", separator=separator
    )
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
log_path = {server.log}
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
namespace inbox {{
  inbox = yes
  separator = {separator}
}}
imap_id_log = *
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {server.plain_port}
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


@dataclass
class NeteaseImapServer:
    """A scripted IMAP server (in the clear) that answers as 163/126 and Coremail mailboxes do: it offers ID, and
    refuses SELECT with "Unsafe Login" unless the client sent ID first (or always, with ``refuse_select``). Its one
    folder, INBOX, is empty."""

    port: int
    user: str = "office@163.com"
    password: str = "auth-code"
    refuse_select: bool = False
    commands: list[str] = field(default_factory=list)  # the commands received, in order ("LOGIN", "ID", "SELECT" …)


_NETEASE_CAPABILITIES = "IMAP4rev1 XLIST SPECIAL-USE ID LITERAL+ UIDPLUS"


def _netease_reply(server: NeteaseImapServer, command: str, args: str, identified: bool) -> list[str]:
    """The untagged lines and the tagged answer's text ("OK …", "NO …") to one command."""
    if command == "CAPABILITY":
        return [f"* CAPABILITY {_NETEASE_CAPABILITIES}", "OK CAPABILITY completed"]
    if command == "LOGIN":
        ok = args in (f'{server.user} "{server.password}"', f"{server.user} {server.password}")
        return ["OK LOGIN completed"] if ok else ["NO LOGIN Login error password error"]
    if command == "ID":
        return ['* ID ("name" "Coremail Imap" "vendor" "Mailtech")', "OK ID completed"]
    if command in ("SELECT", "EXAMINE"):
        if server.refuse_select or not identified:
            return [f"NO {command} Unsafe Login. Please contact kefu@188.com for help"]
        return ["* 0 EXISTS", "* 0 RECENT", "* OK [UIDVALIDITY 1] UIDs valid", f"OK [READ-WRITE] {command} completed"]
    if command == "LIST":
        listed = '* LIST (\\Noselect) "/" ""' if args.endswith('""') else '* LIST (\\HasNoChildren) "/" "INBOX"'
        return [listed, "OK LIST completed"]
    if command == "UID SEARCH":
        return ["* SEARCH", "OK SEARCH completed"]
    if command == "LOGOUT":
        return ["* BYE LOGOUT received", "OK LOGOUT Completed"]
    return ["BAD command not supported"]


def netease_imap_server() -> Iterator[NeteaseImapServer]:
    """The scripted server, listening on loopback until the generator is closed (a fixture's body)."""
    server = NeteaseImapServer(port=free_port())

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            identified = False
            self.wfile.write(b"* OK Coremail System IMap Server Ready\r\n")
            for line in self.rfile:
                tag, _, rest = line.decode("utf-8", errors="replace").rstrip("\r\n").partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                if command == "UID":
                    sub, _, args = args.partition(" ")
                    command = f"UID {sub.upper()}"
                server.commands.append(command)
                *untagged, answer = _netease_reply(server, command, args, identified)
                identified = identified or command == "ID"
                self.wfile.write("".join(f"{u}\r\n" for u in [*untagged, f"{tag} {answer}"]).encode())
                if command == "LOGOUT":
                    return

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True

    listener = Server(("127.0.0.1", server.port), Handler)
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    yield server
    listener.shutdown()
    listener.server_close()

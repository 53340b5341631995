"""Real mail servers on 127.0.0.1 for the mail tests: aiosmtpd (SMTP) and dovecot (IMAP).

Nothing is mocked: the code under test talks to these servers over TCP and TLS with a
test certificate made by the ``openssl`` command line.
"""

from __future__ import annotations

import asyncio
import email
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USER = "kaohe@example.cn"
SMTP_PASSWORD = "auth-code-123"
IMAP_PASSWORD = "imap-secret"
DOVECOT = "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class CertFiles:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_cert(folder: Path) -> CertFiles:
    """A self-signed certificate for 127.0.0.1 (and localhost), made with openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the openssl command is needed for the mail tests (apt-get install openssl)")
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return CertFiles(cert, key)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class SmtpHandler:
    """Records what arrives; can refuse addresses (550) or stall DATA once (timeouts)."""

    received: list[Received] = field(default_factory=list)
    reject: set[str] = field(default_factory=set)
    stall_for: set[str] = field(default_factory=set)  # stall DATA once for these recipients
    stall_seconds: float = 3.0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address.lower() in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stalled = self.stall_for & {a.lower() for a in envelope.rcpt_tos}
        if stalled:
            self.stall_for -= stalled
            await asyncio.sleep(self.stall_seconds)
            return "451 4.3.0 too slow"
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 Ok: queued"

    def by_recipient(self) -> dict[str, list[Received]]:
        result: dict[str, list[Received]] = {}
        for item in self.received:
            for address in item.rcpt_tos:
                result.setdefault(address, []).append(item)
        return result


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == SMTP_USER
        and auth_data.password.decode("utf-8") == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: SmtpHandler
    security: str  # starttls | ssl | none


def start_smtp(cert: CertFiles, security: str = "starttls", auth: bool = True) -> tuple[Controller, SmtpServer]:
    """An aiosmtpd server on 127.0.0.1 with a free port; stop the controller when done."""
    handler = SmtpHandler()
    port = free_port()
    kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": port, "ready_timeout": 10}
    if security == "starttls":
        kwargs.update(tls_context=cert.server_context(), require_starttls=True)
    elif security == "ssl":
        kwargs.update(ssl_context=cert.server_context())
    if auth:
        # aiosmtpd knows TLS only from STARTTLS: on implicit TLS (ssl) AUTH is offered
        # but not enforced (enforcing it without "TLS" makes aiosmtpd warn).
        starttls = security == "starttls"
        kwargs.update(authenticator=_authenticator, auth_required=starttls, auth_require_tls=starttls)
    controller = Controller(handler, **kwargs)
    if security == "ssl":
        # The readiness probe would speak TLS with the *server* context; skip it and
        # wait for the port instead.
        controller._trigger_server = lambda: _wait_port(port)  # type: ignore[method-assign]
    controller.start()
    return controller, SmtpServer("127.0.0.1", port, handler, security)


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} did not open")


# ---- dovecot ------------------------------------------------------------------------------
_DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:{mail_root}/%u/Maildir
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {{
  driver = static
  args = password={password}
}}
# no growing penalty delay after the deliberate wrong-password tests
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail_root}/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
"""


@dataclass
class Dovecot:
    """A dovecot instance on 127.0.0.1:port (IMAPS); any user name, password IMAP_PASSWORD.

    dovecot never runs a mail process as root, so the mailboxes belong to ``nobody``
    and live in their own folder under /tmp (pytest's tmp_path is private to root).
    """

    root: Path
    mail_root: Path
    port: int
    cert: CertFiles
    uid: int
    gid: int

    def maildir(self, user: str) -> Path:
        folder = self.mail_root / user / "Maildir"
        for sub in ("new", "cur", "tmp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        for path in (self.mail_root / user, folder, *(folder / sub for sub in ("new", "cur", "tmp"))):
            os.chown(path, self.uid, self.gid)
        return folder

    def deliver(self, user: str, raw: bytes, mtime: float | None = None) -> Path:
        """Put a message into the user's INBOX as a file in Maildir/new (internal date = mtime)."""
        folder = self.maildir(user)
        name = f"{time.time_ns()}.{uuid.uuid4().hex[:8]}.kaohe-test"  # sortable: delivery order
        tmp = folder / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, self.uid, self.gid)
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
        target = folder / "new" / name
        tmp.rename(target)
        return target


@pytest.fixture(scope="session")
def test_cert(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    return make_cert(tmp_path_factory.mktemp("cert"))


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory, test_cert: CertFiles) -> Iterator[Dovecot]:
    """dovecot started in the foreground with its own config, run dir, log and maildirs."""
    if not Path(DOVECOT).exists():
        pytest.fail(f"{DOVECOT} is needed for the imap tests (apt-get install dovecot-imapd)")
    nobody = pwd.getpwnam("nobody")
    root = tmp_path_factory.mktemp("dovecot")
    mail_root = Path(tempfile.mkdtemp(prefix="kaohe-imap-"))
    os.chown(mail_root, nobody.pw_uid, nobody.pw_gid)
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        _DOVECOT_CONF.format(
            root=root,
            mail_root=mail_root,
            uid=nobody.pw_uid,
            gid=nobody.pw_gid,
            cert=test_cert.cert,
            key=test_cert.key,
            port=port,
            password=IMAP_PASSWORD,
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        try:
            _wait_port(port, timeout=20)
        except RuntimeError:
            process.kill()
            output = process.communicate()[0].decode("utf-8", "replace")
            log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
            pytest.fail(f"dovecot did not start:\n{output}\n{log}")
        yield Dovecot(root, mail_root, port, test_cert, nobody.pw_uid, nobody.pw_gid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        shutil.rmtree(mail_root, ignore_errors=True)

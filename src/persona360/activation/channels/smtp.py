"""Email over SMTP, reusing one connection for a whole run of sends, pipelined when the server allows.

A message costs four round trips with ``smtplib.sendmail`` (MAIL, RCPT, DATA, the
data). When the server advertises PIPELINING (RFC 2920; Postfix, Exim and most relays
do), MAIL, RCPT and DATA go in one write and their three answers are read together:
two round trips. Messages are built by ``mime.compose`` (bytes, no ``email`` objects),
as 8-bit UTF-8 text when the server advertises 8BITMIME (then ``BODY=8BITMIME``).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass

from persona360.activation.channels.base import Message, SendResult
from persona360.activation.channels.mime import HeaderInjectionError, compose, is_eight_bit

_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect (from the ``smtp_*`` settings)."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    pipelining: bool = True  # used only when the server advertises it


class SmtpChannel:
    """The ``email`` channel: one SMTP connection, opened on first send and reused."""

    name = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._pipelining = False
        self._eight_bit = False
        self.connections = 0
        self.pipelined = 0  # messages sent with pipelining (for tests and the benchmark)
        self._domain = config.sender.rpartition("@")[2] or "persona360.invalid"
        self._token = secrets.token_hex(8)

    def send(self, message: Message) -> SendResult:
        try:
            self._hand_over(message)
        except HeaderInjectionError as error:
            return SendResult(False, str(error), permanent=True)
        except smtplib.SMTPRecipientsRefused as error:
            return SendResult(False, f"recipient refused: {error.recipients}", permanent=True)
        except smtplib.SMTPServerDisconnected:
            self._smtp = None
            return self._retry_once(message)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return SendResult(False, f"{type(error).__name__}: {error}")
        return SendResult(True)

    def _retry_once(self, message: Message) -> SendResult:
        try:
            self._hand_over(message)
        except HeaderInjectionError as error:
            return SendResult(False, str(error), permanent=True)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return SendResult(False, f"{type(error).__name__}: {error}")
        return SendResult(True)

    def _hand_over(self, message: Message) -> None:
        smtp = self._connection()  # first: the message is built for what this server takes
        email = self._compose(message)
        options = ["BODY=8BITMIME"] if is_eight_bit(email) else []
        address = message.address
        if self._pipelining and address.isascii() and self.config.sender.isascii():
            _pipelined(smtp, self.config.sender, address, email, options)
            self.pipelined += 1
        else:
            smtp.sendmail(self.config.sender, [address], email, options)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout)
            if self.config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.config.username:
                smtp.login(self.config.username, self.config.password)
            smtp.ehlo_or_helo_if_needed()
            self._pipelining = self.config.pipelining and smtp.has_extn("pipelining")
            self._eight_bit = smtp.has_extn("8bitmime")
            self._smtp = smtp
            self.connections += 1
        return self._smtp

    def _compose(self, message: Message) -> bytes:
        # A boundary and Message-ID of our own: make_msgid and a random boundary cost
        # a DNS lookup or a regex compiled per message.
        unique = f"{self._token}.{message.message_id}"
        return compose(
            self.config.sender,
            message.address,
            message.subject,
            f"<p360-{unique}@{self._domain}>",
            message.text,
            message.html,
            f"=_p360_{unique}",
            self._eight_bit,
        )

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def _pipelined(smtp: smtplib.SMTP, sender: str, address: str, email: bytes, options: list[str]) -> None:
    """MAIL, RCPT and DATA in one write, then the data: raises as ``sendmail`` does."""
    mail = " ".join([f"MAIL FROM:<{sender}>", *options])
    smtp.send(f"{mail}\r\nRCPT TO:<{address}>\r\nDATA\r\n")
    mail, rcpt, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
    if data[0] == 354 and (mail[0] != 250 or rcpt[0] not in (250, 251)):
        smtp.send(b".\r\n")  # a server that opened DATA anyway: end it empty, then reset
        smtp.getreply()
    if mail[0] != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(mail[0], mail[1], sender)
    if rcpt[0] not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({address: rcpt})
    if data[0] != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(data[0], data[1])
    body = _LEADING_DOT.sub(b"..", email)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body + b".\r\n")
    code, answer = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, answer)

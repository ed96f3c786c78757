"""Email over SMTP, reusing one connection for a whole run of sends."""

from __future__ import annotations

import contextlib
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import make_msgid

from persona360.activation.channels.base import Message, SendResult

# sendmail() passes bytes through untouched, and SMTP lines end in CRLF.
_WIRE = compat32.clone(linesep="\r\n")


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


class SmtpChannel:
    """The ``email`` channel: one SMTP connection, opened on first send and reused."""

    name = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0
        # make_msgid looks the host name up in DNS on every call unless given a domain
        self._domain = config.sender.rpartition("@")[2] or "persona360.invalid"
        self._boundary = secrets.token_hex(8)

    def send(self, message: Message) -> SendResult:
        email = self._compose(message)
        try:
            self._connection().sendmail(self.config.sender, [message.address], email)
        except smtplib.SMTPRecipientsRefused as error:
            return SendResult(False, f"recipient refused: {error.recipients}", permanent=True)
        except smtplib.SMTPServerDisconnected:
            self._smtp = None
            return self._retry_once(message.address, email)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return SendResult(False, f"{type(error).__name__}: {error}")
        return SendResult(True)

    def _retry_once(self, address: str, email: bytes) -> SendResult:
        try:
            self._connection().sendmail(self.config.sender, [address], email)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return SendResult(False, f"{type(error).__name__}: {error}")
        return SendResult(True)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout)
            if self.config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.config.username:
                smtp.login(self.config.username, self.config.password)
            self._smtp = smtp
            self.connections += 1
        return self._smtp

    def _compose(self, message: Message) -> bytes:
        # The legacy (compat32) MIME classes: the modern EmailMessage API parses and
        # folds every header through the header registry, ~10 ms a message, which
        # alone capped a send run near 100 messages a second.
        text = MIMEText(message.text, "plain", "utf-8")
        if message.html:
            # A boundary of our own: a random one costs a regex compiled per message.
            email: MIMEBase = MIMEMultipart("alternative", boundary=f"=_p360_{self._boundary}_{message.message_id}")
            email.attach(text)
            email.attach(MIMEText(message.html, "html", "utf-8"))
        else:
            email = text
        email["From"] = self.config.sender
        email["To"] = message.address
        subject = message.subject if message.subject.isascii() else Header(message.subject, "utf-8")
        email["Subject"] = subject  # type: ignore[assignment]  # email accepts a Header; typeshed says str
        email["Message-ID"] = make_msgid(idstring=f"p360-{message.message_id}", domain=self._domain)
        return email.as_bytes(policy=_WIRE)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

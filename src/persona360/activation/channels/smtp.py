"""Email over SMTP, reusing one connection for a whole run of sends."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from persona360.activation.channels.base import Message, SendResult


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

    def send(self, message: Message) -> SendResult:
        email = self._compose(message)
        try:
            self._connection().send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            return SendResult(False, f"recipient refused: {error.recipients}", permanent=True)
        except smtplib.SMTPServerDisconnected:
            self._smtp = None
            return self._retry_once(email)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return SendResult(False, f"{type(error).__name__}: {error}")
        return SendResult(True)

    def _retry_once(self, email: EmailMessage) -> SendResult:
        try:
            self._connection().send_message(email)
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

    def _compose(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.config.sender
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(idstring=f"p360-{message.message_id}")
        email.set_content(message.text)
        if message.html:
            email.add_alternative(message.html, subtype="html")
        return email

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

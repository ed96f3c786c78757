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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from persona360.activation.channels.base import Message, SendResult
from persona360.activation.channels.mime import HeaderInjectionError, compose, is_eight_bit

_LEADING_DOT = re.compile(rb"(?m)^\.")


def _at_once() -> None:
    """No pacing."""


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
        except smtplib.SMTPServerDisconnected:
            self._smtp = None
            return self._retry_once(message)
        except (HeaderInjectionError, smtplib.SMTPException, OSError) as error:
            return self._failed(error)
        return SendResult(True)

    def _retry_once(self, message: Message) -> SendResult:
        try:
            self._hand_over(message)
        except (HeaderInjectionError, smtplib.SMTPException, OSError) as error:
            return self._failed(error)
        return SendResult(True)

    def _failed(self, error: Exception) -> SendResult:
        """The result of a message that raised: a bad header or a refused recipient is permanent."""
        if isinstance(error, HeaderInjectionError):
            return SendResult(False, str(error), permanent=True)
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            return SendResult(False, f"recipient refused: {error.recipients}", permanent=True)
        self.close()
        return SendResult(False, f"{type(error).__name__}: {error}")

    def send_many(self, messages: Sequence[Message], pace: Callable[[], None] = _at_once) -> list[SendResult]:
        """Send ``messages`` in order, one write and one round trip a message when the server pipelines.

        With PIPELINING (RFC 2920 allows the message content to lead a group), the data
        of one message with its ending dot and the next message's MAIL, RCPT and DATA
        go in one write, and the four answers (250 to that data, then 250, 250, 354) are
        read together: half the writes and round trips of :meth:`send`, on both sides.
        Without PIPELINING, or for an address that is not ASCII, a message goes through
        :meth:`send`. ``pace`` is called before each message (the rate limiter). When
        the connection breaks, the messages whose answer was not read yet go again
        through :meth:`send` on a new connection (at least once, never lost).
        """
        results: list[SendResult | None] = [None] * len(messages)
        flight = _Flight()
        for index, message in enumerate(messages):
            pace()
            try:
                self._stream(index, message, flight, results)
            except (smtplib.SMTPException, OSError):
                self._recover(messages, flight, results, index)
        try:
            self._land(flight, results)
        except (smtplib.SMTPException, OSError):
            self._recover(messages, flight, results, None)
        return [r if r is not None else SendResult(False, "not sent") for r in results]

    def _stream(self, index: int, message: Message, flight: _Flight, results: list[SendResult | None]) -> None:
        """Hand over one message in the pipelined stream: the previous message's data rides in the same write."""
        smtp = self._connection()
        try:
            email = self._compose(message)
        except HeaderInjectionError as error:
            results[index] = self._failed(error)
            return
        sender, address = self.config.sender, message.address
        if not (self._pipelining and address.isascii() and sender.isascii()):
            self._land(flight, results)
            results[index] = self.send(message)
            return
        body = " BODY=8BITMIME" if is_eight_bit(email) else ""
        smtp.send(flight.data + f"MAIL FROM:<{sender}>{body}\r\nRCPT TO:<{address}>\r\nDATA\r\n".encode())
        if flight.index is not None:
            results[flight.index] = _data_result(smtp.getreply())
            flight.clear()
        mail, rcpt, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
        try:
            _check_replies(smtp, sender, address, mail, rcpt, data)
        except smtplib.SMTPServerDisconnected:
            raise
        except smtplib.SMTPException as error:
            results[index] = self._failed(error)
            return
        flight.index, flight.data = index, _stuffed(email)
        self.pipelined += 1

    def _land(self, flight: _Flight, results: list[SendResult | None]) -> None:
        """Send the data still in flight alone and read its answer (the end of a stream)."""
        if flight.index is None:
            return
        smtp = self._connection()
        smtp.send(flight.data)
        results[flight.index] = _data_result(smtp.getreply())
        flight.clear()

    def _recover(
        self, messages: Sequence[Message], flight: _Flight, results: list[SendResult | None], index: int | None
    ) -> None:
        """After a broken connection: send again, one at a time, what has no answer yet."""
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None
        unanswered = [i for i in (flight.index, index) if i is not None and results[i] is None]
        flight.clear()
        for i in unanswered:
            results[i] = self.send(messages[i])

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
    _check_replies(smtp, sender, address, smtp.getreply(), smtp.getreply(), smtp.getreply())
    smtp.send(_stuffed(email))
    code, answer = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, answer)


Reply = tuple[int, bytes]


def _check_replies(smtp: smtplib.SMTP, sender: str, address: str, mail: Reply, rcpt: Reply, data: Reply) -> None:
    """Raise as ``sendmail`` does when MAIL, RCPT or DATA was refused, leaving the session reset."""
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


def _stuffed(email: bytes) -> bytes:
    """The message as DATA sends it: leading dots doubled, ending in CRLF and the lone dot."""
    body = _LEADING_DOT.sub(b"..", email)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


def _data_result(reply: Reply) -> SendResult:
    """The result of a message from the answer to its data (the session goes on either way)."""
    code, answer = reply
    return SendResult(True) if code == 250 else SendResult(False, f"SMTPDataError: {(code, answer)}")


@dataclass
class _Flight:
    """The message of a pipelined stream whose DATA was answered 354: its data goes with the next write."""

    index: int | None = None
    data: bytes = b""

    def clear(self) -> None:
        self.index, self.data = None, b""

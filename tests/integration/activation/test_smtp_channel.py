"""The SMTP channel against a real aiosmtpd server: what arrives is what was sent."""

from __future__ import annotations

from email.header import decode_header, make_header

from integration.activation.conftest import Inbox
from persona360.activation.channels.base import Message
from persona360.activation.channels.smtp import SmtpChannel, SmtpConfig


def test_long_lines_and_non_ascii_subjects_arrive_intact_over_one_connection(smtp: Inbox) -> None:
    """SMTP lines end in CRLF and stay under 1,000 octets, however long a line of the message is."""
    channel = SmtpChannel(SmtpConfig("127.0.0.1", smtp.port, "shop@example.org"))
    long_line = "Кросівки " * 400
    results = [
        channel.send(Message(i, f"u{i}@x.org", "Олена, ваш кошик чекає", long_line, f"<p>{long_line}</p>"))
        for i in (1, 2)
    ]
    channel.close()
    assert all(r.ok for r in results), results
    assert channel.connections == 1 and len(smtp.messages) == 2
    got = smtp.to("u1@x.org")[0]
    assert Inbox.text(got) == long_line
    assert str(got["Subject"]).startswith("=?utf-8?")  # RFC 2047 encoded
    assert str(make_header(decode_header(got["Subject"]))) == "Олена, ваш кошик чекає"

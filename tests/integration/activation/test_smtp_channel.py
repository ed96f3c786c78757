"""The SMTP channel against a real aiosmtpd server: what arrives is what was sent, pipelined or not."""

from __future__ import annotations

from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest

from integration.activation.conftest import Inbox, Keep, mailing_workspace, smtp_server
from persona360.activation import CampaignSpec
from persona360.activation.channels.base import Message
from persona360.activation.channels.smtp import SmtpChannel, SmtpConfig
from persona360.clock import FixedClock
from persona360.segments.definitions import SegmentSpec


@pytest.fixture(params=[False, True], ids=["plain", "pipelining"])
def server(request: pytest.FixtureRequest) -> Iterator[Inbox]:
    with smtp_server(pipelining=request.param) as inbox:
        yield inbox


def channel_for(inbox: Inbox) -> SmtpChannel:
    return SmtpChannel(SmtpConfig("127.0.0.1", inbox.port, "shop@example.org"))


def test_long_lines_and_non_ascii_subjects_arrive_intact_over_one_connection(server: Inbox) -> None:
    """SMTP lines end in CRLF and stay under 1,000 octets, however long a line of the message is."""
    channel = channel_for(server)
    long_line = "Кросівки " * 400
    results = [
        channel.send(Message(i, f"u{i}@x.org", "Олена, ваш кошик чекає", long_line, f"<p>{long_line}</p>"))
        for i in (1, 2)
    ]
    channel.close()
    assert all(r.ok for r in results), results
    assert channel.connections == 1 and len(server.messages) == 2
    assert channel.pipelined == (2 if server.pipelining else 0)
    got = server.to("u1@x.org")[0]
    assert Inbox.text(got) == long_line
    assert str(got["Subject"]).startswith("=?utf-8?")  # RFC 2047 encoded
    assert str(make_header(decode_header(got["Subject"]))) == "Олена, ваш кошик чекає"
    assert server.envelopes == [("shop@example.org", ["u1@x.org"]), ("shop@example.org", ["u2@x.org"])]


def test_the_message_parses_as_mime_with_both_parts(server: Inbox) -> None:
    channel = channel_for(server)
    subject = "A long subject in plain ASCII that needs folding to stay short enough on the wire, " * 2
    text = "Line one\n.a line that starts with a dot\n.\nlast"
    assert channel.send(Message(7, "a@x.org", subject.strip(), text, "<p>hi</p>")).ok
    channel.close()
    (got,) = server.messages
    assert got.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in got.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert Inbox.text(got).replace("\r\n", "\n") == text  # dot-stuffing undone by the server
    assert str(make_header(decode_header(got["Subject"]))) == subject.strip()
    assert got["From"] == "shop@example.org" and got["To"] == "a@x.org"
    assert got["Message-ID"].startswith("<p360-") and got["Message-ID"].endswith("@example.org>")
    html = next(p for p in got.walk() if p.get_content_type() == "text/html")
    assert html.get_payload(decode=True) == b"<p>hi</p>"


def test_a_text_only_message(server: Inbox) -> None:
    channel = channel_for(server)
    assert channel.send(Message(8, "a@x.org", "Hi", "Привіт")).ok
    channel.close()
    (got,) = server.messages
    # as 8-bit text, the body of a one-part message ends with the line break that ends its last line
    assert got.get_content_type() == "text/plain" and Inbox.text(got).rstrip("\r\n") == "Привіт"


@pytest.mark.parametrize("pipelining", [False, True], ids=["plain", "pipelining"])
def test_text_goes_as_8bit_lines_when_the_server_takes_8bitmime_else_as_base64(pipelining: bool) -> None:
    """8-bit parts are smaller and have a line per line of text; a server without 8BITMIME gets base64."""
    text, html = "Олена, ваш кошик чекає.\n.dot\nКросівки за 1 999 ₴", "<p>Олена<br>\nКросівки</p>"
    long_line = "Кросівки " * 200  # 3,600 octets: over the 998 of a line, so base64 even with 8BITMIME
    for eight_bit in (True, False):
        with smtp_server(pipelining=pipelining, eight_bit=eight_bit) as inbox:
            channel = channel_for(inbox)
            assert channel.send(Message(1, "a@x.org", "Привіт", text, html)).ok
            assert channel.send(Message(2, "b@x.org", "Hi", long_line, "<p>ok</p>")).ok
            channel.close()
        short, long = inbox.raw
        body = [[o for o in options if o.startswith("BODY")] for options in inbox.mail_options]  # smtplib adds SIZE
        assert Inbox.text(inbox.messages[0]).replace("\r\n", "\n") == text
        assert Inbox.text(inbox.messages[1]) == long_line
        html_part = next(p for p in inbox.messages[0].walk() if p.get_content_type() == "text/html")
        assert html_part.get_payload(decode=True).decode().replace("\r\n", "\n") == html
        assert long.count(b"Content-Transfer-Encoding: base64") == 1  # the long text; its HTML is 7bit ASCII
        assert b"Content-Transfer-Encoding: 7bit" in long
        if eight_bit:
            assert short.count(b"Content-Transfer-Encoding: 8bit") == 2 and "Кросівки".encode() in short
            assert body == [["BODY=8BITMIME"], []]  # the second is all ASCII: 7bit
        else:
            assert short.count(b"Content-Transfer-Encoding: base64") == 2 and short.isascii()
            assert body == [[], []]


def test_a_refused_recipient_is_permanent_and_the_connection_goes_on(server: Inbox) -> None:
    channel = channel_for(server)
    refused = channel.send(Message(1, "nobody@refused.example", "Hi", "text"))
    after = channel.send(Message(2, "b@x.org", "Hi", "text"))
    channel.close()
    assert (refused.ok, refused.permanent) == (False, True) and "550" in str(refused.error)
    assert after.ok and [m["To"] for m in server.messages] == ["b@x.org"] and channel.connections == 1


@pytest.mark.parametrize(
    ("address", "subject"),
    [("a@x.org\r\nBcc: victim@y.org", "Hi"), ("a@x.org", "Hi\r\nBcc: victim@y.org"), ("a@x.org\n", "Hi")],
)
def test_a_line_break_in_a_header_is_refused_not_sent(server: Inbox, address: str, subject: str) -> None:
    channel = channel_for(server)
    result = channel.send(Message(1, address, subject, "text"))
    channel.close()
    assert (result.ok, result.permanent) == (False, True) and "line break" in str(result.error)
    assert server.messages == []


def test_send_many_delivers_each_message_once_in_order_and_refusals_stay_with_their_message(server: Inbox) -> None:
    """Pipelined, each message's data rides with the next one's commands; a refusal touches no other message."""
    channel = channel_for(server)
    messages = [Message(i, f"u{i}@x.org", f"Hi {i}", f"Line {i}\n.a dot line", f"<p>{i}</p>") for i in range(1, 8)]
    messages[2] = Message(3, "nobody@refused.example", "Hi", "text")
    messages[4] = Message(5, "u5@x.org\r\nBcc: victim@y.org", "Hi", "text")
    paced: list[int] = []
    results = channel.send_many(messages, lambda: paced.append(1))
    channel.close()
    assert len(paced) == 7 and [r.ok for r in results] == [True, True, False, True, False, True, True]
    assert results[2].permanent and "550" in str(results[2].error)
    assert results[4].permanent and "line break" in str(results[4].error)
    kept = (1, 2, 4, 6, 7)
    assert server.envelopes == [("shop@example.org", [f"u{i}@x.org"]) for i in kept]
    assert [Inbox.text(m).replace("\r\n", "\n") for m in server.messages] == [f"Line {i}\n.a dot line" for i in kept]
    assert channel.connections == 1 and channel.pipelined == (5 if server.pipelining else 0)


def test_send_many_of_nothing_and_of_one(server: Inbox) -> None:
    channel = channel_for(server)
    assert channel.send_many([]) == [] and channel.connections == 0
    (result,) = channel.send_many([Message(1, "a@x.org", "Hi", "Привіт")])
    channel.close()
    assert result.ok and [m["To"] for m in server.messages] == ["a@x.org"]


class DropOnce(Keep):
    """Drops the connection instead of answering the data of ``drop@x.org``, the first time only."""

    dropped = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook name)
        if envelope.rcpt_tos == ["drop@x.org"] and not DropOnce.dropped:
            DropOnce.dropped = True
            server.transport.abort()  # the message is not accepted, and the client never hears why
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


def test_a_connection_lost_mid_stream_sends_the_unanswered_messages_again_on_a_new_one() -> None:
    """The message whose answer never came, and the one behind it, go again: each arrives exactly once."""
    DropOnce.dropped = False
    with smtp_server(pipelining=True, handler=DropOnce) as inbox:
        channel = channel_for(inbox)
        addresses = ["a@x.org", "b@x.org", "drop@x.org", "c@x.org", "d@x.org"]
        results = channel.send_many([Message(i, a, "Hi", "text") for i, a in enumerate(addresses)])
        channel.close()
    assert DropOnce.dropped and all(r.ok for r in results), results
    assert sorted(to for _, (to,) in inbox.envelopes) == sorted(addresses)
    assert channel.connections == 2


def test_send_many_to_a_server_that_is_down_fails_each_message_for_a_retry() -> None:
    with smtp_server(pipelining=True) as inbox:
        port = inbox.port
    channel = SmtpChannel(SmtpConfig("127.0.0.1", port, "shop@example.org"))  # nothing listens there now
    results = channel.send_many([Message(i, f"u{i}@x.org", "Hi", "text") for i in range(3)])
    assert [(r.ok, r.permanent) for r in results] == [(False, False)] * 3
    assert all("Connection" in str(r.error) for r in results), results


def test_a_send_over_several_pipelined_connections_delivers_each_message_once(
    tmp_path: Path, clock: FixedClock
) -> None:
    """The outbox deals a batch out over three pipelined connections; every member gets exactly one message."""
    with (
        smtp_server(pipelining=True) as inbox,
        mailing_workspace(
            tmp_path, clock, inbox, activation_connections=3, consent_default_allow=["transactional", "marketing"]
        ) as ws,
    ):
        stamp = clock.now().isoformat()
        ws.ingest.send(
            "web",
            [
                {"type": "identify", "userId": f"u{i}", "timestamp": stamp, "traits": {"email": f"u{i}@x.org"}}
                for i in range(25)
            ],
        )
        ws.segments.create(SegmentSpec("all", 'trait("email") != ""'))
        ws.activation.create(CampaignSpec("hello", "all", "Subject: Hi\n\nHello {{ greeting() }}", control_share=0))
        result = ws.activation.send("hello")
        statuses = {m["status"] for m in ws.activation.messages("hello")}
    assert result["sent"] == 25 and statuses == {"sent"}
    assert sorted(to for _, (to,) in inbox.envelopes) == sorted(f"u{i}@x.org" for i in range(25))

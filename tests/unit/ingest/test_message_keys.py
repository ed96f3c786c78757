"""``message_keys`` keys many message ids at once exactly as ``message_key`` keys each."""

from __future__ import annotations

from persona360.ingest.record import message_key, message_keys

IDS = ["order:A-1", "", "order:Zoë 7", "x" * 300, "order:\x1f", "消息-1", "order:A-1"]


def test_message_keys_equal_message_key_one_by_one() -> None:
    for source_id in (1, 7, 123456):
        keys = message_keys(source_id, IDS)
        assert keys.dtype.name == "uint64"
        assert keys.tolist() == [message_key(source_id, mid) for mid in IDS]


def test_no_message_ids_give_no_keys() -> None:
    assert message_keys(1, []).tolist() == []

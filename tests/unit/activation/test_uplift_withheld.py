"""A report shows an uplift only once a message was sent; otherwise it says why not."""

from __future__ import annotations

import pytest

from persona360.activation import uplift_withheld


@pytest.mark.parametrize(
    ("sends", "delivered", "cancelled", "why"),
    [
        (153, 0, 153, "No message was sent (all 153 were cancelled before sending), so there is no uplift to show."),
        (3, 0, 1, "No message was sent (2 still waiting or given up), so there is no uplift to show."),
        (0, 0, 0, "No message was sent (none queued), so there is no uplift to show."),
        (3, 1, 2, None),
    ],
)
def test_uplift_is_withheld_until_a_message_is_sent(
    sends: int, delivered: int, cancelled: int, why: str | None
) -> None:
    assert uplift_withheld({"sends": sends, "delivered": delivered, "cancelled": cancelled}) == why

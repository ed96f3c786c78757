"""The rows each of the shop's systems exports about a person.

Each function returns the CSV cells of one record; :mod:`generator` decides when a
person has such a record and where it is written.
"""

from __future__ import annotations

import random

from persona360.demo.calendar import DAY
from persona360.demo.disguise import TEST_EMAIL, Disguise
from persona360.demo.journeys import Order
from persona360.demo.names import LocalePools
from persona360.demo.people import Person
from persona360.demo.segment import iso
from persona360.demo.variants import fold_ascii

ORDER_COLUMNS = (
    "order_id", "ordered_at", "customer_id", "first_name", "last_name", "email", "phone",
    "ship_name", "ship_city", "ship_address", "gift_wrap", "sku", "product_name", "brand",
    "category", "quantity", "unit_price", "discount_code", "order_total", "currency",
    "billing_city",
)  # fmt: skip
CONTACT_COLUMNS = (
    "contact_id", "email", "name", "status", "consent_date", "sends", "opens", "clicks",
)  # fmt: skip
TICKET_COLUMNS = ("ticket_id", "created_at", "phone", "email", "topic", "satisfaction", "event")
SOCIAL_COLUMNS = ("row_id", "instagram", "facebook", "tiktok", "display_name", "email", "phone")
SURVEY_COLUMNS = (
    "response_id", "email", "answered_at", "nps", "cart_abandon_reason", "shoe_size",
    "preferred_category", "event",
)  # fmt: skip
_REASONS = {
    "value_hunter": ("price too high", "waiting for a discount", "shipping cost"),
    "researcher": ("still comparing", "not enough reviews", "size unclear"),
    "gift_giver": ("delivery too slow", "no gift options", "shipping cost"),
    "mobile_shopper": ("payment failed", "app crashed", "checkout too long"),
}
_DEFAULT_REASONS = ("shipping cost", "just browsing", "payment failed", "price too high")
_NPS = {"brand_loyalist": (8, 10), "value_hunter": (4, 8), "replenisher": (7, 10)}


def order_rows(
    order: Order, person: Person, pool: LocalePools, disguise: Disguise, test_email: float
) -> list[list[str]]:
    """One row per line item; the customer's cells repeat on each, as shop exports do."""
    rng = disguise.rng
    first, last = disguise.names(person)
    offline = order.channel == "offline"
    email = TEST_EMAIL if offline and rng.random() < test_email else disguise.email(person)
    phone = disguise.phone(person) if offline or not disguise.missing() else ""
    ship_name, ship_city, ship_address = _shipping(order, person, pool, first, last, rng)
    wrap = order.gift and rng.random() < 0.9 or rng.random() < 0.02
    head = [order.order_id, iso(order.at), order.customer_id, first, disguise.blank(last),
            email if offline else disguise.blank(email), phone, ship_name, ship_city, ship_address,
            "true" if wrap else "false"]  # fmt: skip
    tail = [order.coupon, f"{order.total:.2f}", order.currency, _spelling(person.city, rng)]
    return [
        head + [i.product.sku, i.product.name, i.product.brand, i.product.category,
                str(i.quantity), f"{i.unit_price:.2f}"] + tail
        for i in order.items
    ]  # fmt: skip


def _shipping(
    order: Order, person: Person, pool: LocalePools, first: str, last: str, rng: random.Random
) -> tuple[str, str, str]:
    if not order.gift:
        return f"{first} {last}", _spelling(person.city, rng), person.address
    gender = rng.choice(("male", "female"))
    name = f"{rng.choice(pool.first[gender])} {rng.choice(pool.last[gender])}"
    city = person.city if rng.random() < 0.4 else pool.pick_city(rng)
    street = rng.choice(pool.streets)
    return name, _spelling(city, rng), f"{street} {rng.randrange(1, 120)}"


def _spelling(city: tuple[str, ...], rng: random.Random) -> str:
    return city[0] if rng.random() < 0.75 else rng.choice(city)


def contact_row(contact_id: str, email: str, person: Person, disguise: Disguise, end: float, days: int) -> list[str]:
    """An email-service contact: name as the person typed it in a sign-up form, if at all."""
    rng = disguise.rng
    name = disguise.full_name(person)
    if rng.random() < 0.1:
        name = name.split(" ")[0]
    status = rng.choices(("subscribed", "unsubscribed", "cleaned"), (0.8, 0.14, 0.06))[0]
    listed = min(person.tenure_days, days * 4) + rng.uniform(0, 30)
    sends = int(min(listed, days) / 7 * 2 * (0.4 if status != "subscribed" else 1))
    opens = _binomial(sends, person.behaviour.email_opens, rng)
    clicks = _binomial(opens, 0.25 if person.behaviour.coupon > 0.5 else 0.12, rng)
    consent = iso(end - listed * DAY)[:10]
    return [contact_id, email, disguise.blank(name), status, consent, str(sends), str(opens),
            str(clicks)]  # fmt: skip


def ticket_row(ticket_id: str, t: float, person: Person, disguise: Disguise, used_coupon: bool) -> list[str]:
    """A support ticket: reached by phone, by email, or both."""
    rng = disguise.rng
    how = rng.random()
    phone = disguise.phone(person) if how < 0.65 else ""
    email = disguise.email(person) if how >= 0.45 else ""
    topic = rng.choice(_topics(person, used_coupon))
    score = "" if rng.random() < 0.35 else str(rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 4, 5))[0])
    return [ticket_id, iso(t), phone, email, topic, score, "Ticket Created"]


def _topics(person: Person, used_coupon: bool) -> tuple[str, ...]:
    topics: tuple[str, ...] = (
        "delivery delay",
        "return request",
        "size exchange",
        "payment failed",
    )
    if used_coupon:
        topics += ("promo code not working",) * 3
    if person.devices[0].app:
        topics += ("app login problem",)
    if person.behaviour.gift > 0.5:
        topics += ("gift message", "change delivery address")
    return topics


def social_row(row_id: str, platform: str, handle: str, person: Person, disguise: Disguise) -> list[str]:
    """A lead-ad or social-login row: the handle, a display name and one way to reach them."""
    rng = disguise.rng
    cells = {"instagram": "", "facebook": "", "tiktok": ""}
    cells[platform] = _styled_handle(handle, rng)
    display = disguise.full_name(person)
    if rng.random() < 0.15:
        display = display.split(" ")[0] + rng.choice((" ✨", " 🌸", " 👟", "", " 🇺🇦"))
    by_email = rng.random() < 0.6
    email = disguise.email(person) if by_email else ""
    phone = "" if by_email else disguise.phone(person)
    return [row_id, cells["instagram"], cells["facebook"], cells["tiktok"], display, email, phone]


def social_handle(person: Person, number: str, rng: random.Random) -> str:
    """The handle a person uses across platforms (mostly the same one), ending in their own ``number``."""
    first = fold_ascii(person.latin_first)
    last = fold_ascii(person.latin_last)
    lucky = rng.randrange(10, 99)
    return rng.choice((f"{first}.{last}{number}", f"{first}_{last}_{number}", f"{first}{lucky}_{number}",
                       f"{last}.{first[0]}{number}", f"its{first}{number}"))  # fmt: skip


def _styled_handle(handle: str, rng: random.Random) -> str:
    styled = handle.title() if rng.random() < 0.2 else handle
    styled = styled.upper() if rng.random() < 0.05 else styled
    return ("@" if rng.random() < 0.5 else "") + styled


def survey_row(
    response_id: str, t: float, person: Person, disguise: Disguise, categories: tuple[str, ...]
) -> list[str]:
    """A post-purchase survey answer, keyed by the email the survey was sent to."""
    rng = disguise.rng
    low, high = _NPS.get(person.archetypes[0], (5, 10))
    reasons = _REASONS.get(person.archetypes[0], _DEFAULT_REASONS)
    reason = "" if rng.random() < 0.3 else rng.choice(reasons)
    category = person.category if rng.random() < 0.8 else rng.choice(categories)
    return [response_id, disguise.email(person), iso(t), str(rng.randint(low, high)), reason,
            _shoe_size(person, rng), category, "Survey Answered"]  # fmt: skip


def _shoe_size(person: Person, rng: random.Random) -> str:
    if rng.random() < 0.2:
        return ""
    size = rng.randint(36, 41) if person.gender == "female" else rng.randint(40, 46)
    style = rng.random()
    if style < 0.1:
        return f"{size}.5"
    if style < 0.15:
        return f"EU {size}"
    return str(size)


def _binomial(n: int, p: float, rng: random.Random) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)

"""A person's window, planned: when they order, what, and the sessions around each order.

The plan is abstract (no Segment, no CSV); :mod:`segment` and :mod:`exports` write it out.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from persona360.demo.calendar import DAY, HOUR_WEIGHTS, ShopCalendar
from persona360.demo.catalogue import Catalogue, Product
from persona360.demo.identifiers import hash_unit, order_id
from persona360.demo.people import Device, Person
from persona360.demo.spec import DemoSpec

_HOURS = tuple(range(24))


@dataclass
class LineItem:
    product: Product
    quantity: int
    unit_price: float


@dataclass
class Order:
    order_id: str
    at: float
    items: list[LineItem]
    currency: str
    channel: str = "web"  # web, app or offline
    coupon: str = ""
    discount: float = 0.0
    gift: bool = False
    customer_id: str = ""

    @property
    def subtotal(self) -> float:
        return round(sum(i.unit_price * i.quantity for i in self.items), 2)

    @property
    def total(self) -> float:
        return round(self.subtotal - self.discount, 2)


@dataclass
class Session:
    start: float
    device: Device
    source: str
    app: bool
    views: list[Product]
    order: Order | None = None
    abandoned: list[Product] = field(default_factory=list)
    reviews: list[Product] = field(default_factory=list)


@dataclass
class Plan:
    sessions: list[Session]
    orders: list[Order]


class Planner:
    """Plans one person's window from their behaviour; one instance serves every person."""

    def __init__(self, spec: DemoSpec, calendar: ShopCalendar, catalogue: Catalogue) -> None:
        self.spec, self.calendar, self.catalogue = spec, calendar, catalogue
        self.by_brand = {b: [p for p in catalogue.products if p.brand == b] for b in catalogue.brands}
        self.by_category = {c: catalogue.in_category(c) for c in catalogue.categories}
        self.consumables = [p for p in catalogue.products if p.consumable]

    def plan(self, person: Person, rng: random.Random) -> Plan:
        begin = max(self.calendar.start, self.calendar.end - person.tenure_days * DAY)
        person.lapsed_at = self._lapse(person, begin)
        until = person.lapsed_at or self.calendar.end
        orders = self._orders(person, begin, until, rng) if person.buyer else []
        sessions: list[Session] = []
        for order in orders:
            if order.channel != "offline":
                sessions += self._journey(person, order, rng)
        activity = self.spec.scale * self.spec.activity
        browse = person.behaviour.browse_sessions * activity * (0.28 if orders else 0.5)
        for _ in range(_poisson(browse, rng)):
            t = self._daytime(rng.uniform(begin, until), rng)
            sessions.append(self._browse(person, t, rng))
        sessions.sort(key=lambda s: s.start)
        self._add_reviews(person, sessions, rng)
        return Plan(sessions, orders)

    def _lapse(self, person: Person, begin: float) -> float | None:
        """When the person stops coming, if they do: between a quarter and 85% of their window.

        Drawn from a hash of the person, not from their stream, so the people who never
        lapse leave the very records they left before lapses existed. A lapsed person's
        orders and sessions fall before it: as many, in less time, as a customer who was
        active and then left (BG/NBD's dropout) looks in the data.
        """
        if hash_unit(self.spec.seed, "lapse", person.index) >= self.spec.lapse_share:
            return None
        span = self.calendar.end - begin
        return begin + span * (0.25 + 0.6 * hash_unit(self.spec.seed, "lapse-at", person.index))

    # -- orders -----------------------------------------------------------------
    def _orders(self, person: Person, begin: float, until: float, rng: random.Random) -> list[Order]:
        b = person.behaviour
        if rng.random() < b.replenish:
            times, basket = self._replenish_times(begin, until, rng), self._basket(person, rng, True)
        else:
            count = max(1, _poisson(b.orders * self.spec.scale, rng))
            times, basket = sorted(self._order_time(person, begin, until, rng) for _ in range(count)), []
        orders = []
        for n, t in enumerate(times[:500]):
            items = basket or self._basket(person, rng, False)
            orders.append(self._order(person, n, t, items, rng))
        return orders

    def _replenish_times(self, begin: float, until: float, rng: random.Random) -> list[float]:
        interval = rng.uniform(18, 35) * DAY
        t, times = begin + rng.uniform(0, interval), []
        while t < until:
            times.append(t)
            t += interval * rng.uniform(0.92, 1.08)
        return times or [rng.uniform(begin, until)]

    def _order_time(self, person: Person, begin: float, until: float, rng: random.Random) -> float:
        b, cal = person.behaviour, self.calendar
        sales = [s for s in cal.flash_sales if s[1] > begin and s[0] < until]
        holidays = [h for h in cal.holidays if h - 2 * DAY > begin and h - DAY < until]
        if sales and rng.random() < b.flash_pull:
            sale = rng.choice(sales)
            return self._daytime(rng.uniform(max(sale[0], begin), min(sale[1], until)), rng)
        if holidays and rng.random() < b.holiday_pull:
            t = rng.choice(holidays) - rng.uniform(1, 12) * DAY
            return self._daytime(min(max(t, begin), until - DAY), rng)  # until is at most cal.end
        return self._daytime(rng.uniform(begin, until), rng)

    def _basket(self, person: Person, rng: random.Random, replenish: bool) -> list[LineItem]:
        if replenish:
            picks = rng.sample(self.consumables, rng.choice((1, 1, 2, 3)))
        else:
            picks = [self._product(person, rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
        return [
            LineItem(p, rng.choice((1, 1, 1, 2)) if p.consumable else 1, p.price(person.currency))
            for p in dict.fromkeys(picks)
        ]

    def _product(self, person: Person, rng: random.Random) -> Product:
        if rng.random() < person.behaviour.brand_focus:
            return rng.choice(self.by_brand[person.brand])
        if rng.random() < 0.55:
            return rng.choice(self.by_category[person.category])
        return rng.choice(self.catalogue.products)

    def _order(self, person: Person, n: int, t: float, items: list[LineItem], rng: random.Random) -> Order:
        b = person.behaviour
        offline = rng.random() < self.spec.offline_orders
        order = Order(
            order_id(self.spec.seed, person.index, n),
            t,
            items,
            person.currency,
            "offline" if offline else "web",
        )
        order.gift = rng.random() < b.gift
        if rng.random() < b.coupon:
            order.coupon, rate = self._coupon(person, t, n)
            order.discount = round(order.subtotal * rate, 2)
        return order

    def _coupon(self, person: Person, t: float, n: int) -> tuple[str, float]:
        if any(a <= t < z for a, z in self.calendar.flash_sales):
            return "FLASH20", 0.2
        if person.loyalty:
            return "VIP10", 0.1
        if n == 0:
            return "WELCOME10", 0.1
        if person.archetypes[0] == "social_butterfly":
            return "FRIEND15", 0.15
        return "SALE15", 0.15

    # -- sessions ---------------------------------------------------------------
    def _journey(self, person: Person, order: Order, rng: random.Random) -> list[Session]:
        b = person.behaviour
        low, high = b.journey_sessions
        lead = rng.uniform(*b.journey_days) * DAY
        sessions = []
        for _ in range(rng.randint(low, high)):
            t = self._daytime(max(self.calendar.start, order.at - rng.uniform(0, lead)), rng)
            if t < order.at - 600:
                sessions.append(self._browse(person, t, rng))
        buy = self._browse(person, order.at - 60 - len(order.items) * b.event_gap * 6, rng)
        buy.order = order
        buy.views += [i.product for i in order.items]
        order.channel = "app" if buy.app else "web"
        return [*sessions, buy]

    def _browse(self, person: Person, t: float, rng: random.Random) -> Session:
        b = person.behaviour
        device = self._device(person, rng)
        app = device.app and rng.random() < b.app / max(b.phone, 0.1) * 1.3
        source = rng.choices(("direct", "organic", "cpc", "email", "social", "referral"), b.sources)[0]
        views = [self._product(person, rng) for _ in range(max(1, _poisson(b.views, rng)))]
        session = Session(t, device, source, app, views)
        if rng.random() < b.cart_abandon:
            session.abandoned = views[-1:]
        return session

    def _device(self, person: Person, rng: random.Random) -> Device:
        devices = person.devices
        if devices[-1].shared and rng.random() < 0.3:
            return devices[-1]
        mobile = [d for d in devices if d.kind == "mobile"]
        other = [d for d in devices if d.kind != "mobile" and not d.shared]
        if mobile and (not other or rng.random() < person.behaviour.phone):
            return mobile[0]
        return rng.choice(other or devices)

    def _add_reviews(self, person: Person, sessions: list[Session], rng: random.Random) -> None:
        bought: list[Product] = []
        for session in sessions:
            if bought and rng.random() < person.behaviour.reviews_read * 0.6:
                session.reviews.append(bought.pop(0))
            if session.order:
                bought += [i.product for i in session.order.items]

    def _daytime(self, t: float, rng: random.Random) -> float:
        """Move ``t`` to a likely hour of its day, keeping the day."""
        day = t - t % DAY
        hour = rng.choices(_HOURS, HOUR_WEIGHTS)[0]
        moved = day + hour * 3600 + rng.uniform(0, 3600)
        return min(max(moved, self.calendar.start), self.calendar.end - 3600)


def _poisson(mean: float, rng: random.Random) -> int:
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k

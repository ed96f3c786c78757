"""Sessions written as Segment messages, with the field names of the HTTP Tracking API.

Every message begins with ``timestamp`` then ``messageId``, so sorting the JSON lines as
bytes sorts them by time: the external sort in :mod:`spool` relies on that.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from persona360.demo import networks
from persona360.demo.catalogue import Product
from persona360.demo.identifiers import stable_uuid
from persona360.demo.journeys import Order, Session
from persona360.demo.people import Device, Person

SHOP_URL = "https://shop.example"
Emit = Callable[[dict[str, Any], float], None]
_WEB_LIBRARY = {"name": "analytics.js", "version": "next-1.70.0"}
_APP = {"name": "Demo Shop", "version": "3.4.1", "build": "3401", "namespace": "example.shop"}
_UTM = {"source": "source", "medium": "medium", "name": "campaign"}
_SOCIAL = ("instagram", "facebook", "tiktok")
_REFERRERS = {
    "organic": "https://www.google.com/", "instagram": "https://l.instagram.com/",
    "facebook": "https://l.facebook.com/", "tiktok": "https://www.tiktok.com/",
}  # fmt: skip


_DAYS: dict[int, str] = {}
# Formatting is the hottest line of the generator; tables of every clock reading are cheaper.
_CLOCK = tuple(f"{h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60))
_MILLIS = tuple(f"{ms:03d}Z" for ms in range(1000))


def iso(t: float) -> str:
    """ISO-8601 UTC with milliseconds and a ``Z``: fixed width, so it sorts as text.

    Example:
        >>> iso(1793491200.25)
        '2026-11-01T00:00:00.250Z'
    """
    whole = int(t)
    day, rest = divmod(whole, 86_400)
    prefix = _DAYS.get(day)
    if prefix is None:  # a window has few days, so their prefixes are cached
        prefix = _DAYS[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))
    return prefix + _CLOCK[rest] + _MILLIS[int(t * 1000) % 1000]


def random_uuid(rng: random.Random) -> str:
    """A UUID-shaped id from the person's stream: cheaper than hashing, just as unique."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def product_props(p: Product, currency: str, quantity: int | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "product_id": p.product_id, "sku": p.sku, "name": p.name, "brand": p.brand,
        "category": p.category, "price": p.price(currency),
    }  # fmt: skip
    if quantity is not None:
        props["quantity"] = quantity
    return props


class SessionWriter:
    """Turns one session into messages, keeping the clock and the device's login state."""

    def __init__(
        self,
        seed: int,
        person: Person,
        traits: dict[str, dict[str, Any]],
        emit: Emit,
        consent: dict[str, Any] | None = None,
    ) -> None:
        self.seed, self.person, self.traits, self.emit = seed, person, traits, emit
        self.consent = consent
        self.count = 0

    def write(self, session: Session, rng: random.Random, reset_chance: float) -> None:
        self.rng, self.session, self.t = rng, session, session.start
        device = session.device
        if not session.app and not device.shared and rng.random() < reset_chance:
            device.resets += 1  # cleared cookies: a new anonymousId, logged out
            device.anonymous_id = stable_uuid(self.seed, self.person.index, "reset", device.resets)
            device.identified_as = None
        self.context = self._context(session)
        self._landing()
        for product in session.views:
            self._view(product)
        for product in session.reviews:
            self._track(
                "Product Reviewed",
                {
                    "product_id": product.product_id,
                    "rating": rng.choice((3, 4, 5, 5)),
                    "review_id": self._id("review"),
                },
            )
        if session.order:
            self._checkout(session.order)
        elif session.abandoned:
            for product in session.abandoned:
                self._track("Product Added", product_props(product, self.person.currency, 1))
        elif rng.random() < 0.15 and device.identified_as is None:
            self.identify(self.person.customer_ids[0])  # logged in to look at past orders

    # -- session parts ----------------------------------------------------------
    def _landing(self) -> None:
        s = self.session
        if s.app:
            self._track(
                "Application Opened",
                {"from_background": self.rng.random() < 0.5, "version": _APP["version"]},
            )
            self._screen("Home")
        else:
            self._page("Home" if s.source in ("direct", "organic") else "Landing", "/")
        first = s.views[0]
        self._track("Product List Viewed", {"list_id": first.category, "category": first.category})

    def _view(self, product: Product) -> None:
        b, rng = self.person.behaviour, self.rng
        if self.session.app:
            self._screen("Product", {"product_id": product.product_id})
        else:
            self._page("Product", f"/p/{product.sku.lower()}")
        self._track("Product Viewed", product_props(product, self.person.currency))
        if rng.random() < b.reviews_read:
            self._track(
                "Reviews Read",
                {"product_id": product.product_id, "reviews_count": rng.randrange(3, 240)},
            )
        if rng.random() < b.share:
            self._track(
                "Product Shared",
                {"product_id": product.product_id, "share_via": rng.choice(_SOCIAL)},
            )
            if rng.random() < 0.2:
                self._track("Referral Sent", {"channel": rng.choice(_SOCIAL)})

    def _checkout(self, order: Order) -> None:
        for item in order.items:
            self._track("Product Added", product_props(item.product, order.currency, item.quantity))
        self._track("Cart Viewed", {"cart_id": order.order_id})
        if self.session.device.identified_as != order.customer_id:
            self.identify(order.customer_id)
        products = [product_props(i.product, order.currency, i.quantity) for i in order.items]
        self._track(
            "Checkout Started",
            {
                "order_id": order.order_id,
                "value": order.subtotal,
                "currency": order.currency,
                "products": products,
            },
        )
        if order.coupon:
            if self.person.behaviour.coupon > 0.5 and self.rng.random() < 0.3:
                self._track("Coupon Denied", {"coupon_id": "FREESHIP", "reason": "expired"})
            self._track(
                "Coupon Applied",
                {"order_id": order.order_id, "coupon_id": order.coupon, "discount": order.discount},
            )
        self._track("Order Completed", {
            "order_id": order.order_id, "total": order.total, "revenue": order.subtotal,
            "discount": order.discount, "coupon": order.coupon or None,
            "currency": order.currency, "gift_wrap": order.gift, "products": products,
        })  # fmt: skip
        order.at = self.t

    # -- messages ---------------------------------------------------------------
    def identify(self, user_id: str) -> None:
        traits = self.traits.get(user_id, {})
        self._send({"type": "identify", "userId": user_id, "traits": traits}, with_consent=True)
        self.session.device.identified_as = user_id

    def _track(self, event: str, properties: dict[str, Any]) -> None:
        self._send({"type": "track", "event": event, "properties": properties})

    def _page(self, name: str, path: str) -> None:
        previous = self.context["page"]
        search = previous.get("search", "") if "url" not in previous else ""
        page = {
            "path": path,
            "referrer": previous.get("url", previous["referrer"]),
            "search": search,
            "url": SHOP_URL + path + search,
        }
        if "url" in previous:
            self.context.pop("campaign", None)  # UTM tags live on the landing page only
        self.context = {**self.context, "page": page}
        self._send({"type": "page", "name": name, "properties": {"path": path, "url": page["url"]}})

    def _screen(self, name: str, properties: dict[str, Any] | None = None) -> None:
        self._send({"type": "screen", "name": name, "properties": properties or {}})

    def _send(self, body: dict[str, Any], *, with_consent: bool = False) -> None:
        self.t += 0.3 + self.rng.expovariate(1 / self.person.behaviour.event_gap)
        self.count += 1
        device = self.session.device
        message: dict[str, Any] = {
            "timestamp": iso(self.t),
            "messageId": random_uuid(self.rng),
            "anonymousId": device.anonymous_id,
        }
        if device.identified_as:
            message["userId"] = device.identified_as
        message.update(body)
        message["context"] = self.context
        if with_consent and self.consent is not None:
            # on identify calls only: on every call it would add a fifth to the events' bytes
            message["context"] = {**self.context, "consent": self.consent}
        self.emit(message, self.t)

    def _id(self, kind: str) -> str:
        return random_uuid(self.rng)

    def _context(self, s: Session) -> dict[str, Any]:
        d: Device = s.device
        p = self.person
        ip = networks.address(self.seed, p.home, p.country, p.index, d.serial, d.kind, s.start)
        context: dict[str, Any] = {"ip": ip, "locale": p.locale.replace("_", "-")}
        campaign = self._campaign(s.source)
        if campaign:
            context["campaign"] = campaign
        if s.app:
            lib = "analytics-ios" if d.os == "iOS" else "analytics-android"
            context |= {
                "app": _APP,
                "device": {"type": "mobile"},
                "os": {"name": d.os},
                "library": {"name": lib, "version": "4.1.8"},
            }
            return context
        search = "?" + "&".join(f"utm_{_UTM[k]}={v}" for k, v in campaign.items()) if campaign else ""
        referrer = _REFERRERS.get(campaign.get("source", s.source), "")
        context |= {
            "userAgent": d.user_agent,
            "device": {"type": d.kind},
            "library": _WEB_LIBRARY,
            "page": {"referrer": referrer, "search": search},
        }
        return context

    def _campaign(self, source: str) -> dict[str, str]:
        if source == "social":
            platform = self.rng.choice(_SOCIAL)
            return {"source": platform, "medium": "social", "name": "autumn-drop"}
        if source == "email":
            return {
                "source": "newsletter",
                "medium": "email",
                "name": self.rng.choice(("flash-sale", "weekly-picks", "back-in-stock")),
            }
        if source == "cpc":
            return {"source": "google", "medium": "cpc", "name": f"{self.person.category}-search"}
        if source == "referral":
            return {"source": "friend", "medium": "referral", "name": "invite-a-friend"}
        return {}

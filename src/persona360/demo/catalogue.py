"""The demo shop's catalogue: shoes, clothes, cosmetics, home goods and accessories.

The catalogue is the same for every seed, so SKUs and product ids in a demo stay
recognisable between runs; only the people change with the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

CATALOGUE_SEED = 20261101

# category -> (brands, (product type, consumable?, lowest price, highest price) ...)
_RANGES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, bool, int, int], ...]]] = {
    "shoes": (
        ("Kalyna Step", "Northwind", "Vesna Walk", "Urban Fox"),
        (("Trail Runner", False, 60, 140), ("Leather Loafer", False, 70, 130),
         ("Canvas Sneaker", False, 40, 80), ("Chelsea Boot", False, 90, 160),
         ("Ballet Flat", False, 40, 90), ("Ankle Boot", False, 80, 150)),
    ),
    "clothing": (
        ("Marichka", "Basalt", "Northwind", "Soft Linen Co"),
        (("Linen Shirt", False, 30, 70), ("Knit Sweater", False, 40, 110),
         ("Denim Jacket", False, 60, 120), ("Midi Dress", False, 45, 110),
         ("Hoodie", False, 35, 70), ("T-shirt", False, 15, 30)),
    ),
    "cosmetics": (
        ("Lavanda Lab", "Glow Theory", "Pura Skin"),
        (("Face Cream 50ml", True, 15, 45), ("Shampoo 250ml", True, 6, 15),
         ("Micellar Water 400ml", True, 7, 14), ("Vitamin C Serum 30ml", True, 18, 40),
         ("Sunscreen SPF50", True, 12, 25), ("Hand Cream 75ml", True, 5, 10)),
    ),
    "home": (
        ("Hata", "Nordic Nest", "Kavova"),
        (("Coffee Beans 1kg", True, 18, 30), ("Dish Soap 500ml", True, 4, 8),
         ("Laundry Capsules 30pcs", True, 10, 18), ("Scented Candle", False, 12, 30),
         ("Linen Towel", False, 15, 35), ("Ceramic Mug", False, 8, 18)),
    ),
    "accessories": (
        ("Urban Fox", "Marichka", "Basalt"),
        (("Leather Belt", False, 20, 50), ("Wool Scarf", False, 20, 45),
         ("Tote Bag", False, 15, 40), ("Socks 3-pack", True, 8, 14),
         ("Wallet", False, 25, 70), ("Sunglasses", False, 30, 90)),
    ),
}  # fmt: skip
_VARIANTS = ("Black", "White", "Sand", "Olive", "Navy", "Burgundy", "Grey", "Classic", "Ecru")
_RATES = {"UAH": 41.0, "PLN": 4.0, "USD": 1.0}
# The demo shop reports in hryvnias, as a Ukrainian shop selling abroad would.
REPORTING_CURRENCY = "UAH"


def exchange_rates(since: date) -> list[str]:
    """The catalogue's own rates into :data:`REPORTING_CURRENCY` from ``since``, as a user writes them.

    They are the rates its prices were made with, so converted revenue is what people
    really spent (``exchange_rates``, see store/money.py).

    Example:
        >>> exchange_rates(date(2026, 8, 3))
        ['PLN 2026-08-03 10.25', 'USD 2026-08-03 41']
    """
    into = _RATES[REPORTING_CURRENCY]
    return [f"{c} {since.isoformat()} {into / rate:g}" for c, rate in sorted(_RATES.items()) if c != REPORTING_CURRENCY]


@dataclass(frozen=True)
class Product:
    product_id: str
    sku: str
    name: str
    brand: str
    category: str
    price_usd: float
    consumable: bool

    def price(self, currency: str) -> float:
        """The shelf price in ``currency``, rounded as shops round (1999 UAH, 79.99 PLN)."""
        raw = self.price_usd * _RATES[currency]
        if currency == "UAH":
            return float(max(round(raw / 10) * 10 - 1, 9))
        return round(max(round(raw), 1) - 0.01, 2)


@dataclass(frozen=True)
class Catalogue:
    products: tuple[Product, ...]
    categories: tuple[str, ...]
    brands: tuple[str, ...]

    def in_category(self, category: str) -> tuple[Product, ...]:
        return tuple(p for p in self.products if p.category == category)


def build_catalogue() -> Catalogue:
    """Every product of the demo shop, drawn from a fixed seed."""
    rng = random.Random(CATALOGUE_SEED)
    products: list[Product] = []
    for category, (brands, kinds) in _RANGES.items():
        for brand in brands:
            for kind, consumable, low, high in kinds:
                for variant in rng.sample(_VARIANTS, 2 if consumable else 3):
                    products.append(
                        _product(
                            len(products),
                            category,
                            brand,
                            kind,
                            variant,
                            consumable,
                            rng.uniform(low, high),
                        )
                    )
    brands = tuple(dict.fromkeys(p.brand for p in products))
    return Catalogue(tuple(products), tuple(_RANGES), brands)


def _product(
    index: int,
    category: str,
    brand: str,
    kind: str,
    variant: str,
    consumable: bool,
    price: float,
) -> Product:
    name = f"{brand} {kind}" if consumable else f"{brand} {kind}, {variant}"
    sku = f"{category[:2].upper()}-{index + 1:04d}" + ("" if consumable else f"-{variant[:3].upper()}")
    return Product(f"p{index + 1:05d}", sku, name, brand, category, round(price, 2), consumable)

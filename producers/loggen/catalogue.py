"""Distributions of the UCI "Online Retail" data set (OnlineRetail.csv) the synthetic source draws.

Country weights are the data set's row counts per country (38 countries, United Kingdom 91.4 %);
the quantity table reproduces its quartiles (p25 1, median 3, p75 10) with a long tail; unit
prices sit on the shop's price ladder around a median of 2.08 GBP. Products: the shop's
best-sellers with their real codes and prices, then a generated catalogue of five-digit stock
codes (some with a letter suffix, e.g. `85123A`) with descriptions in the data set's style, up
to the data set's 4,070 distinct codes; popularity falls off like a Zipf law.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = ["COUNTRIES", "FIRST_INVOICE", "PRODUCTS", "QUANTITIES", "Product"]

FIRST_INVOICE = 536365

# Rows per country in the full data set (row shares are what the generator reproduces).
COUNTRIES: tuple[tuple[str, int], ...] = (
    ("United Kingdom", 495478), ("Germany", 9495), ("France", 8557), ("EIRE", 8196),
    ("Spain", 2533), ("Netherlands", 2371), ("Belgium", 2069), ("Switzerland", 2002),
    ("Portugal", 1519), ("Australia", 1259), ("Norway", 1086), ("Italy", 803),
    ("Channel Islands", 758), ("Finland", 695), ("Cyprus", 622), ("Sweden", 462),
    ("Unspecified", 446), ("Austria", 401), ("Denmark", 389), ("Japan", 358), ("Poland", 341),
    ("Israel", 297), ("USA", 291), ("Hong Kong", 288), ("Singapore", 229), ("Iceland", 182),
    ("Canada", 151), ("Greece", 146), ("Malta", 127), ("United Arab Emirates", 68),
    ("European Community", 61), ("RSA", 58), ("Lebanon", 45), ("Lithuania", 35),
    ("Brazil", 32), ("Czech Republic", 30), ("Bahrain", 19), ("Saudi Arabia", 10),
)  # fmt: skip

# (quantity, weight per mille): p25 = 1, median = 3, p75 = 10, mean ≈ 10.
QUANTITIES: tuple[tuple[int, int], ...] = (
    (1, 280), (2, 150), (3, 80), (4, 60), (6, 90), (8, 40), (10, 60), (12, 140), (24, 50),
    (25, 10), (36, 10), (48, 10), (72, 5), (96, 5), (100, 5), (144, 5), (200, 2), (480, 2),
    (1000, 1),
)  # fmt: skip

_BEST_SELLERS: tuple[tuple[str, str, float], ...] = (
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55),
    ("22423", "REGENCY CAKESTAND 3 TIER", 12.75),
    ("85099B", "JUMBO BAG RED RETROSPOT", 2.08),
    ("47566", "PARTY BUNTING", 4.95),
    ("20725", "LUNCH BAG RED RETROSPOT", 1.65),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", 1.69),
    ("22720", "SET OF 3 CAKE TINS PANTRY DESIGN", 4.95),
    ("21212", "PACK OF 72 RETROSPOT CAKE CASES", 0.55),
    ("20727", "LUNCH BAG  BLACK SKULL.", 1.65),
    ("22457", "NATURAL SLATE HEART CHALKBOARD", 2.95),
    ("71053", "WHITE METAL LANTERN", 3.39),
    ("84406B", "CREAM CUPID HEARTS COAT HANGER", 2.75),
    ("84029G", "KNITTED UNION FLAG HOT WATER BOTTLE", 3.39),
    ("84029E", "RED WOOLLY HOTTIE WHITE HEART.", 3.39),
    ("22752", "SET 7 BABUSHKA NESTING BOXES", 7.65),
    ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 4.25),
    ("22633", "HAND WARMER UNION JACK", 1.85),
    ("22960", "JAM MAKING SET WITH JARS", 4.25),
    ("22086", "PAPER CHAIN KIT 50'S CHRISTMAS", 2.95),
    ("21034", "REX CASH+CARRY JUMBO SHOPPER", 0.95),
    ("POST", "POSTAGE", 18.0),
)

_PRICE_LADDER = (
    0.19, 0.29, 0.39, 0.42, 0.55, 0.65, 0.72, 0.83, 0.85, 0.95, 1.25, 1.45, 1.65, 1.69, 1.95,
    2.08, 2.10, 2.46, 2.55, 2.95, 3.25, 3.39, 3.75, 4.15, 4.25, 4.95, 5.95, 6.75, 7.95, 8.50,
    9.95, 12.75, 14.95, 16.95, 24.95, 39.95,
)  # fmt: skip
_COLOURS = (
    "RED", "PINK", "BLUE", "GREEN", "WHITE", "BLACK", "IVORY", "CREAM", "GOLD", "SILVER",
    "PURPLE", "ORANGE", "YELLOW", "VINTAGE", "ANTIQUE", "PASTEL",
)  # fmt: skip
_PATTERNS = (
    "RETROSPOT", "POLKADOT", "SPOTTY", "STRIPE", "PAISLEY", "FLORAL", "HEART", "STAR", "SKULL",
    "REGENCY", "DOILEY", "BIRD", "BUTTERFLY", "ROSE", "CHRISTMAS", "UNION JACK", "GINGHAM",
    "SPACEBOY", "DOLLY GIRL", "WOODLAND",
)  # fmt: skip
_ITEMS = (
    "LUNCH BAG", "JUMBO BAG", "CAKE CASES", "T-LIGHT HOLDER", "MUG", "TEACUP AND SAUCER",
    "PHOTO FRAME", "CUSHION COVER", "BUNTING", "DOORMAT", "NOTEBOOK", "WATER BOTTLE",
    "CHILDRENS APRON", "PAPER NAPKINS", "TRINKET BOX", "COAT HANGER", "WALL CLOCK",
    "PLASTERS IN TIN", "BAKING SET", "GIFT WRAP", "LANTERN", "HOT WATER BOTTLE",
)  # fmt: skip
_LOG_MEDIAN = math.log(2.08)  # the data set's median unit price
_CATALOGUE_SIZE = 4070
_CATALOGUE_SEED = 352  # the UCI data set id: the catalogue never depends on the run's seed


@dataclass(frozen=True, slots=True)
class Product:
    stock_code: str
    description: str
    unit_price: str  # as the CSV spells it: "2.55", "2.1", "18"
    bulk_price: str  # the price printed for wholesale quantities (12 and more)
    weight: float


def _ladder_price(price: float) -> float:
    """The ladder step nearest to `price`."""
    return min(_PRICE_LADDER, key=lambda step: abs(step - price))


def _price_text(price: float) -> str:
    return f"{price:.2f}".rstrip("0").rstrip(".")


def _bulk(price: float) -> float:
    lower = [step for step in _PRICE_LADDER if step < price * 0.9]
    return lower[-1] if lower and price < 40 else price


def _generated(rng: random.Random, taken: set[str]) -> list[tuple[str, str, float]]:
    products: list[tuple[str, str, float]] = []
    names: set[str] = set()
    while len(products) + len(_BEST_SELLERS) < _CATALOGUE_SIZE:
        code = str(rng.randint(10002, 90214))
        if rng.random() < 0.12:
            code += rng.choice("ABCDEFGHJKL")
        name = f"{rng.choice(_COLOURS)} {rng.choice(_PATTERNS)} {rng.choice(_ITEMS)}"
        if code in taken or name in names:
            continue
        taken.add(code)
        names.add(name)
        products.append((code, name, _ladder_price(rng.lognormvariate(_LOG_MEDIAN, 0.8))))
    return products


def _catalogue() -> tuple[Product, ...]:
    rng = random.Random(_CATALOGUE_SEED)  # noqa: S311 - synthetic data, not security
    entries = [*_BEST_SELLERS, *_generated(rng, {code for code, _, _ in _BEST_SELLERS})]
    return tuple(
        Product(code, name, _price_text(price), _price_text(_bulk(price)), 1.0 / (rank + 25))
        for rank, (code, name, price) in enumerate(entries)
    )


PRODUCTS = _catalogue()

"""Sizes, presets and the fixed parameters of the synthetic platform (one place, so the manifest can cite them)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VERSION = "1.0.0"

#: The platform's observed period: signups and viewing from START, everything before AS_OF (exclusive).
START = np.datetime64("2021-01-01T00:00:00", "s")
AS_OF = np.datetime64("2025-01-01T00:00:00", "s")
DAY = 86_400
MONTH_DAYS = 30.4375

GENRES = ("Drama", "Comedy", "Action", "Thriller", "Romance", "Documentary", "Crime", "Horror", "Sci-Fi",
          "Animation", "Adventure", "Family", "Fantasy", "Mystery", "Reality", "Music", "War", "Western")
#: Base share of each genre (commoner first, roughly Zipf); normalised where used.
GENRE_WEIGHTS = np.array([1 / (i + 1) ** 0.8 for i in range(len(GENRES))])

#: Plans: (tier, monthly list price in USD) with their shares; annual billing is 10 months' price for 12.
PLANS = (("Basic with ads", 6.99), ("Basic", 9.99), ("Standard", 15.49), ("Premium", 22.99))
PLAN_SHARES = np.array([0.25, 0.20, 0.40, 0.15])
ANNUAL_SHARE = 0.25
ANNUAL_FACTOR = 10 / 12
LEGACY_DISCOUNT = 1.00            # signed up before LEGACY_BEFORE: grandfathered price, this much cheaper
LEGACY_BEFORE = np.datetime64("2023-01-01T00:00:00", "s")
PRICE_CENTRE, PRICE_SCALE = 13.0, 6.0

COUNTRIES = ("US", "GB", "CA", "DE", "FR", "BR", "IN", "AU", "ES", "MX")
COUNTRY_SHARES = np.array([0.38, 0.10, 0.07, 0.08, 0.07, 0.09, 0.08, 0.05, 0.04, 0.04])
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_SHARES = np.array([0.16, 0.27, 0.23, 0.17, 0.11, 0.06])
PAYMENTS = ("card", "paypal", "app store", "gift card", "carrier billing")
PAYMENT_SHARES = np.array([0.55, 0.18, 0.17, 0.04, 0.06])

DEVICES = ("tv", "mobile", "tablet", "web", "other")  # the contract's allowed set, in that order
DEVICE_SHARES = np.array([0.46, 0.25, 0.10, 0.15, 0.04])
MAIN_DEVICE_SHARE = 0.65

#: Relative viewing by hour of day (evening peak) and by weekday (Monday first; weekend higher).
HOUR_WEIGHTS = np.array([2.2, 1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.0, 1.4, 1.6, 1.8, 2.0,
                         2.4, 2.5, 2.4, 2.5, 2.9, 3.6, 4.6, 6.4, 8.2, 8.8, 7.4, 4.6])
WEEKDAY_WEIGHTS = np.array([0.90, 0.86, 0.88, 0.93, 1.10, 1.32, 1.28])

#: The true churn model: a discrete-time logistic hazard, one draw per month subscribed (see audience.churn).
CHURN_INTERCEPT = -4.5
CHURN_DRIVERS = (
    ("is_monthly", 1.10, "0/1: billed monthly (1) rather than annually (0)"),
    ("price_z", 0.35, f"(monthly_charges - {PRICE_CENTRE:g}) / {PRICE_SCALE:g}"),
    ("engagement_z", -0.85, "standardised log of the latent viewing rate; realised as watch_minutes_month"),
    ("first_quarter", 0.90, "0/1: the month is one of the subscriber's first three"),
)


@dataclass(frozen=True)
class Sizes:
    """How big one generation is; ratings and reviews follow from the viewing (about 0.13 and 0.013 per event).

    Attributes:
        subscribers: accounts, current or gone (planted accounts included).
        titles: catalogue size.
        events: target number of watch events (a few are dropped: duplicate keys, unreleased titles).
        chunk_events: events per Parquet row group; users are split into blocks of about this many events.
        check_rows: rows per table and per chunk validated with ``core.data.contract.validate`` (None: all).
    """

    subscribers: int
    titles: int
    events: int
    chunk_events: int = 1_000_000
    check_rows: int | None = 400

    @property
    def bots(self) -> int:
        return max(4, self.subscribers // 500)

    @property
    def bursts(self) -> int:
        return max(3, self.titles // 1000)

    @property
    def farms(self) -> int:
        return max(2, self.subscribers // 3000)

    @property
    def blocks(self) -> int:
        return max(1, -(-self.events // self.chunk_events))


PRESETS: dict[str, Sizes] = {
    "small": Sizes(subscribers=10_000, titles=5_000, events=1_000_000),
    "large": Sizes(subscribers=1_000_000, titles=200_000, events=20_000_000),
}

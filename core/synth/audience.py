"""The synthetic audience: signups, plans and prices, genre tastes (Dirichlet), viewing rates and the true churn
model, a discrete-time logistic hazard whose coefficients (``params.CHURN_DRIVERS``) go to the manifest."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.synth import arrow, params

TASTE_CONCENTRATION = 3.0   # Dirichlet alpha = this x genre share (they sum to 3): tastes are peaked
ACTIVITY_SIGMA = 0.75       # log-normal spread of viewing rates
PLANTED_ACTIVITY = 0.01     # planted accounts (bots, review farms) barely watch
LAUNCH_SHARE = 0.15         # signed up in the launch weeks; the rest at a rising rate


@dataclass
class Audience:
    """Subscribers as arrays (index i is subscriber ``s`` + i+1). Times are seconds since the epoch.

    Attributes:
        signup, end: subscribed from ``signup`` until ``end`` (churn time, or params.AS_OF when still active).
        churned: left before params.AS_OF.
        tier, annual, charges: plan tier code (``params.PLANS``), annual billing, monthly charge (USD).
        engagement_z: standard-normal log viewing rate (a churn driver); ``activity`` = exp(sigma * z).
        taste: (n, genres) genre preferences summing to 1; ``taste_cum`` their running sums.
        device: main device code; rate_p, review_p: chance to rate a watched title / review a rating;
        bias: the user's rating offset (stars).
        planted: 0 genuine, 1 bot rater, 2 review-farm account (planted accounts do not churn).
    """

    signup: np.ndarray
    end: np.ndarray
    churned: np.ndarray
    tier: np.ndarray
    annual: np.ndarray
    charges: np.ndarray
    engagement_z: np.ndarray
    activity: np.ndarray
    taste: np.ndarray
    taste_cum: np.ndarray
    device: np.ndarray
    rate_p: np.ndarray
    review_p: np.ndarray
    bias: np.ndarray
    planted: np.ndarray
    extras: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(self.signup)


def _signups(rng: np.random.Generator, n: int) -> np.ndarray:
    start, span = params.START.astype(np.int64), (params.AS_OF - params.START).astype(np.int64) - 7 * params.DAY
    launch = rng.random(n) < LAUNCH_SHARE
    offset = np.where(launch, rng.random(n) * 45 * params.DAY, np.sqrt(rng.random(n)) * span)
    return start + offset.astype(np.int64)


def _tastes(rng: np.random.Generator, n: int) -> np.ndarray:
    alpha = TASTE_CONCENTRATION * params.GENRE_WEIGHTS / params.GENRE_WEIGHTS.sum()
    raw = rng.standard_gamma(alpha, size=(n, len(alpha))).astype(np.float32) + np.float32(1e-9)
    return raw / raw.sum(axis=1, keepdims=True)


def make_audience(rng: np.random.Generator, n: int, planted: np.ndarray) -> Audience:
    """Draw ``n`` subscribers; ``planted`` (0/1/2 per subscriber) marks the accounts fraud will use.

    Churn is simulated afterwards by ``simulate_churn`` (end and churned are placeholders until then).
    """
    signup = _signups(rng, n)
    tier = rng.choice(len(params.PLANS), size=n, p=params.PLAN_SHARES)
    annual = rng.random(n) < params.ANNUAL_SHARE
    legacy = signup < params.LEGACY_BEFORE.astype(np.int64)
    price = np.array([p for _, p in params.PLANS])[tier] - np.where(legacy, params.LEGACY_DISCOUNT, 0.0)
    charges = np.round(price * np.where(annual, params.ANNUAL_FACTOR, 1.0), 2)
    z = rng.standard_normal(n)
    activity = np.exp(ACTIVITY_SIGMA * z) * np.where(planted > 0, PLANTED_ACTIVITY, 1.0)
    taste = _tastes(rng, n)
    writer = rng.random(n) < 0.3
    extras = {"country": rng.choice(len(params.COUNTRIES), size=n, p=params.COUNTRY_SHARES),
              "age_band": rng.choice(len(params.AGE_BANDS), size=n, p=params.AGE_SHARES),
              "payment_method": rng.choice(len(params.PAYMENTS), size=n, p=params.PAYMENT_SHARES)}
    return Audience(
        signup=signup, end=np.full(n, params.AS_OF.astype(np.int64)), churned=np.zeros(n, dtype=bool), tier=tier,
        annual=annual, charges=charges, engagement_z=z, activity=activity, taste=taste,
        taste_cum=np.cumsum(taste, axis=1),
        device=rng.choice(len(params.DEVICE_SHARES), size=n, p=params.DEVICE_SHARES),
        rate_p=np.where(planted == 1, 0.0, rng.beta(1.3, 6.0, n)),
        review_p=np.where(writer, rng.beta(2.0, 6.0, n), 0.004), bias=rng.normal(0, 0.45, n),
        planted=planted, extras=extras)


def hazard_logit(aud: Audience, first_quarter: np.ndarray | bool) -> np.ndarray:
    """The true monthly churn logit per subscriber (``params.CHURN_DRIVERS``, ``params.CHURN_INTERCEPT``)."""
    x = {"is_monthly": (~aud.annual).astype(float), "price_z": (aud.charges - params.PRICE_CENTRE) / params.PRICE_SCALE,
         "engagement_z": aud.engagement_z, "first_quarter": np.asarray(first_quarter, dtype=float)}
    return params.CHURN_INTERCEPT + sum(coef * x[name] for name, coef, _ in params.CHURN_DRIVERS)


def simulate_churn(rng: np.random.Generator, aud: Audience) -> None:
    """Draw each genuine subscriber's churn month by month (logistic hazard); sets ``end`` and ``churned``.

    A subscriber who churns in month m (0-based) leaves at a uniform point inside it; planted accounts stay.
    """
    n, as_of = aud.n, params.AS_OF.astype(np.int64)
    months = np.floor((as_of - aud.signup) / (params.MONTH_DAYS * params.DAY)).astype(np.int64)
    churn_month = np.full(n, -1)
    base, new = hazard_logit(aud, False), hazard_logit(aud, True)
    for m in range(int(months.max(initial=0))):
        at_risk = (churn_month < 0) & (m < months) & (aud.planted == 0)
        p = 1 / (1 + np.exp(-(new if m < 3 else base)))
        churn_month = np.where(at_risk & (rng.random(n) < p), m, churn_month)
    left = churn_month >= 0
    when = aud.signup + ((churn_month + rng.random(n)) * params.MONTH_DAYS * params.DAY).astype(np.int64)
    aud.churned = left
    aud.end = np.where(left, np.minimum(when, as_of - 1), as_of)


def tenure_months(aud: Audience) -> np.ndarray:
    """Months subscribed, signup to churn or AS_OF."""
    return (aud.end - aud.signup) / (params.MONTH_DAYS * params.DAY)


def subscribers_table(rng: np.random.Generator, aud: Audience, minutes: np.ndarray) -> pa.Table:
    """The subscribers table; ``minutes`` is each subscriber's total minutes watched in the events written.

    ``total_charges`` is tenure x monthly charge (annual plans billed at their monthly equivalent) within 1%;
    ``watch_minutes_month`` is the realised engagement (minutes per month subscribed, from the events).
    """
    tenure = tenure_months(aud)
    total = tenure * aud.charges * (1 + rng.normal(0, 0.004, aud.n))
    tier = arrow.pick(tuple(t for t, _ in params.PLANS), aud.tier)
    billing = arrow.pick(("monthly", "annual"), aud.annual.astype(np.int8))
    return pa.table({
        "subscriber_id": arrow.ids("s", aud.n, 7), "plan": pc.binary_join_element_wise(tier, billing, " "),
        "tenure": arrow.floats(tenure, 2), "monthly_charges": arrow.floats(aud.charges, 2),
        "total_charges": arrow.floats(np.maximum(total, 0), 2), "churned": pa.array(aud.churned),
        "signup_date": arrow.stamps(aud.signup), "churn_date": arrow.stamps(aud.end, ~aud.churned),
        "tier": tier, "billing": billing,
        "watch_minutes_month": arrow.floats(minutes / np.maximum(tenure, 0.25), 1),
        "age_band": arrow.pick(params.AGE_BANDS, aud.extras["age_band"]),
        "payment_method": arrow.pick(params.PAYMENTS, aud.extras["payment_method"]),
        "country": arrow.pick(params.COUNTRIES, aud.extras["country"]),
    })

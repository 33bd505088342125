"""The synthetic catalogue: kinds, genre mixes, seasonal release dates, runtimes, long-tailed budgets and a
Zipf-like popularity (latent, like quality: both stay out of the titles table and go to the manifest)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.synth import arrow, text
from core.synth.params import AS_OF, DAY, GENRE_WEIGHTS, GENRES

TV_SHARE = 0.30
MONTH_WEIGHTS = np.array([0.85, 0.80, 0.90, 0.90, 0.90, 1.00, 1.00, 0.90, 1.00, 1.25, 1.35, 1.45])
FRIDAY_SNAP = (0.60, 0.25)  # share of movie / tv releases moved to the next Friday
ZIPF_EXPONENT = 1.05
_EPISODE_MINUTES = np.array([22, 24, 30, 42, 45, 52, 58])


@dataclass(frozen=True)
class Catalogue:
    """Titles as arrays (index i is title ``t`` + i+1) plus the Arrow table that is written.

    Attributes:
        kind: 0 movie, 1 tv.
        genres: (n, 3) genre codes, -1 where a title has fewer than three; column 0 is the primary genre.
        release: release time in seconds since the epoch.
        runtime: minutes (a tv title's is an episode's).
        quality: latent standard-normal quality (drives ratings and completion).
        weight: latent popularity weight (Zipf-like over titles).
        by_genre: per genre code, (title indices holding it in release order, their release times, running
            popularity weight); ``everything`` the same over the whole catalogue.
        table: the titles table.
    """

    kind: np.ndarray
    genres: np.ndarray
    release: np.ndarray
    runtime: np.ndarray
    quality: np.ndarray
    weight: np.ndarray
    by_genre: tuple[tuple[np.ndarray, ...], ...]
    everything: tuple[np.ndarray, ...]
    table: pa.Table

    @property
    def n(self) -> int:
        return len(self.kind)


def _genre_mix(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """1-3 distinct genres per title, commoner genres likelier (Gumbel top-k over the genre weights)."""
    n = len(kind)
    base = np.log(np.tile(GENRE_WEIGHTS, (n, 1)))
    tv = kind == 1
    for name, movie_factor, tv_factor in (("Reality", 0.05, 3.0), ("Documentary", 1.0, 1.5), ("War", 1.0, 0.5),
                                          ("Western", 1.0, 0.5), ("Family", 1.0, 1.3)):
        g = GENRES.index(name)
        base[:, g] += np.where(tv, np.log(tv_factor), np.log(movie_factor))
    order = np.argsort(-(base + rng.gumbel(size=base.shape)), axis=1)[:, :3]
    count = rng.choice(3, size=n, p=[0.35, 0.45, 0.20]) + 1
    return np.where(np.arange(3) < count[:, None], order, -1)


def _release_days(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Release dates (days since the epoch): a catalogue weighted to recent years, more in Q4, movies on Fridays."""
    n = len(kind)
    last_year = int(str(AS_OF.astype("datetime64[Y]"))) - 1
    year = np.clip(last_year - np.floor(rng.exponential(11.0, n)), 1960, last_year).astype(np.int64)
    month = rng.choice(12, size=n, p=MONTH_WEIGHTS / MONTH_WEIGHTS.sum())
    first = ((year - 1970) * 12 + month).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    days = first + rng.integers(0, 28, n)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    snap = rng.random(n) < np.where(kind == 1, FRIDAY_SNAP[1], FRIDAY_SNAP[0])
    days = days + np.where(snap, (4 - weekday) % 7, 0)
    limit = AS_OF.astype("datetime64[D]").astype(np.int64) - 1
    return np.where(days > limit, days - 7 * np.ceil((days - limit) / 7).astype(np.int64), days)


def _money(rng: np.random.Generator, kind: np.ndarray, quality: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lognormal budgets (a tv title's per season) and movie revenues; some unknown (NaN)."""
    n = len(kind)
    budget = np.exp(rng.normal(np.where(kind == 1, np.log(2.5e7), np.log(2.2e7)), np.where(kind == 1, 0.9, 1.15)))
    budget = np.clip(budget, 5e4, 4e8)
    revenue = budget * np.exp(rng.normal(0.25 + 0.45 * quality, 0.8))
    revenue = np.where((kind == 1) | (rng.random(n) < 0.25), np.nan, revenue)
    budget = np.where(rng.random(n) < 0.12, np.nan, budget)
    return np.round(budget, -3), np.round(revenue, -3)


def _popularity(rng: np.random.Generator, quality: np.ndarray, budget: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Zipf-like weights: rank titles by a noisy score (quality, budget, recency) and weigh rank^-exponent."""
    log_budget = np.log(np.where(np.isnan(budget), np.nanmedian(budget) if np.isfinite(budget).any() else 1, budget))
    budget_z = (log_budget - log_budget.mean()) / (log_budget.std() or 1.0)
    score = 0.5 * quality + 0.3 * budget_z - 0.04 * age + rng.normal(0, 1, len(quality))
    rank = np.empty(len(score), dtype=np.int64)
    rank[np.argsort(-score, kind="stable")] = np.arange(1, len(score) + 1)
    return rank.astype(np.float64) ** -ZIPF_EXPONENT


def _by_release(members: np.ndarray, release: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, ...]:
    """``members`` in release order, their release times and running popularity weight: the titles out at time
    t are a prefix, so a title can be drawn among them with two binary searches."""
    order = members[np.argsort(release[members], kind="stable")]
    return order, release[order], np.cumsum(weight[order])


def _by_genre(genres: np.ndarray, release: np.ndarray, weight: np.ndarray) -> tuple[tuple[np.ndarray, ...], ...]:
    return tuple(_by_release(np.flatnonzero((genres == g).any(axis=1)), release, weight) for g in range(len(GENRES)))


def _genre_text(genres: np.ndarray) -> pa.Array:
    names = [arrow.pick(GENRES, np.maximum(genres[:, k], 0)) for k in range(3)]
    nulls = [pc.if_else(pa.array(genres[:, k] >= 0), names[k], pa.scalar(None, pa.string())) for k in range(3)]
    return pc.binary_join_element_wise(*nulls, "|", null_handling="skip")


def make_catalogue(rng: np.random.Generator, n: int) -> Catalogue:
    """Draw ``n`` titles.

    Args:
        rng: the catalogue's own generator.
        n: number of titles (ids ``t000001``...).
    """
    kind = (rng.random(n) < TV_SHARE).astype(np.int8)
    genres = _genre_mix(rng, kind)
    days = _release_days(rng, kind)
    runtime = np.where(kind == 1, rng.choice(_EPISODE_MINUTES, n) + rng.normal(0, 2, n),
                       rng.normal(104, 17, n))
    runtime = np.round(np.clip(runtime, np.where(kind == 1, 18, 72), np.where(kind == 1, 70, 200)))
    quality = rng.standard_normal(n)
    budget, revenue = _money(rng, kind, quality)
    age = (AS_OF.astype("datetime64[D]").astype(np.int64) - days) / 365.25
    weight = _popularity(rng, quality, budget, age)
    kind_text = arrow.pick(("movie", "tv"), kind)
    table = pa.table({
        "title_id": arrow.ids("t", n, 6), "title": text.title_names(rng, n), "kind": kind_text,
        "genres": _genre_text(genres), "release_date": arrow.stamps(days * DAY), "runtime": arrow.floats(runtime, 0),
        "budget": arrow.floats(budget, 0), "revenue": arrow.floats(revenue, 0),
        "overview": text.overviews(rng, arrow.pick(GENRES, genres[:, 0]), kind_text),
    })
    release = days * DAY
    return Catalogue(kind, genres, release, runtime, quality, weight, _by_genre(genres, release, weight),
                     _by_release(np.arange(n), release, weight), table)

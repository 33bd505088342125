"""Watch events, genuine ratings and genuine reviews for one block of users (a block = one Parquet row group).

Blocks hold whole users, so (user, title, started_at) keys cannot collide across blocks and every rating
sees all of its user's viewing. Each event takes a start time inside the user's subscription on the daily and
weekly cycle of ``params``, then a genre from the user's taste (or, sometimes, overall popularity), then a
title of that genre already released by then, by popularity.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from core.synth import arrow, text
from core.synth.audience import Audience
from core.synth.catalogue import Catalogue
from core.synth.params import DAY, DEVICE_SHARES, GENRES, HOUR_WEIGHTS, MAIN_DEVICE_SHARE, WEEKDAY_WEIGHTS

TRENDING_SHARE = 0.15     # events that follow overall popularity rather than the user's taste
COMPLETE_AT = 0.9         # completed <=> minutes_watched >= this share of the runtime
_WEEKEND_DAYTIME = np.where((np.arange(24) >= 10) & (np.arange(24) <= 17), 1.8, 0.0)


@dataclass(frozen=True)
class Block:
    """One block's tables (reviews without ids yet); minutes watched and events per user of the block; the
    (user, title) indices of its ratings; wanted events not written (duplicate keys, nothing released)."""

    events: pa.Table
    ratings: pa.Table
    reviews: pa.Table
    minutes: np.ndarray
    watched: np.ndarray
    rated: tuple[np.ndarray, np.ndarray]
    dropped: int


@dataclass(frozen=True)
class Ids:
    """Text ids of every user and title, taken by index."""

    users: pa.Array
    titles: pa.Array


def _draw(rng: np.random.Generator, pool: tuple[np.ndarray, ...], at: np.ndarray) -> np.ndarray:
    """A title of ``pool`` (``Catalogue.by_genre`` entry) out at each time ``at``, by popularity; -1 if none."""
    members, release, cum = pool
    out_now = np.searchsorted(release, at, side="right")
    total = np.where(out_now > 0, cum[np.maximum(out_now - 1, 0)], 0.0)
    pos = np.searchsorted(cum, rng.random(len(at)) * total, side="right")
    return np.where(out_now > 0, members[np.minimum(pos, np.maximum(out_now - 1, 0))], -1)


def _titles_for(rng: np.random.Generator, users: np.ndarray, at: np.ndarray, cat: Catalogue,
                aud: Audience) -> np.ndarray:
    """A title per event, among those released by then: mostly a genre from the user's taste then a title of it
    by popularity, sometimes (and when the genre has nothing out yet) by overall popularity; -1 if none."""
    m = len(users)
    genre = (aud.taste_cum[users] < rng.random(m, dtype=np.float32)[:, None]).sum(axis=1).clip(0, len(GENRES) - 1)
    genre = np.where(rng.random(m) < TRENDING_SHARE, -1, genre)
    titles = np.full(m, -1, dtype=np.int64)
    for g, pool in enumerate(cat.by_genre):
        mask = genre == g
        if len(pool[0]) and mask.any():
            titles[mask] = _draw(rng, pool, at[mask])
    rest = titles < 0
    titles[rest] = _draw(rng, cat.everything, at[rest])
    return titles


def sample_times(rng: np.random.Generator, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Start times (seconds) in [start, end): days weighted by weekday, hours by the daily cycle (more
    daytime at weekends). Rejection sampling; the rare leftovers are clipped into range."""
    hours_weekday = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
    hours_weekend = (HOUR_WEIGHTS + _WEEKEND_DAYTIME) / (HOUR_WEIGHTS + _WEEKEND_DAYTIME).sum()
    first, last = start // DAY, (end - 1) // DAY
    out = np.full(len(start), -1, dtype=np.int64)
    todo = np.arange(len(start))
    for _ in range(40):
        if not len(todo):
            break
        day = first[todo] + (rng.random(len(todo)) * (last[todo] - first[todo] + 1)).astype(np.int64)
        weekday = (day + 3) % 7
        weekend = weekday >= 5
        hour = np.where(weekend, rng.choice(24, len(todo), p=hours_weekend), rng.choice(24, len(todo), p=hours_weekday))
        t = day * DAY + hour * 3600 + rng.integers(0, 3600, len(todo))
        ok = (rng.random(len(todo)) < WEEKDAY_WEIGHTS[weekday] / WEEKDAY_WEIGHTS.max()) & (t >= start[todo]) & (
            t < end[todo])
        out[todo[ok]] = t[ok]
        todo = todo[~ok]
    out[todo] = np.clip(start[todo] + rng.integers(0, 3600, len(todo)), start[todo], end[todo] - 1)
    return out


def _place(rng: np.random.Generator, users: np.ndarray, cat: Catalogue, aud: Audience):
    """Start times inside each subscription, then titles already released at that time."""
    start = sample_times(rng, aud.signup[users], aud.end[users])
    titles = _titles_for(rng, users, start, cat, aud)
    keep = titles >= 0
    return users[keep], titles[keep], start[keep]


def affinity(aud: Audience, cat: Catalogue, users: np.ndarray, titles: np.ndarray) -> np.ndarray:
    """Mean taste of each user for the title's genres (0-1)."""
    genres = cat.genres[titles]
    has = genres >= 0
    taste = np.take_along_axis(aud.taste[users], np.maximum(genres, 0), axis=1)
    return (taste * has).sum(axis=1) / has.sum(axis=1)


def _dedupe_sorted(users: np.ndarray, titles: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Row order by start time with duplicate (user, title, start) keys removed."""
    order = np.lexsort((titles, users, start))
    u, t, s = users[order], titles[order], start[order]
    repeat = np.r_[False, (u[1:] == u[:-1]) & (t[1:] == t[:-1]) & (s[1:] == s[:-1])]
    return order[~repeat]


def watch(rng: np.random.Generator, users: np.ndarray, cat: Catalogue, aud: Audience) -> dict[str, np.ndarray]:
    """The events of ``users`` (one entry per wanted event), as arrays sorted by start time."""
    wanted = len(users)
    users, titles, start = _place(rng, users, cat, aud)
    order = _dedupe_sorted(users, titles, start)
    users, titles, start = users[order], titles[order], start[order]
    aff = affinity(aud, cat, users, titles)
    runtime = cat.runtime[titles]
    logit = -0.3 + 0.6 * cat.quality[titles] + 3.0 * (aff - 0.3) + 0.5 * (cat.kind[titles] == 1)
    completed = rng.random(len(users)) < 1 / (1 + np.exp(-logit))
    share = np.where(completed, rng.uniform(0.92, 1.0, len(users)), rng.uniform(0.02, 0.88, len(users)))
    minutes = np.round(runtime * share, 1)
    completed = minutes >= COMPLETE_AT * runtime
    device = np.where(rng.random(len(users)) < MAIN_DEVICE_SHARE, aud.device[users],
                      rng.choice(len(DEVICE_SHARES), len(users), p=DEVICE_SHARES))
    return {"users": users, "titles": titles, "start": start, "minutes": minutes, "completed": completed,
            "device": device, "affinity": aff, "dropped": np.array(wanted - len(users))}


def rate(rng: np.random.Generator, ev: dict[str, np.ndarray], cat: Catalogue, aud: Audience) -> dict:
    """Genuine ratings: some watched (user, title) pairs get one rating, after their first viewing.

    Stars depend on the title's quality, the user's taste for its genres and the user's own bias.
    """
    pair = ev["users"].astype(np.int64) * cat.n + ev["titles"]
    _, first = np.unique(pair, return_index=True)
    first = np.sort(first)
    p = aud.rate_p[ev["users"][first]] * np.where(ev["completed"][first], 1.0, 0.6)
    keep = first[rng.random(len(first)) < p]
    u, t = ev["users"][keep], ev["titles"][keep]
    mu = 3.35 + 0.55 * cat.quality[t] + 1.6 * (ev["affinity"][keep] - 0.3) + aud.bias[u] + 0.25 * ev["completed"][keep]
    stars = np.clip(np.round(2 * (mu + rng.normal(0, 0.6, len(u)))) / 2, 0.5, 5.0)
    after = ev["start"][keep] + (ev["minutes"][keep] * 60).astype(np.int64) + rng.exponential(3 * 3600, len(u)).astype(
        np.int64)
    stamp = np.maximum(ev["start"][keep], np.minimum(after, aud.end[u] - 1))
    order = np.argsort(stamp, kind="stable")
    return {"users": u[order], "titles": t[order], "stars": stars[order], "stamp": stamp[order]}


def review(rng: np.random.Generator, rt: dict, aud: Audience) -> dict:
    """Genuine reviews: some ratings come with text whose sentiment follows the stars (rating on 0-10)."""
    keep = np.flatnonzero(rng.random(len(rt["users"])) < aud.review_p[rt["users"]])
    u = rt["users"][keep]
    created = rt["stamp"][keep] + rng.exponential(12 * 3600, len(keep)).astype(np.int64)
    created = np.maximum(rt["stamp"][keep], np.minimum(created, aud.end[u] - 1))
    return {"users": u, "titles": rt["titles"][keep], "stars": rt["stars"][keep], "created": created,
            "text": text.review_texts(rng, rt["stars"][keep])}


def block(rng: np.random.Generator, lo: int, counts: np.ndarray, cat: Catalogue, aud: Audience, ids: Ids) -> Block:
    """Everything genuine for users ``lo .. lo+len(counts)-1``; ``counts`` = wanted events per user."""
    users = np.repeat(np.arange(lo, lo + len(counts)), counts)
    ev = watch(rng, users, cat, aud)
    rt = rate(rng, ev, cat, aud)
    rv = review(rng, rt, aud)
    events = pa.table({
        "user_id": ids.users.take(ev["users"]), "title_id": ids.titles.take(ev["titles"]),
        "started_at": arrow.stamps(ev["start"]), "minutes_watched": arrow.floats(ev["minutes"], 1),
        "device": arrow.pick(("tv", "mobile", "tablet", "web", "other"), ev["device"]),
        "completed": pa.array(ev["completed"])})
    ratings = pa.table({"user_id": ids.users.take(rt["users"]), "title_id": ids.titles.take(rt["titles"]),
                        "rating": arrow.floats(rt["stars"], 1), "timestamp": arrow.stamps(rt["stamp"])})
    reviews = pa.table({"title_id": ids.titles.take(rv["titles"]), "user_id": ids.users.take(rv["users"]),
                        "text": rv["text"], "created_at": arrow.stamps(rv["created"]),
                        "rating": arrow.floats(rv["stars"] * 2, 1)})
    minutes = np.bincount(ev["users"] - lo, weights=ev["minutes"], minlength=len(counts))
    watched = np.bincount(ev["users"] - lo, minlength=len(counts))
    return Block(events, ratings, reviews, minutes, watched, (rt["users"], rt["titles"]), int(ev["dropped"]))

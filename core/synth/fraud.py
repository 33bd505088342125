"""Planted fake engagement, every item labelled in ``truth.parquet``.

- ``bot_rater``: accounts that rate many titles (60-250) with extreme stars inside 1-4 days and barely watch.
- ``rating_burst``: a few titles get many 5-star ratings inside 1-3 days, from genuine accounts (alive then,
  not already raters of the title) recruited for it, most of which never watched it.
- ``review_farm``: a set of accounts posts near-duplicate gushing 10/10 reviews on a few titles within two weeks.

Planted accounts are reserved before the audience is drawn (they barely watch and do not churn); windows and
titles are planned before the viewing is generated, and the planted rows are written after it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from core.synth import arrow, text
from core.synth.audience import Audience
from core.synth.catalogue import Catalogue
from core.synth.params import AS_OF, DAY, START, Sizes

FARM_DAYS = 14


@dataclass
class Plan:
    """Who and what is planted, and when (times in seconds since the epoch)."""

    bots: np.ndarray
    bot_start: np.ndarray
    bot_len: np.ndarray
    burst_titles: np.ndarray
    burst_start: np.ndarray
    burst_len: np.ndarray
    farm_accounts: list[np.ndarray]
    farm_titles: list[np.ndarray]
    farm_start: np.ndarray


def reserve(rng: np.random.Generator, n: int, sizes: Sizes) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(planted code per subscriber: 0 genuine, 1 bot, 2 farm account; accounts of each farm)``."""
    per_farm = rng.integers(6, 16, sizes.farms)
    chosen = rng.choice(n, size=min(n, sizes.bots + int(per_farm.sum())), replace=False)
    planted = np.zeros(n, dtype=np.int8)
    planted[chosen[:sizes.bots]] = 1
    planted[chosen[sizes.bots:]] = 2
    farms = np.split(chosen[sizes.bots:], np.cumsum(per_farm)[:-1])
    return planted, farms


def _mid_popular(rng: np.random.Generator, cat: Catalogue, rank: np.ndarray, k: int, before: int) -> np.ndarray:
    """``k`` distinct titles outside the top 5% by popularity (``rank``: 0 = most popular), released before
    ``before``."""
    pool = np.flatnonzero((rank >= 0.05 * cat.n) & (cat.release < before))
    pool = pool if len(pool) >= k else np.flatnonzero(cat.release < before)
    return rng.choice(pool, size=min(k, len(pool)), replace=False)


def plan(rng: np.random.Generator, cat: Catalogue, aud: Audience, farms: list[np.ndarray], sizes: Sizes) -> Plan:
    """Choose windows and titles; farm accounts' signups move to before their farm's window (mutates ``aud``)."""
    as_of, start = AS_OF.astype(np.int64), START.astype(np.int64)
    bots = np.flatnonzero(aud.planted == 1)
    bot_len = (rng.uniform(1, 4, len(bots)) * DAY).astype(np.int64)
    room = np.maximum(as_of - bot_len - aud.signup[bots], 0)
    bot_start = aud.signup[bots] + (rng.random(len(bots)) * room).astype(np.int64)
    burst_start = start + 60 * DAY + (rng.random(sizes.bursts) * ((as_of - start) - 70 * DAY)).astype(np.int64)
    rank = np.empty(cat.n, dtype=np.int64)
    rank[np.argsort(-cat.weight, kind="stable")] = np.arange(cat.n)
    burst_titles = _mid_popular(rng, cat, rank, sizes.bursts, int(burst_start.min()) - 7 * DAY)
    burst_start = burst_start[:len(burst_titles)]
    burst_len = (rng.uniform(1, 3, len(burst_titles)) * DAY).astype(np.int64)
    farm_start = start + 180 * DAY + (rng.random(len(farms)) * ((as_of - start) - 200 * DAY)).astype(np.int64)
    farm_titles = []
    for f, accounts in enumerate(farms):
        farm_titles.append(_mid_popular(rng, cat, rank, int(rng.integers(2, 5)), int(farm_start[f]) - 30 * DAY))
        aud.signup[accounts] = np.minimum(aud.signup[accounts],
                                          farm_start[f] - (rng.uniform(10, 150, len(accounts)) * DAY).astype(np.int64))
    return Plan(bots, bot_start, bot_len, burst_titles, burst_start, burst_len, farms, farm_titles, farm_start)


def _bot_titles(rng: np.random.Generator, cat: Catalogue, k: int, before: int) -> np.ndarray:
    """``k`` distinct titles (half by popularity, half uniform) released before ``before``."""
    overall = np.cumsum(cat.weight)
    picks = np.r_[np.searchsorted(overall, rng.random(2 * k) * overall[-1], side="right").clip(0, cat.n - 1),
                  rng.integers(0, cat.n, 2 * k)]
    picks = picks[rng.permutation(len(picks))]
    picks = picks[cat.release[picks] < before]
    _, first = np.unique(picks, return_index=True)
    return picks[np.sort(first)][:k]


def bot_ratings(rng: np.random.Generator, p: Plan, cat: Catalogue) -> dict[str, np.ndarray]:
    """Each bot rates many titles inside its window, almost all at 5 stars (promoters) or 0.5 (detractors)."""
    users, titles, stars, stamps = [], [], [], []
    for b, user in enumerate(p.bots):
        chosen = _bot_titles(rng, cat, int(rng.integers(60, 251)), int(p.bot_start[b]))
        promoter = rng.random() < 0.7
        extreme = rng.random(len(chosen)) < 0.88
        value = np.where(extreme, 5.0 if promoter else 0.5, 4.5 if promoter else 1.0)
        users.append(np.full(len(chosen), user))
        titles.append(chosen)
        stars.append(value)
        stamps.append(np.sort(p.bot_start[b] + (rng.random(len(chosen)) * p.bot_len[b]).astype(np.int64)))
    return _concat(users, titles, stars, stamps)


def burst_ratings(rng: np.random.Generator, p: Plan, aud: Audience, raters: dict[int, set[int]]) -> dict:
    """Many 5-star ratings of each burst title inside its window, from genuine accounts alive then that had not
    rated it (``raters``: title -> users who rated it genuinely)."""
    users, titles, stars, stamps = [], [], [], []
    genuine = aud.planted == 0
    for b, title in enumerate(p.burst_titles):
        lo, hi = int(p.burst_start[b]), int(p.burst_start[b] + p.burst_len[b])
        alive = np.flatnonzero(genuine & (aud.signup <= lo) & (aud.end > hi))
        alive = alive[~np.isin(alive, np.fromiter(raters.get(int(title), ()), dtype=np.int64))]
        chosen = rng.choice(alive, size=min(len(alive), int(rng.integers(60, 201))), replace=False)
        users.append(chosen)
        titles.append(np.full(len(chosen), title))
        stars.append(np.where(rng.random(len(chosen)) < 0.92, 5.0, 4.5))
        stamps.append(lo + (rng.beta(2, 2, len(chosen)) * (hi - lo)).astype(np.int64))
    return _concat(users, titles, stars, stamps)


def _join(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _concat(users: list, titles: list, stars: list, stamps: list) -> dict[str, np.ndarray]:
    return {"users": _join(users, np.int64), "titles": _join(titles, np.int64), "stars": _join(stars, np.float64),
            "stamp": _join(stamps, np.int64)}


def farm_reviews(rng: np.random.Generator, p: Plan, cat: Catalogue) -> dict:
    """Each farm account reviews most of its farm's titles inside the farm's two weeks, all near-duplicates."""
    users, titles, farm, created = [], [], [], []
    for f, accounts in enumerate(p.farm_accounts):
        u, t = (a.ravel() for a in np.meshgrid(accounts, p.farm_titles[f]))
        keep = rng.random(len(u)) < 0.85
        keep[0] = True
        u, t = u[keep], t[keep]
        lo = np.maximum(p.farm_start[f], cat.release[t])
        users.append(u)
        titles.append(t)
        farm.append(np.full(len(u), f))
        created.append(lo + (rng.random(len(u)) * FARM_DAYS * DAY).astype(np.int64))
    out = _concat(users, titles, [np.full(len(u), 10.0) for u in users], created)
    out["farm"] = np.concatenate(farm) if farm else np.zeros(0, dtype=np.int64)
    out["text"] = text.farm_texts(rng, len(out["users"]))
    return out


def truth(p: Plan, ids, bots: dict, bursts: dict, farms: dict, review_ids: pa.Array, events: np.ndarray) -> pa.Table:
    """One row per planted item: bot accounts; burst titles; farm reviews, accounts and titles.

    Args:
        ids: ``events.Ids`` (text ids of users and titles).
        bots, bursts, farms: the planted rows (``bot_ratings``, ``burst_ratings``, ``farm_reviews``).
        review_ids: the farm reviews' ids, in their order.
        events: watch events written per subscriber.

    Returns:
        entity_type, entity_id, label, group, detail, window_start, window_end, planted_rows.
    """
    rows = []
    for b, user in enumerate(p.bots):
        mine = bots["users"] == user
        share = float(np.isin(bots["stars"][mine], (0.5, 5.0)).mean()) if mine.any() else 0.0
        rows.append(("user", int(user), "bot_rater", f"bot-{b + 1:03d}", f"{int(mine.sum())} ratings in "
                     f"{p.bot_len[b] / DAY:.1f} days, {share:.0%} at 0.5 or 5 stars; {int(events[user])} watch events",
                     p.bot_start[b], p.bot_start[b] + p.bot_len[b], int(mine.sum())))
    for b, title in enumerate(p.burst_titles):
        n = int((bursts["titles"] == title).sum())
        rows.append(("title", int(title), "rating_burst", f"burst-{b + 1:03d}", f"{n} ratings of 4.5-5 stars in "
                     f"{p.burst_len[b] / DAY:.1f} days from accounts that had not rated it", p.burst_start[b],
                     p.burst_start[b] + p.burst_len[b], n))
    rows += _farm_rows(p, farms)
    table = pa.table({
        "entity_type": [r[0] for r in rows],
        "entity_id": _entity_ids(rows, ids, review_ids),
        "label": [r[2] for r in rows], "group": [r[3] for r in rows], "detail": [r[4] for r in rows],
        "window_start": arrow.stamps(np.array([r[5] for r in rows], dtype=np.int64)),
        "window_end": arrow.stamps(np.array([r[6] for r in rows], dtype=np.int64)),
        "planted_rows": pa.array([r[7] for r in rows], pa.int64())})
    return table


def _farm_rows(p: Plan, farms: dict) -> list[tuple]:
    rows = []
    for f, accounts in enumerate(p.farm_accounts):
        mine = np.flatnonzero(farms["farm"] == f)
        lo, hi = p.farm_start[f], p.farm_start[f] + FARM_DAYS * DAY
        group = f"farm-{f + 1:03d}"
        rows += [("review", int(i), "review_farm", group, f"near-duplicate 10/10 review, one of {len(mine)} by "
                  f"{len(accounts)} accounts", lo, hi, 1) for i in mine]
        rows += [("user", int(a), "review_farm", group, f"farm account: {int((farms['users'][mine] == a).sum())} "
                  "near-duplicate reviews", lo, hi, int((farms["users"][mine] == a).sum())) for a in accounts]
        rows += [("title", int(t), "review_farm", group, f"target of {int((farms['titles'][mine] == t).sum())} "
                  "farm reviews", lo, hi, int((farms["titles"][mine] == t).sum())) for t in p.farm_titles[f]]
    return rows


def _entity_ids(rows: list[tuple], ids, review_ids: pa.Array) -> pa.Array:
    """Text ids: users and titles by index, farm reviews by their position among the farm reviews."""
    out = []
    for kind, index, *_ in rows:
        source = {"user": ids.users, "title": ids.titles, "review": review_ids}[kind]
        out.append(source[index].as_py())
    return pa.array(out, pa.string())

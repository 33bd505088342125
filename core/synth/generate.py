"""The pipeline: catalogue, audience and planted accounts, churn, viewing in blocks, planted rows, truth,
manifest. Every stage draws from its own child of ``SeedSequence(seed)`` (each block of users too), and the
manifest holds no times or paths, so the same seed and sizes give byte-identical files."""
from __future__ import annotations

import json
import resource
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyarrow as pa

from core.synth import arrow, audience, catalogue, events, fraud
from core.synth.check import SelfCheck
from core.synth.params import AS_OF, CHURN_DRIVERS, CHURN_INTERCEPT, PRESETS, START, VERSION, Sizes

TABLES = ("titles", "subscribers", "watch_events", "ratings", "reviews")
DESCRIPTION = ("SYNTHETIC data: a made-up OTT streaming platform drawn from seeded random generators by core.synth; "
               "no real viewers, titles or reviews. Fake engagement is planted on purpose and labelled in "
               "truth.parquet.")


class GenerationError(RuntimeError):
    """The generated tables failed their own contract self-check."""


def _allocate(rng: np.random.Generator, aud: audience.Audience, total: int) -> np.ndarray:
    """Wanted events per subscriber: multinomial, proportional to viewing rate x months subscribed."""
    weight = aud.activity * np.maximum(audience.tenure_months(aud), 0)
    return rng.multinomial(total, weight / weight.sum())


def _bounds(counts: np.ndarray, blocks: int) -> list[tuple[int, int]]:
    """Contiguous user ranges holding about equal numbers of events."""
    cum = np.cumsum(counts)
    cuts = np.searchsorted(cum, cum[-1] * np.arange(1, blocks) / blocks, side="right")
    edges = np.unique(np.r_[0, cuts, len(counts)])
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _schemas() -> dict[str, pa.Schema]:
    ts, s, f = arrow.TIMESTAMP, pa.string(), pa.float64()
    return {
        "watch_events": pa.schema([("user_id", s), ("title_id", s), ("started_at", ts), ("minutes_watched", f),
                                   ("device", s), ("completed", pa.bool_())]),
        "ratings": pa.schema([("user_id", s), ("title_id", s), ("rating", f), ("timestamp", ts)]),
        "reviews": pa.schema([("review_id", s), ("title_id", s), ("user_id", s), ("text", s), ("created_at", ts),
                              ("rating", f)]),
    }


def _viewing(seqs: list[np.random.SeedSequence], counts: np.ndarray, cat: catalogue.Catalogue,
             aud: audience.Audience, ids: events.Ids, plan: fraud.Plan, check: SelfCheck, writers: dict) -> dict:
    """Write every block's events, ratings and reviews; return per-user minutes and events, who rated each burst
    title genuinely, the events dropped and the number of genuine reviews."""
    minutes, watched = np.zeros(aud.n), np.zeros(aud.n, dtype=np.int64)
    raters: dict[int, set[int]] = {int(t): set() for t in plan.burst_titles}
    dropped, reviews = 0, 0
    for seq, (lo, hi) in zip(seqs, _bounds(counts, len(seqs))):
        b = events.block(np.random.default_rng(seq), lo, counts[lo:hi], cat, aud, ids)
        review_table = b.reviews.add_column(0, "review_id", arrow.ids("r", len(b.reviews), 7, reviews + 1))
        reviews += len(review_table)
        for name, table in (("watch_events", b.events), ("ratings", b.ratings), ("reviews", review_table)):
            writers[name].write(table)
            check.add(table, name)
        minutes[lo:hi], watched[lo:hi] = b.minutes, b.watched
        dropped += b.dropped
        users, titles = b.rated
        for title in raters:
            raters[title].update(users[titles == title].tolist())
    return {"minutes": minutes, "watched": watched, "raters": raters, "dropped": dropped, "reviews": reviews}


def _planted(rng: np.random.Generator, plan: fraud.Plan, cat: catalogue.Catalogue, aud: audience.Audience,
             ids: events.Ids, viewing: dict, check: SelfCheck, writers: dict) -> dict:
    """Write the planted ratings and reviews (one row group each, after the genuine ones); build the truth."""
    bots = fraud.bot_ratings(rng, plan, cat)
    bursts = fraud.burst_ratings(rng, plan, aud, viewing["raters"])
    farms = fraud.farm_reviews(rng, plan, cat)
    both = {k: np.concatenate([bots[k], bursts[k]]) for k in bots}
    order = np.argsort(both["stamp"], kind="stable")
    ratings = pa.table({"user_id": ids.users.take(both["users"][order]),
                        "title_id": ids.titles.take(both["titles"][order]),
                        "rating": arrow.floats(both["stars"][order], 1),
                        "timestamp": arrow.stamps(both["stamp"][order])})
    review_ids = arrow.ids("r", len(farms["users"]), 7, viewing["reviews"] + 1)
    reviews = pa.table({"review_id": review_ids, "title_id": ids.titles.take(farms["titles"]),
                        "user_id": ids.users.take(farms["users"]), "text": farms["text"],
                        "created_at": arrow.stamps(farms["stamp"]), "rating": arrow.floats(farms["stars"], 1)})
    for name, table in (("ratings", ratings), ("reviews", reviews)):
        writers[name].write(table)
        check.add(table, name)
    truth = fraud.truth(plan, ids, bots, bursts, farms, review_ids, viewing["watched"])
    counts = {"bot_rater": {"accounts": len(plan.bots), "ratings": len(bots["users"])},
              "rating_burst": {"titles": len(plan.burst_titles), "ratings": len(bursts["users"])},
              "review_farm": {"farms": len(plan.farm_accounts), "accounts": int(sum(map(len, plan.farm_accounts))),
                              "titles": int(sum(map(len, plan.farm_titles))), "reviews": len(farms["users"])}}
    return {"truth": truth, "counts": counts}


def _churn_model(aud: audience.Audience) -> dict:
    genuine = aud.planted == 0
    return {
        "model": "discrete-time logistic hazard: logit P(churn during month m | still subscribed) = intercept + "
                 "sum(coefficient * driver), one draw per whole month from signup to 2025-01-01",
        "scale": "log-odds of churning in a month (per unit of each driver as defined)",
        "intercept": CHURN_INTERCEPT,
        "drivers": [{"name": n, "coefficient": c, "definition": d} for n, c, d in CHURN_DRIVERS],
        "recorded_as": {"is_monthly": "subscribers.billing == 'monthly' (plan ends in monthly/annual)",
                        "price_z": "subscribers.monthly_charges", "engagement_z": "subscribers.watch_minutes_month",
                        "first_quarter": "subscribers.tenure (new subscribers churn more)"},
        "not_drivers": ["age_band", "payment_method", "country", "tier (beyond its price)"],
        "churn_rate": round(float(aud.churned[genuine].mean()), 4) if genuine.any() else 0.0,
        "note": "planted accounts (bot raters, review-farm accounts) are exempt: they never churn",
    }


def _manifest(preset: str, seed: int, sizes: Sizes, rows: dict, aud: audience.Audience, planted: dict,
              dropped: int, check: SelfCheck) -> dict:
    return {
        "generator": "core.synth", "version": VERSION, "description": DESCRIPTION, "synthetic": True,
        "preset": preset, "seed": seed, "sizes": asdict(sizes),
        "period": {"start": str(START), "as_of": str(AS_OF)},
        "rows": rows, "files": [f"{t}.parquet" for t in (*TABLES, "truth")] + ["manifest.json"],
        "churn": _churn_model(aud), "planted": planted, "dropped_events": dropped,
        "latent": {"title_quality": "standard normal per title; raises ratings, completion and revenue",
                   "title_popularity": "Zipf-like: rank by a noisy score of quality, budget and recency, weight "
                                       f"rank^-{catalogue.ZIPF_EXPONENT}",
                   "user_taste": f"Dirichlet over genres, alpha = {audience.TASTE_CONCENTRATION:g} x genre share",
                   "where": "latent values are not written to the tables"},
        "self_check": check.report,
    }


def generate(out: Path, preset: str = "small", seed: int = 0, sizes: Sizes | None = None) -> dict:
    """Generate the synthetic platform into ``out`` (created if needed; files there are overwritten).

    Args:
        out: output directory.
        preset: ``small`` or ``large`` (``PRESETS``); only a label in the manifest when ``sizes`` is given.
        seed: the seed; the same seed and sizes give byte-identical files.
        sizes: explicit sizes (e.g. a tiny generation for tests) instead of the preset's.

    Returns:
        ``{out, preset, seed, rows (per table), seconds, peak_rss_mb, self_check (per table)}``.

    Raises:
        ValueError: an unknown preset without ``sizes``.
        GenerationError: the self-check found rejected rows or rule violations (the files stay, to inspect).
    """
    started = time.perf_counter()
    if sizes is None and preset not in PRESETS:
        raise ValueError(f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    sizes = sizes or PRESETS[preset]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    s_cat, s_aud, s_fraud, s_churn, s_alloc, s_blocks, s_check, s_subs = np.random.SeedSequence(seed).spawn(8)
    cat = catalogue.make_catalogue(np.random.default_rng(s_cat), sizes.titles)
    frng = np.random.default_rng(s_fraud)
    planted, farms = fraud.reserve(frng, sizes.subscribers, sizes)
    aud = audience.make_audience(np.random.default_rng(s_aud), sizes.subscribers, planted)
    plan = fraud.plan(frng, cat, aud, farms, sizes)
    audience.simulate_churn(np.random.default_rng(s_churn), aud)
    counts = _allocate(np.random.default_rng(s_alloc), aud, sizes.events)
    ids = events.Ids(arrow.ids("s", aud.n, 7), cat.table.column("title_id").combine_chunks())
    check = SelfCheck(np.random.default_rng(s_check), sizes.check_rows, ids.titles)
    writers = {name: arrow.TableWriter(out, name, schema) for name, schema in _schemas().items()}
    try:
        viewing = _viewing(s_blocks.spawn(sizes.blocks), counts, cat, aud, ids, plan, check, writers)
        extra = _planted(frng, plan, cat, aud, ids, viewing, check, writers)
    finally:
        for writer in writers.values():
            writer.close()
    subscribers = audience.subscribers_table(np.random.default_rng(s_subs), aud, viewing["minutes"])
    rows = {name: w.rows for name, w in writers.items()}
    for name, table in (("titles", cat.table), ("subscribers", subscribers)):
        rows[name] = arrow.write_table(out, name, table)
        check.add(table, name)
    rows["truth"] = arrow.write_table(out, "truth", extra["truth"])
    rows = {name: rows[name] for name in (*TABLES, "truth")}
    manifest = _manifest(preset, seed, sizes, rows, aud, extra["counts"], viewing["dropped"], check)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if not check.passed:
        raise GenerationError(f"The generated tables failed their contract self-check: {check.report}")
    return {"out": str(out), "preset": preset, "seed": seed, "rows": rows,
            "seconds": round(time.perf_counter() - started, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "self_check": check.report}

"""Fake engagement on a platform, found by three detectors and, where the truth was planted, scored against it.

- **Suspicious raters**: the page's Isolation Forest over rater behaviour (``core.integrity.raters``).
- **Rating bursts**: titles whose most top-rated day (4.5+ stars) is far above other titles' (a robust z-score
  of its log count against every title's).
- **Review farms**: top-rated reviews (9+ of 10) nearly identical in words to another account's top review of the
  same title within two weeks (Jaccard similarity of their word sets).

A synthetic platform's ``truth.parquet`` lists what was planted (``core.synth``); precision is the share of
flags that are planted, recall the share of planted items flagged. Pure pandas on aggregates and short lists.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: A title's most top-rated day counts as a burst from this robust z-score (median and MAD of log counts).
BURST_Z = 3.5
#: ... and with at least this many top ratings on that day.
BURST_MIN = 10
#: Two top reviews count as near-duplicates from this Jaccard similarity of their word sets.
FARM_SIMILARITY = 0.6
FARM_WINDOW_DAYS = 14

DEFINITIONS = {
    "precision": "Of the items flagged, the share that were planted (1 = every flag is real fake engagement).",
    "recall": "Of the items planted, the share that were flagged (1 = nothing planted was missed).",
    "burst": f"Most ratings of 4.5+ stars a title got on one day, as a robust z-score against every title's (median "
             f"and scaled MAD of log counts); a burst from z {BURST_Z:g} with {BURST_MIN}+ such ratings that day.",
    "farm": f"A top review (9+ of 10) whose words overlap another account's top review of the same title within "
            f"{FARM_WINDOW_DAYS} days by a Jaccard similarity of {FARM_SIMILARITY:g} or more.",
}


def precision_recall(flagged, planted, population) -> dict:
    """Precision and recall of ``flagged`` against ``planted``, both restricted to ``population`` (what the
    detector looked at, e.g. the sampled raters)."""
    population = set(population)
    flagged, planted = set(flagged) & population, set(planted) & population
    found = len(flagged & planted)
    return {"looked_at": len(population), "planted": len(planted), "flagged": len(flagged), "found": found,
            "precision": found / len(flagged) if flagged else float("nan"),
            "recall": found / len(planted) if planted else float("nan")}


def review_burst_score(found: dict, truth: pd.DataFrame | None) -> dict | None:
    """Precision and recall of the review-burst titles (``found``: ``windows`` of every reviewed title, ``near``
    with ``fake`` per burst title) against the titles planted as review farms; None without truth or reviews."""
    if truth is None or truth.empty or not len(found["windows"]):
        return None
    planted = truth.loc[(truth["entity_type"] == "title") & (truth["label"] == "review_farm"), "entity_id"]
    near = found["near"]
    return precision_recall(near.loc[near["fake"], "title_id"], planted, found["windows"]["title_id"])


def burst_scores(peaks: pd.DataFrame) -> pd.DataFrame:
    """``title_id, high_ratings, peak_day, z, burst``: the robust z-score of each title's peak day."""
    logs = np.log1p(peaks["peak_day"].astype("float64"))
    mad = 1.4826 * float(np.median(np.abs(logs - np.median(logs)))) or 1.0
    z = (logs - float(np.median(logs))) / mad
    return peaks.assign(z=z, burst=(z >= BURST_Z) & (peaks["peak_day"] >= BURST_MIN)).sort_values(
        "z", ascending=False, ignore_index=True)


def _words(text: str) -> frozenset:
    return frozenset(re.findall(r"[a-z']+", str(text).lower()))


def farm_reviews(top: pd.DataFrame) -> pd.DataFrame:
    """Top reviews (``review_id, user_id, title_id, text, created_at``) with ``similarity``: the largest Jaccard
    overlap with another account's top review of the same title within ``FARM_WINDOW_DAYS``; and ``farm``."""
    sims = pd.Series(0.0, index=top.index)
    window = pd.Timedelta(days=FARM_WINDOW_DAYS)
    for _, group in top.groupby("title_id"):
        if len(group) < 2:
            continue
        words = [_words(t) for t in group["text"]]
        when, who = group["created_at"].to_numpy(), group["user_id"].to_numpy()
        best = np.zeros(len(group))
        for i in range(len(group)):
            near = (np.abs(when - when[i]) <= window) & (who != who[i])
            for j in np.flatnonzero(near):
                union = len(words[i] | words[j]) or 1
                best[i] = max(best[i], len(words[i] & words[j]) / union)
        sims.loc[group.index] = best
    return top.assign(similarity=sims, farm=sims >= FARM_SIMILARITY)


def scorecard(results: dict[str, dict]) -> pd.DataFrame:
    """One row per detector: what it looked at, planted, flagged, found, precision and recall."""
    return pd.DataFrame([{"detector": name, **r} for name, r in results.items()])


def insights(card: pd.DataFrame) -> list[str]:
    """Sentences on the scorecard, from its figures."""
    out = []
    for row in card.itertuples():
        if not row.planted:
            out.append(f"**{row.detector}**: nothing of this kind was planted among the {row.looked_at:,} items "
                       f"looked at; {row.flagged:,} flagged are false alarms.")
            continue
        precision = "no flags" if np.isnan(row.precision) else f"{row.precision:.0%} of {row.flagged:,} flags real"
        out.append(f"**{row.detector}**: found {row.found:,} of {row.planted:,} planted ({row.recall:.0%} recall), "
                   f"{precision}.")
    return out

"""Fake-engagement detectors scored against planted truth: the scoring itself, and the detectors on a platform."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data import engine, platforms, queries
from core.integrity import planted as pl


def test_precision_recall_counts_only_what_was_looked_at():
    out = pl.precision_recall({"a", "b", "z"}, {"a", "c", "q"}, {"a", "b", "c", "d"})
    assert out == {"looked_at": 4, "planted": 2, "flagged": 2, "found": 1, "precision": 0.5, "recall": 0.5}
    none = pl.precision_recall(set(), {"a"}, {"a"})
    assert np.isnan(none["precision"]) and none["recall"] == 0


def test_a_burst_is_a_peak_day_far_above_other_titles():
    peaks = pd.DataFrame({"title_id": [f"t{i}" for i in range(50)], "high_ratings": 20,
                          "high_days": 10, "peak_day": [2, 3, 4] * 16 + [60, 9]})
    out = pl.burst_scores(peaks).set_index("title_id")
    assert out.loc["t48", "burst"] and not out.loc["t49", "burst"]  # 9 is high but below BURST_MIN
    assert out["burst"].sum() == 1


def test_near_duplicate_top_reviews_of_one_title_from_two_accounts_are_a_farm():
    day = pd.Timestamp("2024-01-01")
    top = pd.DataFrame({
        "review_id": ["r1", "r2", "r3", "r4", "r5"], "user_id": ["u1", "u2", "u3", "u1", "u4"],
        "title_id": ["t1", "t1", "t1", "t1", "t2"],
        "text": ["Best show ever! Amazing acting, amazing story, must watch.",
                 "Best show of the year! Amazing acting, amazing story, must watch.",
                 "A quiet, tender film about grief that stayed with me.",
                 "Best show ever! Amazing acting, amazing story, must watch.",
                 "Best show ever! Amazing acting, amazing story, must watch."],
        "created_at": [day, day + pd.Timedelta(days=3), day, day + pd.Timedelta(days=40), day]})
    out = pl.farm_reviews(top).set_index("review_id")
    assert out.loc["r1", "farm"] and out.loc["r2", "farm"]
    assert not out.loc["r3", "farm"]       # different words
    assert not out.loc["r4", "farm"]       # same words, but another account's twin is 37+ days away
    assert not out.loc["r5", "farm"]       # the only top review of its title


def test_insights_say_what_was_found():
    card = pl.scorecard({"Rating bursts": pl.precision_recall({"t1", "t2"}, {"t1"}, {"t1", "t2", "t3"})})
    assert pl.insights(card) == ["**Rating bursts**: found 1 of 1 planted (100% recall), 50% of 2 flags real."]


@pytest.fixture(scope="module")
def demo(platform_home):
    folder = platform_home / "platforms" / "demo"
    return folder, engine.open_platform(engine.connect(), folder)


def test_the_planted_bursts_and_farms_are_found_on_a_generated_platform(demo, monkeypatch, platform_home):
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(platform_home))
    folder, tables = demo
    truth = platforms.truth("syn:demo")
    bursts = pl.burst_scores(queries.collect(queries.title_high_peaks(tables["ratings"])))
    found = pl.precision_recall(bursts.loc[bursts["burst"], "title_id"],
                                truth.loc[truth["label"] == "rating_burst", "entity_id"], bursts["title_id"])
    assert found["planted"] >= 3 and found["recall"] >= 0.6 and found["precision"] >= 0.6
    farms = pl.farm_reviews(queries.collect(queries.top_reviews(tables["reviews"])))
    planted = truth.loc[truth["entity_type"] == "review", "entity_id"]
    scored = pl.precision_recall(farms.loc[farms["farm"], "review_id"], planted, farms["review_id"])
    assert scored["recall"] >= 0.8 and scored["precision"] >= 0.5

"""``/api/v1/integrity/reviews`` through FastAPI's TestClient: no review text on the embedded source (and why), a
synthetic platform's review sentiment, one title's figures and extremes, 404 for a title without reviews."""
from __future__ import annotations

import pandas as pd
import pytest
from starlette.testclient import TestClient

from tests.unit.test_api import TOKEN, get

WIDE = {"years": "1900-2100", "min_votes": "0"}


@pytest.fixture()
def api(app):
    import streamlit as st

    st.cache_data.clear()
    yield TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})
    st.cache_data.clear()


def test_the_embedded_source_has_no_review_text_and_says_why(api):
    body = get(api, "/integrity/reviews")
    assert body["available"] is False and body["headline"] is None and body["title"] is None
    assert "No review text of films or TV ships" in body["note"]


def test_a_platforms_review_sentiment_and_one_titles_extremes(api, platform_home, monkeypatch):
    from core.data import platforms

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(platform_home))
    every = pd.read_parquet(platforms.platform_dir("syn:demo") / "reviews.parquet")
    body = get(api, "/integrity/reviews", source="syn:demo", **WIDE)
    assert body["available"] and body["total"] == body["scored"] == len(every)
    head = body["headline"]
    assert 0 < head["reviews"] <= len(every) and -1 <= head["sentiment"] <= 1
    assert 0 <= head["positive"] + head["negative"] <= 1 and body["insights"]
    title = every["title_id"].value_counts().index[0]
    one = get(api, "/integrity/reviews", source="syn:demo", title_id=title, **WIDE)["title"]
    assert one["title_id"] == title and one["headline"]["reviews"] == (every["title_id"] == title).sum()
    scores = [float(q["head"].split(" ")[0]) for q in one["most_positive"]]
    assert scores == sorted(scores, reverse=True) and len(one["most_negative"]) >= 1
    assert {q["text"] for q in one["most_positive"]} <= set(every.loc[every["title_id"] == title, "text"])
    get(api, "/integrity/reviews", 404, source="syn:demo", title_id="no-such-title", **WIDE)

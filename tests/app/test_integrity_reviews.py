"""AppTest of the Integrity page's *Review text* tab: without review text (embedded: says why, invents nothing),
with a synthetic platform's reviews (scored against its planted farms), an upload's hostile review text (shown
escaped) and a TMDB cache synced with reviews from the fake TMDB server."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.app import pagekit
from tests.app.pagekit import assert_ok, metrics, text

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "09_Integrity.py"
TAB = "Review text"
WIDE = {"years": (1900, 2100), "min_votes": 0}


def open_tab(**filters):
    at = pagekit.open_page(PAGE, **filters)
    at.session_state["ig_tab"] = TAB
    at.run()
    assert_ok(at)
    return at


@pytest.fixture()
def fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture()
def home(tmp_path, monkeypatch, fresh_caches) -> Path:
    """An empty cache folder with the embedded build copied in, as ``MARQUEE_CACHE_DIR``."""
    from core import config
    from core.data import embedded

    embedded.load()
    for built in config.cache_dir().glob(f"embedded-v{embedded.BUILD_VERSION}"):
        shutil.copytree(built, tmp_path / built.name)
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_without_review_text_the_tab_says_why_and_invents_none():
    at = open_tab()
    body = text(at)
    assert "No review text of films or TV ships with any installed package" in body
    assert "Reviews scored" not in metrics(at) and not at.get("plotly_chart")
    assert "python -m core sync --reviews" in body
    # the scorer is still checked on the real (fine-food) reviews that do ship, with figures from that check
    assert "real Amazon fine-food reviews" in body and "AUC" in body


def test_a_platforms_review_text_is_scored_and_its_bursts_checked_against_the_planted_farms(platform_home,
                                                                                           monkeypatch,
                                                                                           fresh_caches):
    from core.data import platforms

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(platform_home))
    every = pd.read_parquet(platforms.platform_dir("syn:demo") / "reviews.parquet")
    at = open_tab(source="syn:demo", **WIDE)
    body = text(at)
    assert f"all {len(every):,} of its reviews" in body
    shown = int(metrics(at)["Reviews scored"].replace(",", ""))
    assert 0 < shown <= len(every)
    assert len(at.get("plotly_chart")) == 2 and "Against the planted review farms" in body
    bursts = next(d.value for d in at.dataframe if "Near-duplicates (%)" in d.value.columns)
    assert len(bursts) and bursts["Fake-engagement signal"].any()
    card_at = pagekit.open_page(PAGE, source="syn:demo", **WIDE)  # the first tab's scorecard has the row too
    card = next(d.value for d in card_at.dataframe if "detector" in d.value.columns)
    assert "Review bursts" in set(card["detector"])


HOSTILE = "**Bold claim** <script>alert(1)</script> [click](https://example.invalid) :material/warning: Loved it!"


@pytest.fixture()
def uploaded(home) -> str:
    from core.data import ingest

    rows = ["title_id,title,kind,genres,release_date,votes,rating"]
    rows += [f"c{i},Show {i},movie,Drama|Comedy,{1990 + i}-0{1 + i % 9}-01,{100 + i},{5 + i % 4}" for i in range(40)]
    assert ingest.ingest("t.csv", "\n".join(rows).encode(), "titles", "team").report()["rows_rejected"] == 0
    reviews = ["review_id,title_id,user_id,text,created_at,rating"]
    reviews += [f"r{i},c{i % 12},u{i},{'Wonderful and moving.' if i % 3 else 'Dull and boring.'},2024-0{1 + i % 9}-1"
                f"{i % 9},{8 if i % 3 else 2}" for i in range(60)]
    reviews.append(f'r99,c0,u99,"{HOSTILE}",2024-05-05,9')
    assert ingest.ingest("r.csv", "\n".join(reviews).encode(), "reviews", "team").report()["rows_rejected"] == 0
    return "up:team"


def test_an_uploads_review_text_is_shown_escaped(uploaded):
    at = open_tab(source=uploaded, **WIDE)
    assert metrics(at)["Reviews scored"] == "61"
    at.selectbox(key="ig_rv_title").set_value("c0").run()
    assert_ok(at)
    quotes = [m.value for m in at.markdown if "Bold claim" in m.value]
    assert quotes, "the hostile review is one of c0's extremes"
    assert "<script>" not in quotes[0] and "\\*\\*Bold claim\\*\\*" in quotes[0]
    assert "](https://" not in quotes[0] and ":material/warning:" not in quotes[0]


def test_picking_another_title_shows_its_own_reviews(uploaded):
    at = open_tab(source=uploaded, **WIDE)
    first = [m.value for m in at.markdown if m.value.startswith("- `")]
    labels = at.selectbox(key="ig_rv_title").options
    at.selectbox(key="ig_rv_title").set_value("c5").run()
    assert_ok(at)
    assert len(labels) == 12
    assert [m.value for m in at.markdown if m.value.startswith("- `")] != first


@pytest.mark.timeout(120)
def test_a_tmdb_cache_synced_with_reviews_feeds_the_tab(home):
    from core.tmdb.store import TmdbStore
    from core.tmdb.sync import sync
    from tests.fake_tmdb import FakeTmdb
    from tests.unit.test_tmdb import make_client

    with FakeTmdb(titles_per_list=1000) as server, TmdbStore(home / "tmdb.duckdb") as store:
        report = sync(make_client(server), store, target=100, reviews=True)
    at = open_tab(source="tmdb", **WIDE)
    body = text(at)
    assert f"all {report.reviews:,} of its reviews" in body and "Reviews scored" in metrics(at)
    assert len(at.get("plotly_chart")) == 2


def test_a_reviews_table_that_cannot_be_read_is_one_sentence_not_a_traceback(uploaded, monkeypatch):
    import duckdb

    from core.data import reviews

    def broken(source):
        raise duckdb.IOException("file cut short")

    monkeypatch.setattr(reviews, "table", broken)
    at = open_tab(source=uploaded, **WIDE)
    assert any("reviews could not be read (IOException)" in e.value for e in at.error)
    assert "file cut short" not in text(at)

"""AppTest behaviour of the three strategy pages: Content Universe, Performance Deep Dive, Market Opportunities.

Pages are opened through ``app.py`` (``switch_page``) so the sidebar's page links resolve as they do under
``streamlit run app.py``. Each page splits its sections into lazy tabs (only the open tab runs and draws), so a test
about a section opens its tab first with ``_tab``.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app import pagekit
from tests.app.pagekit import assert_ok, metrics, open_page, text

ROOT = Path(__file__).resolve().parents[2]
UNIVERSE = ROOT / "pages" / "01_Content_Universe.py"
DEEP_DIVE = ROOT / "pages" / "02_Performance_Deep_Dive.py"
MARKET = ROOT / "pages" / "03_Market_Opportunities.py"
# "Unclassified" (titles with no genre) is left out only to keep the run short; the filter itself is unit-tested.
EMBEDDED_GENRES = ["Action", "Animation", "Comedy", "Documentary", "Drama", "Romance", "Short"]


@pytest.fixture(scope="module")
def default_view():
    """The default strategy view computed by the core functions the pages use (expected values come from it)."""
    from core.data import embedded, features

    return features.engineer(features.apply_filters(embedded.load().titles, features.Filters()))


@pytest.fixture(scope="module")
def default_flags(default_view):
    """Titles the Isolation Forest flags in the default view at the page's default contamination."""
    from core.explore import deepdive_models
    from models import anomaly

    return int(anomaly.flag_share(deepdive_models.fit_anomalies(default_view)["scores"], anomaly.CONTAMINATION).sum())


TABS = {UNIVERSE: ("cu_tab", ("Genres", "Quality vs popularity", "Top titles", "TV audiences")),
        DEEP_DIVE: ("dd_tab", ("Drivers", "Timing", "Outliers", "Segments")),
        MARKET: ("mo_tab", ("Saturation", "Concentration", "Release windows", "Pairings"))}


def _tab(at: AppTest, path: Path, label: str) -> AppTest:
    """Open the page's tab ``label`` (the way a click does: the tab key in session state, then a rerun)."""
    at.session_state[TABS[path][0]] = label
    at.run()
    assert_ok(at)
    return at


@pytest.mark.parametrize("path", [UNIVERSE, DEEP_DIVE, MARKET], ids=lambda p: p.stem)
def test_every_tab_renders_and_only_the_open_tab_draws(path):
    at = open_page(path)
    assert_ok(at)
    key, labels = TABS[path]
    assert [t.label for t in at.tabs][:len(labels)] == list(labels)
    charts = {}
    for label in (*labels[1:], labels[0]):
        charts[label] = len(_tab(at, path, label).get("plotly_chart"))
    assert sum(charts.values()) == {UNIVERSE: 4, DEEP_DIVE: 7, MARKET: 4}[path]  # each chart in exactly one tab
    assert charts[labels[0]] <= 2  # the first view stays light


@pytest.mark.parametrize(("path", "label"), [(UNIVERSE, "Quality vs popularity"), (DEEP_DIVE, "Outliers"),
                                             (DEEP_DIVE, "Segments")], ids=lambda v: getattr(v, "stem", v))
def test_big_scatters_send_compact_specs(path, label):
    """~11,800 points each: float32 coordinates and no per-point repeats keep every spec near 0.5 MB or less
    (they were 0.49-0.93 MB), which the browser parses on every page run."""
    at = _tab(open_page(path), path, label)
    sizes = [len(c.proto.spec) for c in at.get("plotly_chart")]
    assert max(sizes) < 520_000, sizes


@pytest.mark.parametrize("path", [UNIVERSE, DEEP_DIVE, MARKET], ids=lambda p: p.stem)
def test_empty_filter_shows_an_info_message(path):
    at = open_page(path, min_votes=1_000_000)
    assert_ok(at)
    assert any("No titles match" in i.value for i in at.info)
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("path", [UNIVERSE, DEEP_DIVE, MARKET], ids=lambda p: p.stem)
def test_a_tiny_view_says_it_is_too_small(path):
    at = open_page(path, min_votes=120_000)  # 6 films
    assert_ok(at)
    assert any("too few" in i.value for i in at.info)


# ---------------------------------------------------------------- Content Universe
def test_universe_shows_the_default_view_with_cards_and_no_tv_tabs(default_view):
    from core.explore import universe

    at = open_page(UNIVERSE)
    assert_ok(at)
    assert metrics(at)["Titles"] == f"{len(default_view):,}"
    assert len(at.get("plotly_chart")) == 2 and len(at.get("download_button")) == 1  # genres and tier matrix
    assert "largest genre" in text(at)
    _tab(at, UNIVERSE, "Top titles")
    assert [t.label for t in at.tabs] == list(TABS[UNIVERSE][1]) and "no Movies / TV tabs" in text(at)
    card = universe.title_cards(default_view, 12)[0]
    assert f"**{card['title']}** ({card['year']})" in text(at)  # text cards, since there are no posters
    assert not at.get("plotly_chart") and len(at.get("download_button")) == 1
    assert len(_tab(at, UNIVERSE, "Quality vs popularity").get("plotly_chart")) == 1
    assert "hidden gems" in text(at)


def test_universe_follows_every_genre_filter():
    at = open_page(UNIVERSE)
    seen = {}
    for genre in EMBEDDED_GENRES:
        at.sidebar.multiselect(key="w_flt_genres").set_value([genre]).run()
        assert_ok(at)
        seen[genre] = metrics(at)["Titles"]
        assert genre in at.markdown[0].value
    assert len(set(seen.values())) == len(EMBEDDED_GENRES)


def test_universe_top_performers_slider_sets_the_table_length():
    at = _tab(open_page(UNIVERSE), UNIVERSE, "Top titles")
    assert len(at.dataframe[0].value) == 25
    at.sidebar.slider(key="cu_top_n").set_value(10).run()
    assert_ok(at)
    assert len(at.dataframe[0].value) == 10


# ---------------------------------------------------------------- Performance Deep Dive
def test_a_tiny_universe_view_lists_its_titles_with_a_download():
    at = open_page(UNIVERSE, min_votes=120_000)
    assert_ok(at)
    assert len(at.dataframe) == 1 and [b.label for b in at.get("download_button")] == ["Download CSV"]


def test_deep_dive_reports_anomalies_segments_and_its_time_basis(default_view, default_flags):
    from core.explore import deepdive_models
    from models import anomaly, segment

    model, _ = deepdive_models.fit_segments(deepdive_models.segment_input(default_view))
    at = open_page(DEEP_DIVE)
    assert_ok(at)
    assert len(at.get("plotly_chart")) == 2  # correlations and drivers
    assert "Flagged titles" not in metrics(at)  # the Outliers tab is closed, so its model does not run
    body = text(_tab(at, DEEP_DIVE, "Timing"))
    assert "release years only" in body and "first rated on MovieLens" in body
    body = text(_tab(at, DEEP_DIVE, "Outliers"))
    assert metrics(at)["Flagged titles"] == f"{default_flags:,}"
    assert "two-sided" in body and "one-sided" in body
    assert f"Isolation Forest ({anomaly.N_ESTIMATORS} trees, random_state {anomaly.RANDOM_STATE})" in body
    body = text(_tab(at, DEEP_DIVE, "Segments"))
    m = metrics(at)
    assert m["Segments (k)"] == str(model.k_)
    # real structure: the held-out silhouette clearly beats the same k on column-shuffled (structureless) data
    assert float(m["Held-out silhouette"]) >= float(m["No-structure baseline"]) + 0.1, m
    assert f"over {model.scores_['k'].min()}-{model.scores_['k'].max()}" in body
    assert f"K-Means on standardised {segment.feature_list()}" in body and "runtime" not in body



def test_deep_dive_number_of_segments_changes_the_table_and_insights_and_survives_a_tab_switch(default_view):
    from core.explore import deepdive_models

    X = deepdive_models.segment_input(default_view)
    model, _ = deepdive_models.fit_segments(X)
    chosen = next(k for k in (5, 4, 3) if k != model.best_k_)
    expected = deepdive_models.segments_at_k(model, X, chosen)[0].silhouette_
    at = _tab(open_page(DEEP_DIVE), DEEP_DIVE, "Segments")
    box = at.selectbox(key="dd_k")
    assert box.value == 0 and box.format_func(0) == f"Best by silhouette (k = {model.best_k_})"
    before_rows, before_text = len(at.dataframe[0].value), text(at)
    assert before_rows == model.best_k_
    box.set_value(chosen).run()
    assert_ok(at)
    assert len(at.dataframe[0].value) == chosen != before_rows and metrics(at)["Segments (k)"] == str(chosen)
    body = text(at)
    assert body != before_text
    best = model.scores_.set_index("k").loc[model.best_k_, "silhouette"]
    assert (f"k = {chosen} scores {expected:.2f} silhouette against "
            f"{best:.2f} at the best k = {model.best_k_}") in body
    _tab(at, DEEP_DIVE, "Outliers")
    _tab(at, DEEP_DIVE, "Segments")
    assert at.selectbox(key="dd_k").value == chosen and len(at.dataframe[0].value) == chosen

def test_contamination_slider_changes_the_flagged_count(default_view, default_flags):
    at = _tab(open_page(DEEP_DIVE), DEEP_DIVE, "Outliers")
    counts = {}
    for share in (0.5, 10.0):
        at.sidebar.slider(key="dd_contamination").set_value(share).run()
        assert_ok(at)
        counts[share] = int(metrics(at)["Flagged titles"].replace(",", ""))
    assert counts[0.5] < default_flags < counts[10.0]
    assert counts[10.0] == pytest.approx(0.10 * len(default_view), abs=2)


def test_contamination_survives_a_tab_switch():
    at = _tab(open_page(DEEP_DIVE), DEEP_DIVE, "Outliers")
    at.sidebar.slider(key="dd_contamination").set_value(5.0).run()
    flagged = metrics(at)["Flagged titles"]
    _tab(at, DEEP_DIVE, "Segments")
    _tab(at, DEEP_DIVE, "Outliers")
    assert at.sidebar.slider(key="dd_contamination").value == 5.0 and metrics(at)["Flagged titles"] == flagged


def test_deep_dive_genre_switch_changes_metrics_and_insights():
    at = _tab(open_page(DEEP_DIVE), DEEP_DIVE, "Outliers")
    before_flags, before_text = metrics(at)["Flagged titles"], text(at)
    at.sidebar.multiselect(key="w_flt_genres").set_value(["Documentary"]).run()
    assert_ok(at)
    assert metrics(at)["Flagged titles"] != before_flags and text(at) != before_text


def test_deep_dive_follows_every_genre():
    """Every genre in the filter, one at a time: no exception, and the drivers and outliers read-outs change."""
    at = open_page(DEEP_DIVE)
    genres = at.sidebar.multiselect(key="w_flt_genres").options
    assert len(genres) >= 7
    seen = {}
    for genre in genres:
        at.sidebar.multiselect(key="w_flt_genres").set_value([genre]).run()
        assert_ok(at)
        assert genre in at.markdown[0].value
        seen[genre] = text(at)
    assert len(set(seen.values())) == len(genres)


def test_deep_dive_tmdb_view_with_few_dated_titles_says_why(tmdb_source_few_dates):
    at = _tab(open_page(DEEP_DIVE, source="tmdb"), DEEP_DIVE, "Timing")
    body = text(at)
    assert "have a release month" in body and "embedded IMDb" not in body


def test_deep_dive_small_view_explains_missing_models():
    at = open_page(DEEP_DIVE, genres=["Documentary"], min_votes=3000)  # 15 titles
    assert_ok(at)
    assert "needs at least 20 titles" in " ".join(i.value for i in _tab(at, DEEP_DIVE, "Outliers").info)
    assert "needs at least 30 titles" in " ".join(i.value for i in _tab(at, DEEP_DIVE, "Segments").info)


# ---------------------------------------------------------------- Market Opportunities
def test_market_page_shows_saturation_pareto_windows_and_pairings(default_view):
    from core.explore import deepdive, market

    at = open_page(MARKET)
    assert_ok(at)
    assert "Opportunity zone" in text(at) and len(at.get("plotly_chart")) == 1
    share = market.pareto_summary(default_view, "engagement_score")["titles_for_80"]
    shown = metrics(_tab(at, MARKET, "Concentration"))["Share of titles holding 80% of engagement score"]
    assert shown == f"{share:.0%}"
    votes = market.pareto_summary(default_view, "vote_count")["titles_for_80"]
    assert f"top {votes:.0%} of titles hold 80%" in text(at)  # the comparison is computed, not asserted
    lo, hi = deepdive.rating_span(default_view)
    body = text(_tab(at, MARKET, "Release windows"))
    assert "no release months" in body and f"ratings from {lo} to {hi}" in body and "1995-2016" not in body
    assert "most common pairing" in text(_tab(at, MARKET, "Pairings"))


def test_pareto_measure_switch_changes_the_concentration(default_view):
    from core.explore import market

    at = _tab(open_page(MARKET), MARKET, "Concentration")
    at.sidebar.radio(key="mo_measure").set_value("vote_count").run()
    assert_ok(at)
    share = market.pareto_summary(default_view, "vote_count")["titles_for_80"]
    assert metrics(at)["Share of titles holding 80% of votes (raw audience attention)"] == f"{share:.0%}"


def test_release_window_basis_switch_changes_the_insights():
    at = _tab(open_page(MARKET), MARKET, "Release windows")
    assert at.radio(key="mo_basis").value == "decade"
    at.radio(key="mo_basis").set_value("ml_month").run()
    assert_ok(at)
    assert "month first rated on MovieLens" in text(at)


def test_release_window_basis_survives_a_tab_switch():
    at = _tab(open_page(MARKET), MARKET, "Release windows")
    at.radio(key="mo_basis").set_value("ml_month").run()
    _tab(at, MARKET, "Pairings")
    assert "mo_basis" not in [r.key for r in at.radio]  # the closed tab's radio is not drawn
    _tab(at, MARKET, "Release windows")
    assert at.radio(key="mo_basis").value == "ml_month" and "month first rated on MovieLens" in text(at)


def test_market_follows_every_genre():
    """Every genre in the filter, one at a time: no exception, and the saturation read-out changes."""
    at = open_page(MARKET)
    seen = {"": text(at)}
    genres = at.sidebar.multiselect(key="w_flt_genres").options
    for genre in genres:
        at.sidebar.multiselect(key="w_flt_genres").set_value([genre]).run()
        assert_ok(at)
        assert genre in at.markdown[0].value
        seen[genre] = text(at)
    assert len(set(seen.values())) == len(genres) + 1


# ---------------------------------------------------------------- TMDB-shaped source
def test_pages_on_a_tmdb_shaped_source_use_tabs_and_release_months(tmdb_source):
    universe = open_page(UNIVERSE, source="tmdb")
    assert_ok(universe)
    for label, charts in (("Quality vs popularity", 1), ("Top titles", 0)):
        _tab(universe, UNIVERSE, label)
        assert sorted(t.label for t in universe.tabs) == sorted([*TABS[UNIVERSE][1], "Movies", "TV"])
        assert len(universe.get("plotly_chart")) == charts  # only the open media tab runs
    universe.session_state["cu_media_top"] = "TV"
    top_tv = text(universe.run())
    assert_ok(universe)
    _tab(universe, UNIVERSE, "Quality vs popularity")  # the TV choice carries over
    assert universe.session_state["cu_media_quality"] == "TV"
    assert text(_tab(universe, UNIVERSE, "Top titles")) == top_tv
    deep = open_page(DEEP_DIVE, source="tmdb")
    assert_ok(deep)
    body = text(_tab(deep, DEEP_DIVE, "Timing"))
    assert "full release dates" in body and "By release month" in body
    assert "Without per-star vote shares" in text(_tab(deep, DEEP_DIVE, "Outliers"))
    market = _tab(open_page(MARKET, source="tmdb"), MARKET, "Release windows")
    assert "full release dates" in text(market)
    assert "Release month" in [o for o in market.radio(key="mo_basis").options][0]


@pytest.fixture()
def tmdb_source_few_dates(monkeypatch, tmdb_like_frame):
    """A TMDB-shaped live source where only 5 titles have a full release date (the rest a year only)."""
    from core.data import schema

    titles = tmdb_like_frame[list(schema.TITLE_COLUMNS)].copy()
    titles["release_date"] = titles["release_date"].where(titles.index < 5)
    with pagekit.tmdb_titles_as_source(monkeypatch, titles):
        yield


def test_tv_audiences_tab_shows_the_embedded_episodes_with_computed_insights():
    at = _tab(open_page(UNIVERSE), UNIVERSE, "TV audiences")
    shown = text(at)
    assert any("The Great British Bake Off" in h.value for h in at.subheader)
    assert "Series 7 drew the most: 13.56M viewers an episode" in shown  # the real BARB figures
    assert "41 of 94 report a 28-day audience below the 7-day one" in shown
    assert len(at.get("plotly_chart")) == 1 and len(at.dataframe) == 1
    assert len(at.dataframe[0].value) == 10  # one row per series

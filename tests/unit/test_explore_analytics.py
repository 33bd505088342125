"""Unit tests of the Content Universe, Deep Dive and Market analytics and their chart builders."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core import config
from core.data import features, schema
from core.explore import charts as cx
from core.explore import deepdive, market, universe

ROOT = Path(__file__).resolve().parents[2]


def make_frame(genres: list[list[str]], votes=None, ratings=None, **extra) -> pd.DataFrame:
    """A featured canonical frame with the given genre lists (embedded-shaped unless overridden)."""
    n = len(genres)
    rows = pd.DataFrame({
        "title_id": [f"t{i}" for i in range(n)], "title": [f"Title {i}" for i in range(n)],
        "media_type": extra.pop("media_type", ["movie"] * n), "genres": genres,
        "primary_genre": [g[0] if g else "Unclassified" for g in genres], "year": [1990 + i % 15 for i in range(n)],
        "runtime": [80.0 + (i * 7) % 90 for i in range(n)],
        "vote_average": ratings if ratings is not None else [4 + (i * 37 % 50) / 10 for i in range(n)],
        "vote_count": votes if votes is not None else [100.0 + (i * 977) % 50000 for i in range(n)],
        "popularity": [1.0 + (i * 13) % 200 for i in range(n)], "source": "embedded", **extra})
    return features.engineer(schema.conform(rows, schema.TITLE_COLUMNS))


@pytest.fixture(scope="module")
def embedded_sample(embedded_data, strategy_frame) -> pd.DataFrame:
    """600 real titles of the default view, re-featured with the embedded-only columns (r1..r10, mpaa, ml_*)."""
    ids = strategy_frame["title_id"].sample(600, random_state=0)
    titles = embedded_data.titles
    return features.engineer(titles[titles["title_id"].isin(ids)])


@pytest.fixture()
def empty_frame(tmdb_like_frame) -> pd.DataFrame:
    return tmdb_like_frame.iloc[0:0]


@pytest.fixture()
def drama_frame() -> pd.DataFrame:
    return make_frame([["Drama"]] * 40)


# ---------------------------------------------------------------- universe
def test_genre_stats_counts_a_title_in_each_of_its_genres():
    stats = universe.genre_stats(make_frame([["A", "B"], ["A"], ["B"], ["C"]])).set_index("genre")
    assert stats.loc["A", "titles"] == 2 and stats.loc["B", "titles"] == 2 and stats.loc["C", "titles"] == 1
    assert stats["title_share"].sum() == pytest.approx(1.0)
    assert stats["engagement_share"].sum() == pytest.approx(1.0)


def test_genre_stats_of_an_empty_view_is_an_empty_table(empty_frame):
    out = universe.genre_stats(empty_frame)
    assert out.empty and list(out.columns) == universe.GENRE_STAT_COLUMNS
    assert universe.genre_insights(out) == []


def test_genre_insights_for_a_single_genre_say_there_is_nothing_to_compare(drama_frame):
    lines = universe.genre_insights(universe.genre_stats(drama_frame))
    assert "**Drama**" in lines[0] and "40 titles" in lines[0]
    assert "Only one genre" in lines[1]


def test_genre_insights_name_the_genre_with_the_best_hit_rate(embedded_sample):
    stats = universe.genre_stats(embedded_sample)
    leader = stats.loc[stats["hit_rate"].idxmax(), "genre"]
    assert any(f"**{leader}** has the highest hit rate" in line for line in universe.genre_insights(stats))


def test_performance_matrix_rows_are_shares_of_each_genre(embedded_sample):
    matrix = universe.performance_matrix(embedded_sample)
    sums = matrix.groupby("genre")["share"].sum()
    assert np.allclose(sums, 1.0)
    assert set(matrix["tier"]) == set(features.TIERS)


def test_matrix_insights_name_the_most_hit_heavy_genre(embedded_sample):
    matrix = universe.performance_matrix(embedded_sample)
    hit = matrix[matrix["tier"] == "Hit"].set_index("genre")["share"]
    assert f"**{hit.idxmax()}**" in universe.matrix_insights(matrix)[0]
    assert universe.matrix_insights(universe.performance_matrix(embedded_sample.iloc[0:0])) == []


def test_quality_popularity_keeps_only_positive_popularity(embedded_sample):
    frame = embedded_sample.assign(popularity=embedded_sample["popularity"].where(embedded_sample.index % 2 == 0, 0))
    assert len(universe.quality_popularity(frame)) == (frame["popularity"] > 0).sum()


def test_quality_popularity_insights_report_the_measured_rank_correlation(tmdb_like_frame):
    rho = tmdb_like_frame["vote_average"].astype(float).corr(tmdb_like_frame["popularity"].astype(float),
                                                               method="spearman")
    lines = universe.quality_popularity_insights(tmdb_like_frame)
    assert f"{rho:+.2f}" in lines[0] and len(lines) == 3
    assert universe.quality_popularity_insights(tmdb_like_frame.head(2)) == []


def test_top_titles_are_the_highest_engagement_first(embedded_sample):
    top = universe.top_titles(embedded_sample, 10)
    assert len(top) == 10 and top["engagement_score"].is_monotonic_decreasing
    assert top["engagement_score"].iloc[0] == embedded_sample["engagement_score"].max()
    assert top["genres"].map(lambda g: isinstance(g, str)).all()


def test_title_cards_have_no_poster_for_embedded_and_use_one_when_present(embedded_sample, tmdb_like_frame):
    assert all(c["poster_url"] is None for c in universe.title_cards(embedded_sample, 5))
    with_poster = tmdb_like_frame.assign(poster_url="https://image.example/p.jpg")
    cards = universe.title_cards(with_poster, 3)
    assert len(cards) == 3 and cards[0]["poster_url"].endswith("p.jpg")
    assert {"title", "year", "genre", "rating", "votes"} <= set(cards[0])


def test_media_types_and_the_single_type_note(embedded_sample, tmdb_like_frame):
    assert universe.media_types(tmdb_like_frame) == ["movie", "tv"]
    assert universe.media_types(embedded_sample) == ["movie"]
    assert "films only" in universe.media_note(["movie"], "embedded")
    assert universe.media_note(["movie", "tv"], "tmdb") == ""
    assert (universe.media_view(tmdb_like_frame, "tv")["media_type"] == "tv").all()


def test_headline_of_an_empty_view(empty_frame, tmdb_like_frame):
    assert universe.headline(empty_frame)["titles"] == 0
    head = universe.headline(tmdb_like_frame)
    assert head["titles"] == 120 and head["genres"] == 10


# ---------------------------------------------------------------- deep dive
def test_correlations_use_only_metrics_present(embedded_sample, tmdb_like_frame):
    emb, tm = deepdive.correlations(embedded_sample), deepdive.correlations(tmdb_like_frame)
    assert "log_revenue" not in emb.columns and "log_revenue" in tm.columns
    assert np.allclose(np.diag(tm.to_numpy()), 1.0) and np.allclose(tm, tm.T, equal_nan=True)


def test_correlations_of_an_empty_view_are_empty(empty_frame):
    assert deepdive.correlations(empty_frame).empty
    assert deepdive.correlation_insights(pd.DataFrame()) == []


def test_strongest_pairs_flag_pairs_tied_by_construction(embedded_sample):
    pairs = deepdive.strongest_pairs(deepdive.correlations(embedded_sample), "embedded")
    tied = pairs.set_index(["a", "b"])["by_construction"]
    assert tied[("log_votes", "engagement_score")] if ("log_votes", "engagement_score") in tied else \
        tied[("engagement_score", "log_votes")]
    assert pairs["rho"].abs().is_monotonic_decreasing


def test_correlation_insights_do_not_sell_a_definitional_pair_as_a_finding(embedded_sample):
    corr = deepdive.correlations(embedded_sample)
    lines = deepdive.correlation_insights(corr, "embedded")
    findings = [line for line in lines if "move" in line]
    assert findings and not any("**log votes** and **Engagement**" in line for line in findings)
    assert any("by construction" in line for line in lines)


def test_seasonal_bases_depend_on_the_dates_the_source_has(embedded_sample, tmdb_like_frame, empty_frame):
    assert deepdive.seasonal_bases(tmdb_like_frame) == ["release_month"]
    assert deepdive.seasonal_bases(embedded_sample)[0] == "decade"
    assert deepdive.seasonal_bases(empty_frame) == []


def test_seasonal_profile_by_release_month_covers_every_title(tmdb_like_frame):
    profile = deepdive.seasonal_profile(tmdb_like_frame, "release_month")
    assert list(profile["period"]) == list(deepdive.MONTHS)
    assert profile["titles"].sum() == len(tmdb_like_frame)


def test_seasonal_profile_by_movielens_month_uses_first_rating_dates(embedded_sample):
    profile = deepdive.seasonal_profile(embedded_sample, "ml_month")
    assert profile["titles"].sum() == embedded_sample["ml_first_rated"].notna().sum()
    lines = deepdive.seasonal_insights(deepdive.seasonal_profile(embedded_sample, "decade"), "decade")
    assert "release decade" in lines[0]


def test_seasonal_profile_rejects_an_unknown_basis(embedded_sample):
    with pytest.raises(ValueError):
        deepdive.seasonal_profile(embedded_sample, "weekday")


def test_seasonal_insights_are_computed_and_caveats_quote_the_data():
    profile = pd.DataFrame({"period": ["Jan", "Feb"], "titles": [20, 30], "mean_engagement": [20.0, 18.0],
                            "hit_rate": [0.3, 0.2]})
    lines = deepdive.seasonal_insights(profile, "ml_month")
    assert "**Jan**" in lines[0] and "**Feb**" in lines[1] and "60% of those compared" in lines[1]
    assert "from 20% (Feb) to 30% (Jan)" in lines[2]
    assert not any("not when it was released" in line or "2005" in line for line in lines)
    assert "engagement timing in 1997-2003 only" in deepdive.seasonal_caveat("ml_month", "embedded", (1997, 2003))
    assert str(config.IMDB_SNAPSHOT_YEAR) in deepdive.seasonal_caveat("decade", "embedded")
    assert deepdive.seasonal_caveat("decade", "tmdb") == "" and deepdive.seasonal_caveat("release_month", "tmdb") == ""


def test_rating_span_is_read_from_the_view(embedded_sample):
    dates = pd.to_datetime(embedded_sample["ml_first_rated"]).dropna()
    assert deepdive.rating_span(embedded_sample) == (dates.min().year, dates.max().year)
    assert deepdive.rating_span(embedded_sample.drop(columns="ml_first_rated")) is None


def test_basis_note_gives_the_real_reason_for_the_source(embedded_sample, tmdb_like_frame):
    assert "full release dates" in deepdive.basis_note(tmdb_like_frame, "tmdb")
    few = tmdb_like_frame.assign(release_month=[pd.NA] * (len(tmdb_like_frame) - 5) + [3] * 5)
    note = deepdive.basis_note(few, "tmdb")
    assert deepdive.seasonal_bases(few) == ["decade"]
    assert "Only 5 of the 120 titles in view have a release month" in note and "embedded" not in note
    assert "release decade" in note
    note = deepdive.basis_note(embedded_sample, "embedded")
    lo, hi = deepdive.rating_span(embedded_sample)
    assert "release years only" in note and f"ratings from {lo} to {hi}" in note


def test_driver_insights_are_computed_and_the_budget_caveat_is_separate(embedded_sample):
    table = deepdive.driver_table(embedded_sample)
    lines = deepdive.driver_insights(table)
    assert 2 <= len(lines) <= 4 and not any("association, not cause" in line for line in lines)
    budget = table[table["driver"] == "Budget quintile"]
    unknown = budget.loc[budget["band"] == "Unknown", "mean_engagement"].iloc[0]
    assert any(f"{unknown:.1f} without one" in line for line in lines)
    assert "association, not cause" in deepdive.driver_caveat(table)
    assert deepdive.driver_caveat(deepdive.driver_table(make_frame([["Drama"]] * 40))) == ""


def test_driver_table_uses_the_drivers_each_source_has(embedded_sample, tmdb_like_frame):
    emb, tm = deepdive.driver_table(embedded_sample), deepdive.driver_table(tmdb_like_frame)
    assert "MPAA rating" in set(emb["driver"]) and "Media type" not in set(emb["driver"])
    assert "Media type" in set(tm["driver"]) and "MPAA rating" not in set(tm["driver"])
    assert (emb["titles"] >= 5).all()


def test_driver_effects_are_best_minus_worst_band():
    table = pd.DataFrame({"driver": ["R"] * 3, "band": ["a", "b", "c"], "titles": [20, 20, 20],
                          "mean_engagement": [10.0, 15.0, 12.0], "hit_rate": [0.1, 0.4, 0.2]})
    eff = deepdive.driver_effects(table).iloc[0]
    assert eff["spread"] == pytest.approx(5.0) and eff["best"] == "b" and eff["worst"] == "a"
    assert "**R** separates engagement most" in deepdive.driver_insights(table)[0]
    assert deepdive.driver_insights(table.iloc[0:0]) == []


# ---------------------------------------------------------------- market
def saturation_frame() -> pd.DataFrame:
    """Genre A: many titles, few hits; genre B: few titles, all hits."""
    genres = [["A"]] * 30 + [["B"]] * 10
    votes = [100.0] * 30 + [100000.0] * 10
    return make_frame(genres, votes=votes, ratings=[5.0] * 30 + [8.0] * 10)


def test_saturation_index_is_supply_share_over_hit_share():
    sat = market.saturation(saturation_frame()).set_index("genre")
    assert sat.loc["B", "hit_rate"] == 1.0 and sat.loc["A", "hits"] == 0
    assert sat.loc["B", "saturation_index"] == pytest.approx(0.25 / 1.0)
    assert np.isnan(sat.loc["A", "saturation_index"])  # no hits: undefined, not infinite
    assert sat.loc["B", "zone"] == "Competitive core" or sat.loc["B", "zone"] == "Opportunity"
    assert sat.loc["A", "zone"] == "Saturated"


def test_saturation_zones_follow_the_median_supply_and_average_hit_rate(embedded_sample):
    sat = market.saturation(embedded_sample)
    x_cut, y_cut = market.zone_cuts(sat)
    opp = sat[sat["zone"] == "Opportunity"]
    assert ((opp["title_share"] < x_cut) & (opp["hit_rate"] >= y_cut)).all()
    assert y_cut == pytest.approx(sat["hits"].sum() / sat["titles"].sum())


def test_saturation_of_a_single_genre_has_no_insights(drama_frame, empty_frame):
    sat = market.saturation(drama_frame)
    assert len(sat) == 1 and market.saturation_insights(sat) == []
    assert market.saturation(empty_frame).empty


def test_saturation_insights_name_the_opportunity_and_the_most_saturated(embedded_sample):
    sat = market.saturation(embedded_sample)
    worst = sat.loc[sat["saturation_index"].idxmax(), "genre"]
    lines = market.saturation_insights(sat)
    assert any(f"**{worst}** is the most saturated" in line for line in lines)


def test_pareto_of_equal_values_is_the_diagonal():
    frame = pd.DataFrame({"engagement_score": [1.0] * 100})
    curve = market.pareto(frame)
    assert np.allclose(curve["title_share"], curve["value_share"])
    assert market.pareto_summary(frame)["titles_for_80"] == pytest.approx(0.8)


def test_pareto_of_one_dominant_title_is_concentrated():
    frame = pd.DataFrame({"vote_count": [1000.0] + [1.0] * 99})
    summary = market.pareto_summary(frame, "vote_count")
    assert summary["titles_for_80"] == pytest.approx(0.01) and summary["top20_share"] > 0.9
    assert "top 1% of titles hold 80% of votes" in market.pareto_insights(summary, "vote_count")[0]


@pytest.mark.parametrize("measure", list(market.MEASURES))
def test_pareto_insights_compare_the_two_measures_as_computed(embedded_sample, measure):
    other = next(m for m in market.MEASURES if m != measure)
    mine, theirs = market.pareto_summary(embedded_sample, measure), market.pareto_summary(embedded_sample, other)
    line = market.pareto_insights(mine, measure, theirs)[2]
    word = "more" if theirs["titles_for_80"] < mine["titles_for_80"] else "less"
    assert f"{word} concentrated" in line and f"top {theirs['titles_for_80']:.0%} of titles" in line
    assert len(market.pareto_insights(mine, measure)) == 2  # no comparison claimed without the other measure


def test_pareto_of_an_empty_view(empty_frame):
    assert market.pareto(empty_frame).empty
    summary = market.pareto_summary(empty_frame)
    assert summary["titles"] == 0 and market.pareto_insights(summary, "engagement_score") == []


def test_release_window_blanks_small_cells(tmdb_like_frame):
    window = market.release_window(tmdb_like_frame, "release_month")
    assert window["titles"].sum() == len(features.genre_long(tmdb_like_frame))
    assert window.loc[window["titles"] < market.MIN_CELL, "hit_rate"].isna().all()
    assert market.release_window(tmdb_like_frame, "ml_month").empty  # TMDB has no MovieLens dates


def test_release_window_by_decade_on_embedded(embedded_sample):
    window = market.release_window(embedded_sample, "decade")
    assert set(window["period"]) <= {"1970s", "1980s", "1990s", "2000s"}
    lines = market.release_window_insights(window, "decade")
    assert "release decade" in lines[0]


def test_cooccurrence_counts_pairs_and_skips_unclassified():
    frame = make_frame([["A", "B"], ["A", "B"], ["A", "B", "C"], ["C"], []])
    pairs = market.cooccurrence(frame).set_index(["a", "b"])
    assert pairs.loc[("A", "B"), "titles"] == 3 and pairs.loc[("A", "C"), "titles"] == 1
    assert not any("Unclassified" in p for p in pairs.index)
    row = pairs.loc[("A", "B")]
    assert row["lift"] == pytest.approx(row["hit_rate"] - row["best_single_hit_rate"])


def test_cooccurrence_of_a_single_genre_is_empty(drama_frame, empty_frame):
    assert market.cooccurrence(drama_frame).empty and market.cooccurrence(empty_frame).empty
    nodes, edges = market.genre_network(drama_frame, market.cooccurrence(drama_frame))
    assert nodes.empty and edges.empty
    assert market.network_insights(drama_frame, market.cooccurrence(drama_frame)) == []


def test_best_pairings_need_enough_shared_titles(embedded_sample):
    best = market.best_pairings(market.cooccurrence(embedded_sample))
    assert (best["titles"] >= market.MIN_CELL).all() and best["hit_rate"].is_monotonic_decreasing


def test_genre_network_is_laid_out_deterministically(tmdb_like_frame):
    pairs = market.cooccurrence(tmdb_like_frame)
    nodes, edges = market.genre_network(tmdb_like_frame, pairs)
    again, _ = market.genre_network(tmdb_like_frame, pairs)
    assert len(edges) == len(pairs) and set(nodes["genre"]) == set(pairs["a"]) | set(pairs["b"])
    pd.testing.assert_frame_equal(nodes, again)
    lines = market.network_insights(tmdb_like_frame, pairs)
    assert "most common pairing" in lines[0] and len(lines) == 3


# ---------------------------------------------------------------- charts
@pytest.mark.parametrize("frame_name", ["embedded_sample", "small_frame", "tmdb_like_frame"])
def test_every_chart_builds_on_both_sources(frame_name, request):
    df = request.getfixturevalue(frame_name)
    pairs = market.cooccurrence(df)
    nodes, edges = market.genre_network(df, pairs)
    basis = deepdive.seasonal_bases(df)[0]
    figures = [cx.genre_shares(universe.genre_stats(df)), cx.quality_popularity(universe.quality_popularity(df)),
               cx.tier_matrix(universe.performance_matrix(df)), cx.correlations(deepdive.correlations(df)),
               cx.seasonal(deepdive.seasonal_profile(df, basis), basis),
               cx.drivers(deepdive.driver_table(df), float(df["engagement_score"].mean())),
               cx.saturation(market.saturation(df)), cx.pareto(market.pareto(df), 0.6),
               cx.release_window(market.release_window(df, basis), basis), cx.genre_network(nodes, edges)]
    assert all(isinstance(f, go.Figure) and len(f.data) for f in figures)
    assert all(isinstance(t, go.Scattergl) for t in figures[1].data)


def test_chart_colours_come_from_the_shared_genre_map(embedded_sample):
    """Each genre gets its own colour, and the same one on every page's charts (explore, integrity, recommend)."""
    from core import charts
    from core.integrity import charts as integrity_charts
    from core.recommend import charts as recommend_charts

    scatter = cx.quality_popularity(universe.quality_popularity(embedded_sample))
    colours = {t.name: t.marker.color for t in scatter.data}
    assert len(colours) == embedded_sample["primary_genre"].nunique() >= 5
    assert len(set(colours.values())) == len(colours), colours  # distinct genres, distinct colours
    assert colours == {g: charts.genre_color(g) for g in colours}
    genres = sorted(colours)
    scores = np.linspace(2, 4, len(genres))
    per_genre = pd.DataFrame({"genre": genres, "titles": 10, "votes": 100.0, "ratings": 5, "sentiment": scores,
                              "mean_rating": scores})
    for bars in (cx.genre_shares(universe.genre_stats(embedded_sample)),  # another Content Universe chart
                 integrity_charts.genre_sentiment_bars(per_genre), recommend_charts.genre_taste(per_genre, 3.0)):
        shown = dict(zip(bars.data[0].y, bars.data[0].marker.color))
        assert set(genres) <= set(shown) and len(set(shown.values())) == len(shown), shown
        assert {g: shown[g] for g in genres} == colours  # the same genre, the same colour on every page


def _chart_calls(page: Path) -> list[tuple[str, str, ast.expr]]:
    """``(module, builder, guide expression)`` of every ``ui.chart(builder(...), guide, ...)`` call on a page."""
    tree = ast.parse(page.read_text())
    aliases = {a.asname or a.name: f"{node.module}.{a.name}" for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and node.module.startswith("core") for a in node.names}
    out = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "chart"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "ui"):
            fig = node.args[0]
            assert isinstance(fig, ast.Call) and isinstance(fig.func, ast.Attribute), ast.unparse(node)
            out.append((aliases[fig.func.value.id], fig.func.attr, node.args[1] if len(node.args) > 1 else None))
    return out


def _guide_text(module, guide: ast.expr | None) -> str:
    """The guide a ``ui.chart`` call passes: ``<module>.HOW_TO_READ["key"]`` or a string literal (else "")."""
    if isinstance(guide, ast.Constant) and isinstance(guide.value, str):
        return guide.value
    if isinstance(guide, ast.BinOp) and isinstance(guide.op, ast.Add):  # a guide plus a computed note
        return _guide_text(module, guide.left) + _guide_text(module, guide.right)
    if isinstance(guide, ast.JoinedStr):  # an f-string: its literal parts
        return "".join(v.value for v in guide.values if isinstance(v, ast.Constant))
    if (isinstance(guide, ast.Subscript) and isinstance(guide.value, ast.Attribute)
            and guide.value.attr == "HOW_TO_READ" and isinstance(guide.slice, ast.Constant)):
        return module.HOW_TO_READ.get(guide.slice.value, "")
    return ""


def _drawing_scripts() -> list[Path]:
    """Every script that draws: the page files and each feature's view modules."""
    return sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "core").glob("*/view.py"))


def test_every_chart_has_a_reading_guide():
    """Every chart of every page goes through ``ui.chart`` with a non-empty guide from its builder module, no
    script draws a Plotly chart around it, and every public builder of a charts module is drawn with one."""
    import importlib

    drawn, modules = set(), set()
    for script in _drawing_scripts():
        assert "st.plotly_chart" not in script.read_text(), f"{script.name} draws a chart without a reading guide"
        for module_name, builder, guide in _chart_calls(script):
            module = importlib.import_module(module_name)
            text = _guide_text(module, guide)
            assert len(text.strip()) > 20, f"{script.name}: {builder} has no reading guide"
            drawn.add((module_name, builder))
            modules.add(module_name)
    assert len(modules) >= 6, modules  # explore, decide, forecast, churn, recommend, integrity
    for name in modules:
        module = importlib.import_module(name)
        builders = {f for f, fn in vars(module).items() if inspect.isfunction(fn) and not f.startswith("_")
                    and fn.__module__ == module.__name__ and fn.__annotations__.get("return") in ("go.Figure",)}
        missing = {b for b in builders if (name, b) not in drawn}
        assert not missing, f"{name} builders never drawn with a guide: {missing}"


def test_guide_check_catches_a_missing_guide(tmp_path):
    """The check above can fail: a call with an unknown key or no guide reads as no guide."""
    page = tmp_path / "1_Fake.py"
    page.write_text("from core import charts_explore as cx, ui\n"
                    "ui.chart(cx.pareto(curve, 0.5), cx.HOW_TO_READ['no_such_chart'], [])\n"
                    "ui.chart(cx.pareto(curve, 0.5), '')\n")
    calls = _chart_calls(page)
    assert [c[1] for c in calls] == ["pareto", "pareto"]
    assert all(_guide_text(cx, guide) == "" for _, _, guide in calls)


@pytest.mark.parametrize("frame_name", ["embedded_sample", "tmdb_like_frame"])
def test_every_explore_builder_renders_a_figure_with_its_guide(frame_name, request):
    df = request.getfixturevalue(frame_name)
    from core.explore import deepdive_models as dm

    fit = dm.fit_anomalies(df)
    points = df[["title", "year", "log_votes", "vote_average"]].assign(
        flagged=np.arange(len(df)) % 20 == 0, pattern="No vote shares")
    model, _ = dm.fit_segments(dm.segment_input(df))
    labels = model.predict(dm.segment_input(df))
    seg_points = dm.segment_points(df, labels, model.names_)
    assert list(seg_points.columns) == ["title", "log_votes", "vote_average", "log_popularity", "segment"]
    figures = {"anomalies": cx.anomalies(points), "segment_curves": cx.segment_curves(model.scores_, model.k_),
               "segments": cx.segments(seg_points)}
    assert fit and all(isinstance(f, go.Figure) and len(f.data) for f in figures.values())
    assert all(cx.HOW_TO_READ[k] for k in figures)



def test_segment_curves_mark_the_best_and_the_shown_k():
    scores = pd.DataFrame({"k": [2, 3, 4, 5], "inertia": [4.0, 3.0, 2.0, 1.0], "silhouette": [0.43, 0.36, 0.33, 0.31]})
    names = [t.name for t in cx.segment_curves(scores, 2, 5).data]
    assert "Best k = 2 (silhouette)" in names and "Shown k = 5" in names
    shown = next(t for t in cx.segment_curves(scores, 2, 5).data if t.name == "Shown k = 5")
    assert list(shown.x) == [5] and list(shown.y) == [0.31]
    assert not any(n.startswith("Shown") for n in (t.name for t in cx.segment_curves(scores, 2, 2).data))
    assert len(cx.segment_curves(scores, 2).data) == 3

# ---------------------------------------------------------------- genre colours
def test_every_genre_name_gets_its_own_stable_colour():
    """Embedded (IMDb, MovieLens) and all TMDB movie and TV genre names: one distinct colour each."""
    from core import charts
    from core.data import embedded
    from tests import fake_tmdb

    movielens = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
                 "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
                 "War", "Western"]
    names = sorted({*embedded.IMDB_GENRES, "Unclassified", *movielens, *fake_tmdb.MOVIE_GENRES.values(),
                    *fake_tmdb.TV_GENRES.values(), "Made-up Genre", "Another One"})
    colours = {g: charts.genre_color(g) for g in names}
    assert len(set(colours.values())) == len(names), {c: [g for g in names if colours[g] == c]
                                                      for c in colours.values()}
    assert colours == {g: charts.genre_color(g) for g in names}  # stable
    for pair in (("Action", "Action & Adventure"), ("Science Fiction", "Sci-Fi & Fantasy"),
                 ("War", "War & Politics"), ("Children", "Kids")):
        assert colours[pair[0]] != colours[pair[1]]
    assert charts.genre_color_map(["Drama", "Kids"]) == {"Drama": colours["Drama"], "Kids": colours["Kids"]}

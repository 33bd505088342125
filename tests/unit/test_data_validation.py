"""Validation says which rows and fields failed and why, and nothing is dropped or coerced silently."""
from __future__ import annotations

import pickle

import pandas as pd

from core.data import embedded, features, schema


def _titles(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"title_id": [f"t{i}" for i in range(n)], "title": ["x"] * n, "media_type": ["movie"] * n,
            "genres": [[]] * n}
    return schema.conform(pd.DataFrame({**base, **columns}), schema.TITLE_COLUMNS)


def _by_field(problems: list[schema.Problem]) -> dict[str, schema.Problem]:
    return {p.field: p for p in problems}


def test_conform_counts_values_it_could_not_read_per_field_with_title_ids():
    df = _titles(release_date=["2001-02-03", "not a date", "", None, "2020-13-45"],
                 runtime=[90, "ninety", 100, None, " "], budget=["1e6", "1,000,000", None, None, None])
    found = _by_field(schema.validate_titles(df))
    assert found["release_date"].count == 2 and found["release_date"].rows == ("t1", "t4")
    assert "not a valid date" in found["release_date"].reason and "'not a date'" in found["release_date"].reason
    assert found["runtime"].count == 1 and found["runtime"].rows == ("t1",)  # blank is missing, not malformed
    assert found["budget"].count == 1 and found["budget"].rows == ("t1",)
    assert len(df) == 5 and df["release_date"].isna().sum() == 4  # kept, read as missing, and said so


def test_clean_values_give_no_coercion_findings():
    df = _titles(release_date=["2001-02-03", None], year=[2001, None], vote_count=["12", 3.0])
    assert schema.validate_titles(df) == []


def test_coercion_findings_follow_the_rows_of_a_filtered_frame_and_survive_pickling():
    df = _titles(year=["1999", "MCMXCIX", "x", "2001"])
    assert _by_field(schema.validate_titles(df))["year"].count == 2
    subset = df[df["title_id"].isin(["t0", "t2", "t3"])].reset_index(drop=True)
    assert _by_field(schema.validate_titles(subset))["year"].rows == ("t2",)
    assert "year" not in _by_field(schema.validate_titles(df[df["title_id"] == "t0"]))
    assert _by_field(schema.validate_titles(pickle.loads(pickle.dumps(df))))["year"].count == 2


def test_ratings_and_subscribers_name_rows_by_their_ids():
    ratings = schema.conform(pd.DataFrame({"user_id": [7, 8], "title_id": ["gm:1", "gm:2"], "rating": [4.0, 9.0],
                                           "timestamp": ["2001-01-01", "soon"]}), schema.RATING_COLUMNS,
                             extra=False)
    found = _by_field(schema.validate_ratings(ratings))
    assert found["timestamp"].rows == ("8/gm:2",) and found["rating"].rows == ("8/gm:2",)
    base = {c: ([0, 0] if t == "int64" else ["No", "No"]) for c, t in schema.SUBSCRIBER_COLUMNS.items()}
    subs = schema.conform(pd.DataFrame({**base, "subscriber_id": [101, 102], "tenure": [3, 4],
                                        "monthly_charges": [10.0, 20.0], "total_charges": ["30", "n/a"]}),
                          schema.SUBSCRIBER_COLUMNS, extra=False)
    by_reason = {p.reason.split(",")[0]: p for p in schema.validate_subscribers(subs)}
    assert by_reason["not a valid number"].rows == ("102",) and by_reason["missing"].rows == ("102",)


def test_problems_frame_keeps_its_columns_and_shows_ids():
    frame = schema.problems_frame(schema.validate_titles(_titles(year=["x", "y", "1990"])))
    assert list(frame.columns) == ["table", "field", "reason", "rows", "examples"]
    row = frame[frame["field"] == "year"].iloc[0]
    assert row["rows"] == 2 and row["examples"] == "t0, t1" and row["table"] == "titles"


def test_unnamed_genres_are_reported_by_title_id():
    df = _titles(genres=[["Drama"], ["Genre 9999", "Drama"], []])
    found = _by_field(schema.validate_titles(df))
    assert found["genres"].rows == ("t1",) and found["genres"].count == 1


def test_embedded_build_reports_what_conform_could_not_read():
    out = embedded.build_episodes(pd.DataFrame({"rownames": [1, 2], "series": [1, 1], "episode": [1, 2],
                                                "uk_airdate": ["2010-08-17", "TBC"],
                                                "viewers_7day": [2.2, 2.5], "viewers_28day": [2.4, 2.6]}))
    found = [p for p in schema.validate_episodes(out) if p.field == "airdate"]
    assert {p.reason.split(" (")[0] for p in found} == {"not a valid date, read as missing", "missing"}
    assert all(p.rows == ("1/2",) for p in found)


def test_no_genre_has_one_label_in_every_source():
    assert features.UNCLASSIFIED == schema.NO_GENRE == "Unclassified"
    movies = pd.DataFrame({"rownames": [1], "title": ["a"], "year": [2000], "length": [90], "budget": [None],
                           "rating": [5.0], "votes": [10], "mpaa": [""], **{f"r{i}": [10.0] for i in range(1, 11)},
                           **{g: [0] for g in embedded.IMDB_GENRES}})
    assert embedded.build_imdb_titles(movies)["primary_genre"].tolist() == [schema.NO_GENRE]

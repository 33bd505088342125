"""The data contract's rules, one behaviour per test, on small hand-built frames (core.data.contract)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data.contract import REASONS, TABLES, ContractError, schema, validate

RANGED = [(t.name, f.name) for t in TABLES.values() for f in t.fields if f.low is not None]
CATEGORIES = [(t.name, f.name) for t in TABLES.values() for f in t.fields if f.kind == "category"]
BOOLS = [(t.name, f.name) for t in TABLES.values() for f in t.fields if f.kind == "bool"]
REQUIRED = [(t.name, name) for t in TABLES.values() for name in t.required]


def frame(table: str, *rows: dict) -> pd.DataFrame:
    """One row per ``rows`` item: the table's documented example with the item's values replacing its own."""
    return pd.DataFrame([{**TABLES[table].example(), **row} for row in rows])


def reasons_of(table: str, **values) -> str:
    """The reasons given for the example row with ``values`` changed ("" when the row is accepted)."""
    v = validate(frame(table, values), table)
    assert v.rows_read == 1
    return "" if len(v.accepted) else v.rejected["reasons"].iloc[0]


def ratings(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "title_id", "rating", "timestamp"])


@pytest.mark.parametrize("table", TABLES)
def test_documented_example_row_validates_with_no_rejects(table):
    v = validate(frame(table, {}), table)
    assert (len(v.accepted), len(v.rejected), v.reasons) == (1, 0, {})


@pytest.mark.parametrize("table,name", REQUIRED)
@pytest.mark.parametrize("empty", [None, "", "   ", np.nan])
def test_missing_required_value_is_rejected(table, name, empty):
    assert REASONS["missing"] in reasons_of(table, **{name: empty})


@pytest.mark.parametrize("table", TABLES)
def test_missing_optional_value_is_accepted(table):
    optional = {f.name: None for f in TABLES[table].fields if not f.required}
    assert reasons_of(table, **optional) == ""


@pytest.mark.parametrize("table,name", RANGED)
@pytest.mark.parametrize("text", ["abc", "4.5.1", "12 minutes"])
def test_unreadable_number_is_rejected(table, name, text):
    assert reasons_of(table, **{name: text}) == REASONS["unreadable_number"]


def test_thousands_separator_is_read_as_part_of_the_number():
    v = validate(frame("titles", {"vote_count": "26,000"}), "titles")
    assert v.accepted["vote_count"].iloc[0] == 26_000


@pytest.mark.parametrize("text", ["not a date", "2016-13-45", "yesterday"])
def test_bad_date_is_rejected(text):
    assert reasons_of("ratings", timestamp=text) == REASONS["unreadable_date"]
    assert reasons_of("titles", release_date=text) == REASONS["unreadable_date"]


def test_year_only_date_reads_as_first_of_july():
    v = validate(frame("titles", {"release_date": "1999"}, {"title_id": "b", "release_date": " 2004 "}), "titles")
    assert v.accepted["release_date"].tolist() == [pd.Timestamp(1999, 7, 1), pd.Timestamp(2004, 7, 1)]


def test_full_dates_are_read_as_written():
    v = validate(ratings(("u1", "t", 4, "2016-05-01 20:31:00"), ("u2", "t", 4, "2016-05-02")), "ratings")
    assert v.accepted["timestamp"].tolist() == [pd.Timestamp(2016, 5, 1, 20, 31), pd.Timestamp(2016, 5, 2)]


@pytest.mark.parametrize("stamps", [["2016-05-01T20:31:00Z"], ["2016-05-01T20:31:00+02:00", "2016-05-01"]])
def test_timestamps_with_a_time_zone_are_read_or_rejected_not_raised(stamps):
    df = ratings(*[(f"u{i}", "t", 4, s) for i, s in enumerate(stamps)])
    assert validate(df, "ratings").rows_read == len(stamps)


@pytest.mark.parametrize("table,name", RANGED)
def test_out_of_range_is_rejected_at_both_ends_and_bounds_are_inclusive(table, name):
    f = TABLES[table].field(name)
    assert reasons_of(table, **{name: f.low}) == ""
    assert reasons_of(table, **{name: f.high}) == ""
    assert reasons_of(table, **{name: f.low - 1}) == REASONS["out_of_range"]
    assert reasons_of(table, **{name: f.high + 1}) == REASONS["out_of_range"]


@pytest.mark.parametrize("table,name", CATEGORIES)
def test_category_outside_allowed_values_is_rejected(table, name):
    assert reasons_of(table, **{name: "something-else"}) == REASONS["not_allowed"]


@pytest.mark.parametrize("table,name", CATEGORIES)
def test_allowed_categories_are_accepted_in_any_case(table, name):
    allowed = TABLES[table].field(name).allowed
    for value in allowed:
        assert reasons_of(table, **{name: f" {value.upper()} "}) == ""
    v = validate(frame(table, {name: allowed[-1].title()}), table)
    assert v.accepted[name].iloc[0] == allowed[-1]


@pytest.mark.parametrize("table,name", BOOLS)
@pytest.mark.parametrize("text,expected", [("1", True), ("true", True), ("True", True), ("YES", True), ("y", True),
                                           ("t", True), (" yes ", True), (True, True), (1, True), ("0", False),
                                           ("false", False), ("No", False), ("n", False), ("F", False),
                                           (False, False), (0, False)])
def test_bool_spellings_are_read(table, name, text, expected):
    v = validate(frame(table, {name: text}), table)
    assert len(v.rejected) == 0
    assert bool(v.accepted[name].iloc[0]) is expected


@pytest.mark.parametrize("table,name", BOOLS)
@pytest.mark.parametrize("text", ["maybe", "2", "yes!", "-1"])
def test_unreadable_bool_is_rejected(table, name, text):
    assert reasons_of(table, **{name: text}) == REASONS["unreadable_bool"]


def test_duplicate_key_keeps_first_and_rejects_later():
    df = ratings(("u1", "t1", 4, "2016-05-01"), ("u1", "t1", 2, "2016-05-01"), ("u1", "t1", 3, "2016-05-01"),
                 ("u1", "t1", 5, "2016-05-02"))
    v = validate(df, "ratings")
    assert v.accepted["rating"].tolist() == [4, 5]
    assert v.rejected["rating"].tolist() == [2, 3]
    assert set(v.rejected["reasons"]) == {REASONS["duplicate_key"]}


@pytest.mark.parametrize("table", [t for t in TABLES if len(TABLES[t].key) == 1])
def test_single_column_key_duplicates_are_rejected(table):
    key = TABLES[table].key[0]
    v = validate(frame(table, {}, {}, {key: "other"}), table)
    assert (len(v.accepted), v.reasons) == (2, {REASONS["duplicate_key"]: 1})


def test_unknown_title_rejected_only_when_known_titles_given():
    df = ratings(("u1", "t1", 4, "2016-05-01"), ("u1", "t2", 4, "2016-05-01"))
    assert len(validate(df, "ratings").accepted) == 2
    v = validate(df, "ratings", known_titles={"t1"})
    assert v.accepted["title_id"].tolist() == ["t1"]
    assert v.rejected.to_dict("records") == [{**df.iloc[1].to_dict(), "reasons": REASONS["unknown_title"]}]


@pytest.mark.parametrize("table", [t for t in TABLES if TABLES[t].refers_to])
def test_every_table_referring_to_titles_checks_them(table):
    assert validate(frame(table, {}), table, known_titles=set()).reasons == {REASONS["unknown_title"]: 1}


@pytest.mark.parametrize("name", ["budget", "revenue"])
@pytest.mark.parametrize("zero", [0, "0", "0.0", 0.0])
def test_zero_budget_or_revenue_reads_as_unknown(name, zero):
    v = validate(frame("titles", {name: zero}), "titles")
    assert len(v.rejected) == 0 and pd.isna(v.accepted[name].iloc[0])


def test_zero_elsewhere_stays_zero():
    v = validate(frame("titles", {"vote_count": 0}), "titles")
    assert v.accepted["vote_count"].iloc[0] == 0


@pytest.mark.parametrize("text,expected", [("Action|Sci-Fi", ["Action", "Sci-Fi"]),
                                           ("Action, Sci-Fi", ["Action", "Sci-Fi"]),
                                           (" Drama | Crime,Thriller ", ["Drama", "Crime", "Thriller"]),
                                           ("Drama", ["Drama"]), ("|,", []), ("", []), (None, [])])
def test_genres_split_on_pipe_and_comma(text, expected):
    v = validate(frame("titles", {"genres": text}), "titles")
    assert v.accepted["genres"].iloc[0] == expected


def test_several_reasons_on_one_row_are_all_listed():
    df = ratings(("", "t1", "abc", "never"), ("u2", "t1", 9, "2016-05-01"))
    v = validate(df, "ratings")
    assert set(v.rejected["reasons"].iloc[0].split("; ")) == {
        REASONS["missing"], REASONS["unreadable_number"], REASONS["unreadable_date"]}
    assert v.reasons == {REASONS["missing"]: 1, REASONS["unreadable_number"]: 1, REASONS["unreadable_date"]: 1,
                         REASONS["out_of_range"]: 1}


def test_rejected_rows_keep_original_values_and_extra_columns():
    df = ratings((" u1 ", "t1", " 9 ", "2016"), ("u2", "t1", "4", "2016")).assign(note=["keep me", "x"], n=[7, 8])
    v = validate(df, "ratings")
    assert v.rejected.to_dict("records") == [{**df.iloc[0].to_dict(), "reasons": REASONS["out_of_range"]}]
    assert list(v.accepted.columns) == ["user_id", "title_id", "rating", "timestamp"]


def test_accepted_rows_are_canonical_and_trimmed():
    v = validate(ratings((" u1 ", " t1 ", " 4.5 ", "2016-05-01")), "ratings")
    assert v.accepted.to_dict("records") == [{"user_id": "u1", "title_id": "t1", "rating": 4.5,
                                              "timestamp": pd.Timestamp(2016, 5, 1)}]


MESSY = [
    ("ratings", ratings(("u1", "t1", 4, "2016"), ("u1", "t1", 4, "2016"), (None, None, None, None),
                        ("u2", "t2", np.nan, "2016-02-30"), (1, 2.5, "1e400", True), ("ü", "t", "-0", ""))),
    ("ratings", ratings(("u1", "t", "4", "2016"), ("u2", "t", "x", "2016")).set_axis([5, 5])),
    ("ratings", ratings()),
    ("titles", pd.DataFrame({"title_id": [1, 2.5, None, np.nan, "tt"], "title": [None, "", " ", "x", 3],
                             "kind": ["MOVIE", "tv ", None, "film", 1], "genres": [np.nan, "a, b", "|", "a|b", 5],
                             "runtime": ["1,000", "inf", "-0", "nan", True],
                             "budget": [0, "0", "0.0", -1, "1e20"], "extra": list("abcde")})),
    ("watch_events", frame("watch_events", {}, {"device": "Smart TV"}, {"completed": "sometimes"},
                           {"minutes_watched": 1441, "user_id": "u9"}, {"started_at": "2024"}, {})),
    ("subscribers", frame("subscribers", {"churned": "Yes"}, {"subscriber_id": "s2", "churned": 0.5},
                          {"subscriber_id": "s3", "tenure": "", "churned": None},
                          {"subscriber_id": "s4", "monthly_charges": "13,99"})),
    ("reviews", frame("reviews", {}, {"review_id": "r2", "text": "  "}, {"review_id": "r3", "rating": 11},
                      {"review_id": "r4", "created_at": 2016}, {"review_id": None})),
]


@pytest.mark.parametrize("table,df", MESSY, ids=[f"{t}-{i}" for i, (t, _) in enumerate(MESSY)])
def test_accepted_plus_rejected_is_rows_read_and_accepted_fit_the_schema(table, df):
    v = validate(df, table)
    assert len(v.accepted) + len(v.rejected) == v.rows_read == len(df)
    assert all(isinstance(why, str) and why for why in v.rejected["reasons"])
    assert sum(v.reasons.values()) >= len(v.rejected)
    schema(table).validate(v.accepted)


@pytest.mark.parametrize("table,name", REQUIRED)
def test_missing_required_column_raises_contract_error_naming_it(table, name):
    with pytest.raises(ContractError, match=name):
        validate(frame(table, {}).drop(columns=[name]), table)


@pytest.mark.parametrize("table", TABLES)
def test_missing_optional_columns_are_fine(table):
    v = validate(frame(table, {})[list(TABLES[table].required)], table)
    assert (len(v.accepted), len(v.rejected)) == (1, 0)


@pytest.mark.parametrize("raw,value", [("13,99", 13.99), ("1,234", 1234.0), ("1,234,567.5", 1234567.5),
                                       ("12.5", 12.5), ("-3,5", None)])
def test_decimal_commas_and_thousands_separators_are_told_apart(raw, value):
    v = validate(pd.DataFrame({"subscriber_id": ["s1"], "tenure": ["3"], "monthly_charges": ["9"],
                               "total_charges": [raw], "churned": ["no"]}), "subscribers")
    if value is None:  # -3.5 is read, then out of range: rejected, never misread
        assert v.reasons == {REASONS["out_of_range"]: 1}
    else:
        assert v.accepted["total_charges"].tolist() == [pytest.approx(value)]


def test_a_valid_row_is_not_a_duplicate_of_a_rejected_one():
    v = validate(ratings(("u1", "t", "x", "2016-01-01"), ("u1", "t", "4", "2016-01-01")), "ratings")
    assert len(v.accepted) == 1 and v.reasons == {REASONS["unreadable_number"]: 1}


@pytest.mark.parametrize("raw,value", [("1.0", True), ("0.0", False)])
def test_a_0_1_column_saved_as_floats_reads_as_true_false(raw, value):
    v = validate(pd.DataFrame({"subscriber_id": ["s1"], "tenure": ["3"], "monthly_charges": ["9"],
                               "churned": [raw]}), "subscribers")
    assert v.accepted["churned"].tolist() == [value]

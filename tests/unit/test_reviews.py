"""Review-text sentiment: the scorer on hand-written sentences, the aggregations, review bursts, and reading a
source's reviews (a generated platform, an upload, the reference reviews)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from core.integrity import reviews as ir
from models.text_sentiment import TextSentimentModel

POSITIVE = ["I loved this film, it is wonderful.", "A brilliant, moving and funny story. Highly recommended!",
            "Great acting and a beautiful soundtrack."]
NEGATIVE = ["This was a terrible, boring waste of time.", "I hated it; the acting is awful.",
            "Dull, predictable and badly written."]
NEUTRAL = ["The film is 120 minutes long.", "It was released in March.", ""]


@pytest.fixture(scope="module")
def model() -> TextSentimentModel:
    return TextSentimentModel().fit()


# -- the scorer -----------------------------------------------------------------------------------------------
def test_hand_written_sentences_get_their_known_polarity(model):
    assert (model.decision_function(POSITIVE) >= 0.05).all()
    assert (model.decision_function(NEGATIVE) <= -0.05).all()
    assert list(model.predict(POSITIVE + NEGATIVE + NEUTRAL)) == ["positive"] * 3 + ["negative"] * 3 + ["neutral"] * 3


def test_negation_and_contrast_turn_the_score(model):
    good, not_good = model.decision_function(["This movie is good.", "This movie is not good."])
    assert good > 0 > not_good
    bad, not_bad = model.decision_function(["It was bad.", "It was not bad at all."])
    assert bad < 0 < not_bad
    # "but" shifts the weight to what follows it
    assert model.decision_function(["The ending was awful, but I loved it."])[0] > 0 > \
        model.decision_function(["I loved it, but the ending was awful."])[0]


def test_intensifiers_and_exclamations_strengthen_a_verdict(model):
    plain, very, shouted = model.decision_function(["good", "very good", "very good!!!"])
    assert 0 < plain < very < shouted <= 1


def test_identical_texts_are_scored_once_with_the_same_result(model):
    texts = ["Loved it.", "Awful.", "Loved it.", None, "Awful."]
    scores = model.decision_function(texts)
    one_by_one = [model.decision_function([t])[0] for t in texts]
    assert np.allclose(scores, one_by_one) and scores[0] == scores[2] and scores[3] == 0


def test_the_scorer_follows_the_estimator_contract():
    with pytest.raises(NotFittedError):
        TextSentimentModel().decision_function(["good"])
    with pytest.raises(ValueError):
        TextSentimentModel(positive=-0.1, negative=0.1).fit()
    assert TextSentimentModel(positive=0.2).get_params()["positive"] == 0.2
    strict = TextSentimentModel(positive=0.9).fit()
    assert strict.predict(["good"])[0] == "neutral"  # 0.44: positive at 0.05, not at 0.9


def test_score_marks_where_text_and_stars_disagree(model):
    reviews = _reviews(["Wonderful, I loved it.", "Terrible and boring.", "Wonderful, I loved it.", "Awful."],
                       ratings=[9, 2, 3, None])
    scored = ir.score(reviews, model)
    assert list(scored["tone"]) == ["positive", "negative", "positive", "negative"]
    assert list(scored["disagree"]) == [False, False, True, False]  # a loved text with 3/10; the unrated is not
    assert (scored["month"] == pd.Timestamp("2024-01-01")).all()


# -- aggregation ----------------------------------------------------------------------------------------------
def _reviews(texts, ratings=None, titles=None, days=None, users=None) -> pd.DataFrame:
    n = len(texts)
    return pd.DataFrame({
        "review_id": [f"r{i}" for i in range(n)], "title_id": pd.Series(titles or ["t1"] * n, dtype="string"),
        "user_id": pd.Series(users or [f"u{i}" for i in range(n)], dtype="string"),
        "text": pd.Series(texts, dtype="string"),
        "created_at": pd.to_datetime("2024-01-01") + pd.to_timedelta(days or list(range(n)), unit="D"),
        "rating": pd.Series(ratings if ratings is not None else [np.nan] * n, dtype="float64")})


def _scored(sentiment, ratings, titles, days) -> pd.DataFrame:
    """A scored frame with chosen scores (the aggregations do not depend on the scorer)."""
    frame = _reviews(["x"] * len(sentiment), ratings, titles, days)
    s = np.asarray(sentiment, dtype="float64")
    tone = np.where(s >= 0.05, "positive", np.where(s <= -0.05, "negative", "neutral"))
    stars = frame["rating"]
    disagree = ((tone == "positive") & (stars <= 4)) | ((tone == "negative") & (stars >= 7))
    return frame.assign(sentiment=s, tone=tone, disagree=disagree.to_numpy(),
                        month=frame["created_at"].dt.to_period("M").dt.to_timestamp())


CATALOGUE = pd.DataFrame({"title_id": ["t1", "t2"], "title": ["One", "Two"], "year": [2001, 2002],
                          "genres": [["Drama", "Comedy"], ["Comedy"]]})


def test_per_title_means_shares_disagreement_and_volatility():
    s1 = [0.9, -0.6, 0.8, 0.7, -0.2, 0.5]
    scored = _scored(s1 + [0.3, 0.4], [9, 8, np.nan, 2, 9, 10, 6, 7], ["t1"] * 6 + ["t2"] * 2, list(range(8)))
    out = ir.by_title(scored, CATALOGUE).set_index("title_id")
    one = out.loc["t1"]
    assert one["reviews"] == 6 and one["title"] == "One" and one["sentiment"] == pytest.approx(np.mean(s1))
    assert one["positive"] == pytest.approx(4 / 6) and one["negative"] == pytest.approx(2 / 6)
    # rated: 5 of 6; disagreeing: -0.6 at 8 stars, 0.7 at 2 stars, -0.2 at 9 stars
    assert one["rated"] == 5 and one["disagree"] == pytest.approx(3 / 5)
    windows = [np.std(s1[i:i + ir.WINDOW_REVIEWS], ddof=1) for i in range(len(s1) - ir.WINDOW_REVIEWS + 1)]
    assert one["volatility"] == pytest.approx(np.mean(windows))
    assert np.isnan(out.loc["t2", "volatility"])  # two reviews: no full window
    assert list(out.index) == ["t1", "t2"]  # most reviewed first


def test_a_review_counts_in_every_genre_of_its_title_and_small_genres_are_left_out():
    scored = _scored([0.5] * 5 + [-0.5] * 3, [np.nan] * 8, ["t1"] * 5 + ["t2"] * 3, list(range(8)))
    genres = ir.by_genre(scored, CATALOGUE).set_index("genre")
    assert genres.loc["Comedy", "reviews"] == 8 and genres.loc["Drama", "reviews"] == 5
    assert genres.loc["Comedy", "sentiment"] == pytest.approx((5 * 0.5 - 3 * 0.5) / 8)
    assert genres.index[0] == "Drama"  # most positive first
    few = ir.by_genre(scored[scored["title_id"] == "t2"], CATALOGUE)
    assert few.empty  # 3 reviews < MIN_REVIEWS


def test_months_are_complete_and_their_volatility_spans_the_trailing_window():
    days = [0, 1, 2, 65, 66, 130, 131, 132]  # Jan, Mar, May 2024
    s = [0.9, 0.1, -0.3, 0.8, 0.6, -0.7, 0.2, 0.4]
    months = ir.by_month(_scored(s, [np.nan] * 8, ["t1"] * 8, days)).set_index("month")
    assert list(months.index) == list(pd.date_range("2024-01-01", "2024-05-01", freq="MS"))
    assert months.loc["2024-02-01", "reviews"] == 0 and np.isnan(months.loc["2024-02-01", "sentiment"])
    assert months.loc["2024-03-01", "volatility"] == pytest.approx(np.std(s[:5], ddof=1))  # Jan-Mar
    assert months.loc["2024-05-01", "volatility"] == pytest.approx(np.std(s[3:], ddof=1))  # Mar-May
    assert months.loc["2024-01-01", "sentiment"] == pytest.approx(np.mean(s[:3]))


def test_extremes_do_not_repeat_a_review_and_disagreements_rank_by_gap():
    scored = _scored([0.9, 0.2, -0.8, 0.5], [1, 5, 10, 2], ["t1"] * 4, list(range(4)))
    top, bottom = ir.extremes(scored, n=3)
    assert list(top["sentiment"]) == [0.9, 0.5, 0.2] and list(bottom["sentiment"]) == [-0.8]
    found = ir.disagreements(scored)
    assert list(found["review_id"]) == ["r2", "r0", "r3"]  # gaps 1.8, 1.7, 1.1
    head = ir.headline(scored)
    assert head["reviews"] == 4 and head["rated"] == 4 and head["disagree"] == pytest.approx(3 / 4)


# -- review bursts --------------------------------------------------------------------------------------------
def _days(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["title_id", "day", "n"])
    return frame.assign(day=pd.to_datetime(frame["day"]), title_id=frame["title_id"].astype("string"))


def test_many_reviews_in_a_few_days_are_a_burst_and_an_even_spread_is_not():
    spread = [("even", f"{2022 + i // 4}-{1 + 3 * (i % 4):02d}-10", 2) for i in range(10)]
    bunched = [("bunched", "2022-06-01", 4), ("bunched", "2022-06-04", 5), ("bunched", "2023-05-01", 1)]
    small = [("small", "2022-06-01", 3)]
    out = ir.burst_windows(_days(spread + bunched + small), end=pd.Timestamp("2024-12-31")).set_index("title_id")
    assert out.loc["bunched", "peak"] == 9 and out.loc["bunched", "reviews"] == 10
    assert out.loc["bunched", "peak_start"] == pd.Timestamp("2022-05-29")  # the window ending on the 4th
    assert out.loc["bunched", "burst"] and not out.loc["even", "burst"]
    assert not out.loc["small", "burst"]  # 3 reviews in a day: fewer than BURST_MIN
    assert out.loc["bunched", "p"] < out.loc["small", "p"] < out.loc["even", "p"]


def test_a_burst_of_copied_texts_from_other_accounts_is_fake_and_one_of_varied_texts_is_not():
    windows = pd.DataFrame({"title_id": ["farm", "launch"], "peak": [6, 6], "reviews": [6, 6],
                            "peak_start": pd.to_datetime(["2024-01-01"] * 2), "p": [1e-9] * 2, "burst": [True] * 2})
    copied = ["Best show ever!!! Amazing acting, amazing story, must watch for everyone."] * 5 + ["Meh."]
    varied = ["Loved the cast.", "A slow start but worth it.", "Too long for me.", "The music is great.",
              "My kids enjoyed it.", "Visually stunning, thin plot."]
    reviews = pd.concat([_reviews(copied, titles=["farm"] * 6), _reviews(varied, titles=["launch"] * 6)],
                        ignore_index=True).assign(review_id=lambda d: [f"r{i}" for i in range(len(d))])
    out = ir.near_duplicates(windows, reviews).set_index("title_id")
    assert out.loc["farm", "near"] == 5 and out.loc["farm", "near_share"] == pytest.approx(5 / 6)
    assert out.loc["farm", "fake"] and not out.loc["launch", "fake"]
    one_author = reviews.assign(user_id="same")
    assert not ir.near_duplicates(windows, one_author)["fake"].any()  # one account repeating itself is no farm


def test_reviews_without_an_author_still_count_as_separate_accounts():
    windows = pd.DataFrame({"title_id": ["farm"], "peak": [5], "reviews": [5], "peak_start":
                            pd.to_datetime(["2024-01-01"]), "p": [1e-9], "burst": [True]})
    reviews = _reviews(["Best show ever!!! must watch for everyone."] * 5, titles=["farm"] * 5).assign(
        user_id=pd.Series([pd.NA] * 5, dtype="string"))
    assert ir.near_duplicates(windows, reviews)["fake"].all()


# -- reading a source's reviews ------------------------------------------------------------------------------
@pytest.fixture()
def on_platform(platform_home, monkeypatch):
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(platform_home))
    return "syn:demo"


def test_a_platforms_reviews_are_sampled_whole_in_the_engine(on_platform):
    from core.data import platforms
    from core.data import reviews as dr

    every = pd.read_parquet(platforms.platform_dir(on_platform) / "reviews.parquet")
    assert dr.has_reviews(on_platform) and not dr.has_reviews("embedded")
    full = dr.sample(on_platform)
    assert full.total == len(every) and not full.sampled and full.titles == every["title_id"].nunique()
    part = dr.sample(on_platform, limit=len(every) // 4)
    assert part.sampled and 0.1 * len(every) < len(part.reviews) < 0.45 * len(every)
    assert set(part.reviews["review_id"]) <= set(every["review_id"])
    by_chars = dr.sample(on_platform, chars=int(every["text"].str.len().sum() // 3))
    assert by_chars.sampled and by_chars.reviews["text"].str.len().sum() < every["text"].str.len().sum() / 2


def test_one_titles_reviews_come_newest_first_and_daily_counts_add_up(on_platform):
    from core.data import platforms
    from core.data import reviews as dr

    every = pd.read_parquet(platforms.platform_dir(on_platform) / "reviews.parquet")
    title = every["title_id"].value_counts().index[0]
    mine = dr.of_title(on_platform, title, limit=5)
    assert (mine["title_id"] == title).all() and len(mine) == 5 and mine["created_at"].is_monotonic_decreasing
    days = dr.daily(on_platform)
    assert days["n"].sum() == len(every) and days.groupby("title_id")["n"].sum()[title] == (
        every["title_id"] == title).sum()


def test_review_bursts_on_a_platform_are_scored_against_its_planted_farms(on_platform):
    from core.data import platforms
    from core.data import reviews as dr
    from core.integrity import planted as pl

    windows = ir.burst_windows(dr.daily(on_platform))
    checked = windows[windows["burst"]]
    near = ir.near_duplicates(checked, dr.of_titles(on_platform, checked["title_id"].tolist()))
    truth = platforms.truth(on_platform)
    farmed = truth.loc[(truth["entity_type"] == "title") & (truth["label"] == "review_farm"), "entity_id"]
    score = pl.precision_recall(near.loc[near["fake"], "title_id"], farmed, windows["title_id"])
    assert score["planted"] > 0 and score["recall"] >= 0.5 and score["precision"] >= 0.5


def test_an_uploaded_reviews_table_without_authors_or_ratings_is_read(tmp_path, monkeypatch):
    from core.data import ingest
    from core.data import reviews as dr

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    titles = "title_id,title,kind,genres,release_date\nc1,Show 1,movie,Drama,2020-01-01\n".encode()
    ingest.ingest("t.csv", titles, "titles", "team")
    text = "review_id,title_id,text,created_at\nr1,c1,Loved it.,2024-01-02\nr2,c1,Awful.,2024-01-03\n".encode()
    assert ingest.ingest("r.csv", text, "reviews", "team").report()["rows_accepted"] == 2
    assert dr.has_reviews("up:team") and not dr.has_reviews("up:other")
    found = dr.sample("up:team").reviews
    assert list(found["review_id"]) == ["r1", "r2"] and found["user_id"].isna().all() and found["rating"].isna().all()
    assert dr.missing_note("up:other").startswith("This upload has no reviews table")


def test_the_reference_reviews_are_real_labelled_text_the_scorer_beats_chance_on():
    from core.data import reviews as dr

    reference = dr.reference()
    assert len(reference) == 5000 and reference["great"].dtype == bool and reference["text"].str.len().min() > 0
    check = ir.scorer_check(reference.sample(800, random_state=0))
    assert 0.6 < check["auc"] <= 1 and check["accuracy"] > 0.5 and check["chars_per_second"] > 0

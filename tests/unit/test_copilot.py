"""Investment Copilot: training set, estimators (incl. the LightGBM -> XGBoost fallback), rules and advice."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data import features, schema
from core.decide import advice as copilot_advice
from core.decide import copilot
from models import copilot as mc


@pytest.fixture(scope="module")
def trained(strategy_frame):
    """Models fitted once on the same 600-title real sample as ``small_frame`` (read-only in the tests)."""
    sample = features.engineer(strategy_frame.sample(600, random_state=0)[list(schema.TITLE_COLUMNS)])
    ts = copilot.build_training(sample)
    evaluation = copilot.evaluate(ts)
    return copilot.fit_models(ts, evaluation), evaluation


@pytest.fixture()
def tmdb_trained(tmdb_like_frame):
    ts = copilot.build_training(tmdb_like_frame)
    return copilot.fit_models(ts, copilot.evaluate(ts))


# ------------------------------------------------------------------ training set
def test_empty_frame_gets_a_reason(small_frame):
    assert "No titles" in copilot.unusable_reason(small_frame.iloc[0:0])
    assert copilot.status(small_frame.iloc[0:0])["reason"]


def test_too_few_known_budgets_gets_a_reason(small_frame):
    known = small_frame[small_frame["budget_level"].notna() & (small_frame["popularity"] > 0)]
    known = pd.concat([known[known["hit"] == 1].head(5), known[known["hit"] == 0]])  # both sides of the hit line
    reason = copilot.unusable_reason(known.head(copilot.MIN_TRAIN - 1))
    assert f"Only {copilot.MIN_TRAIN - 1} titles" in reason and f"at least {copilot.MIN_TRAIN}" in reason
    assert copilot.unusable_reason(known.head(copilot.MIN_TRAIN)) is None  # one more title is enough
    unknown = small_frame[small_frame["budget_level"].isna()]
    with_unknown = pd.concat([known.head(copilot.MIN_TRAIN - 1), unknown])  # titles without a budget do not count
    assert f"Only {copilot.MIN_TRAIN - 1} titles" in copilot.unusable_reason(with_unknown)


def test_one_class_gets_a_reason(small_frame):
    assert "one side of the hit line" in copilot.unusable_reason(small_frame.assign(hit=1))


def test_training_set_uses_only_known_budgets_and_no_target_features(small_frame):
    ts = copilot.build_training(small_frame)
    assert len(ts.X) == int(small_frame["budget_level"].notna().sum())
    banned = ("vote", "rating", "popularity", "engagement", "velocity", "hit", "tier")
    assert not [c for c in ts.X.columns if any(b in c for b in banned)]
    assert {"budget_level", "runtime"} <= set(ts.X.columns)
    assert np.allclose(10 ** ts.log_popularity, ts.titles["popularity"].astype(float))


def test_embedded_has_no_quarter_or_tv_feature(small_frame):
    ts = copilot.build_training(small_frame)
    assert not ts.has_quarter and "release_quarter" not in ts.X and "is_tv" not in ts.X


def test_tmdb_like_frame_has_quarter_and_tv_features(tmdb_like_frame):
    ts = copilot.build_training(tmdb_like_frame)
    assert ts.has_quarter and {"release_quarter", "is_tv"} <= set(ts.X.columns)
    assert ts.media_types == ("movie", "tv")


def test_status_lists_genres_without_unclassified(small_frame):
    out = copilot.status(small_frame)
    assert out["reason"] == "" and "Unclassified" not in out["genres"]
    assert out["genres"][0] == "Drama"  # the largest genre among titles with a known budget
    assert out["runtime_min"] < out["runtime_default"] < out["runtime_max"]


# ------------------------------------------------------------------ estimators
def test_popularity_model_is_deterministic(small_frame):
    ts = copilot.build_training(small_frame)
    p1 = mc.PopularityModel().fit(ts.X, ts.log_popularity).predict(ts.X)
    p2 = mc.PopularityModel().fit(ts.X, ts.log_popularity).predict(ts.X)
    assert np.array_equal(p1, p2)


def test_lightgbm_failure_falls_back_to_xgboost(small_frame, monkeypatch):
    def broken(*args, **kwargs):
        raise ImportError("no lightgbm here")

    monkeypatch.setattr(mc, "_lightgbm_regressor", broken)
    ts = copilot.build_training(small_frame)
    model = mc.PopularityModel("lightgbm").fit(ts.X, ts.log_popularity)
    assert model.booster_ == "xgboost" and "LightGBM failed" in model.fallback_reason_
    assert np.isfinite(model.predict(ts.X)).all()


def test_fallback_is_reported_by_evaluate(small_frame, monkeypatch):
    monkeypatch.setattr(mc, "_lightgbm_regressor", lambda *a, **k: (_ for _ in ()).throw(ImportError("x")))
    ev = copilot.evaluate(copilot.build_training(small_frame))
    assert ev["booster"] == "xgboost" and ev["fallback"]
    assert "fallback" in ev["regression"]["model"].iloc[0]


def test_xgboost_can_be_chosen(small_frame):
    ts = copilot.build_training(small_frame)
    model = mc.PopularityModel("xgboost").fit(ts.X, ts.log_popularity)
    assert model.booster_ == "xgboost" and model.fallback_reason_ == ""


def test_unknown_booster_raises():
    with pytest.raises(ValueError):
        mc.make_booster("catboost")


def test_hit_model_fast_probabilities_match_sklearn(small_frame):
    ts = copilot.build_training(small_frame)
    model = mc.HitModel().fit(ts.X, ts.hit)
    X = ts.X.copy()
    X.loc[X.index[:5], "runtime"] = np.nan  # imputed the same way on both paths
    assert np.allclose(model.predict_proba(X), model.estimator_.predict_proba(X.astype("float64")))


def test_hit_model_is_deterministic(small_frame):
    ts = copilot.build_training(small_frame)
    a = mc.HitModel().fit(ts.X, ts.hit).predict_proba(ts.X)
    b = mc.HitModel().fit(ts.X, ts.hit).predict_proba(ts.X)
    assert np.array_equal(a, b)


def test_genre_baselines_use_group_values_then_overall():
    X = pd.DataFrame({"g_A": [1, 1, 0, 0], "g_B": [0, 0, 1, 1], "runtime": [1, 2, 3, 4]})
    reg = mc.GenreMedianRegressor().fit(X, [1.0, 3.0, 10.0, 20.0])
    new = pd.DataFrame({"g_A": [1, 1], "g_B": [0, 1], "runtime": [0, 0]})
    assert reg.predict(new).tolist() == [2.0, 6.5]  # A's median; unseen A+B -> overall median
    clf = mc.GenreRateClassifier().fit(X, [1, 0, 1, 1])
    assert clf.predict_proba(new)[:, 1].tolist() == [0.5, 0.75]


# ------------------------------------------------------------------ evaluation
def test_evaluate_reports_models_and_baselines(trained):
    _, ev = trained
    assert ev["folds"] == 5 and ev["n"] == len(ev["oof_hit"]) == len(ev["oof_log_pop"])
    assert ev["regression"]["model"].str.startswith("Baseline").sum() == 2
    assert ev["classification"]["roc_auc"].between(0, 1).all()
    assert ev["classification"].set_index("model").loc["Baseline: prior", "roc_auc"] == 0.5


def test_three_hit_classifiers_share_the_folds_and_the_forest_calls_are_reported(trained, strategy_frame):
    _, ev = trained
    hits = copilot.build_training(features.engineer(strategy_frame.sample(600, random_state=0)[
        list(schema.TITLE_COLUMNS)])).hit  # the fixture's training set
    compared = ev["hit_models"].set_index("model")
    assert list(compared.index) == ["Random Forest", "Logistic Regression", "XGBoost"]
    assert compared.loc["Random Forest", "roc_auc"] == ev["classification"].set_index("model").loc[
        "Random Forest", "roc_auc"]  # the same folds: the forest scores the same in both tables
    assert list(ev["classification"]["model"]) == ["Random Forest", "Baseline: genre hit rate", "Baseline: prior"]
    rep = ev["hit_report"]
    confusion = rep["confusion"].set_index("")
    called = np.asarray(ev["oof_hit"]) >= rep["threshold"]
    assert int(confusion.loc["actual: hit", "called: hit"]) == int((called & (hits == 1)).sum())
    assert int(confusion.loc["actual: not a hit", "called: hit"]) == int((called & (hits == 0)).sum())
    hit = rep["report"].set_index("class").loc["hit"]
    assert hit["support"] == hits.sum() and hit["recall"] == pytest.approx((called & (hits == 1)).sum() / hits.sum())
    lines = copilot_advice.hit_model_insights(ev)
    assert lines[0].startswith("Same 5 folds, ROC-AUC: ") and f"{hit['recall']:.0%} of the actual hits" in lines[1]


def test_models_beat_baselines_on_the_real_view(strategy_frame):
    ev = copilot.evaluate(copilot.build_training(strategy_frame))
    reg, clf = ev["regression"].set_index("model"), ev["classification"].set_index("model")
    assert reg["r2"].iloc[0] > reg.loc["Baseline: genre median", "r2"] + 0.2
    assert clf["roc_auc"].iloc[0] > clf.loc["Baseline: genre hit rate", "roc_auc"] + 0.05


# ------------------------------------------------------------------ rules
@pytest.mark.parametrize("hit_pct,support,expected", [
    (90, 100, "Low"), (copilot.RISK_LOW_PCT, 100, "Low"), (50, 100, "Medium"), (copilot.RISK_HIGH_PCT, 100, "Medium"),
    (10, 100, "High"), (90, copilot.THIN_EVIDENCE - 1, "Medium"), (10, 0, "High")])
def test_risk_level_thresholds(hit_pct, support, expected):
    assert copilot.risk_level(hit_pct, support) == expected


@pytest.mark.parametrize("risk,pop_pct,expected", [
    ("Low", 50, "greenlight"), ("Low", 49, "consider"), ("Medium", 90, "consider"), ("High", 49, "pass"),
    ("High", 60, "consider")])
def test_recommendation_rules(risk, pop_pct, expected):
    assert copilot.recommendation(risk, pop_pct) == expected


def test_percentile_counts_ties_half():
    assert copilot.percentile(2, np.array([1, 2, 3, 4])) == 37.5
    assert np.isnan(copilot.percentile(1, np.array([])))


# ------------------------------------------------------------------ curve, advice
def test_budget_curve_has_ten_levels_and_one_selection(trained):
    models, _ = trained
    curve = copilot.budget_curve(models, copilot.Scenario(("Drama",), budget_level=3, runtime=100))
    assert curve["budget_level"].tolist() == list(range(1, 11))
    assert curve["selected"].sum() == 1 and curve.loc[curve["selected"], "budget_level"].item() == 3
    assert curve["hit_probability"].between(0, 1).all() and (curve["popularity"] > 0).all()


def test_predictions_change_with_budget_level(trained):
    models, _ = trained
    curve = copilot.budget_curve(models, copilot.Scenario(("Drama",), budget_level=5, runtime=100))
    assert curve["popularity"].nunique() > 1 and curve["hit_probability"].nunique() > 1


def test_advise_gives_call_reasons_and_benchmarks(trained):
    models, _ = trained
    adv = copilot_advice.advise(models, copilot.Scenario(("Comedy",), budget_level=8, runtime=95))
    assert adv.risk in copilot.RISKS and adv.recommendation in ("greenlight", "consider", "pass")
    assert len(adv.reasons) >= 3 and "Hit probability" in adv.reasons[0]
    assert 0 <= adv.popularity_pct_view <= 100 and len(adv.similar) == 8
    assert adv.radar["scenario"].between(0, 100).all() and len(adv.radar) == 5


def test_similar_titles_finds_a_title_from_its_own_features(trained):
    models, _ = trained
    ts = models.training
    row = ts.titles.iloc[0]
    scenario = copilot.Scenario(tuple(row["genres"]), budget_level=int(row["budget_level"]),
                                runtime=float(row["runtime"]))
    similar = copilot_advice.similar_titles(models, scenario, k=5)
    assert similar["distance"].iloc[0] == 0 and row["title_id"] in similar["title_id"].tolist()
    assert similar["distance"].is_monotonic_increasing


def test_similar_titles_share_the_genre(trained):
    models, _ = trained
    similar = copilot_advice.similar_titles(models, copilot.Scenario(("Action",), budget_level=9, runtime=120))
    assert similar["genres"].str.contains("Action").all()


def test_scenario_without_genre_is_compared_with_the_portfolio(trained):
    models, _ = trained
    adv = copilot_advice.advise(models, copilot.Scenario((), budget_level=5, runtime=100))
    assert copilot_advice.genre_label(adv.scenario) == "portfolio" and len(adv.radar) == 5


def test_tmdb_like_frame_advice_uses_quarter_and_tv(tmdb_trained):
    base = copilot.Scenario(("Drama",), media_type="movie", budget_level=5, runtime=110, quarter=1)
    tv = copilot.Scenario(("Drama",), media_type="tv", budget_level=5, runtime=110, quarter=4)
    assert copilot.scenario_rows(tmdb_trained.training, tv, [5])[["is_tv", "release_quarter"]].iloc[0].tolist() == [
        1.0, 4.0]
    assert copilot_advice.advise(tmdb_trained, base).recommendation in ("greenlight", "consider", "pass")


def test_new_title_segment_falls_back_to_own_clusters(trained):
    models, _ = trained
    seg = copilot_advice.new_title_segment(models, copilot.Scenario(("Drama",), budget_level=5, runtime=100))
    assert seg["name"].startswith("Segment") and "K-Means" in seg["method"] and seg["features_used"] == []


@pytest.fixture()
def portfolio_segments(small_frame):
    from core.explore import deepdive_models
    from models import segment

    return segment.SegmentModel(k_max=4).fit(deepdive_models.segment_input(small_frame).dropna(
        subset=list(segment.FEATURES)))


def test_new_title_segment_is_placed_by_predicted_popularity(trained, portfolio_segments):
    models, _ = trained
    scenario = copilot.Scenario(("Drama",), budget_level=9, runtime=150)
    seg = copilot_advice.new_title_segment(models, scenario, portfolio_segments, None)
    assert seg["name"] in portfolio_segments.names_ and seg["features_used"] == ["log_popularity"]
    assert "attention" in seg["method"] and "predicted popularity" in seg["method"]
    assert "runtime" not in seg["method"] and "budget" not in seg["method"]
    adv = copilot_advice.advise(models, scenario)
    assert f"{adv.popularity:,.1f}" in seg["method"]  # without a popularity it predicts the same one
    assert copilot_advice.new_title_segment(models, scenario, portfolio_segments, None, adv.popularity) == seg


def test_new_title_segment_follows_the_predicted_popularity(trained, portfolio_segments):
    models, _ = trained
    scenario = copilot.Scenario(("Drama",), budget_level=5, runtime=100)
    centres = portfolio_segments.centers_["log_popularity"]
    low, high = (copilot_advice.new_title_segment(models, scenario, portfolio_segments, None, p)["name"]
                 for p in (0.0, 1e6))
    assert low == portfolio_segments.names_[int(centres.idxmin())]
    assert high == portfolio_segments.names_[int(centres.idxmax())] != low
    other_runtime = copilot.Scenario(("Drama",), budget_level=5, runtime=180)
    assert copilot_advice.new_title_segment(models, other_runtime, portfolio_segments, None, 1e6)["name"] == high


# ------------------------------------------------------------------ insights
def test_budget_insights_quote_the_curve():
    curve = pd.DataFrame({"budget_level": range(1, 11), "popularity": np.linspace(10, 100, 10),
                          "hit_probability": [0.1, 0.2, 0.25, 0.3, 0.6, 0.62, 0.64, 0.66, 0.68, 0.7]})
    lines = copilot_advice.budget_insights(curve)
    assert "10.0 to 100.0" in lines[0] and "10% to 70%" in lines[0]
    assert "level 4 to 5 (+30 points)" in lines[1]
    assert copilot_advice.budget_insights(curve.iloc[0:0]) == []


def test_quality_insights_compare_with_the_best_baseline(trained):
    _, ev = trained
    lines = copilot_advice.quality_insights(ev)
    assert "R2" in lines[0] and "baseline" in lines[0] and "ROC-AUC" in lines[1]


def test_tv_without_budgets_is_left_out_of_the_inputs(tmdb_like_frame):
    no_tv_budget = tmdb_like_frame.assign(budget_level=tmdb_like_frame["budget_level"].where(
        tmdb_like_frame["media_type"] == "movie"))
    out = copilot.status(no_tv_budget)
    assert out["media_types"] == ["movie"] and out["view_media_types"] == ["movie", "tv"]


def test_quality_summary_gives_gains_over_the_genre_baseline(trained):
    _, ev = trained
    qs = copilot_advice.quality_summary(ev)
    reg = ev["regression"].set_index("model")
    assert qs["r2_gain"] == pytest.approx(qs["r2"] - reg.loc["Baseline: genre median", "r2"])
    assert 0 <= qs["auc"] <= 1


def test_chart_builders_draw_data_and_empty_frames(trained):
    from core.decide import charts as cd

    models, _ = trained
    adv = copilot_advice.advise(models, copilot.Scenario(("Drama",), budget_level=4, runtime=100))
    assert len(cd.budget_curve(adv.curve, "Drama").data) == 2 and len(cd.radar(adv.radar, "Drama").data) == 2
    assert cd.budget_curve(adv.curve.iloc[0:0]).layout.annotations  # "No predictions to draw."
    assert cd.radar(adv.radar.iloc[0:0]).layout.annotations


# ------------------------------------------------------------------ single genre, empty input, fold-wise budgets
@pytest.fixture(scope="module")
def drama_only(strategy_frame):
    """Every Drama-only film of the real default view (one genre column), re-featured on its own."""
    drama = strategy_frame[strategy_frame["genres"].map(lambda g: g == ["Drama"])]
    return features.engineer(drama[list(schema.TITLE_COLUMNS)])


def test_single_genre_view_trains_evaluates_and_advises(drama_only):
    assert copilot.unusable_reason(drama_only) is None
    ts = copilot.build_training(drama_only)
    assert ts.genres == ("Drama",) and [c for c in ts.X if c.startswith(mc.GENRE_PREFIX)] == ["g_Drama"]
    ev = copilot.evaluate(ts)
    reg = ev["regression"].set_index("model")
    # one genre: the genre-median baseline is the overall median, so it cannot beat the mean by much
    assert abs(reg.loc["Baseline: genre median", "r2"] - reg.loc["Baseline: overall mean", "r2"]) < 0.05
    models = copilot.fit_models(ts, ev)
    adv = copilot_advice.advise(models, copilot.Scenario(("Drama",), budget_level=3, runtime=110))
    assert adv.recommendation in ("greenlight", "consider", "pass") and 0 <= adv.hit_probability <= 1
    assert set(adv.similar["genres"].astype(str)) == {"Drama"}
    assert copilot.status(drama_only)["genres"] == ["Drama"]


@pytest.mark.parametrize("booster", mc.BOOSTERS)
def test_single_genre_estimators_fit_and_predict(drama_only, booster):
    ts = copilot.build_training(drama_only)
    pop = mc.PopularityModel(booster).fit(ts.X, ts.log_popularity)
    assert pop.booster_ == booster and np.isfinite(pop.predict(ts.X)).all()
    proba = mc.HitModel().fit(ts.X, ts.hit).predict_proba(ts.X)
    assert proba.shape == (len(ts.X), 2) and np.allclose(proba.sum(axis=1), 1)
    rate = mc.GenreRateClassifier().fit(ts.X, ts.hit).predict_proba(ts.X)[:, 1]
    assert np.allclose(rate, ts.hit.mean())  # a single genre combination: its rate is the overall rate


def test_empty_input_gives_a_reason_or_a_clear_error(small_frame):
    empty = small_frame.iloc[0:0]
    assert copilot.status(empty) == {"reason": "No titles match these filters.", "n_view": 0, "n_train": 0,
                                     "view_media_types": []}
    X = pd.DataFrame({"g_Drama": [], "budget_level": [], "runtime": []}, dtype="float64")
    for model in (mc.PopularityModel(), mc.PopularityModel("xgboost"), mc.HitModel()):
        with pytest.raises(ValueError):
            model.fit(X, np.zeros(0))
    assert np.isnan(copilot.budget_levels(np.zeros(0), np.array([1.0, 2.0]))).all()


def test_budget_levels_are_deciles_of_the_reference_budgets():
    ref = np.arange(1, 101, dtype="float64")
    levels = copilot.budget_levels(ref, ref)
    assert levels.min() == 1 and levels.max() == 10 and (np.bincount(levels.astype(int))[1:] == 10).all()
    assert copilot.budget_levels(ref, np.array([0.0, 1e9])).tolist() == [1.0, 10.0]


def test_cross_validation_bins_budgets_on_each_folds_training_titles(small_frame):
    """A held-out title's level comes from the fold's training budgets only: changing held-out budgets never
    moves another held-out title's level, and the training levels ignore the held-out titles."""
    ts = copilot.build_training(small_frame)
    budget = ts.titles["budget"].to_numpy(dtype="float64")
    train, test = np.arange(0, len(budget), 2), np.arange(1, len(budget), 2)
    X_train, X_test = copilot.fold_frames(ts.X, budget, train, test)
    assert np.array_equal(X_train["budget_level"], copilot.budget_levels(budget[train], budget[train]))
    shifted = budget.copy()
    shifted[test] = shifted[test] * 1000  # held-out budgets change ...
    X_train2, X_test2 = copilot.fold_frames(ts.X, shifted, train, test)
    assert np.array_equal(X_train["budget_level"], X_train2["budget_level"])  # ... training levels do not
    assert (X_test2["budget_level"] == 10).all()  # each is binned against the training cut points alone
    assert set(ts.X.columns) == set(X_test.columns)

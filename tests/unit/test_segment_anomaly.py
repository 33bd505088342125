"""Unit tests of the segment and anomaly models and their deep-dive read-outs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import IsolationForest

from core.data import features
from core.explore import deepdive_models as dm
from models import anomaly, segment


@pytest.fixture(scope="module")
def embedded_sample(embedded_data, strategy_frame) -> pd.DataFrame:
    """600 real titles of the default view, re-featured with the embedded-only columns (r1..r10, mpaa, ml_*)."""
    ids = strategy_frame["title_id"].sample(600, random_state=0)
    titles = embedded_data.titles
    return features.engineer(titles[titles["title_id"].isin(ids)])


def blobs(n_per: int = 60, centres=((2.0, 8.0, 0.5), (4.5, 5.0, 2.5), (3.0, 3.0, 1.0), (5.0, 8.0, 3.5)),
          seed: int = 0) -> pd.DataFrame:
    """Well-separated groups in (log_votes, vote_average, log_popularity)."""
    rng = np.random.default_rng(seed)
    parts = [pd.DataFrame({"log_votes": rng.normal(c[0], 0.1, n_per), "vote_average": rng.normal(c[1], 0.1, n_per),
                           "log_popularity": rng.normal(c[2], 0.1, n_per)}) for c in centres]
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------- anomaly model
@pytest.fixture()
def anomaly_X(embedded_sample) -> pd.DataFrame:
    return dm.anomaly_input(embedded_sample)


@pytest.mark.parametrize("contamination", [0.02, 0.1])
def test_anomaly_flags_match_sklearn_isolation_forest(anomaly_X, contamination):
    model = anomaly.AnomalyModel(contamination=contamination).fit(anomaly_X)
    filled = anomaly_X.fillna(anomaly_X.median())
    reference = IsolationForest(n_estimators=200, contamination=contamination, random_state=0).fit(filled)
    assert (model.predict(anomaly_X) == reference.predict(filled)).all()
    assert np.array_equal(anomaly.flag_share(model.train_scores_, contamination), model.predict(anomaly_X) == -1)


def test_flag_share_grows_with_contamination(anomaly_X):
    scores = anomaly.AnomalyModel().fit(anomaly_X).train_scores_
    counts = [anomaly.flag_share(scores, c).sum() for c in (0.005, 0.02, 0.1)]
    assert counts[0] < counts[1] < counts[2]
    assert counts[2] == pytest.approx(0.1 * len(scores), abs=1)
    assert anomaly.flag_share(np.array([]), 0.02).size == 0


def test_anomaly_model_rejects_bad_settings(anomaly_X):
    with pytest.raises(ValueError):
        anomaly.AnomalyModel(contamination=0.9).fit(anomaly_X)
    with pytest.raises(ValueError):
        anomaly.AnomalyModel().fit(anomaly_X.head(1))


def test_explain_points_at_the_injected_extreme_feature():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(0, 1, 300), "b": rng.normal(0, 1, 300)})
    X.loc[0, "b"] = 12.0
    model = anomaly.AnomalyModel(contamination=0.01).fit(X)
    explained = model.explain(X)
    assert explained.loc[0, "top_feature"] == "b" and explained.loc[0, "top_z"] > 5
    assert model.predict(X)[0] == -1


def test_anomaly_model_fills_missing_values_with_training_medians(anomaly_X):
    holed = anomaly_X.copy()
    holed.iloc[:5, 0] = np.nan
    assert np.isfinite(anomaly.AnomalyModel().fit(holed).score_samples(holed)).all()


def test_vote_shape_tells_one_sided_from_two_sided():
    r1 = pd.Series([44.5, 4.5, 24.5, 14.5, np.nan, 34.5])
    r10 = pd.Series([4.5, 64.5, 34.5, 14.5, 4.5, 24.5])
    assert list(anomaly.vote_shape(r1, r10)) == ["One-sided: panned", "One-sided: beloved", "Two-sided: polarised",
                                                 "Not a vote-share extreme", "No vote shares",
                                                 "Two-sided: polarised"]


def test_anomaly_input_uses_vote_shares_only_where_the_source_has_them(embedded_sample, tmdb_like_frame):
    assert {"r1", "r10"} <= set(dm.anomaly_input(embedded_sample).columns)
    tm = dm.anomaly_input(tmdb_like_frame)
    assert "r1" not in tm.columns and "log_popularity" in tm.columns


def test_anomaly_table_explains_each_flag_most_unusual_first(embedded_sample, anomaly_X):
    model = anomaly.AnomalyModel(contamination=0.05).fit(anomaly_X)
    flagged = anomaly.flag_share(model.train_scores_, 0.05)
    table = dm.anomaly_table(embedded_sample, anomaly_X, model.train_scores_, model.explain(anomaly_X), flagged)
    assert len(table) == flagged.sum() and table["score"].is_monotonic_increasing
    assert table["why"].str.contains(r"sd\)").all()
    assert set(table["pattern"]) <= set(anomaly.SHAPES)


def test_anomaly_table_on_tmdb_says_there_are_no_vote_shares(tmdb_like_frame):
    X = dm.anomaly_input(tmdb_like_frame)
    model = anomaly.AnomalyModel(contamination=0.05).fit(X)
    flagged = anomaly.flag_share(model.train_scores_, 0.05)
    table = dm.anomaly_table(tmdb_like_frame, X, model.train_scores_, model.explain(X), flagged)
    assert (table["pattern"] == "No vote shares").all()
    lines = dm.anomaly_insights(table, len(tmdb_like_frame), 0.05)
    lead = table["lead"].value_counts().index[0]
    assert f"Without per-star vote shares in this source, flags are driven mostly by **{lead}**" in lines[1]


def test_anomaly_insights_count_one_and_two_sided_flags():
    table = pd.DataFrame({"title": ["a", "b", "c", "d"], "why": ["rating 1 (-3.0 sd)"] * 4, "lead": ["rating"] * 4,
                          "pattern": ["One-sided: panned", "One-sided: beloved", "One-sided: panned",
                                      "Two-sided: polarised"]})
    lines = dm.anomaly_insights(table, 200, 0.02)
    assert "4 of 200 titles (2.0%)" in lines[0] and "**a**" in lines[0]
    assert lines[1] == "75% (3) have a one-sided vote extreme (panned: 2, beloved: 1)."
    assert lines[2] == "25% (1) are two-sided (20%+ of votes at both 1 and 10 stars)."
    assert "**rating**" in lines[3] and "100%" in lines[3]
    assert dm.anomaly_insights(table.iloc[0:0], 200, 0.02) == []


def test_anomaly_insights_carry_no_fixed_interpretation():
    """The reading of vote patterns is a caption (``anomaly_caveat``), not an insight line."""
    table = pd.DataFrame({"title": ["a", "b"], "why": ["x"] * 2, "lead": ["rating"] * 2,
                          "pattern": ["One-sided: panned", "Two-sided: polarised"]})
    body = " ".join(dm.anomaly_insights(table, 100, 0.02))
    assert "fraud" not in body and "ballot" not in body
    assert "ballot-stuffing" in dm.anomaly_caveat(["vote_average", "r1", "r10"])
    assert dm.anomaly_caveat(["vote_average", "log_popularity"]) == ""


def test_anomaly_method_quotes_the_model_settings(embedded_sample):
    fit = dm.fit_anomalies(embedded_sample)
    assert fit["settings"] == {"n_estimators": anomaly.N_ESTIMATORS, "random_state": anomaly.RANDOM_STATE}
    text = dm.anomaly_method(fit["features"], {"n_estimators": 123, "random_state": 7})
    assert "123 trees, random_state 7" in text and f"beyond {dm.WHY_SD:g} standard deviations" in text


def test_anomaly_model_on_a_single_genre_view(embedded_sample):
    drama = embedded_sample[embedded_sample["genres"].map(lambda g: g == ["Drama"])]
    assert len(drama) >= dm.MIN_ANOMALY_TITLES
    fit = dm.fit_anomalies(drama)
    flagged = anomaly.flag_share(fit["scores"], 0.05)
    table = dm.anomaly_table(drama, fit["X"], fit["scores"], fit["explained"], flagged)
    assert len(table) == flagged.sum() > 0 and set(table["primary_genre"]) == {"Drama"}
    assert dm.anomaly_insights(table, len(drama), 0.05)[0].startswith(f"{len(table):,} of {len(drama):,} titles")


def test_anomaly_model_on_empty_input_is_a_clear_error_or_empty_result(embedded_sample):
    with pytest.raises(ValueError, match="at least 2 rows"):
        anomaly.AnomalyModel().fit(dm.anomaly_input(embedded_sample.iloc[0:0]))
    assert dm.fit_anomalies(embedded_sample.iloc[0:0]) == {}
    assert dm.fit_anomalies(embedded_sample.head(dm.MIN_ANOMALY_TITLES - 1)) == {}
    assert not anomaly.flag_share(np.zeros(0), 0.02).size


def test_reasons_list_features_beyond_two_standard_deviations():
    X = pd.DataFrame({"vote_average": [1.5, 6.0], "runtime": [95.0, 300.0], "r1": [64.5, 4.5]})
    z = pd.DataFrame({"z_vote_average": [-3.2, 0.1], "z_runtime": [0.1, 1.5], "z_r1": [6.0, np.nan]})
    first, second = dm.reasons(X, z)
    assert first.startswith("1-star share 60-70% (+6.0 sd)") and "rating 1.5 (-3.2 sd)" in first
    assert "runtime" not in first
    assert second == "runtime 300.0 (+1.5 sd)"  # nothing beyond 2 sd: the most extreme feature


# ---------------------------------------------------------------- segment model
def test_segments_cluster_on_engagement_and_popularity_not_runtime(embedded_sample):
    assert segment.FEATURES == ("log_votes", "vote_average", "log_popularity")
    X = dm.segment_input(embedded_sample.assign(runtime=np.nan, log_budget=np.nan))
    assert list(X.columns) == list(segment.FEATURES)
    assert np.allclose(X["log_popularity"], np.log10(1 + embedded_sample["popularity"].astype("float64")))
    model = segment.SegmentModel().fit(X)  # no runtime or budget needed
    assert model.feature_names_ == list(segment.FEATURES) and (model.predict(X) >= 0).all()
    assert "runtime" not in dm.segment_method(model.scores_) and "attention" in dm.segment_method(model.scores_)


@pytest.mark.parametrize(("centre", "name"), [
    ({"log_votes": 1.2, "vote_average": 0.8, "log_popularity": 1.0}, "Blockbusters"),
    ({"log_votes": 1.2, "vote_average": 0.0, "log_popularity": 1.0}, "Crowd pleasers"),
    ({"log_votes": 1.2, "vote_average": -0.8, "log_popularity": 1.0}, "Widely seen, poorly rated"),
    ({"log_votes": -0.8, "vote_average": 1.0, "log_popularity": -0.6}, "Cult classics"),
    ({"log_votes": -0.8, "vote_average": 0.4, "log_popularity": -0.6}, "Acclaimed niche"),
    ({"log_votes": -0.5, "vote_average": -1.2, "log_popularity": -0.5}, "Low performers"),
    ({"log_votes": -0.6, "vote_average": -0.2, "log_popularity": -0.5}, "Low performers"),
    ({"log_votes": 0.0, "vote_average": 0.0, "log_popularity": 1.5}, "Trending now"),
    ({"log_votes": 1.2, "vote_average": 0.5, "log_popularity": -0.2}, "Back catalogue"),
    ({"log_votes": 0.0, "vote_average": 0.0, "log_popularity": 0.0}, "Mainstream middle"),
])
def test_segment_naming_rules(centre, name):
    assert segment.name_segments(pd.DataFrame([centre])) == [name]


def test_high_reach_without_attention_is_not_a_blockbuster():
    """Blockbusters need reach AND attention: reach alone (an old catalogue title) is named otherwise."""
    both = {"log_votes": 1.0, "vote_average": 0.5, "log_popularity": 1.0}
    assert segment.name_segments(pd.DataFrame([both])) == ["Blockbusters"]
    assert segment.name_segments(pd.DataFrame([{**both, "log_popularity": -0.5}])) != ["Blockbusters"]


def test_repeated_segment_names_are_numbered_by_audience():
    centres = pd.DataFrame({"log_votes": [1.0, 2.0], "vote_average": [1.0, 1.0], "log_popularity": [1.0, 2.0]})
    assert segment.name_segments(centres) == ["Blockbusters 2", "Blockbusters 1"]


def test_a_clear_blockbuster_group_is_named_blockbusters():
    """Synthetic portfolio: a small group far ahead on reach and attention and well rated, a well-rated
    little-seen group, and a poorly rated little-seen group."""
    rng = np.random.default_rng(1)
    groups = {"Blockbusters": (5.0, 7.5, 3.5, 40), "Cult classics": (2.3, 8.3, 0.8, 80),
              "Low performers": (2.2, 4.0, 0.7, 80)}
    data = pd.concat([pd.DataFrame({"log_votes": rng.normal(v, 0.15, n), "vote_average": rng.normal(q, 0.2, n),
                                    "log_popularity": rng.normal(a, 0.15, n), "truth": name})
                      for name, (v, q, a, n) in groups.items()], ignore_index=True)
    model = segment.SegmentModel().fit(data)
    assert model.k_ == 3 and sorted(model.names_) == sorted(groups)
    named = pd.Series([model.names_[i] for i in model.predict(data)])
    assert (named == data["truth"]).all()


def test_segment_model_finds_the_true_number_of_groups():
    model = segment.SegmentModel().fit(blobs())
    assert model.k_ == 4 and model.silhouette_ > 0.8
    assert list(model.scores_["k"]) == list(range(2, 9))
    assert model.scores_["inertia"].is_monotonic_decreasing
    assert len(set(model.names_)) == 4



def test_with_k_reads_another_k_from_the_sweep_without_refitting_or_changing_the_best():
    data = blobs()
    model = segment.SegmentModel().fit(data)
    best = (model.k_, list(model.names_), model.labels_.copy(), model.kmeans_)
    for k in range(segment.K_MIN, segment.K_MAX + 1):
        at_k = model.with_k(k)
        assert at_k.k_ == k and len(at_k.names_) == k and at_k.kmeans_ is model.kmeans_by_k_[k]
        assert set(at_k.predict(data)) == set(range(k)) and at_k.labels_.equals(pd.Series(at_k.predict(data)))
        assert at_k.silhouette_ == model.scores_.set_index("k").loc[k, "silhouette"]
        assert at_k.scaler_ is model.scaler_ and at_k.best_k_ == model.best_k_ == 4
    assert (model.k_, model.names_, model.kmeans_) == (best[0], best[1], best[3]) and model.labels_.equals(best[2])
    assert model.with_k(None) is model and model.with_k(0) is model
    with pytest.raises(ValueError, match="k must be one of"):
        model.with_k(12)

def test_segment_model_is_deterministic():
    data = blobs(seed=3)
    a, b = segment.SegmentModel().fit(data), segment.SegmentModel().fit(data)
    assert np.array_equal(a.predict(data), b.predict(data)) and a.names_ == b.names_


def test_segment_model_needs_thirty_titles():
    with pytest.raises(ValueError, match="at least 30"):
        segment.SegmentModel().fit(blobs(n_per=7))


def test_segment_predict_marks_rows_with_missing_features():
    data = blobs()
    model = segment.SegmentModel().fit(data)
    probe = data.head(3).copy()
    probe.loc[1, "log_popularity"] = np.nan
    labels = model.predict(probe)
    assert labels[1] == -1 and labels[0] >= 0 and labels[2] >= 0


def test_assign_new_uses_only_the_features_given():
    model = segment.SegmentModel().fit(blobs())
    high = model.assign_new(log_popularity=3.5, vote_average=None, genre="Drama")
    assert high["features_used"] == ["log_popularity"]
    assert model.centers_.loc[high["segment"], "log_popularity"] > 3
    low = model.assign_new(log_popularity=0.5)
    assert model.centers_.loc[low["segment"], "log_popularity"] < 1 and low["segment"] != high["segment"]
    both = model.assign_new(log_popularity=2.5, vote_average=5.0)
    assert both["features_used"] == ["log_popularity", "vote_average"] and both["distance"] >= 0
    with pytest.raises(ValueError):
        model.assign_new(runtime=120.0, log_budget=7.0)  # not segment features any more


def test_attention_is_log10_of_one_plus_popularity():
    assert np.allclose(segment.attention([0.0, 9.0, 99.0]), [0.0, 1.0, 2.0])
    assert "attention" in segment.feature_list() and segment.feature_list().count(" and ") == 1


def test_fit_segments_scales_with_the_training_titles_only(embedded_sample):
    X = dm.segment_input(embedded_sample)
    model, evaluation = dm.fit_segments(X)
    assert model.scaler_.n_samples_seen_ == evaluation["train_titles"] < len(X.dropna())
    train = X.dropna().sample(frac=dm.SEGMENT_TRAIN_SHARE, random_state=0)
    assert np.allclose(model.scaler_.mean_, train.mean().to_numpy())



def test_segments_at_a_chosen_k_have_names_and_hit_rates_and_the_default_is_the_best(embedded_sample):
    X = dm.segment_input(embedded_sample)
    model, evaluation = dm.fit_segments(X)
    assert evaluation["best_k"] == evaluation["k"] == model.k_ == model.best_k_
    chosen = next(k for k in (5, 4, 3) if k != model.best_k_)
    at_k, ev_k = dm.segments_at_k(model, X, chosen)
    labels = at_k.predict(X)
    table = dm.segment_table(embedded_sample, labels, at_k.names_)
    assert len(table) == chosen and table["segment"].notna().all() and table["hit_rate"].between(0, 1).all()
    assert sorted(table["segment"]) == sorted(at_k.names_)
    assert ev_k["k"] == chosen and ev_k["best_k"] == model.best_k_
    assert ev_k["holdout_titles"] == evaluation["holdout_titles"] and ev_k["train_titles"] == evaluation["train_titles"]
    assert at_k.scaler_.n_samples_seen_ == evaluation["train_titles"]  # still scaled on the training split only
    assert not np.isnan(ev_k["holdout_silhouette"]) and not np.isnan(ev_k["null_silhouette"])
    assert model.k_ == model.best_k_ and dm.fit_segments(X)[1]["k"] == evaluation["k"]  # the best k is untouched
    assert dm.segments_at_k(model, X, None)[0] is model and dm.segments_at_k(model, X, 99)[0] is model


def test_quality_insights_say_what_a_chosen_k_gives_up_against_the_best():
    scores = pd.DataFrame({"k": [2, 3, 4, 5], "inertia": [4.0, 3.0, 2.0, 1.0], "silhouette": [0.43, 0.36, 0.33, 0.31]})
    ev = {"k": 5, "best_k": 2, "holdout_silhouette": 0.30, "null_silhouette": 0.22}
    first = dm.segment_quality_insights(scores, ev)[0]
    assert "k = 5 scores 0.31 silhouette against 0.43 at the best k = 2" in first and "0.12 lower" in first
    assert "held-out silhouette 0.30" in first
    assert dm.segment_quality_insights(scores, {**ev, "k": 2})[0].startswith("Silhouette picks k = 2")

def test_evaluation_beats_the_shuffled_baseline_on_real_groups():
    data = blobs(n_per=80)
    train = data.sample(frac=0.75, random_state=0)
    model = segment.SegmentModel().fit(train)
    ev = segment.evaluate(model, data.drop(train.index))
    assert ev["holdout_silhouette"] > ev["null_silhouette"] + 0.2 and ev["k"] == model.k_


def test_segment_table_and_insights_on_the_real_sample(embedded_sample):
    X = dm.segment_input(embedded_sample)
    model = segment.SegmentModel().fit(X)
    labels = model.predict(X)
    table = dm.segment_table(embedded_sample, labels, model.names_)
    assert table["titles"].sum() == (labels >= 0).sum() and table["hit_rate"].between(0, 1).all()
    ev = {"k": model.k_, "holdout_silhouette": 0.31, "null_silhouette": 0.25}
    lines = dm.segment_insights(table, model.scores_, ev)
    assert "k = " in lines[1] and "0.31" in lines[1] and "weak" in lines[1]
    assert "0.25" in lines[2] and "capture real joint structure" in lines[2]
    worse = dm.segment_insights(table, model.scores_, {**ev, "null_silhouette": 0.35})
    assert "do not beat" in worse[2]


def test_segment_insights_without_a_holdout_say_so(embedded_sample):
    table = pd.DataFrame({"segment": ["A", "B"], "titles": [20, 20], "hit_rate": [0.5, 0.1]})
    scores = pd.DataFrame({"k": [2], "inertia": [1.0], "silhouette": [0.4]})
    lines = dm.segment_insights(table, scores, {"k": 2, "train_silhouette": 0.4})
    assert "too few titles for a held-out check" in lines[1] and "No held-out baseline" in lines[2]


def test_segments_on_the_tmdb_like_frame(tmdb_like_frame):
    X = dm.segment_input(tmdb_like_frame)
    model = segment.SegmentModel().fit(X)
    assert 2 <= model.k_ <= 8 and (model.predict(X) >= 0).all()


def test_segment_profile_insights_name_the_largest_segment():
    table = pd.DataFrame({"segment": ["A", "B"], "titles": [30, 10], "hit_rate": [0.5, 0.1]})
    lines = dm.segment_profile_insights(table)
    assert "**A** has the highest hit rate" in lines[0] and "**A** is the largest segment: 30 titles (75%" in lines[1]
    assert dm.segment_profile_insights(table.iloc[0:0]) == []


def test_segment_model_on_a_single_genre_view(embedded_sample):
    drama = embedded_sample[embedded_sample["genres"].map(lambda g: g == ["Drama"])]
    model, evaluation = dm.fit_segments(dm.segment_input(drama))
    assert model is not None and segment.K_MIN <= model.k_ <= segment.K_MAX
    labels = model.predict(dm.segment_input(drama))
    table = dm.segment_table(drama, labels, model.names_)
    assert table["titles"].sum() == (labels >= 0).sum() and len(table) == model.k_
    assert evaluation["train_titles"] + evaluation.get("holdout_titles", 0) == len(
        dm.segment_input(drama).dropna(subset=list(segment.FEATURES)))


def test_segment_model_on_empty_input_is_a_clear_error_or_empty_result(embedded_sample):
    empty = dm.segment_input(embedded_sample.iloc[0:0])
    with pytest.raises(ValueError, match="at least 30 titles"):
        segment.SegmentModel().fit(empty)
    assert dm.fit_segments(empty) == (None, {})
    assert dm.segment_table(embedded_sample.iloc[0:0], np.zeros(0, dtype=int), []).empty
    assert dm.segment_insights(pd.DataFrame(), pd.DataFrame(), {}) == []


def test_segment_notes_quote_the_split_and_k_range_used(embedded_sample):
    model, evaluation = dm.fit_segments(dm.segment_input(embedded_sample))
    assert evaluation["train_share"] == pytest.approx(dm.SEGMENT_TRAIN_SHARE, abs=0.01)
    note = dm.segment_holdout_note(evaluation)
    assert f"{evaluation['train_share']:.0%} of titles" in note and f"{evaluation['holdout_titles']:,}" in note
    assert f"over {segment.K_MIN}-{segment.K_MAX}" in dm.segment_method(model.scores_)
    assert "over 3-4" in dm.segment_method(pd.DataFrame({"k": [3, 4]}))
    assert "Too few titles" in dm.segment_holdout_note({"train_titles": 40})

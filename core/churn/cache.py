"""The Churn page's cache boundary.

The page models a platform's own subscribers or else the embedded Telco ones: ``subject`` turns the page's
``Filters`` into the modelled source and its version, which the shared and the ``platform_*`` functions take (the
Telco-only ones take nothing). Slow results are also persisted (``core.diskcache``): the Telco ones under their
old key (the subscribers' content and the modelling modules' source, so stored fits are still found), a
platform's under its source, data version and the source of the platform modules.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import diskcache
from core.data import cache as data_cache
from core.data.features import Filters

AT_RISK_MAX = 500  # the at-risk list explains at most this many subscribers
FRAME_ENTRIES = data_cache.FRAME_ENTRIES
PLATFORM_CODE = ("models.churn_platform", "core.churn.platform", "core.churn.platform_eval")


def subject(flt: Filters) -> Filters:
    """Whose subscribers the page models: a platform's own (``syn:<name>`` with a subscribers table), else the
    embedded Telco ones; only the source and its data version are kept."""
    from core.data import audience

    if flt.source.startswith("syn:") and audience.has_table(flt.source, "subscribers"):
        return Filters(flt.source, version=flt.version or data_cache.source_version(flt.source))
    return telco()


def telco() -> Filters:
    return Filters("embedded", version=data_cache.source_version("embedded"))


def is_platform(data: Filters) -> bool:
    return data.source != "embedded"


@st.cache_data(max_entries=1, show_spinner=False)
def churn_xy() -> tuple:
    """``(X, y, ids)`` of the embedded subscribers (``core.churn.evaluation.split_xy``) and the persistence key
    (the subscribers' content and the source of the modelling modules)."""
    from core.churn import evaluation
    from models import churn as model_churn

    subscribers = data_cache.embedded_data().subscribers
    return (*evaluation.split_xy(subscribers), diskcache.fingerprint(subscribers, model_churn, evaluation))


@st.cache_data(max_entries=8, show_spinner=False)
def churn_overview(data: Filters) -> dict:
    """Subscriber counts, the modelled churn base rate and the data-based default campaign values."""
    from core.churn import display, platform_display

    if not is_platform(data):
        return display.overview(data_cache.embedded_data().subscribers)
    pdata = platform_data(data)
    design = pdata.design.describe(len(pdata.train.frame), float(pdata.train.y.mean()))
    return {**platform_display.overview(pdata.totals, pdata.train.y, design),
            "at_risk_note": platform_display.at_risk_note(pdata.design.kind, pdata.design.horizon_months),
            "campaign_note": platform_display.campaign_note(pdata.design, len(pdata.train.frame))}


@st.cache_data(max_entries=64, show_spinner=False)
def churn_fold(name: str, fold: int) -> dict:
    """One model fitted on one CV fold's training rows and scored on its test rows (``evaluation.fit_fold``)."""
    from core.churn import evaluation

    X, y, _, key = churn_xy()
    train, test = evaluation.cv_folds(y)[fold]
    return diskcache.load_or_build("churn_fold", diskcache.fingerprint(key, name, fold),
                                   lambda: evaluation.fit_fold(name, X, y, train, test))


@st.cache_data(max_entries=16, show_spinner=False)
def churn_cv(name: str) -> tuple:
    """``(out-of-fold probabilities, metrics row)`` of one model over the 5 shared folds."""
    from core.churn import display, evaluation

    X, _, _, _ = churn_xy()
    return evaluation.combine_folds(name, [churn_fold(name, i) for i in range(display.N_FOLDS)], len(X))


def outcomes(data: Filters) -> tuple:
    """``(y, honest churn probabilities)`` of the modelled subscribers (out-of-fold or out-of-sample)."""
    from core.churn import display

    if not is_platform(data):
        return churn_xy()[1], churn_cv(display.MARQUEE)[0]
    return platform_data(data).train.y, platform_scores(data)["train"]


@st.cache_data(max_entries=8, show_spinner=False)
def churn_evaluation(data: Filters) -> dict:
    """Honest quality of the churn model: curves, summary, reliability insights, CV row (a platform: baseline's)."""
    from core.churn import display, evaluation, insights

    y, oof = outcomes(data)
    if is_platform(data):
        from models.churn_platform import BASELINE, MODEL

        row, baseline = platform_cv(data, MODEL)[1], platform_cv(data, BASELINE)[1]
    else:
        row, baseline = churn_cv(display.MARQUEE)[1], None
    ov = churn_overview(data)
    result = evaluation.curves(y, oof)
    sweep = evaluation.threshold_sweep(y, oof, ov["offer_cost"], ov["value_saved"], display.DEFAULT_SUCCESS_RATE)
    return {**result, "row": row, "baseline": baseline,
            "default_threshold": float(sweep.loc[sweep["is_best"], "threshold"].iloc[0]),
            "reliability_insights": insights.reliability_insights(result["reliability"], result["summary"])}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def churn_economics(data: Filters, cost_per_offer: float, value_saved: float, success_rate: float) -> dict:
    """Threshold sweep and the chosen-elsewhere threshold check for one set of campaign assumptions (neither
    depends on the threshold, so moving the threshold slider reuses them; the check costs ~0.1 s)."""
    from core.churn import evaluation

    y, oof = outcomes(data)
    return {"sweep": evaluation.threshold_sweep(y, oof, cost_per_offer, value_saved, success_rate),
            "check": evaluation.threshold_check(y, oof, evaluation.cv_folds(y), cost_per_offer, value_saved,
                                                success_rate)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def churn_campaign(data: Filters, threshold: float, cost_per_offer: float, value_saved: float,
                   success_rate: float) -> dict:
    """Campaign outcome at a threshold (no retraining: honest probabilities), sweep, points, insights."""
    from core.churn import display, evaluation, insights

    y, oof = outcomes(data)
    ev = churn_evaluation(data)
    row = evaluation.threshold_table(y, oof, threshold, cost_per_offer, value_saved, success_rate)
    economics = churn_economics(data, cost_per_offer, value_saved, success_rate)
    sweep, check = economics["sweep"], economics["check"]
    negatives = max(int((y == 0).sum()), 1)
    return {"row": row, "sweep": sweep, "metrics": display.campaign_metrics(row), "threshold_check": check,
            "roc_point": {"fpr": row["fp"] / negatives, "tpr": row["recall"], "threshold": threshold},
            "pr_point": {"recall": row["recall"], "precision": row["precision"], "threshold": threshold},
            "insights": insights.campaign_insights(row, sweep, cost_per_offer, value_saved, success_rate)
            + insights.threshold_check_insights(check, display.N_FOLDS),
            "roc_insights": insights.roc_insights(ev, row),
            "pr_insights": insights.pr_insights(ev, row)}


@st.cache_data(max_entries=4, show_spinner=False)
def churn_comparison(data: Filters) -> dict:
    """The CV comparison of every model of ``data`` (all share folds), display table, chart data and insights."""
    import pandas as pd

    from core.churn import display, evaluation, insights

    names = model_names(data)
    cv = {n: platform_cv(data, n) if is_platform(data) else churn_cv(n) for n in names}
    comp = evaluation.Comparison.from_results(cv, pd.RangeIndex(len(next(iter(cv.values()))[0])))
    base_rate = churn_overview(data)["base_rate"]
    return {"table": comp.table, "best": comp.best, "display": display.comparison_display(comp.table, base_rate),
            "insights": insights.comparison_insights(comp.table, base_rate)}


def churn_model_names() -> tuple:
    """Every compared model, the always-stay baseline last (imports scikit-learn on first call)."""
    from core.churn import evaluation
    from models.churn import BASELINE

    return evaluation.ALL_MODELS + (BASELINE,)


def model_names(data: Filters) -> tuple:
    """The models compared on ``data``: the Telco candidates, or a platform's model and its two baselines."""
    if not is_platform(data):
        return churn_model_names()
    from core.churn.platform_eval import NAMES

    return NAMES


def fit_fold(data: Filters, name: str, fold: int) -> dict:
    """One model's fit on one fold of ``data``, through its cache."""
    return platform_fold(data, name, fold) if is_platform(data) else churn_fold(name, fold)


@st.cache_resource(max_entries=2, show_spinner=False)
def churn_model():
    """``ChurnModel`` fitted on every subscriber (read-only), for explanations, what-if scores and the list."""
    from models.churn import ChurnModel

    X, y, _, key = churn_xy()
    return diskcache.load_or_build("churn_model", key, lambda: ChurnModel().fit(X, y))


@st.cache_data(max_entries=1, show_spinner=False)
def churn_importance() -> dict:
    """Permutation importance on held-out subscribers (``core.churn.evaluation.heldout_importance``) with insights."""
    from core.churn import evaluation, insights

    X, y, _, key = churn_xy()
    result = diskcache.load_or_build("churn_importance", key, lambda: evaluation.heldout_importance(X, y))
    return {**result, "insights": insights.importance_insights(result["importance"], result["roc_auc"])}


@st.cache_data(max_entries=256, show_spinner=False)
def churn_explanation(subscriber_id: int) -> dict:
    """Why one subscriber scores what they score; ``{}`` for an unknown id."""
    from core.churn import display, insights, scoring

    X, _, ids, _ = churn_xy()
    match = (ids == subscriber_id).to_numpy()
    if not match.any():
        return {}
    expl = scoring.explain_one(churn_model(), X, X[match].iloc[0])
    base_rate = churn_overview(telco())["base_rate"]
    oof = float(churn_cv(display.MARQUEE)[0][match][0])
    return {"explanation": expl, "probability": oof, "band": display.risk_band(oof, base_rate),
            "note": f"Out-of-fold: scored by a fold model that never saw this subscriber. The model refitted on "
                    f"everyone, which the factors come from, gives {float(expl['probability'].iloc[0]):.0%}.",
            "insights": insights.explanation_insights(expl, base_rate, oof)}


@st.cache_data(max_entries=1, show_spinner=False)
def churn_form() -> dict:
    """What-if form options and defaults (the typical subscriber of the data: medians and modes)."""
    from core.churn import display, scoring

    X, _, _, _ = churn_xy()
    spec = display.form_spec()
    reference = scoring.reference_values(X)
    return {**spec, "defaults": {k: (int(v) if k in spec["flags"] else v) for k, v in reference.items()}}


@st.cache_data(max_entries=256, show_spinner=False)
def churn_what_if(record: tuple) -> dict:
    """Score a what-if subscriber given as ``tuple(record.items())``; ``{"error": message}`` on bad input."""
    from core.churn import display, insights, scoring

    X, _, _, _ = churn_xy()
    model = churn_model()
    try:
        scored = scoring.score_new(model, dict(record))
    except ValueError as exc:
        return {"error": str(exc)}
    expl = scoring.explain_one(model, X, scored["record"])
    base_rate = churn_overview(telco())["base_rate"]
    return {"probability": scored["probability"], "band": display.risk_band(scored["probability"], base_rate),
            "explanation": expl, "insights": insights.explanation_insights(expl, base_rate),
            "note": "Scored by the model refitted on every subscriber."}


@st.cache_data(max_entries=2, show_spinner=False)
def churn_segments() -> dict:
    """K-Means subscriber segments (k by silhouette, else 4) with profiles, display table and insights."""
    from core.churn import display, insights, segments

    X, y, _, _ = churn_xy()
    seg = segments.segments(X, y)
    base_rate = churn_overview(telco())["base_rate"]
    return {"profiles": seg.profiles, "silhouettes": seg.silhouettes, "k": seg.k,
            "display": display.segment_display(seg.profiles),
            "insights": insights.segment_insights(seg.profiles, base_rate, seg.k),
            "silhouette_insights": insights.silhouette_insights(seg.silhouettes, seg.k)}


@st.cache_data(max_entries=1, show_spinner=False)
def churn_at_risk_all() -> pd.DataFrame:
    """The ``AT_RISK_MAX`` current subscribers with the highest out-of-fold churn probability."""
    from core.churn import display, scoring

    X, y, ids, _ = churn_xy()
    oof, _ = churn_cv(display.MARQUEE)
    current = (y == 0).to_numpy()
    top = scoring.at_risk(churn_model(), X[current], ids[current], AT_RISK_MAX, proba=oof[current],
                                background=X)
    return display.at_risk_display(top, data_cache.embedded_data().subscribers, churn_overview(telco())["base_rate"])


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def churn_at_risk(data: Filters, top_n: int, threshold: float) -> dict:
    """The ranked at-risk list (first ``top_n``), how many current subscribers the threshold flags, insights."""
    from core.churn import display, insights, platform_display

    if is_platform(data):
        from core.churn import platform_eval

        pdata, scores = platform_data(data), platform_scores(data)
        table = platform_eval.at_risk(pdata.current, scores["current"], scores["current_in_sample"], top_n,
                                      churn_overview(data)["base_rate"])
        flagged, current = int((scores["current"] >= threshold).sum()), len(pdata.current)
        return {"table": table, "flagged": flagged, "current": current,
                "insights": platform_display.at_risk_insights(table, flagged, current, threshold,
                                                              pdata.current["plan"])}
    _, y, _, _ = churn_xy()
    oof, _ = churn_cv(display.MARQUEE)
    table = churn_at_risk_all().head(int(top_n))
    flagged = int((oof[(y == 0).to_numpy()] >= threshold).sum())
    current = int((y == 0).sum())
    return {"table": table, "flagged": flagged, "current": current,
            "insights": insights.at_risk_insights(table, flagged, current, threshold)}


# ------------------------------------------------------------------ a platform's subscribers
def _platform_key(data: Filters, *parts) -> str:
    return diskcache.fingerprint(data.source, data.version, diskcache.code_version(*PLATFORM_CODE), *parts)


@st.cache_resource(max_entries=2, show_spinner="Aggregating the platform's viewing per subscriber...")
def platform_data(data: Filters):
    """``core.churn.platform.PlatformData`` of the platform (read-only: never mutate what this returns).
    Persisted: one row per subscriber is about 90 MB on a million subscribers and reads back in a tenth of a
    second, where the engine pass over 20 million events takes ten."""
    from core.churn import platform

    return diskcache.load_or_build("churn_platform_data", _platform_key(data), lambda: platform.load(data.source))


@st.cache_data(max_entries=4, show_spinner=False)
def platform_folds(data: Filters) -> tuple:
    """``(sample positions, CV folds within the sample)``: the training rows (a stratified sample above
    ``platform_eval.TRAIN_MAX``) and the 5 shared folds."""
    from core.churn import evaluation, platform, platform_eval

    y = platform_data(data).train.y
    sample = platform.sample_rows(y, platform_eval.TRAIN_MAX)
    return sample, evaluation.cv_folds(y.to_numpy()[sample])


@st.cache_data(max_entries=32, show_spinner=False)
def platform_fold(data: Filters, name: str, fold: int) -> dict:
    """One model fitted on one fold of the sample and scored on its test rows (persisted)."""
    from core.churn import platform_eval

    train = platform_data(data).train
    sample, folds = platform_folds(data)
    X, y = train.X.iloc[sample], train.y.to_numpy()[sample]
    return diskcache.load_or_build("churn_platform_fold", _platform_key(data, name, fold),
                                   lambda: platform_eval.fit_fold(name, X, y, *folds[fold]))


@st.cache_data(max_entries=8, show_spinner=False)
def platform_cv(data: Filters, name: str) -> tuple:
    """``(out-of-fold probabilities of the sample, metrics row)`` of one model over the 5 folds."""
    from core.churn import display, evaluation

    sample, _ = platform_folds(data)
    return evaluation.combine_folds(name, [platform_fold(data, name, i) for i in range(display.N_FOLDS)], len(sample))


@st.cache_resource(max_entries=2, show_spinner=False)
def platform_model(data: Filters):
    """``PlatformChurnModel`` fitted on the whole training sample (read-only; persisted)."""
    from models.churn_platform import MODEL, make_platform_candidate

    train = platform_data(data).train
    sample, _ = platform_folds(data)
    return diskcache.load_or_build("churn_platform_model", _platform_key(data), lambda: make_platform_candidate(
        MODEL).fit(train.X.iloc[sample], train.y.to_numpy()[sample]))


@st.cache_data(max_entries=2, show_spinner=False)
def platform_scores(data: Filters) -> dict:
    """Honest churn probabilities of the modelled and today's subscribers (``platform_eval.all_scores``)."""
    from core.churn import platform_eval
    from models.churn_platform import MODEL

    def build() -> dict:
        return platform_eval.all_scores(platform_data(data), platform_model(data), platform_folds(data)[0],
                                        platform_cv(data, MODEL)[0])

    return diskcache.load_or_build("churn_platform_scores", _platform_key(data), build)


@st.cache_data(max_entries=2, show_spinner=False)
def platform_importance(data: Filters) -> dict:
    """Permutation importance on held-out subscribers of the first fold, with insights (persisted)."""
    from core.churn import insights, platform_eval

    train = platform_data(data).train
    sample, folds = platform_folds(data)
    result = diskcache.load_or_build("churn_platform_importance", _platform_key(data), lambda: (
        platform_eval.heldout_importance(train.X.iloc[sample], train.y.to_numpy()[sample], folds)))
    return {**result, "insights": insights.importance_insights(result["importance"], result["roc_auc"])}


@st.cache_data(max_entries=2, show_spinner=False)
def platform_planted(data: Filters) -> dict:
    """Planted vs recovered drivers (``core.churn.planted``); {} when the manifest plants none."""
    from core.churn import planted
    from core.churn.display import label
    from core.data import platforms

    manifest = platforms.manifest(data.source)
    if not planted.drivers(manifest):
        return {}
    table = planted.recovered(manifest, platform_data(data).train.frame, platform_scores(data)["train"])
    return {"table": table, "display": planted.display(table),
            "insights": planted.insights(table, platform_importance(data)["importance"], manifest, label)}

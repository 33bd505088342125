"""The Churn page's cache boundary.

The Telco subscribers do not depend on the title filters, so these functions take no ``Filters``. Slow results
(fold fits, the full model, permutation importance) are also persisted (``core.diskcache``) under a key of the
subscribers' content and the source of the modelling modules, so a restart does not retrain and changed model
code never reads old results.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import diskcache
from core.data import cache as data_cache

AT_RISK_MAX = 500  # the at-risk list explains at most this many subscribers
FRAME_ENTRIES = data_cache.FRAME_ENTRIES


@st.cache_data(max_entries=1, show_spinner=False)
def churn_xy() -> tuple:
    """``(X, y, ids)`` of the embedded subscribers (``core.churn.evaluation.split_xy``) and the persistence key
    (the subscribers' content and the source of the modelling modules)."""
    from core.churn import evaluation
    from models import churn as model_churn

    subscribers = data_cache.embedded_data().subscribers
    return (*evaluation.split_xy(subscribers), diskcache.fingerprint(subscribers, model_churn, evaluation))


@st.cache_data(max_entries=1, show_spinner=False)
def churn_overview() -> dict:
    """Subscriber counts, churn base rate and the data-based default value of a saved subscriber."""
    from core.churn import display

    return display.overview(data_cache.embedded_data().subscribers)


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


@st.cache_data(max_entries=1, show_spinner=False)
def churn_evaluation() -> dict:
    """Out-of-fold quality of the Marquee churn model: curves, summary, reliability insights, CV row."""
    from core.churn import display, evaluation, insights

    _, y, _, _ = churn_xy()
    oof, row = churn_cv(display.MARQUEE)
    result = evaluation.curves(y, oof)
    sweep = evaluation.threshold_sweep(y, oof, display.DEFAULT_COST_PER_OFFER, churn_overview()["value_saved"],
                                  display.DEFAULT_SUCCESS_RATE)
    return {**result, "row": row,
            "default_threshold": float(sweep.loc[sweep["is_best"], "threshold"].iloc[0]),
            "reliability_insights": insights.reliability_insights(result["reliability"], result["summary"])}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def churn_economics(cost_per_offer: float, value_saved: float, success_rate: float) -> dict:
    """Threshold sweep and the chosen-elsewhere threshold check for one set of campaign assumptions (neither
    depends on the threshold, so moving the threshold slider reuses them; the check costs ~0.1 s)."""
    from core.churn import display, evaluation

    _, y, _, _ = churn_xy()
    oof, _ = churn_cv(display.MARQUEE)
    return {"sweep": evaluation.threshold_sweep(y, oof, cost_per_offer, value_saved, success_rate),
            "check": evaluation.threshold_check(y, oof, evaluation.cv_folds(y), cost_per_offer, value_saved,
                                                success_rate)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def churn_campaign(threshold: float, cost_per_offer: float, value_saved: float, success_rate: float) -> dict:
    """Campaign outcome at a threshold (no retraining: out-of-fold probabilities), sweep, points, insights."""
    from core.churn import display, evaluation, insights

    _, y, _, _ = churn_xy()
    oof, _ = churn_cv(display.MARQUEE)
    ev = churn_evaluation()
    row = evaluation.threshold_table(y, oof, threshold, cost_per_offer, value_saved, success_rate)
    economics = churn_economics(cost_per_offer, value_saved, success_rate)
    sweep, check = economics["sweep"], economics["check"]
    negatives = max(int((y == 0).sum()), 1)
    return {"row": row, "sweep": sweep, "metrics": display.campaign_metrics(row), "threshold_check": check,
            "roc_point": {"fpr": row["fp"] / negatives, "tpr": row["recall"], "threshold": threshold},
            "pr_point": {"recall": row["recall"], "precision": row["precision"], "threshold": threshold},
            "insights": insights.campaign_insights(row, sweep, cost_per_offer, value_saved, success_rate)
            + insights.threshold_check_insights(check, display.N_FOLDS),
            "roc_insights": insights.roc_insights(ev, row),
            "pr_insights": insights.pr_insights(ev, row)}


@st.cache_data(max_entries=2, show_spinner=False)
def churn_comparison(names: tuple) -> dict:
    """The CV comparison of ``names`` (all share folds), display table, chart data and insights."""
    from core.churn import display, evaluation, insights

    X, _, _, _ = churn_xy()
    comp = evaluation.Comparison.from_results({n: churn_cv(n) for n in names}, X.index)
    base_rate = churn_overview()["base_rate"]
    return {"table": comp.table, "best": comp.best, "display": display.comparison_display(comp.table, base_rate),
            "insights": insights.comparison_insights(comp.table, base_rate)}


def churn_model_names() -> tuple:
    """Every compared model, the always-stay baseline last (imports scikit-learn on first call)."""
    from core.churn import evaluation
    from models.churn import BASELINE

    return evaluation.ALL_MODELS + (BASELINE,)


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
    base_rate = churn_overview()["base_rate"]
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
    base_rate = churn_overview()["base_rate"]
    return {"probability": scored["probability"], "band": display.risk_band(scored["probability"], base_rate),
            "explanation": expl, "insights": insights.explanation_insights(expl, base_rate),
            "note": "Scored by the model refitted on every subscriber."}


@st.cache_data(max_entries=2, show_spinner=False)
def churn_segments() -> dict:
    """K-Means subscriber segments (k by silhouette, else 4) with profiles, display table and insights."""
    from core.churn import display, insights, segments

    X, y, _, _ = churn_xy()
    seg = segments.segments(X, y)
    base_rate = churn_overview()["base_rate"]
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
    return display.at_risk_display(top, data_cache.embedded_data().subscribers, churn_overview()["base_rate"])


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def churn_at_risk(top_n: int, threshold: float) -> dict:
    """The ranked at-risk list (first ``top_n``), how many current subscribers the threshold flags, insights."""
    from core.churn import display, insights

    _, y, _, _ = churn_xy()
    oof, _ = churn_cv(display.MARQUEE)
    table = churn_at_risk_all().head(int(top_n))
    flagged = int((oof[(y == 0).to_numpy()] >= threshold).sum())
    current = int((y == 0).sum())
    return {"table": table, "flagged": flagged, "current": current,
            "insights": insights.at_risk_insights(table, flagged, current, threshold)}

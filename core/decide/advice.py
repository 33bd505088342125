"""Investment Copilot advice for one scenario: prediction, risk and call, radar profile, benchmarks, segment.

Neighbour space (benchmarks and segments): see ``core.decide.neighbours``.

Segment a new title would join: the portfolio segmentation (``models/segment.py``, K-Means on reach, quality and
attention, shared with the Performance Deep Dive). A title not made yet has no votes and no rating, so
``SegmentModel.assign_new`` places it on attention alone, computed from the popularity the copilot PREDICTS for
it (log10 of 1 + predicted popularity): the segment is a prediction, as uncertain as that popularity. When that
segmentation is not available (too few titles), the copilot falls back to its own small K-Means (k <= 5) on
genres, budget level and runtime of the training titles, nearest centroid.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.decide.copilot import (
    THIN_EVIDENCE,
    CopilotModels,
    Scenario,
    TrainingSet,
    budget_curve,
    percentile,
    recommendation,
    risk_level,
    scenario_rows,
)
from core.decide.neighbours import to_space
from models import segment
from models.copilot import GENRE_PREFIX


def assign_segment(models: CopilotModels, scenario: Scenario) -> dict:
    """The segment (row of the segments table, as a dict) nearest to the scenario."""
    z = to_space(models.space, scenario_rows(models.training, scenario, [scenario.budget_level]))
    centers = models.segments["model"].cluster_centers_
    seg = int(np.argmin(((centers - z) ** 2).sum(axis=1))) + 1  # nearest centroid = KMeans.predict
    table = models.segments["table"]
    return table[table["segment"] == seg].iloc[0].to_dict()


def new_title_segment(models: CopilotModels, scenario: Scenario, seg_model=None,
                      seg_table: pd.DataFrame | None = None, popularity: float | None = None) -> dict:
    """The segment a new title would join: ``name``, ``detail`` (size and hit rate), ``method`` and
    ``features_used`` (the segment features that placed it; empty for the fallback).

    Args:
        seg_model: a fitted ``models.segment.SegmentModel`` (the portfolio segmentation) or None.
        seg_table: its profile table (columns segment, titles, hit_rate), if available.
        popularity: the title's predicted popularity (``Advice.popularity``); predicted here when not given.
    """
    if seg_model is None:
        own = assign_segment(models, scenario)
        return {"name": f"Segment {own['segment']} ({own['label']})",
                "detail": f"{own['titles']:,} titles with a known budget, {own['hit_rate']:.0%} hits",
                "method": models.segments["method"] + ", nearest centroid", "features_used": []}
    if popularity is None:
        curve = budget_curve(models, scenario)
        popularity = float(curve.loc[curve["selected"], "popularity"].iloc[0])
    res = seg_model.assign_new(log_popularity=float(segment.attention(popularity)))
    detail = ""
    if seg_table is not None and {"segment", "titles", "hit_rate"} <= set(seg_table.columns):
        row = seg_table[seg_table["segment"] == res["name"]]
        if len(row):
            detail = f"{int(row['titles'].iloc[0]):,} titles in view, {row['hit_rate'].iloc[0]:.0%} hits"
    used = " and ".join(segment.FEATURE_LABELS.get(c, c).split(" (")[0] for c in res["features_used"])
    return {"name": res["name"], "detail": detail, "features_used": res["features_used"],
            "method": f"portfolio segmentation (K-Means on {segment.feature_list()}), nearest centre on {used} "
                      f"alone, from the predicted popularity {popularity:,.1f}: a prediction, since a title not made "
                      "yet has no votes or rating"}


def similar_titles(models: CopilotModels, scenario: Scenario, k: int = 8) -> pd.DataFrame:
    """The ``k`` training titles nearest to the scenario, with their actual outcomes."""
    z = to_space(models.space, scenario_rows(models.training, scenario, [scenario.budget_level]))
    dist = np.sqrt(((models.space["Z"] - z) ** 2).sum(axis=1))
    idx = np.argsort(dist, kind="stable")[:k]
    out = models.training.titles.iloc[idx].reset_index(drop=True)
    return out.assign(genres=out["genres"].map(", ".join), hit=np.where(out["hit"] == 1, "Hit", ""),
                      distance=dist[idx])


def _genre_mask(ts: TrainingSet, scenario: Scenario) -> np.ndarray:
    """Training titles sharing at least one genre with the scenario (all titles if it has none)."""
    cols = [f"{GENRE_PREFIX}{g}" for g in scenario.genres if f"{GENRE_PREFIX}{g}" in ts.X.columns]
    if not scenario.genres:
        return np.ones(len(ts.hit), dtype=bool)
    return (ts.X[cols].to_numpy() > 0).any(axis=1) if cols else np.zeros(len(ts.hit), dtype=bool)


def genre_label(scenario: Scenario) -> str:
    """How the page names the scenario's comparison group."""
    return " / ".join(scenario.genres) if scenario.genres else "portfolio"


def radar_profile(models: CopilotModels, scenario: Scenario, log_pop: float, hit_prob: float,
                  similar: pd.DataFrame) -> pd.DataFrame:
    """Scenario vs its genre average on five axes, each as a percentile (0-100) of the training titles.

    Returns:
        Columns ``axis``, ``scenario``, ``genre`` (percentiles) and ``scenario_value``, ``genre_value`` (raw).
    """
    ts, mask = models.training, _genre_mask(models.training, scenario)
    if not mask.any():
        mask = np.ones(len(ts.hit), dtype=bool)
    runtime = ts.titles["runtime"].to_numpy(dtype="float64", na_value=np.nan)
    engagement = ts.titles["engagement_score"].to_numpy(dtype="float64")
    axes = [("Budget level", scenario.budget_level, ts.X["budget_level"].to_numpy()[mask].mean(),
             ts.X["budget_level"].to_numpy()),
            ("Runtime", scenario.runtime, np.nanmean(runtime[mask]), runtime[~np.isnan(runtime)]),
            ("Popularity", log_pop, ts.log_popularity[mask].mean(), ts.log_popularity),
            ("Hit probability", hit_prob, models.oof_hit[mask].mean(), models.oof_hit),
            ("Similar titles' engagement", similar["engagement_score"].mean(), engagement[mask].mean(), engagement)]
    return pd.DataFrame([{"axis": name, "scenario": percentile(s, ref), "genre": percentile(g, ref),
                          "scenario_value": float(s), "genre_value": float(g)} for name, s, g, ref in axes])


@dataclass(frozen=True)
class Advice:
    """Everything the page shows for one scenario."""

    scenario: Scenario
    popularity: float
    popularity_pct_view: float   # percentile of the predicted popularity among every title in view
    hit_probability: float
    hit_pct: float               # percentile among the portfolio's out-of-fold hit probabilities
    pop_pct: float               # percentile among the portfolio's out-of-fold popularity predictions
    support: int                 # training titles sharing a genre within one budget level
    risk: str
    recommendation: str
    reasons: list
    curve: pd.DataFrame
    radar: pd.DataFrame
    similar: pd.DataFrame


def advise(models: CopilotModels, scenario: Scenario) -> Advice:
    """Predictions, risk, call with reasons, budget curve, radar, benchmarks and segment for a scenario."""
    ts = models.training
    curve = budget_curve(models, scenario)
    row = curve[curve["selected"]].iloc[0]
    log_pop, prob = float(row["log_popularity"]), float(row["hit_probability"])
    mask = _genre_mask(ts, scenario)
    support = int((mask & (np.abs(ts.X["budget_level"].to_numpy() - scenario.budget_level) <= 1)).sum())
    hit_pct, pop_pct = percentile(prob, models.oof_hit), percentile(log_pop, models.oof_log_pop)
    risk = risk_level(hit_pct, support)
    similar = similar_titles(models, scenario)
    group = genre_label(scenario)
    gpop = 10 ** np.median(ts.log_popularity[mask]) if mask.any() else 10 ** np.median(ts.log_popularity)
    best = curve.loc[curve["hit_probability"].idxmax()]
    reasons = [
        f"Hit probability {prob:.0%} is higher than {hit_pct:.0f}% of the {len(ts.hit):,} portfolio titles' "
        f"estimates (Risk {risk}).",
        f"Predicted popularity {10 ** log_pop:,.1f} is {'above' if 10 ** log_pop >= gpop else 'below'} the median "
        f"of {group} titles with a known budget ({gpop:,.1f}) and higher than {pop_pct:.0f}% of the portfolio's "
        "predictions.",
        (f"Thin evidence: only {support} titles with a known budget share a genre within one budget level."
         if support < THIN_EVIDENCE
         else f"{support:,} comparable titles (shared genre, budget level within one) back this."),
        f"With everything else fixed, hit probability peaks at budget level {int(best['budget_level'])} "
        f"({best['hit_probability']:.0%}).",
    ]
    return Advice(scenario, 10 ** log_pop, percentile(10 ** log_pop, ts.view_popularity), prob, hit_pct, pop_pct,
                  support, risk, recommendation(risk, pop_pct), reasons, curve,
                  radar_profile(models, scenario, log_pop, prob, similar), similar)


# ------------------------------------------------------------------ insights
def budget_insights(curve: pd.DataFrame) -> list[str]:
    """Sentences about the budget-impact curve (columns budget_level, popularity, hit_probability)."""
    if curve.empty:
        return []
    lo, hi = curve.iloc[0], curve.iloc[-1]
    steps = curve["hit_probability"].diff().iloc[1:]
    jump = int(steps.abs().idxmax()) if len(steps) else 0
    return [f"From budget level 1 to 10, predicted popularity moves from {lo['popularity']:,.1f} to "
            f"{hi['popularity']:,.1f} and hit probability from {lo['hit_probability']:.0%} to "
            f"{hi['hit_probability']:.0%}.",
            f"The biggest single step in hit probability is from level {int(curve.loc[jump, 'budget_level']) - 1} "
            f"to {int(curve.loc[jump, 'budget_level'])} ({steps.loc[jump] * 100:+.0f} points)."]


def radar_insights(radar: pd.DataFrame, group: str) -> list[str]:
    """Which axes the scenario is above / below its genre average on."""
    if radar.empty:
        return []
    gap = radar["scenario"] - radar["genre"]
    above = radar.loc[gap > 5, "axis"].tolist()
    below = radar.loc[gap < -5, "axis"].tolist()
    out = [f"Against the {group} average the scenario is higher on {', '.join(above) or 'no axis'} and lower on "
           f"{', '.join(below) or 'no axis'} (more than 5 percentile points)."]
    big = gap.abs().idxmax()
    out.append(f"The largest gap is {radar.loc[big, 'axis'].lower()}: percentile {radar.loc[big, 'scenario']:.0f} "
               f"vs {radar.loc[big, 'genre']:.0f}.")
    return out


def similar_insights(similar: pd.DataFrame, popularity: float) -> list[str]:
    """How the benchmark titles actually did, against the prediction."""
    if similar.empty:
        return []
    hits = int((similar["hit"] == "Hit").sum())
    med = float(similar["popularity"].astype("float64").median())
    return [f"{hits} of the {len(similar)} most similar titles were hits; their median popularity is {med:,.1f} "
            f"against {popularity:,.1f} predicted.",
            f"The closest benchmark is {similar.loc[0, 'title']} ({int(similar.loc[0, 'year'])})."]


def quality_summary(evaluation: dict) -> dict:
    """Headline CV figures: each model's score and its gap to the genre baseline (row 1 of each table)."""
    reg, clf = evaluation["regression"], evaluation["classification"]
    return {"r2": float(reg["r2"].iloc[0]), "r2_gain": float(reg["r2"].iloc[0] - reg["r2"].iloc[1]),
            "mae": float(reg["mae"].iloc[0]), "mae_gain": float(reg["mae"].iloc[0] - reg["mae"].iloc[1]),
            "auc": float(clf["roc_auc"].iloc[0]), "auc_gain": float(clf["roc_auc"].iloc[0] - clf["roc_auc"].iloc[1])}


def quality_insights(evaluation: dict) -> list[str]:
    """Sentences comparing each model with its best baseline."""
    reg, clf = evaluation["regression"], evaluation["classification"]
    m, b = reg.iloc[0], reg.iloc[1:].sort_values("r2", ascending=False).iloc[0]
    c, cb = clf.iloc[0], clf.iloc[1:].sort_values("roc_auc", ascending=False).iloc[0]
    return [f"Popularity: cross-validated R2 {m['r2']:.2f} (MAE {m['mae']:.2f} in log10 units, i.e. typically off "
            f"by x{10 ** m['mae']:.1f}) against {b['r2']:.2f} for the {b['model'].lower()}.",
            f"Hits: ROC-AUC {c['roc_auc']:.2f} against {cb['roc_auc']:.2f} for the {cb['model'].lower()}, "
            f"{evaluation['folds']}-fold on {evaluation['n']:,} titles."]


def hit_model_insights(evaluation: dict) -> list[str]:
    """Sentences on the three hit classifiers compared on the same folds, and the forest's calls at its threshold."""
    compared, rep = evaluation.get("hit_models"), evaluation.get("hit_report")
    if compared is None or rep is None:
        return []
    ranked = compared.sort_values("roc_auc", ascending=False)
    best, forest = ranked.iloc[0], compared[compared["model"] == "Random Forest"].iloc[0]
    gap, spread = best["roc_auc"] - forest["roc_auc"], forest["roc_auc_std"]
    if best["model"] == "Random Forest":
        verdict = "the page's Random Forest is the best of them"
    elif gap <= spread:
        verdict = (f"{best['model']} leads by {gap:.3f}, within the fold-to-fold spread ({spread:.3f}), so the page "
                   "keeps the Random Forest")
    else:
        verdict = f"{best['model']} beats the page's Random Forest by {gap:.3f}, more than the spread ({spread:.3f})"
    scores = ", ".join(f"{r['model']} {r['roc_auc']:.3f}" for _, r in ranked.iterrows())
    hit = rep["report"].set_index("class").loc["hit"]
    called = int(rep["confusion"]["called: hit"].sum())
    return [f"Same {evaluation['folds']} folds, ROC-AUC: {scores}; {verdict}.",
            f"At probability {rep['threshold']:.2f} the forest calls {called:,} of {evaluation['n']:,} titles hits "
            f"(out of fold): {hit['precision']:.0%} of those calls are hits (precision) and it finds "
            f"{hit['recall']:.0%} of the actual hits (recall); accuracy {rep['accuracy']:.0%}."]

"""Investment Copilot: training set, honest evaluation, fitted models, predictions and the recommendation rules.

The copilot answers "should we invest in this title?" from things a title has before it is made: genres,
content type, budget level, runtime and release quarter. It never uses vote count, vote average or anything
derived from them as a feature, because those define the targets (popularity on the embedded source is votes
per year; engagement, and so the hit label, is log votes x rating).

Budget level is an input, so the models train only on titles with a known budget (``budget_level`` is the
budget decile among the training titles, :func:`budget_levels`; in cross-validation the deciles are recomputed
inside every fold from that fold's training budgets, so a held-out title's level never depends on its own or
other held-out budgets). On the embedded IMDb data that is about a quarter of the films, and those
are better known than the rest: a known budget alone predicts a hit with ROC-AUC 0.74. Training on them keeps
the question honest ("given a budget, what happens?") instead of learning "has a budget = famous".

Release year is deliberately not a feature: both sources' popularity rises steeply with recency (the embedded
one is votes per year since release), so a year feature would mostly encode "newer", which says nothing
about a title that is not made yet.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.metrics import mean_absolute_error, r2_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold

from models.copilot import (
    GENRE_PREFIX,
    GenreMedianRegressor,
    GenreRateClassifier,
    HitModel,
    PopularityModel,
    hit_challengers,
)

MIN_TRAIN = 40        # titles with a known budget needed before any model is trained
FOLDS = 5
RISK_LOW_PCT = 67.0   # hit-probability percentile (vs the portfolio) at or above which risk is Low
RISK_HIGH_PCT = 33.0  # ... below which risk is High
POP_PCT_BAR = 50.0    # predicted-popularity percentile (vs the portfolio's predictions) that splits the calls
THIN_EVIDENCE = 15    # fewer training titles of the genre within one budget level -> risk one level higher
RISKS = ("Low", "Medium", "High")


@dataclass(frozen=True)
class TrainingSet:
    """Features and targets of the titles in view with a known budget, plus what the page needs around them."""

    X: pd.DataFrame                  # model features, one row per training title
    log_popularity: np.ndarray       # regression target: log10 popularity
    hit: np.ndarray                  # classification target: 1 = hit (top engagement quartile of the view)
    titles: pd.DataFrame             # the same titles' names and actual outcomes (row-aligned with X)
    genres: tuple[str, ...]          # genres with a feature column
    media_types: tuple[str, ...]     # content types present (an is_tv feature only when there are two)
    has_quarter: bool                # release quarters known (TMDB) or not (embedded: years only)
    n_view: int                      # titles in view, with or without a budget
    view_popularity: np.ndarray      # sorted popularity of every title in view (for percentiles)


@dataclass(frozen=True)
class Scenario:
    """A title that is not made yet."""

    genres: tuple[str, ...]
    media_type: str = "movie"
    budget_level: int = 5
    runtime: float = 100.0
    quarter: int | None = None
    title: str = ""


def unusable_reason(df: pd.DataFrame) -> str | None:
    """Why the copilot cannot train on this view (None when it can)."""
    if df.empty:
        return "No titles match these filters."
    known = df[df["budget_level"].notna() & (df["popularity"].astype("float64") > 0)]
    if len(known) < MIN_TRAIN:
        return (f"Only {len(known)} titles in view have a known budget; the copilot needs at least {MIN_TRAIN} "
                "to learn anything. Widen the filters (years, genres, minimum votes).")
    minority = int(min(known["hit"].sum(), len(known) - known["hit"].sum()))
    if minority < 2:
        return (f"The {len(known)} titles with a known budget are (almost) all on one side of the hit line, so "
                "there is nothing to learn about hits. Widen the filters.")
    return None


def budget_levels(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Budget level 1-10 of ``values``: the decile of ``reference`` budgets each falls in (1 = cheapest tenth).

    The nine cut points are the 10th..90th percentiles of ``reference``; a value on a cut point goes to the
    upper level. Used on the training budgets themselves (the slider's levels) and, inside each CV fold, with
    the fold's training budgets as ``reference`` for both its training and its held-out titles.
    """
    ref = np.asarray(reference, dtype="float64")
    if ref.size == 0:
        return np.full(np.shape(values), np.nan)
    edges = np.quantile(ref, np.linspace(0.1, 0.9, 9))
    return (1 + np.searchsorted(edges, np.asarray(values, dtype="float64"), side="right")).astype("float64")


def build_training(df: pd.DataFrame) -> TrainingSet:
    """Training set from a featured view (``features.engineer``); call :func:`unusable_reason` first."""
    known = df[df["budget_level"].notna() & (df["popularity"].astype("float64") > 0)].reset_index(drop=True)
    genres = tuple(sorted({g for gs in known["genres"] for g in gs}))
    X = pd.DataFrame({f"{GENRE_PREFIX}{g}": known["genres"].map(lambda gs, g=g: float(g in gs)) for g in genres},
                     index=known.index)
    media = tuple(sorted(known["media_type"].dropna().unique().tolist()))
    if len(media) > 1:
        X["is_tv"] = (known["media_type"] == "tv").astype("float64")
    budget = known["budget"].to_numpy(dtype="float64")
    X["budget_level"] = budget_levels(budget, budget)
    known = known.assign(budget_level=X["budget_level"].astype("Int64"))
    X["runtime"] = known["runtime"].astype("float64")
    has_quarter = bool(known["release_quarter"].notna().mean() >= 0.5)
    if has_quarter:
        X["release_quarter"] = known["release_quarter"].astype("float64")
    cols = ["title_id", "title", "year", "primary_genre", "genres", "media_type", "budget", "budget_level",
            "runtime", "popularity", "vote_average", "vote_count", "engagement_score", "hit"]
    return TrainingSet(X=X, log_popularity=np.log10(known["popularity"].to_numpy(dtype="float64")),
                       hit=known["hit"].to_numpy(dtype="int64"), titles=known[cols], genres=genres,
                       media_types=media, has_quarter=has_quarter, n_view=len(df),
                       view_popularity=np.sort(df["popularity"].dropna().to_numpy(dtype="float64")))


def folds_for(ts: TrainingSet) -> int:
    """Cross-validation folds: 5, or fewer when the rarer class has fewer than 5 titles."""
    minority = int(min(ts.hit.sum(), len(ts.hit) - ts.hit.sum()))
    return max(2, min(FOLDS, minority))


def fold_frames(X: pd.DataFrame, budget: np.ndarray, train: np.ndarray, test: np.ndarray) -> tuple:
    """One fold's training and held-out features, with budget levels binned on the fold's training budgets."""
    X_train, X_test = X.iloc[train].copy(), X.iloc[test].copy()
    X_train["budget_level"] = budget_levels(budget[train], budget[train])
    X_test["budget_level"] = budget_levels(budget[train], budget[test])
    return X_train, X_test


def _cv(models: dict, X: pd.DataFrame, y: np.ndarray, splits, score, budget: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Fit clones fold by fold; per-fold scores (mean, std) and out-of-fold predictions per model."""
    oof = {name: np.zeros(len(y)) for name in models}
    scores: dict[str, list] = {name: [] for name in models}
    fitted = {}
    for train, test in splits:
        X_train, X_test = fold_frames(X, budget, train, test)
        for name, model in models.items():
            est = clone(model).fit(X_train, y[train])
            fitted[name] = est
            oof[name][test] = score["predict"](est, X_test)
            scores[name].append([f(y[test], oof[name][test]) for f in score["metrics"].values()])
    rows = []
    for name, vals in scores.items():
        arr = np.asarray(vals)
        row = {"model": name}
        for j, metric in enumerate(score["metrics"]):
            row[metric], row[f"{metric}_std"] = float(arr[:, j].mean()), float(arr[:, j].std())
        rows.append(row)
    return pd.DataFrame(rows), {"oof": oof, "fitted": fitted}


def evaluate(ts: TrainingSet, booster: str = "lightgbm", random_state: int = 0) -> dict:
    """Cross-validated quality of both models against simple baselines, on this training set.

    Every fitted step (budget-level deciles, imputation, the models, the baselines' lookup tables) is refitted
    inside each fold.

    Returns:
        ``regression`` (model, r2, mae with per-fold std), ``classification`` (model, roc_auc),
        ``oof_log_pop`` / ``oof_hit`` (out-of-fold predictions of the two models), ``folds``, ``booster``
        (the booster actually used), ``fallback`` (why LightGBM was replaced, or "") and ``n``.
    """
    k = folds_for(ts)
    budget = ts.titles["budget"].to_numpy(dtype="float64")
    reg_name = f"Gradient boosting ({'LightGBM' if booster == 'lightgbm' else 'XGBoost'})"
    regressors = {reg_name: PopularityModel(booster, random_state=random_state),
                  "Baseline: genre median": GenreMedianRegressor(), "Baseline: overall mean": DummyRegressor()}
    reg_score = {"predict": lambda est, X: est.predict(X),
                 "metrics": {"r2": r2_score, "mae": mean_absolute_error}}
    reg, reg_out = _cv(regressors, ts.X, ts.log_popularity,
                       KFold(k, shuffle=True, random_state=random_state).split(ts.X), reg_score, budget)
    used = reg_out["fitted"][reg_name].booster_
    if used != booster:
        reg["model"] = reg["model"].replace(reg_name, "Gradient boosting (XGBoost, fallback)")
    baselines = {"Random Forest": HitModel(random_state=random_state),
                 "Baseline: genre hit rate": GenreRateClassifier(), "Baseline: prior": DummyClassifier()}
    challengers = hit_challengers(random_state)
    clf_score = {"predict": lambda est, X: est.predict_proba(X)[:, 1], "metrics": {"roc_auc": roc_auc_score}}
    every, clf_out = _cv({**baselines, **challengers}, ts.X, ts.hit,
                         StratifiedKFold(k, shuffle=True, random_state=random_state).split(ts.X, ts.hit), clf_score,
                         budget)
    clf = every[every["model"].isin(list(baselines))].reset_index(drop=True)
    compared = every[every["model"].isin(["Random Forest", *challengers])].reset_index(drop=True)
    return {"regression": reg, "classification": clf, "hit_models": compared,
            "hit_report": hit_report(ts.hit, clf_out["oof"]["Random Forest"]),
            "oof_log_pop": reg_out["oof"][reg_name], "oof_hit": clf_out["oof"]["Random Forest"], "folds": k,
            "booster": used, "fallback": reg_out["fitted"][reg_name].fallback_reason_, "n": len(ts.hit)}


HIT_THRESHOLD = 0.5  # the forest is trained with balanced class weights, so 0.5 is its own decision line


def hit_report(y: np.ndarray, proba: np.ndarray, threshold: float = HIT_THRESHOLD) -> dict:
    """Confusion matrix and per-class precision / recall / F1 of out-of-fold hit calls at ``threshold``."""
    from sklearn.metrics import classification_report, confusion_matrix

    called = (np.asarray(proba) >= threshold).astype(int)
    matrix = confusion_matrix(y, called, labels=[0, 1])
    report = classification_report(y, called, labels=[0, 1], target_names=["not a hit", "hit"], output_dict=True,
                                   zero_division=0)
    rows = [{"class": name, **{k: float(v) for k, v in report[name].items()}}
            for name in ("not a hit", "hit", "macro avg", "weighted avg")]
    return {"threshold": threshold, "accuracy": float(report["accuracy"]),
            "confusion": pd.DataFrame(matrix, index=["actual: not a hit", "actual: hit"],
                                      columns=["called: not a hit", "called: hit"]).reset_index(names=""),
            "report": pd.DataFrame(rows)}


@dataclass(frozen=True)
class CopilotModels:
    """Fitted models plus the reference distributions the rules compare a scenario with (read-only)."""

    training: TrainingSet
    regressor: PopularityModel
    classifier: HitModel
    oof_log_pop: np.ndarray   # out-of-fold predicted log popularity of each training title
    oof_hit: np.ndarray       # out-of-fold hit probability of each training title
    space: dict               # neighbour-space scaling (see core.decide.neighbours)
    segments: dict            # segment model and descriptions (see core.decide.neighbours)


def fit_models(ts: TrainingSet, evaluation: dict, booster: str = "lightgbm", random_state: int = 0) -> CopilotModels:
    """Fit both models on the whole training set; keep the out-of-fold predictions from ``evaluation``."""
    from core.decide import neighbours

    space = neighbours.neighbour_space(ts.X)
    return CopilotModels(
        training=ts, regressor=PopularityModel(booster, random_state=random_state).fit(ts.X, ts.log_popularity),
        classifier=HitModel(random_state=random_state).fit(ts.X, ts.hit),
        oof_log_pop=np.asarray(evaluation["oof_log_pop"]), oof_hit=np.asarray(evaluation["oof_hit"]),
        space=space, segments=neighbours.fit_segments(ts, space, random_state))


def scenario_rows(ts: TrainingSet, scenario: Scenario, levels=range(1, 11)) -> pd.DataFrame:
    """Model rows for a scenario, one per budget level (everything else fixed)."""
    rows = []
    for level in levels:
        row = {c: 0.0 for c in ts.X.columns}
        row.update({f"{GENRE_PREFIX}{g}": 1.0 for g in scenario.genres if f"{GENRE_PREFIX}{g}" in row})
        if "is_tv" in row:
            row["is_tv"] = float(scenario.media_type == "tv")
        if "release_quarter" in row:
            row["release_quarter"] = float(scenario.quarter or 1)
        row.update(budget_level=float(level), runtime=float(scenario.runtime))
        rows.append(row)
    return pd.DataFrame(rows, columns=ts.X.columns, dtype="float64")


def percentile(value: float, reference: np.ndarray) -> float:
    """Share (0-100) of ``reference`` below ``value``, ties counted half."""
    ref = np.sort(np.asarray(reference, dtype="float64"))
    if not len(ref):
        return float("nan")
    lo, hi = np.searchsorted(ref, value, "left"), np.searchsorted(ref, value, "right")
    return float(100 * (lo + hi) / 2 / len(ref))


def budget_curve(models: CopilotModels, scenario: Scenario) -> pd.DataFrame:
    """Predicted popularity and hit probability at budget levels 1..10 with the other inputs fixed.

    Returns:
        Columns ``budget_level``, ``log_popularity``, ``popularity``, ``hit_probability``, ``selected``.
    """
    X = scenario_rows(models.training, scenario)
    log_pop = models.regressor.predict(X)
    return pd.DataFrame({"budget_level": np.arange(1, 11), "log_popularity": log_pop, "popularity": 10 ** log_pop,
                         "hit_probability": models.classifier.predict_proba(X)[:, 1],
                         "selected": np.arange(1, 11) == int(scenario.budget_level)})


def risk_level(hit_pct: float, support: int) -> str:
    """Low / Medium / High from the hit-probability percentile; thin evidence raises it one level."""
    idx = 0 if hit_pct >= RISK_LOW_PCT else (2 if hit_pct < RISK_HIGH_PCT else 1)
    if support < THIN_EVIDENCE:
        idx = min(idx + 1, 2)
    return RISKS[idx]


def recommendation(risk: str, pop_pct: float) -> str:
    """greenlight (low risk and popularity at least the portfolio median), pass (high risk and below it),
    consider otherwise."""
    if risk == "Low" and pop_pct >= POP_PCT_BAR:
        return "greenlight"
    if risk == "High" and pop_pct < POP_PCT_BAR:
        return "pass"
    return "consider"


def rules_text() -> list[str]:
    """The decision rules, with their thresholds, as shown on the page."""
    return [
        f"**Risk** comes from the hit probability's percentile among the portfolio's titles (their out-of-fold "
        f"model estimates): Low at {RISK_LOW_PCT:.0f} or above, High below {RISK_HIGH_PCT:.0f}, Medium between.",
        f"Risk goes up one level when fewer than {THIN_EVIDENCE} titles with a known budget share a genre with "
        "the scenario within one budget level of it (thin evidence).",
        f"**Greenlight** = Low risk and predicted popularity at or above the portfolio's median prediction "
        f"(percentile {POP_PCT_BAR:.0f}); **pass** = High risk and below it; **consider** = everything else.",
    ]


def status(df: pd.DataFrame) -> dict:
    """What the copilot page can offer for a view: why not (``reason``), counts and the inputs available.

    Returns:
        ``reason`` ("" when the models can train), ``n_view``, ``n_train``, ``view_media_types`` and, when
        trainable, ``genres``
        (largest first, without "Unclassified"), ``media_types``, ``has_quarter``, ``runtime_min/max/default``
        and the hit rates among the training titles and the whole view.
    """
    n_train = int((df["budget_level"].notna() & (df["popularity"].astype("float64") > 0)).sum()) if len(df) else 0
    out = {"reason": unusable_reason(df) or "", "n_view": len(df), "n_train": n_train,
           "view_media_types": sorted(df["media_type"].dropna().unique().tolist()) if len(df) else []}
    if out["reason"]:
        return out
    ts = build_training(df)
    counts = ts.X[[f"{GENRE_PREFIX}{g}" for g in ts.genres]].sum().sort_values(ascending=False, kind="stable")
    runtime = ts.X["runtime"].dropna()
    lo, hi = (int(runtime.quantile(0.01)), int(np.ceil(runtime.quantile(0.99)))) if len(runtime) else (60, 180)
    return {**out, "genres": [c[len(GENRE_PREFIX):] for c in counts.index if c != f"{GENRE_PREFIX}Unclassified"],
            "media_types": list(ts.media_types), "has_quarter": ts.has_quarter, "runtime_min": lo,
            "runtime_max": max(hi, lo + 1), "runtime_default": int(np.clip(runtime.median(), lo, hi)) if len(runtime)
            else 100, "hit_rate_train": float(ts.hit.mean()), "hit_rate_view": float(df["hit"].mean())}

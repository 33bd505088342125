"""Honest evaluation of the platform churn model: folds, scores for every subscriber, drivers, the at-risk list.

Pure functions on frames (no Streamlit, no I/O). Inputs come from ``core.churn.platform`` (``PlatformFrame``);
models from ``models.churn_platform``. Above ``TRAIN_MAX`` subscribers the models train on a stratified sample:
the sample is cross-validated (5 shared folds) and every other subscriber is scored by the model fitted on the
whole sample, which never saw them, so each subscriber's score is out-of-sample either way.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from core.churn import evaluation
from core.churn.display import VALUE_MONTHS, risk_band
from models.churn_platform import ALWAYS_STAY, BASELINE, MODEL, make_platform_candidate

#: Train on at most this many subscribers (a stratified sample above it); score everyone.
TRAIN_MAX = 50_000
#: Rows scored per ``predict_proba`` call (bounded memory on a million subscribers).
SCORE_CHUNK = 100_000
NAMES = (MODEL, BASELINE, ALWAYS_STAY)
SCORED_BY = {True: "Fold model (out-of-fold)", False: "Sample model (not in the sample)",
             "today": "Cutoff model (today's row unseen)"}


def fit_fold(name: str, X: pd.DataFrame, y, train: np.ndarray, test: np.ndarray, random_state: int = 0) -> dict:
    """``evaluation.fit_fold`` with a platform's models (``make_platform_candidate``)."""
    return evaluation.fit_fold(name, X, y, train, test, random_state, make=make_platform_candidate)


def score(model, X: pd.DataFrame, chunk: int = SCORE_CHUNK) -> np.ndarray:
    """Churn probabilities of every row, ``chunk`` rows at a time."""
    parts = [model.predict_proba(X.iloc[i:i + chunk])[:, 1] for i in range(0, len(X), chunk)]
    return np.concatenate(parts) if parts else np.array([])


def honest_scores(model, X: pd.DataFrame, sample: np.ndarray, oof: np.ndarray, chunk: int = SCORE_CHUNK
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Every subscriber's churn probability from a model that never saw them, and which rows were sampled.

    Args:
        model: fitted on the ``sample`` rows. sample: positions of the training sample. oof: its out-of-fold
            probabilities (aligned with ``sample``).

    Returns:
        ``(scores, in_sample)``: sampled rows carry their out-of-fold score, the others the model's.
    """
    in_sample = np.zeros(len(X), dtype=bool)
    in_sample[sample] = True
    scores = np.full(len(X), np.nan)
    scores[sample] = oof
    rest = np.flatnonzero(~in_sample)
    if len(rest):
        scores[rest] = score(model, X.iloc[rest], chunk)
    return scores, in_sample


def permutation_importance(model, X: pd.DataFrame, y, n_repeats: int = 3, max_rows: int = 3000,
                           random_state: int = 0) -> pd.DataFrame:
    """Drop in ROC-AUC when each input is shuffled (all shuffled copies scored in one call).

    Returns:
        ``feature, importance, std`` sorted by importance (mean over ``n_repeats`` shuffles).
    """
    y = np.asarray(y).astype(int)
    if len(X) > max_rows:
        keep = np.random.default_rng(random_state).choice(len(X), max_rows, replace=False)
        X, y = X.iloc[keep], y[keep]
    rng = np.random.default_rng(random_state)
    copies = [X.assign(**{c: X[c].to_numpy()[rng.permutation(len(X))]}) for c in X.columns for _ in range(n_repeats)]
    base = roc_auc_score(y, model.predict_proba(X)[:, 1])
    shuffled = model.predict_proba(pd.concat(copies, ignore_index=True))[:, 1].reshape(len(copies), len(X))
    drops = np.array([base - roc_auc_score(y, p) for p in shuffled]).reshape(X.shape[1], n_repeats)
    return (pd.DataFrame({"feature": X.columns, "importance": drops.mean(axis=1), "std": drops.std(axis=1)})
            .sort_values("importance", ascending=False, ignore_index=True))


def heldout_importance(X: pd.DataFrame, y, folds: list[tuple[np.ndarray, np.ndarray]], random_state: int = 0
                       ) -> dict:
    """Permutation importance measured honestly: fit on the first fold's training rows, shuffle its test rows.

    ``X``, ``y`` and ``folds`` are the training sample's. Returns ``{"importance", "roc_auc", "rows"}``.
    """
    train, test = folds[0]
    y = np.asarray(y).astype(int)
    model = make_platform_candidate(MODEL, random_state).fit(X.iloc[train], y[train])
    imp = permutation_importance(model, X.iloc[test], y[test], random_state=random_state)
    auc = roc_auc_score(y[test], model.predict_proba(X.iloc[test])[:, 1])
    return {"importance": imp, "roc_auc": float(auc), "rows": int(min(len(test), 3000))}


def all_scores(pdata, model, sample: np.ndarray, oof: np.ndarray) -> dict:
    """Honest churn probabilities of everyone the page shows.

    Args:
        pdata: ``core.churn.platform.PlatformData``. model: fitted on the ``sample`` rows of ``pdata.train``.
        oof: the sample's out-of-fold probabilities.

    Returns:
        ``train`` and ``in_sample`` (``honest_scores`` of the modelled subscribers), ``current`` (today's
        subscribers, aligned with ``pdata.current``) and ``current_in_sample`` (None in the cutoff design, where
        today's rows are scored by the model and were never training rows; else which were in the sample).
    """
    train, in_sample = honest_scores(model, pdata.train.X, sample, oof)
    if pdata.design.kind == "cutoff":
        current = score(model, pdata.current[list(pdata.train.inputs)])
        return {"train": train, "in_sample": in_sample, "current": current, "current_in_sample": None}
    now = (pdata.train.y == 0).to_numpy()
    return {"train": train, "in_sample": in_sample, "current": train[now], "current_in_sample": in_sample[now]}


def at_risk(current: pd.DataFrame, scores: np.ndarray, in_sample: np.ndarray | None, top_n: int,
            base_rate: float) -> pd.DataFrame:
    """Current subscribers ranked by churn probability, with their own ids, plan, tenure and money at risk.

    Args:
        current: today's subscribers (subscriber_id, plan, tenure, monthly_charges).
        scores, in_sample: each one's churn probability and whether it is out-of-fold (None: all scored as of
            today by the model fitted at the cutoff), aligned with ``current``.
    """
    order = np.argsort(-np.asarray(scores), kind="stable")[: int(top_n)]
    rows, proba = current.iloc[order], np.asarray(scores)[order]
    return pd.DataFrame({
        "Rank": np.arange(1, len(order) + 1), "Subscriber": rows["subscriber_id"].astype(str).to_numpy(),
        "Churn probability": proba.round(3), "Risk": [risk_band(p, base_rate) for p in proba],
        "Plan": rows["plan"].astype(str).to_numpy(), "Tenure (months)": rows["tenure"].round(1).to_numpy(),
        "Monthly charge ($)": rows["monthly_charges"].to_numpy(),
        f"Expected revenue at risk, {VALUE_MONTHS} months ($)":
            (proba * rows["monthly_charges"].to_numpy() * VALUE_MONTHS).round(0),
        "Scored by": [SCORED_BY["today" if in_sample is None else bool(in_sample[i])] for i in order]})

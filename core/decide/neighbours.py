"""The copilot's neighbour space and its fallback segments of the training titles.

Each genre flag (and the TV flag) counts 0/1; budget level, runtime and release quarter are centred on the
training median and divided by their 10-90% spread, so the middle 80% of titles spans one unit and a genre
mismatch weighs about as much as that whole spread.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

SEGMENTS = 5
NUMERIC = ("budget_level", "runtime", "release_quarter")


def neighbour_space(X: pd.DataFrame) -> dict:
    """Scaling of the neighbour space fitted on the training features, plus the training titles in it."""
    cols = list(X.columns)
    num = [c for c in NUMERIC if c in cols]
    center = np.zeros(len(cols))
    spread = np.ones(len(cols))
    for c in num:
        i, values = cols.index(c), X[c].astype("float64")
        width = values.quantile(0.9) - values.quantile(0.1)
        center[i] = values.median() if values.notna().any() else 0.0
        spread[i] = width if width > 0 else 1.0
    space = {"columns": cols, "numeric": np.isin(cols, num), "center": center, "spread": spread}
    return {**space, "Z": to_space(space, X)}


def to_space(space: dict, X: pd.DataFrame) -> np.ndarray:
    """Rows of model features as points of the neighbour space (plain numpy: it runs on every slider move)."""
    values = X[space["columns"]].to_numpy(dtype="float64")
    values = np.where(np.isnan(values), space["center"], values)
    scaled = np.clip((values - space["center"]) / space["spread"], -3, 3)
    return np.where(space["numeric"], scaled, values)


def fit_segments(ts: Any, space: dict, random_state: int = 0) -> dict:
    """K-Means segments of the training titles on pre-release features, with a description of each.

    ``ts`` is a ``core.decide.copilot.TrainingSet`` (its ``titles``, ``hit`` and ``log_popularity``); it is not
    imported here so the copilot can import this module without a cycle.
    """
    k = int(min(SEGMENTS, max(1, len(ts.hit) // 20)))
    with threadpool_limits(limits=1):  # the default BLAS/OpenMP threads oversubscribe small shared machines
        km = KMeans(n_clusters=k, n_init=4, random_state=random_state).fit(space["Z"])
    t = ts.titles.assign(segment=km.labels_ + 1, log_pop=ts.log_popularity)
    rows = []
    for seg, grp in t.groupby("segment"):
        top = grp["primary_genre"].value_counts().index[0]
        level, runtime = grp["budget_level"].astype("float64").median(), grp["runtime"].astype("float64").median()
        rows.append({"segment": int(seg), "label": f"{top}, budget level ~{level:.0f}, ~{runtime:.0f} min",
                     "titles": len(grp), "hit_rate": float(grp["hit"].mean()),
                     "median_popularity": float(10 ** grp["log_pop"].median()), "top_genre": top})
    return {"model": km, "table": pd.DataFrame(rows),
            "method": f"K-Means (k = {k}) on genres, budget level and runtime of the titles with a known budget"}

"""Backtests of monthly forecasters: fit on all but the last ``horizon`` months, score the holdout with MASE
(against the in-sample seasonal naive, or the naive forecast when there are fewer than two seasons)."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from models.forecast import SEASON, _as_history


def _mase_scale(y: np.ndarray) -> tuple[float, int, str]:
    """In-sample MAE of the seasonal naive forecast (m=12), or of the naive one (m=1) on short series."""
    if len(y) >= 2 * SEASON:
        return float(np.mean(np.abs(y[SEASON:] - y[:-SEASON]))), SEASON, f"seasonal naive (m={SEASON})"
    if len(y) < 2:
        return float("nan"), 1, "not enough history to scale"
    return (float(np.mean(np.abs(np.diff(y)))), 1,
            "naive (m=1): the training history is shorter than two seasons")


def backtest(history: pd.DataFrame, make_forecaster: Callable, horizon: int = 12) -> dict:
    """Hold out the last ``horizon`` months, fit on the rest, and score the forecast.

    Args:
        history: monthly frame with ``ds`` and ``y``.
        make_forecaster: zero-argument factory (a class works) or an unfitted forecaster to clone.
        horizon: months held out.

    Returns:
        ``mase`` (MAE / in-sample naive MAE; NaN if that scale is 0), ``mae``, ``coverage`` (share of actuals
        inside the band), ``scale``, ``scale_m``, ``scale_method``, ``horizon``, ``n_train``, ``seconds``
        (fit + predict) and ``holdout``: frame ``ds, y, yhat, yhat_lower, yhat_upper``.
    """
    h = _as_history(history)
    if len(h) <= horizon + 1:
        raise ValueError(f"need more than {horizon + 1} months to hold out {horizon}; got {len(h)}")
    train, test = h.iloc[:-horizon], h.iloc[-horizon:].reset_index(drop=True)
    est = clone(make_forecaster) if isinstance(make_forecaster, BaseEstimator) else make_forecaster()
    start = time.perf_counter()
    forecast = est.fit(train).predict(horizon)
    seconds = time.perf_counter() - start
    holdout = test.merge(forecast, on="ds", how="left")
    err = np.abs(holdout["y"] - holdout["yhat"]).to_numpy()
    mae = float(err.mean())
    scale, m, method = _mase_scale(train["y"].to_numpy())
    inside = (holdout["y"] >= holdout["yhat_lower"]) & (holdout["y"] <= holdout["yhat_upper"])
    return {
        "mase": mae / scale if scale > 0 else float("nan"),
        "mae": mae,
        "coverage": float(inside.mean()),
        "scale": scale,
        "scale_m": m,
        "scale_method": method,
        "horizon": horizon,
        "n_train": len(train),
        "seconds": seconds,
        "holdout": holdout,
    }


def compare(history: pd.DataFrame, candidates: dict, horizon: int = 12) -> pd.DataFrame:
    """Backtest each candidate on the same holdout.

    Args:
        history: monthly frame with ``ds`` and ``y``.
        candidates: name -> factory (or unfitted forecaster), as for ``backtest``.
        horizon: months held out.

    Returns:
        One row per method, best MASE first: ``method, mase, mae, coverage, seconds``.
    """
    rows = []
    for name, factory in candidates.items():
        result = backtest(history, factory, horizon)
        rows.append({"method": name, **{k: result[k] for k in ("mase", "mae", "coverage", "seconds")}})
    table = pd.DataFrame(rows, columns=["method", "mase", "mae", "coverage", "seconds"])
    return table.sort_values("mase", kind="stable", na_position="last", ignore_index=True)

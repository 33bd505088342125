"""Monthly time series helpers: event rows -> complete monthly grids, seasonal profile, momentum.

Pure pandas, no Streamlit. Every function takes and returns frames with a ``ds`` (period start timestamp) and
``y`` (value) column, the shape ``models.forecast`` consumes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _to_datetime(values: pd.Series) -> pd.Series:
    """Datetime-like values as naive timestamps; numbers are read as Unix seconds, tz-aware as UTC."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.to_datetime(values, unit="s")
    out = pd.to_datetime(values)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def monthly_series(events: pd.DataFrame, date_col: str, group_col: str | None = None,
                   value_col: str | None = None, freq: str = "MS") -> pd.DataFrame:
    """Turn event rows into a complete period grid per group.

    Each group gets every period between its first and last event; periods without events are 0. Rows
    with a missing date are ignored. If ``group_col`` holds lists (e.g. a title's genres), a row counts
    toward every group in its list.

    Args:
        events: one row per event (a rating, a release, ...). Not modified.
        date_col: datetime-like column; numeric values are read as Unix seconds.
        group_col: column to split by (e.g. "genre"); None gives one series.
        value_col: column to sum per period; None counts rows.
        freq: pandas period-start frequency, "MS" (month start) by default.

    Returns:
        DataFrame with columns ``[group_col,] ds, y`` sorted by group and date; ``y`` is float.
    """
    cols = [c for c in (date_col, group_col, value_col) if c is not None]
    frame = events[cols].copy()
    if group_col is not None and frame[group_col].map(lambda v: isinstance(v, (list, tuple, set))).any():
        frame = frame.explode(group_col)
        frame = frame[frame[group_col].notna()]
    frame["ds"] = _to_datetime(frame[date_col])
    frame = frame[frame["ds"].notna()]
    frame["y"] = 1.0 if value_col is None else pd.to_numeric(frame[value_col], errors="coerce")
    keys = [] if group_col is None else [group_col]
    out_cols = [*keys, "ds", "y"]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "y" else "object") for c in out_cols})
    grouper = pd.Grouper(key="ds", freq=freq)
    counts = frame.groupby([*keys, grouper])["y"].sum(min_count=0)
    parts = []
    for key, part in (counts.groupby(level=0) if keys else [(None, counts)]):
        part = part.droplevel(0) if keys else part
        grid = pd.date_range(part.index.min(), part.index.max(), freq=freq)
        full = part.reindex(grid, fill_value=0.0).rename_axis("ds").reset_index(name="y")
        if keys:
            full.insert(0, group_col, key)
        parts.append(full)
    return pd.concat(parts, ignore_index=True)[out_cols].astype({"y": "float64"})


def seasonal_profile(history: pd.DataFrame) -> pd.DataFrame:
    """Mean ``y`` by calendar month, as an index relative to the overall mean (1.0 = an average month).

    The overall mean is the mean of the 12 monthly means, so a month that appears more often (a series
    starting in March, say) does not tilt the baseline.

    Args:
        history: frame with ``ds`` and ``y``.

    Returns:
        12 rows: ``month`` (1-12), ``month_name``, ``mean``, ``index``, ``n`` (months observed). ``index``
        is NaN for months without data or when the overall mean is 0.
    """
    ds = pd.to_datetime(history["ds"])
    y = pd.to_numeric(history["y"], errors="coerce")
    stats = y.groupby(ds.dt.month).agg(["mean", "count"]).reindex(range(1, 13))
    means = stats["mean"].to_numpy(dtype=float)
    overall = np.nanmean(means) if np.isfinite(means).any() else np.nan
    index = means / overall if np.isfinite(overall) and overall != 0 else np.full(12, np.nan)
    return pd.DataFrame({
        "month": range(1, 13),
        "month_name": MONTH_NAMES,
        "mean": means,
        "index": index,
        "n": stats["count"].fillna(0).astype(int).to_numpy(),
    })


def momentum(history: pd.DataFrame, window: int = 12) -> float:
    """Percent change of the last ``window`` months' total against the ``window`` months before.

    Windows are calendar months counted back from the last ``ds``, so gaps do not shift them; missing
    values count as 0.

    Args:
        history: frame with ``ds`` and ``y``.
        window: months per window.

    Returns:
        The % change, or NaN when there is no data, the history does not reach back two windows, or the
        earlier window totals 0.
    """
    if history.empty:
        return float("nan")
    period = pd.to_datetime(history["ds"]).dt.to_period("M")
    y = pd.to_numeric(history["y"], errors="coerce").fillna(0.0).to_numpy()
    if period.isna().any():
        keep = period.notna().to_numpy()
        period, y = period[keep], y[keep]
    if period.empty:
        return float("nan")
    last = period.max()
    age = np.array([(last - p).n for p in period])  # months before the last one
    if age.max() < 2 * window - 1:
        return float("nan")
    recent = y[age < window].sum()
    before = y[(age >= window) & (age < 2 * window)].sum()
    return float("nan") if before == 0 else float((recent / before - 1.0) * 100.0)

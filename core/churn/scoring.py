"""Churn page scoring of individual subscribers: why one score is what it is, who is most at risk, what-if.

Pure functions on DataFrames (no Streamlit, no I/O). ``model`` is any fitted churn model on the raw Telco
columns (``models.churn.FEATURES``), normally ``models.churn.ChurnModel``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from models.churn import CATEGORY_LEVELS, FEATURES, FLAGS, raw_features

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


def reference_values(X_background: pd.DataFrame) -> dict:
    """Typical subscriber of a background frame: median of numeric columns, mode of the others."""
    X = raw_features(X_background)
    return {c: (X[c].mode().iloc[0] if c in CATEGORY_LEVELS or c in FLAGS else float(X[c].median()))
            for c in FEATURES}


def _factor_rows(rows: pd.DataFrame, reference: dict) -> tuple[pd.DataFrame, list[str]]:
    """For each row and factor, a copy of the row with that factor set to its reference value.

    ``total_charges`` is not a factor of its own: it moves with tenure, because tenure and total billed are one
    fact about the account. With the typical tenure the account keeps its own average bill per month (total x
    typical tenure / tenure), so a subscriber whose tenure is already typical gets a zero tenure contribution;
    brand-new accounts (tenure 0, nothing billed) are billed their monthly charge for the typical tenure.
    """
    factors = [c for c in FEATURES if c != "total_charges"]
    tenure = rows["tenure"].to_numpy(dtype=float)
    safe = np.where(tenure > 0, tenure, 1.0)
    total_at_typical = np.where(tenure > 0, rows["total_charges"].to_numpy(dtype=float) * reference["tenure"] / safe,
                                rows["monthly_charges"].to_numpy(dtype=float) * reference["tenure"])
    copies = []
    for factor in factors:
        changed = rows.copy()
        changed[factor] = reference[factor]
        if factor == "tenure":
            changed["total_charges"] = total_at_typical
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
    add up to p - p(typical subscriber); replacing tenure also rescales total charges (see ``_factor_rows``).

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


def at_risk(model, X: pd.DataFrame, ids: pd.Series, top_n: int = 20, proba: np.ndarray | None = None,
            background: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``top_n`` subscribers most likely to churn, with the factor that raises each one's risk the most.

    Args:
        model: fitted churn model. X: raw columns of the subscribers to rank. ids: aligned ids.
        proba: churn probabilities to rank by, aligned with X (e.g. out-of-fold ones, which are honest for
            subscribers the model was trained on); default: ``model.predict_proba(X)``.
        background: frame whose typical values the factors are compared with; default: X.

    Returns:
        ``rank, subscriber_id, probability, top_factor, top_factor_value, top_factor_contribution`` and the same
        three for ``second_factor`` (the ``explain_one`` method; top factor = the one with the largest
        contribution, i.e. the one that raises this subscriber's risk most compared with a typical value).
    """
    if len(ids) != len(X):
        raise ValueError(f"ids has {len(ids)} rows but X has {len(X)}")
    if proba is not None and len(proba) != len(X):
        raise ValueError(f"proba has {len(proba)} rows but X has {len(X)}")
    columns = ["rank", "subscriber_id", "probability"] + [f"{p}_factor{s}" for p in ("top", "second")
                                                          for s in ("", "_value", "_contribution")]
    if len(X) == 0 or int(top_n) <= 0:
        return pd.DataFrame(columns=columns)
    proba = model.predict_proba(X)[:, 1] if proba is None else np.asarray(proba, dtype=float)
    order = np.argsort(-proba, kind="stable")[: int(top_n)]
    rows = X.iloc[order]
    _, contrib, factors = _contributions(model, rows, reference_values(X if background is None else background))
    ranked = np.argsort(-contrib, axis=1, kind="stable")
    values, at = raw_features(rows), np.arange(len(rows))
    out = {"rank": np.arange(1, len(rows) + 1), "subscriber_id": np.asarray(ids)[order], "probability": proba[order]}
    for prefix, pick in (("top", ranked[:, 0]), ("second", ranked[:, min(1, ranked.shape[1] - 1)])):
        out[f"{prefix}_factor"] = [factors[i] for i in pick]
        out[f"{prefix}_factor_value"] = [values.iloc[r][factors[i]] for r, i in enumerate(pick)]
        out[f"{prefix}_factor_contribution"] = contrib[at, pick]
    return pd.DataFrame(out, columns=columns)


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

"""Page-level helpers of the Churn page: headline figures, display tables, risk bands and the what-if form.

Pure functions (no Streamlit). Kept light on purpose: importing this module pulls in pandas and numpy only, so
the page can draw its first lines before scikit-learn and LightGBM are imported (``models.churn`` is imported
inside the functions that need it). Insight sentences live in ``core.churn.insights``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: Must match ``models.churn`` (a unit test checks); repeated here so the page need not import scikit-learn.
MARQUEE = "Marquee churn model"
BASELINE = "Always stay (baseline)"
N_FOLDS = 5
#: Fewest subscribers the page models (each of the 5 folds then holds 20+ test subscribers).
MIN_SUBSCRIBERS = 100
#: What the Marquee model is, in one line (the page's caption and the comparison table say it).
MARQUEE_DESCRIPTION = "spline logistic regression and a shallow LightGBM, soft vote."
#: Risk bands by probability against the base rate: below each multiple, that band; above the last, "Very high".
RISK_BANDS = ((0.5, "Low"), (1.5, "Moderate"), (2.5, "High"))
#: Subscriber segments: the k tried (best by silhouette) and what they are clustered on (``core.churn.segments``).
SEGMENT_K_RANGE = range(2, 9)
SEGMENT_INPUTS = "tenure, monthly and total charges, contract and streaming services"
#: Campaign assumptions the user can edit (not data): cost of one retention offer, share of contacted
#: would-be churners that the offer keeps. The value of a saved subscriber defaults to data (see overview).
DEFAULT_COST_PER_OFFER = 50.0
DEFAULT_SUCCESS_RATE = 0.3
#: Months of revenue that count as the value of keeping a subscriber (default of the editable input).
VALUE_MONTHS = 12
FEATURE_LABELS = {
    "female": "Female", "senior_citizen": "Senior citizen", "partner": "Has partner", "dependents": "Dependents",
    "tenure": "Tenure (months)", "phone_service": "Phone service", "multiple_lines": "Multiple lines",
    "internet_service": "Internet service", "online_security": "Online security", "online_backup": "Online backup",
    "device_protection": "Device protection", "tech_support": "Tech support", "streaming_tv": "Streaming TV",
    "streaming_movies": "Streaming movies", "contract": "Contract", "paperless_billing": "Paperless billing",
    "payment_method": "Payment method", "monthly_charges": "Monthly charge ($)",
    "total_charges": "Total charges ($)",
}
#: A platform's model inputs (``core.churn.platform``) beyond the Telco columns they share.
PLATFORM_LABELS = {
    "plan": "Plan", "billed_ratio": "Billed vs tenure x price", "sessions_per_month": "Sessions per month",
    "minutes_per_month": "Minutes watched per month", "completion_rate": "Completion rate",
    "tv_share": "Share of minutes on TV", "age_band": "Age band",
}
_FLAGS = ("female", "senior_citizen", "partner", "dependents", "phone_service", "paperless_billing")


def label(feature: str) -> str:
    """Readable name of a raw subscriber column."""
    known = FEATURE_LABELS.get(feature) or PLATFORM_LABELS.get(feature)
    return known or feature.replace("_", " ").capitalize()


def fmt_value(feature: str, value) -> str:
    """A raw value as a reader would say it (flags as Yes/No, money with $, tenure in months)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    if feature in _FLAGS:
        return "Yes" if int(value) == 1 else "No"
    if feature in ("monthly_charges", "total_charges"):
        return f"${float(value):,.2f}"
    if feature == "tenure":
        return f"{float(value):.0f} month" + ("" if float(value) == 1 else "s")
    return str(value)


def overview(subscribers: pd.DataFrame) -> dict:
    """Headline figures of the subscriber table (columns: churn, monthly_charges).

    Returns:
        ``subscribers, churned, current, base_rate, monthly_revenue_lost`` (sum of churners' monthly charges),
        ``churner_monthly`` (mean monthly charge of churners), ``value_saved`` (that x ``VALUE_MONTHS``,
        the default value of a saved subscriber) and the id range ``id_min, id_max``.
    """
    n = len(subscribers)
    churned = subscribers["churn"] == 1
    churner_monthly = float(subscribers.loc[churned, "monthly_charges"].mean()) if churned.any() else 0.0
    ids = subscribers["subscriber_id"] if "subscriber_id" in subscribers.columns else subscribers.index.to_series()
    return {"subscribers": n, "churned": int(churned.sum()), "current": int(n - churned.sum()),
            "offer_cost": DEFAULT_COST_PER_OFFER,
            "id_min": int(ids.min()) if n else 0, "id_max": int(ids.max()) if n else 0,
            "base_rate": float(churned.mean()) if n else float("nan"),
            "monthly_revenue_lost": float(subscribers.loc[churned, "monthly_charges"].sum()),
            "churner_monthly": churner_monthly, "value_saved": round(churner_monthly * VALUE_MONTHS, 0)}


def headline_metrics(overview_: dict) -> list[dict]:
    """The page's first metric row as ``st.metric`` keyword arguments (label, value, help)."""
    return [{"label": "Subscribers", "value": f"{overview_['subscribers']:,}"},
            {"label": "Churn base rate", "value": f"{overview_['base_rate']:.1%}",
             "help": f"{overview_['churned']:,} subscribers left."},
            {"label": "Current subscribers", "value": f"{overview_['current']:,}"},
            {"label": "Monthly revenue lost to churn", "value": f"${overview_['monthly_revenue_lost']:,.0f}"}]


def quality_metrics(row: dict, ece: float, base_rate: float) -> list[dict]:
    """The model-quality metric row as ``st.metric`` keyword arguments, from the CV row of ``combine_folds``."""
    plain = {"delta_color": "off", "delta_arrow": "off"}
    return [{"label": "CV ROC-AUC", "value": f"{row['roc_auc']:.3f}",
             "delta": f"± {row['roc_auc_std']:.3f} over folds", "help": "A random ranking scores 0.5.", **plain},
            {"label": "CV PR-AUC", "value": f"{row['pr_auc']:.3f}",
             "delta": f"{row['pr_auc'] / base_rate:.1f}x base rate", **plain},
            {"label": "Calibration error (ECE)", "value": f"{ece:.3f}", "help": "0 = perfectly calibrated."}]


def data_problem(overview_: dict) -> str:
    """Why the page cannot model these subscribers ("" when it can): too few rows, or only one outcome."""
    n, rate = overview_["subscribers"], overview_["base_rate"]
    if n < MIN_SUBSCRIBERS:
        return f"Only {n:,} subscribers: the churn model needs at least {MIN_SUBSCRIBERS:,} to cross-validate."
    if not 0 < rate < 1:
        return "Every subscriber has the same outcome (all stayed or all left): there is no churn to model."
    return ""


def risk_band(probability: float, base_rate: float) -> str:
    """Risk band relative to the base rate (``RISK_BANDS``): Low, Moderate, High, Very high."""
    ratio = probability / base_rate if base_rate > 0 else float("inf")
    return next((band for limit, band in RISK_BANDS if ratio < limit), "Very high")


def risk_band_help() -> str:
    """The bands in words, built from ``RISK_BANDS``."""
    bands = ", ".join(f"{band} < {limit:g}x" for limit, band in RISK_BANDS)
    return f"Against the base rate: {bands}, Very high above."


def comparison_display(table: pd.DataFrame, base_rate: float) -> pd.DataFrame:
    """The CV comparison as shown: readable column names, PR-AUC lift over the base rate, ranked by ROC-AUC.

    Args:
        table: ``core.churn.evaluation.Comparison.table`` (model, roc_auc, roc_auc_std, pr_auc, pr_auc_std, accuracy,
            precision, recall, f1, brier, fit_seconds).
    """
    out = pd.DataFrame({
        "Model": table["model"], "ROC-AUC": table["roc_auc"], "ROC-AUC ±": table["roc_auc_std"],
        "PR-AUC": table["pr_auc"], "PR-AUC ±": table["pr_auc_std"],
        "PR-AUC / base rate": table["pr_auc"] / base_rate if base_rate > 0 else np.nan,
        "Accuracy": table["accuracy"], "Precision": table["precision"], "Recall": table["recall"],
        "F1": table["f1"], "Brier": table["brier"], "Fit s / fold": table["fit_seconds"]})
    return out.round(4).reset_index(drop=True)


def campaign_metrics(row: dict) -> dict[str, str]:
    """``core.churn.evaluation.threshold_table`` output as metric label -> formatted value."""
    money = lambda v: f"-${abs(v):,.0f}" if v < 0 else f"${v:,.0f}"  # noqa: E731
    return {"Subscribers flagged": f"{row['flagged']:,}", "Precision": f"{row['precision']:.0%}",
            "Recall": f"{row['recall']:.0%}", "Campaign cost": money(row["cost"]),
            "Expected value saved": money(row["benefit"]), "Expected net": money(row["net"])}


def segment_display(profiles: pd.DataFrame) -> pd.DataFrame:
    """Segment profiles as shown (``core.churn.segments.Segmentation.profiles``), readable names, rounded."""
    return pd.DataFrame({
        "Segment": profiles["name"], "Subscribers": profiles["size"], "Share": profiles["share"].round(3),
        "Mean tenure (months)": profiles["mean_tenure"].round(1), "Typical contract": profiles["modal_contract"],
        "Mean monthly charge ($)": profiles["mean_monthly_charges"].round(2),
        "Mean total charges ($)": profiles["mean_total_charges"].round(0),
        "Stream TV or movies": profiles["streaming_share"].round(3), "Churn rate": profiles["churn_rate"].round(3)})


def at_risk_display(top: pd.DataFrame, subscribers: pd.DataFrame, base_rate: float) -> pd.DataFrame:
    """The ranked at-risk list with account facts and the expected revenue at risk over ``VALUE_MONTHS``.

    Args:
        top: ``core.churn.scoring.at_risk`` output. subscribers: canonical frame (subscriber_id, tenure,
            contract, monthly_charges).
    """
    facts = subscribers.set_index("subscriber_id").loc[top["subscriber_id"], ["tenure", "contract",
                                                                              "monthly_charges"]]
    proba = top["probability"].to_numpy()
    return pd.DataFrame({
        "Rank": top["rank"].to_numpy(), "Subscriber": top["subscriber_id"].to_numpy(),
        "Churn probability": proba.round(3), "Risk": [risk_band(p, base_rate) for p in proba],
        "Tenure (months)": facts["tenure"].to_numpy(), "Contract": facts["contract"].to_numpy(),
        "Monthly charge ($)": facts["monthly_charges"].to_numpy(),
        f"Expected revenue at risk, {VALUE_MONTHS} months ($)":
            (proba * facts["monthly_charges"].to_numpy() * VALUE_MONTHS).round(0),
        "Main risk factor": _factor_text(top, "top"), "Next factor": _factor_text(top, "second")})


def _factor_text(top: pd.DataFrame, prefix: str) -> list[str]:
    """'Label: value (+x.x pts)' for each row's top or second factor."""
    return [f"{label(f)}: {fmt_value(f, v)} ({c * 100:+.1f} pts)" for f, v, c in
            zip(top[f"{prefix}_factor"], top[f"{prefix}_factor_value"], top[f"{prefix}_factor_contribution"])]


def form_spec() -> dict:
    """What the what-if form offers: category levels, numeric ranges, flag fields (imports the model module)."""
    from core.churn.scoring import NUMERIC_RANGES
    from models.churn import CATEGORY_LEVELS

    return {"levels": {k: list(v) for k, v in CATEGORY_LEVELS.items()}, "ranges": dict(NUMERIC_RANGES),
            "flags": list(_FLAGS)}


_ADDONS = ("online_security", "online_backup", "device_protection", "tech_support", "streaming_tv",
           "streaming_movies")


def parse_record(values: dict) -> tuple[dict, list[str]]:
    """Turn what-if form values into a ``core.churn.scoring.score_new`` record, or say what is wrong.

    Flags may come as bools; ``total_charges`` as text (blank = tenure x monthly charge). Without internet, add-ons
    left at "No" become "No internet service"; without phone service, multiple lines "No" becomes "No phone
    service" (a "Yes" there is still reported as a contradiction by ``score_new``).

    Returns:
        The record and a list of problems (empty when the record can be scored).
    """
    record, problems = {}, []
    for key, value in values.items():
        if key == "total_charges":
            text = str(value if value is not None else "").strip().replace(",", "").lstrip("$")
            if text:
                try:
                    record[key] = float(text)
                except ValueError:
                    problems.append(f"Total charges must be a number in dollars (or blank), got {value!r}.")
            continue
        record[key] = int(value) if key in _FLAGS and isinstance(value, (bool, np.bool_)) else value
    if record.get("internet_service") == "No":
        record.update({k: "No internet service" for k in _ADDONS if record.get(k) == "No"})
    if record.get("phone_service") == 0 and record.get("multiple_lines") == "No":
        record["multiple_lines"] = "No phone service"
    total, monthly, tenure = record.get("total_charges"), record.get("monthly_charges"), record.get("tenure")
    if total is not None and monthly is not None and tenure and total < monthly * (tenure - 1) * 0.5:
        problems.append(f"Total charges ${total:,.2f} are far below {tenure} months at ${monthly:,.2f}: "
                        "check the figures (leave total blank to use tenure x monthly charge).")
    return record, problems

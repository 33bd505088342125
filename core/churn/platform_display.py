"""Page-level helpers of the Churn page on a platform: headline figures, what was modelled, the columns left out,
the at-risk list's insights. Pure functions (no Streamlit); light imports, like ``core.churn.display``."""
from __future__ import annotations

import pandas as pd

from core.churn.display import VALUE_MONTHS, label

#: Tabs that read the Telco columns only, and why they cannot apply to a platform (one line each).
TELCO_ONLY = {
    "What-if": "The what-if form asks for the Telco columns (contract, phone and internet services); a platform's "
               "subscribers have other columns, so it is not shown for this source.",
    "Segments": "Segments cluster the Telco columns (contract, streaming services); a platform has none of them, so "
                "this tab is not shown for this source.",
}


def overview(totals: dict, y: pd.Series, design: str) -> dict:
    """The page's overview of a platform, in the keys the shared campaign code reads.

    Args:
        totals: ``core.churn.platform.totals`` (whole table). y: the modelled subscribers' labels.
        design: the sentence saying what is modelled.

    ``base_rate`` is the modelled subscribers' churn rate (the model's reference); ``left_share`` the whole
    table's. The default offer costs one month at churners' mean charge (a free month).
    """
    monthly = float(totals["churner_monthly"])
    return {**totals, "left_share": totals["base_rate"], "base_rate": float(y.mean()) if len(y) else float("nan"),
            "modelled": int(len(y)), "modelled_churned": int(y.sum()), "design": design,
            "value_saved": round(monthly * VALUE_MONTHS, 0), "offer_cost": float(max(1, round(monthly))),
            "id_min": None, "id_max": None}


def headline_metrics(ov: dict) -> list[dict]:
    """The first metric row on a platform as ``st.metric`` keyword arguments."""
    return [{"label": "Subscribers", "value": f"{ov['subscribers']:,}"},
            {"label": "Have left", "value": f"{ov['left_share']:.1%}", "help": f"{ov['churned']:,} subscribers."},
            {"label": "Current subscribers", "value": f"{ov['current']:,}"},
            {"label": "Monthly revenue lost to churn", "value": f"${ov['monthly_revenue_lost']:,.0f}"}]


def baseline_metric(row: dict, model_row: dict) -> dict:
    """The baseline's CV ROC-AUC as a metric, with the model's lead over it."""
    lead = model_row["roc_auc"] - row["roc_auc"]
    return {"label": "Baseline CV ROC-AUC", "value": f"{row['roc_auc']:.3f}", "delta": f"model {lead:+.3f}",
            "delta_color": "normal" if lead > 0 else "inverse",
            "help": "Logistic regression on log tenure and the plan, cross-validated on the same folds."}


def left_out(columns: dict[str, str]) -> pd.DataFrame:
    """The subscriber columns the model does not use and why."""
    return pd.DataFrame({"Column": list(columns), "Why it is left out": list(columns.values())})


def sample_note(modelled: int, trained: int, current: int, design: str) -> str:
    """Say whether the model trained on everyone or a sample, and that every current subscriber is scored."""
    who = (f"a stratified sample of {trained:,} of the {modelled:,} modelled subscribers (5-fold CV on the sample; "
           "the rest scored by the model fitted on all of it, which never saw them)" if trained < modelled
           else f"all {modelled:,} modelled subscribers (5-fold CV)")
    today = ("today's rows were never training rows" if design == "cutoff"
             else "their scores are out-of-sample, as above")
    return f"Trained on {who}. All {current:,} current subscribers are scored, in chunks; {today}."


def at_risk_insights(table: pd.DataFrame, flagged: int, current: int, threshold: float, plans: pd.Series
                     ) -> list[str]:
    """Flagged share at the threshold, revenue at risk in the list, and which plan is over-represented in it.

    Args:
        table: ``core.churn.platform_eval.at_risk`` output. plans: every current subscriber's plan.
    """
    if table.empty:
        return ["No current subscribers to rank."]
    money = [c for c in table.columns if c.startswith("Expected revenue at risk")][0]
    listed = table["Plan"].value_counts(normalize=True)
    overall = plans.astype(str).value_counts(normalize=True)
    lift = (listed / overall.reindex(listed.index)).sort_values(ascending=False)
    plan = lift.index[0]
    return [f"{flagged:,} of {current:,} current subscribers ({flagged / max(current, 1):.0%}) score at or above "
            f"the campaign threshold {threshold:.2f}.",
            f"The {len(table):,} listed carry ${table[money].sum():,.0f} of expected revenue at risk; the top one "
            f"alone ${table[money].iloc[0]:,.0f}.",
            f"{plan} makes up {listed[plan]:.0%} of the list against {overall.get(plan, 0):.0%} of current "
            "subscribers: the plan most over-represented among those at risk."]


def at_risk_note(design: str, horizon: int) -> str:
    """How the at-risk list's probabilities read, by design."""
    if design == "cutoff":
        return (f"scored as they are today by the model fitted as of the cutoff: the probability of leaving within "
                f"{horizon} months")
    return "scored out-of-sample (Scored by says which model): the probability of being a churner"


def campaign_note(design, modelled: int) -> str:
    """What the campaign figures count on a platform (``design``: ``core.churn.platform.Design``)."""
    if design.kind == "cutoff":
        return (f"Campaign figures replay a campaign run on {design.cutoff:%d %b %Y} on the {modelled:,} subscribers "
                f"active then, judged against who actually left in the following {design.horizon_months} months.")
    return f"Campaign figures count the {modelled:,} subscribers modelled, judged against who has left."


def importance_caption(rows: int) -> str:
    return (f"Measured on {rows:,} held-out subscribers of the first fold (the model refitted on the other "
            "four fifths). Engagement rates are per month subscribed, over the subscription up to the cutoff.")


def driver_words(importance: pd.DataFrame, n: int = 3) -> str:
    """The top drivers in plain words: 'Sessions per month, Plan and Monthly charge ($)'."""
    names = [label(f) for f in importance.sort_values("importance", ascending=False)["feature"].head(n)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

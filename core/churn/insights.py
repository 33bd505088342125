"""Insight sentences for the Churn page charts: 2-4 computed statements each, numbers filled in from the data.

Pure functions (no Streamlit) on the outputs of ``core.churn.evaluation``, ``core.churn.scoring`` and
``core.churn.segments``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.churn.display import BASELINE, fmt_value, label


def comparison_insights(table: pd.DataFrame, base_rate: float) -> list[str]:
    """Best model, whether its lead is beyond fold noise, what the always-stay baseline scores, fastest good one.

    Args:
        table: ``Comparison.table`` (model, roc_auc, roc_auc_std, pr_auc, accuracy, fit_seconds), best first.
    """
    real = table[table["model"] != BASELINE].sort_values("roc_auc", ascending=False)
    if real.empty:
        return ["No model has been cross-validated yet."]
    best = real.iloc[0]
    out = [f"{best['model']} ranks first: ROC-AUC {best['roc_auc']:.3f} ± {best['roc_auc_std']:.3f} and PR-AUC "
           f"{best['pr_auc']:.3f}, {best['pr_auc'] / base_rate:.1f}x the {base_rate:.1%} churn base rate "
           "(what a random ranking scores)."]
    if len(real) > 1:
        second = real.iloc[1]
        gap = best["roc_auc"] - second["roc_auc"]
        noise = "within" if gap < best["roc_auc_std"] else "beyond"
        out.append(f"Its lead over {second['model']} is {gap:.3f} ROC-AUC, {noise} the fold-to-fold spread "
                   f"({best['roc_auc_std']:.3f}).")
    base = table[table["model"] == BASELINE]
    if len(base):
        out.append(f"Always predicting 'stays' is {base['accuracy'].iloc[0]:.1%} accurate yet catches no churner, "
                   f"so accuracy flatters: the best model adds {best['accuracy'] - base['accuracy'].iloc[0]:+.1%}.")
    good = real[real["roc_auc"] >= best["roc_auc"] - 0.005].sort_values("fit_seconds")
    if len(good) and good.iloc[0]["model"] != best["model"]:
        fast = good.iloc[0]
        out.append(f"{fast['model']} is within 0.005 ROC-AUC and fits in {fast['fit_seconds']:.2f} s per fold "
                   f"against {best['fit_seconds']:.2f} s.")
    return out[:4]


def roc_insights(curves: dict, operating: dict) -> list[str]:
    """ROC-AUC and the operating point of the chosen threshold (``threshold_table`` row)."""
    s = curves["summary"]
    fpr = operating["fp"] / max(_negatives(curves, operating), 1)
    return [f"Out-of-fold ROC-AUC is {s['roc_auc']:.3f}: a random churner outranks a random stayer "
            f"{s['roc_auc']:.0%} of the time (0.5 = coin toss).",
            f"At threshold {operating['threshold']:.2f} the campaign reaches {operating['recall']:.0%} of churners "
            f"while flagging {fpr:.0%} of subscribers who would have stayed."]


def _negatives(curves: dict, operating: dict) -> int:
    """Number of stayers, from the prevalence and the confusion counts."""
    positives = operating["tp"] + operating["fn"]
    prevalence = curves["summary"]["prevalence"]
    return int(round(positives * (1 - prevalence) / prevalence)) if prevalence > 0 else 0


def pr_insights(curves: dict, operating: dict) -> list[str]:
    """PR-AUC against the base rate and precision at the chosen threshold."""
    s, pr = curves["summary"], curves["pr"]
    half = pr[pr["recall"] >= 0.5]
    out = [f"PR-AUC is {s['pr_auc']:.3f} against a {s['prevalence']:.1%} base rate "
           f"({s['pr_auc'] / s['prevalence']:.1f}x a random ranking)."]
    if len(half):
        out.append(f"To reach half of all churners, {half['precision'].max():.0%} of flagged subscribers are "
                   "real churners at best.")
    out.append(f"At threshold {operating['threshold']:.2f}: precision {operating['precision']:.0%}, recall "
               f"{operating['recall']:.0%}.")
    return out


def reliability_insights(reliability: pd.DataFrame, summary: dict) -> list[str]:
    """Calibration error overall, the worst bin, and whether the model over- or under-predicts on balance.

    Args:
        reliability: ``curves()["reliability"]`` (bin_low, bin_high, mean_predicted, observed_rate, count).
    """
    if reliability.empty:
        return ["No probabilities to check."]
    gap = reliability["observed_rate"] - reliability["mean_predicted"]
    big = reliability[reliability["count"] >= 30]
    worst = (big if len(big) else reliability).assign(gap=gap).sort_values("gap", key=np.abs).iloc[-1]
    mean_gap = float(np.average(gap, weights=reliability["count"]))
    return [f"Expected calibration error is {summary['ece']:.3f}: predicted probabilities are off by "
            f"{summary['ece'] * 100:.1f} percentage points on average, so they can be read as churn chances.",
            f"Largest gap (bins with 30+ subscribers): predicted {worst['mean_predicted']:.0%} vs observed "
            f"{worst['observed_rate']:.0%} in {worst['bin_low']:.1f}-{worst['bin_high']:.1f} "
            f"({int(worst['count']):,} subscribers).",
            f"On balance the model {'under' if mean_gap > 0 else 'over'}-predicts churn by "
            f"{abs(mean_gap) * 100:.2f} points."]


def campaign_insights(row: dict, sweep: pd.DataFrame, cost_per_offer: float, value_saved: float,
                      success_rate: float) -> list[str]:
    """What the chosen threshold buys, the best threshold under these costs, and the break-even precision."""
    best = sweep.loc[sweep["is_best"]].iloc[0]
    out = [f"Flagging {row['flagged']:,} subscribers costs ${row['cost']:,.0f} and is expected to keep "
           f"{row['expected_saved']:,.0f} of the {row['tp']:,} churners reached, worth ${row['benefit']:,.0f}: "
           f"net ${row['net']:,.0f}."]
    if best["net"] > 0:
        out.append(f"With these costs the best threshold is {best['threshold']:.2f}: {int(best['flagged']):,} "
                   f"offers, net ${best['net']:,.0f}.")
    else:
        out.append("With these costs no threshold pays off: every campaign loses money.")
    if success_rate > 0 and value_saved > 0:
        breakeven = cost_per_offer / (success_rate * value_saved)
        verdict = "above" if row["precision"] >= breakeven else "below"
        out.append(f"An offer pays for itself when at least {breakeven:.0%} of flagged subscribers are churners; "
                   f"precision here is {row['precision']:.0%}, {verdict} that.")
    return out


def threshold_check_insights(check: dict, n_folds: int) -> list[str]:
    """Say that the best threshold was picked on the scores it is judged on, and what choosing it honestly earns."""
    low, high = min(check["fold_thresholds"]), max(check["fold_thresholds"])
    spread = f"{low:.2f}" if low == high else f"{low:.2f}-{high:.2f}"
    gap = check["best_net"] - check["honest_net"]
    if check["best_net"] <= 0:
        return []
    return [f"The best threshold under these costs ({check['best_threshold']:.2f}, net ${check['best_net']:,.0f}; "
            f"with the default costs it is the slider's starting point) is chosen on the same out-of-fold scores it "
            f"is judged on, so that net is "
            f"optimistic. Chosen on {n_folds - 1} folds and applied to the held-out fifth, fold by fold, the choice "
            f"lands at {spread} and nets ${check['honest_net']:,.0f} in total "
            f"({'$' + format(gap, ',.0f') + ' less' if gap >= 0 else '$' + format(-gap, ',.0f') + ' more'})."]


def importance_insights(importance: pd.DataFrame, roc_auc: float) -> list[str]:
    """Top driver, how concentrated the drivers are, and which columns the model barely uses."""
    if importance.empty:
        return ["No importance measured."]
    imp = importance.sort_values("importance", ascending=False)
    top = imp.iloc[0]
    positive = imp["importance"].clip(lower=0)
    share3 = positive.head(3).sum() / positive.sum() if positive.sum() > 0 else float("nan")
    weak = imp[imp["importance"] < 0.001]["feature"].map(label).tolist()
    out = [f"Shuffling {label(top['feature'])} costs the most: ROC-AUC drops by {top['importance']:.3f} "
           f"(from {roc_auc:.3f}).",
           f"The top three ({', '.join(imp['feature'].head(3).map(label))}) account for {share3:.0%} of the total "
           "drop."]
    if weak:
        out.append(f"{len(weak)} columns change ROC-AUC by less than 0.001 when shuffled, e.g. "
                   f"{', '.join(weak[:3])}.")
    return out


def explanation_insights(explanation: pd.DataFrame, base_rate: float, probability: float | None = None
                         ) -> list[str]:
    """One subscriber: probability vs base rate, the factor raising the risk most, the one lowering it most.

    Args:
        explanation: ``core.churn.scoring.explain_one`` output.
        probability: the probability to quote (e.g. out-of-fold); default: the explained model's.
    """
    if explanation.empty:
        return []
    p = float(explanation["probability"].iloc[0]) if probability is None else float(probability)
    out = [f"Churn probability {p:.0%}, {p / base_rate:.1f}x the {base_rate:.1%} base rate."]
    up = explanation[explanation["contribution"] > 0.005].sort_values("contribution", ascending=False)
    down = explanation[explanation["contribution"] < -0.005].sort_values("contribution")
    if up.empty and down.empty:
        out.append("Every factor is at or near the typical subscriber's value: none moves the score by more than "
                   "0.5 points.")
    for rows, verb in ((up, "raises"), (down, "lowers")):
        if len(rows):
            r = rows.iloc[0]
            out.append(f"{label(r['feature'])} = {fmt_value(r['feature'], r['value'])} {verb} the risk most: "
                       f"{r['contribution'] * 100:+.1f} points vs a typical {fmt_value(r['feature'], r['reference'])}.")
    return out


def segment_insights(profiles: pd.DataFrame, base_rate: float, k: int) -> list[str]:
    """Riskiest and safest segment against the base rate, and the largest one.

    Args:
        profiles: ``Segmentation.profiles`` (name, size, share, churn_rate, mean_tenure, modal_contract).
    """
    if profiles.empty:
        return []
    by_risk = profiles.sort_values("churn_rate")
    hi, lo = by_risk.iloc[-1], by_risk.iloc[0]
    big = profiles.sort_values("size").iloc[-1]
    return [f"{k} segments. Riskiest: {hi['name']}, churn {hi['churn_rate']:.0%} "
            f"({hi['churn_rate'] / base_rate:.1f}x the {base_rate:.0%} base rate), {int(hi['size']):,} subscribers.",
            f"Safest: {lo['name']}, churn {lo['churn_rate']:.0%}, mean tenure {lo['mean_tenure']:.0f} months.",
            f"Largest: {big['name']} with {big['share']:.0%} of subscribers."]


def at_risk_insights(table: pd.DataFrame, flagged: int, current: int, threshold: float) -> list[str]:
    """How many current subscribers the threshold flags, revenue at risk in the list, the commonest factor.

    Args:
        table: ``churn_page.at_risk_display`` output.
    """
    if table.empty:
        return ["No current subscribers to rank."]
    money = [c for c in table.columns if c.startswith("Expected revenue at risk")][0]
    main = table["Main risk factor"].str.split(":").str[0].value_counts()
    after = table["Next factor"].str.replace(r" \(.*\)$", "", regex=True).value_counts()
    return [f"{flagged:,} of {current:,} current subscribers ({flagged / max(current, 1):.0%}) score at or above "
            f"the campaign threshold {threshold:.2f}.",
            f"The {len(table):,} listed carry ${table[money].sum():,.0f} of expected revenue at risk; the top one "
            f"alone ${table[money].iloc[0]:,.0f}.",
            f"Commonest main factor: {main.index[0]} ({main.iloc[0]} of {len(table)}); commonest next one: "
            f"{after.index[0]} ({after.iloc[0]})."]


def silhouette_insights(silhouettes: pd.DataFrame, k: int, margin: float = 0.02) -> list[str]:
    """Which k the silhouette prefers, which k is used and why (the rule of ``churn_segments.segments``)."""
    if silhouettes.empty:
        return []
    best = silhouettes.loc[silhouettes["silhouette"].idxmax()]
    used = silhouettes.loc[silhouettes["k"] == k, "silhouette"]
    out = [f"Best silhouette {best['silhouette']:.3f} at k = {int(best['k'])}; scores range "
           f"{silhouettes['silhouette'].min():.3f}-{silhouettes['silhouette'].max():.3f}."]
    if int(best["k"]) == k:
        out.append(f"k = {k} is used: it has the best silhouette.")
    else:
        out.append(f"k = {k} is used (silhouette {used.iloc[0]:.3f}): no other k beats it by {margin} or more, so "
                   "the data shows no clear preference.")
    return out

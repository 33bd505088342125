"""Charts of the Churn page. Builders take frames (input columns in each docstring) and return figures.

Reading guides for the page captions are in ``HOW_TO_READ``. Subscribers have no genre, so these charts use
three fixed colours: risk (churn), safe (stays) and the model.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.charts import empty_figure, reused, style
from core.churn.display import label

RISK = "#E4572E"
SAFE = "#29B6F6"
MODEL = "#7E57C2"
GREY = "rgba(158,158,158,0.7)"

HOW_TO_READ: dict[str, str] = {
    "roc": "Each point is one threshold: share of churners caught (up) against share of stayers wrongly flagged "
           "(right). Higher and further left is better; the dashed diagonal is a coin toss. The dot is your threshold.",
    "pr": "Each point is one threshold: of the subscribers flagged, the share who really churn (up) against the share "
          "of churners caught (right). The dashed line is the base rate (random flagging). The dot is your threshold.",
    "reliability": "Subscribers grouped by predicted churn probability: predicted (across) against the share who "
                   "actually churned (up). On the dashed diagonal, a 30% prediction means 30% leave.",
    "campaign": "Expected net value of the campaign (value of churners kept minus offer costs) at every threshold; "
                "the vertical line is your threshold, the dot the best one.",
    "models": "Bars: cross-validated ROC-AUC and PR-AUC per model (5 folds; whiskers = fold std). The dashed line "
              "is the churn base rate, what PR-AUC a random ranking scores.",
    "importance": "How much ROC-AUC drops when one column is shuffled on held-out subscribers (longer = the model "
                  "leans on it more; whiskers = std over shuffles).",
    "contributions": "Change in this subscriber's churn probability if one factor were typical instead: red bars "
                     "raise the risk, blue bars lower it (percentage points).",
    "segments": "Churn rate of each K-Means segment (bar) against the base rate (dashed); bar labels give the "
                "segment's size.",
    "planted": "Grey: each planted driver's true coefficient (log-odds per month of the generator's hazard). Purple: "
               "the model's, from a linear fit of its honest scores' log-odds on the drivers read from the data "
               "(log-odds of leaving over the whole horizon). Compare sign and order, not size: the scales differ.",
    "silhouette": "Silhouette score of K-Means for each number of segments (higher = better separated); the "
                  "marked k is the one used.",
}


def _point(fig: go.Figure, x: float, y: float, name: str) -> None:
    fig.add_trace(go.Scatter(x=[x], y=[y], mode="markers", marker=dict(size=12, color=RISK, line=dict(width=2)),
                             name=name, hovertemplate=f"{name}<br>%{{x:.2f}}, %{{y:.2f}}<extra></extra>"))


@reused
def roc_curve(roc: pd.DataFrame, point: dict | None = None) -> go.Figure:
    """ROC curve. Columns: fpr, tpr. ``point``: {"fpr", "tpr", "threshold"} of the chosen threshold."""
    if roc.empty:
        return empty_figure("No predictions to draw.")
    fig = go.Figure(go.Scatter(x=roc["fpr"], y=roc["tpr"], mode="lines", line=dict(color=MODEL, width=3),
                               name="Model", hovertemplate="Stayers flagged %{x:.0%}<br>Churners caught %{y:.0%}"
                               "<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dash", color=GREY), name="Coin toss"))
    if point:
        _point(fig, point["fpr"], point["tpr"], f"Threshold {point['threshold']:.2f}")
    fig.update_xaxes(title_text="Stayers wrongly flagged (false-positive rate)", tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title_text="Churners caught (recall)", tickformat=".0%", range=[0, 1.02])
    return style(fig, height=360)


@reused
def pr_curve(pr: pd.DataFrame, base_rate: float, point: dict | None = None) -> go.Figure:
    """Precision-recall curve. Columns: recall, precision. ``point``: {"recall", "precision", "threshold"}."""
    if pr.empty:
        return empty_figure("No predictions to draw.")
    fig = go.Figure(go.Scatter(x=pr["recall"], y=pr["precision"], mode="lines", line=dict(color=MODEL, width=3),
                               name="Model", hovertemplate="Recall %{x:.0%}<br>Precision %{y:.0%}<extra></extra>"))
    fig.add_hline(y=base_rate, line=dict(dash="dash", color=GREY), annotation_text=f"Base rate {base_rate:.1%}")
    if point:
        _point(fig, point["recall"], point["precision"], f"Threshold {point['threshold']:.2f}")
    fig.update_xaxes(title_text="Churners caught (recall)", tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title_text="Flagged who churn (precision)", tickformat=".0%", range=[0, 1.02])
    return style(fig, height=360)


@reused
def reliability(rel: pd.DataFrame) -> go.Figure:
    """Reliability curve. Columns: mean_predicted, observed_rate, count."""
    if rel.empty:
        return empty_figure("No predictions to draw.")
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dash", color=GREY),
                               name="Perfect calibration"))
    fig.add_trace(go.Scatter(x=rel["mean_predicted"], y=rel["observed_rate"], mode="lines+markers",
                             marker=dict(size=(rel["count"] / rel["count"].max() * 24).clip(lower=6), color=MODEL),
                             line=dict(color=MODEL), name="Model", customdata=rel["count"],
                             hovertemplate="Predicted %{x:.0%}<br>Observed %{y:.0%}<br>%{customdata:,} subscribers"
                             "<extra></extra>"))
    fig.update_xaxes(title_text="Predicted churn probability", tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title_text="Observed churn rate", tickformat=".0%", range=[0, 1])
    return style(fig, height=360)


@reused
def campaign(sweep: pd.DataFrame, threshold: float) -> go.Figure:
    """Expected net, benefit and cost by threshold. Columns: threshold, net, benefit, cost, is_best."""
    if sweep.empty:
        return empty_figure("No thresholds to draw.")
    fig = go.Figure()
    for col, color, name in (("benefit", SAFE, "Value of churners kept"), ("cost", GREY, "Offer cost"),
                             ("net", MODEL, "Net")):
        fig.add_trace(go.Scatter(x=sweep["threshold"], y=sweep[col], mode="lines", name=name,
                                 line=dict(color=color, width=3 if col == "net" else 2),
                                 hovertemplate=f"{name}: $%{{y:,.0f}} at %{{x:.2f}}<extra></extra>"))
    best = sweep[sweep["is_best"]]
    fig.add_trace(go.Scatter(x=best["threshold"], y=best["net"], mode="markers", name="Best net",
                             marker=dict(size=12, color=SAFE, symbol="star")))
    fig.add_vline(x=threshold, line=dict(color=RISK, dash="dot"))
    fig.update_xaxes(title_text="Threshold (flag when churn probability is at least this)", range=[0, 1])
    fig.update_yaxes(title_text="Expected value ($)", tickprefix="$", tickformat=",.0f")
    return style(fig, height=360)


@reused
def model_scores(table: pd.DataFrame, base_rate: float) -> go.Figure:
    """CV ROC-AUC and PR-AUC per model. Columns: model, roc_auc, roc_auc_std, pr_auc, pr_auc_std."""
    if table.empty:
        return empty_figure("No models evaluated.")
    t = table.sort_values("roc_auc")
    fig = go.Figure()
    for col, color, name in (("roc_auc", MODEL, "ROC-AUC"), ("pr_auc", SAFE, "PR-AUC")):
        fig.add_trace(go.Bar(y=t["model"], x=t[col], orientation="h", name=name, marker_color=color,
                             error_x=dict(type="data", array=t[f"{col}_std"]),
                             hovertemplate=f"%{{y}}: {name} %{{x:.3f}}<extra></extra>"))
    fig.add_vline(x=base_rate, line=dict(dash="dash", color=RISK), annotation_text=f"Base rate {base_rate:.1%}")
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="Score (cross-validated)", range=[0, 1])
    return style(fig, height=120 + 55 * len(t))


@reused
def importance(imp: pd.DataFrame, top: int = 12) -> go.Figure:
    """Permutation importance bars. Columns: feature, importance, std."""
    if imp.empty:
        return empty_figure("No importance measured.")
    t = imp.sort_values("importance", ascending=False).head(top).iloc[::-1]
    fig = go.Figure(go.Bar(y=t["feature"].map(label), x=t["importance"], orientation="h", marker_color=MODEL,
                           error_x=dict(type="data", array=t["std"]),
                           hovertemplate="%{y}: ROC-AUC drop %{x:.4f}<extra></extra>"))
    fig.update_xaxes(title_text="Drop in ROC-AUC when shuffled")
    return style(fig, height=120 + 28 * len(t), legend=False)


@reused
def contributions(expl: pd.DataFrame, top: int = 10) -> go.Figure:
    """One subscriber's factors that move the score by 0.05 points or more. Columns: feature, value, reference,
    contribution."""
    moving = expl[expl["contribution"].abs() >= 0.0005] if len(expl) else expl  # under 0.05 points: not shown
    if moving.empty:
        return empty_figure("Every factor is at its typical value: nothing moves this score.")
    t = moving.reindex(moving["contribution"].abs().sort_values(ascending=False).index).head(top).iloc[::-1]
    text = [f"{v} (typical {r})" for v, r in zip(t["value"], t["reference"])]
    fig = go.Figure(go.Bar(y=t["feature"].map(label), x=t["contribution"] * 100, orientation="h",
                           marker_color=[RISK if c > 0 else SAFE for c in t["contribution"]], customdata=text,
                           hovertemplate="%{y} = %{customdata}<br>%{x:+.1f} points<extra></extra>"))
    fig.update_xaxes(title_text="Change in churn probability (percentage points)", zeroline=True)
    return style(fig, height=120 + 28 * len(t), legend=False)


@reused
def segment_churn(profiles: pd.DataFrame, base_rate: float) -> go.Figure:
    """Churn rate per segment. Columns: name, size, churn_rate."""
    if profiles.empty:
        return empty_figure("No segments.")
    t = profiles.sort_values("churn_rate")
    fig = go.Figure(go.Bar(y=t["name"], x=t["churn_rate"], orientation="h",
                           marker_color=[RISK if r > base_rate else SAFE for r in t["churn_rate"]],
                           text=[f"{int(n):,} subscribers" for n in t["size"]], textposition="auto",
                           hovertemplate="%{y}: churn %{x:.1%}<extra></extra>"))
    fig.add_vline(x=base_rate, line=dict(dash="dash", color=GREY), annotation_text=f"Base rate {base_rate:.1%}")
    fig.update_xaxes(title_text="Churn rate", tickformat=".0%")
    return style(fig, height=140 + 50 * len(t), legend=False)


@reused
def silhouette(scores: pd.DataFrame, k: int) -> go.Figure:
    """Silhouette by k. Columns: k, silhouette."""
    if scores.empty:
        return empty_figure("No silhouette scores.")
    fig = go.Figure(go.Scatter(x=scores["k"], y=scores["silhouette"], mode="lines+markers",
                               line=dict(color=MODEL), name="Silhouette"))
    chosen = scores[scores["k"] == k]
    fig.add_trace(go.Scatter(x=chosen["k"], y=chosen["silhouette"], mode="markers", name=f"k = {k} used",
                             marker=dict(size=14, color=RISK)))
    fig.update_xaxes(title_text="Number of segments (k)", dtick=1)
    fig.update_yaxes(title_text="Silhouette")
    return style(fig, height=300)



@reused
def planted(table: pd.DataFrame) -> go.Figure:
    """Planted vs recovered coefficients per driver. Columns: driver, true_coefficient, recovered."""
    if table.empty:
        return empty_figure("No planted drivers to compare.")
    t = table.iloc[::-1]
    fig = go.Figure()
    for col, color, name in (("true_coefficient", GREY, "Planted (true)"), ("recovered", MODEL, "Model")):
        fig.add_trace(go.Bar(y=t["driver"], x=t[col], orientation="h", name=name, marker_color=color,
                             hovertemplate=f"%{{y}}: {name} %{{x:+.2f}}<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="Coefficient (log-odds; positive = more churn)", zeroline=True)
    return style(fig, height=140 + 60 * len(t))

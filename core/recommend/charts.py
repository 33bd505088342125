"""Recommender page charts: one builder per chart, ``noun(df) -> go.Figure``, no Streamlit."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.charts import empty_figure, genre_color, reused, style

CONTENT_COLOR, COLLAB_COLOR = "#26C6DA", "#F3A712"
MODEL_COLORS = ["#7E57C2", "#F3A712", "#26C6DA", "#9E9E9E"]

HOW_TO_READ: dict[str, str] = {
    "genre_taste": "Each bar is the user's mean rating in a genre (ratings count on the bar); the dashed line is "
                   "their overall mean, so bars past it are genres they like more than usual.",
    "neighbours": "Longer bars are closer titles: cosine similarity of genre/title/decade profiles for content, "
                  "shrunk rating correlation for collaborative neighbours.",
    "score_mix": "Each bar is one recommendation's blended score (0-1), split into its content part and its "
                 "collaborative part at the chosen weight; the top pick is at the top.",
    "blend_map": "Rows are the titles of the chosen and the default list, columns content weights; the number "
                 "is the title's rank at that weight (blank = not in the top 10). The outlined column is the "
                 "chosen weight.",
    "rating_errors": "Lower is better: cross-validated error of each rating predictor in stars; the global-mean "
                     "bar is the baseline every model must beat.",
    "ranking_metrics": "Higher is better: top-10 quality on each user's held-out latest ratings, per model; "
                       "coverage is the share of the catalogue that appears in anyone's top 10.",
}


@reused
def genre_taste(profile: pd.DataFrame, user_mean: float) -> go.Figure:
    """Mean rating per genre. Columns: genre, ratings, mean_rating."""
    if profile.empty:
        return empty_figure("No genres in this history")
    df = profile.sort_values(["ratings", "genre"], ascending=[True, False])
    fig = go.Figure(go.Bar(x=df["mean_rating"], y=df["genre"], orientation="h",
                           marker_color=[genre_color(g) for g in df["genre"]],
                           text=[f"{n} ratings" for n in df["ratings"]], textposition="inside",
                           hovertemplate="%{y}: mean %{x:.2f}<extra></extra>"))
    fig.add_vline(x=user_mean, line_dash="dash", annotation_text=f"overall {user_mean:.2f}")
    fig.update_xaxes(title="Mean rating (stars)", range=[0, 5.2])
    return style(fig, height=max(260, 26 * len(df) + 80), legend=False)


@reused
def neighbours(df: pd.DataFrame, kind: str = "content") -> go.Figure:
    """Similarity bars, closest on top. Columns: title, similarity."""
    if df.empty:
        return empty_figure("No neighbours to show")
    ordered = df.iloc[::-1]
    fig = go.Figure(go.Bar(x=ordered["similarity"], y=ordered["title"], orientation="h",
                           marker_color=CONTENT_COLOR if kind == "content" else COLLAB_COLOR,
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_xaxes(title="Cosine similarity" if kind == "content" else "Rating similarity (shrunk)")
    return style(fig, height=max(260, 28 * len(df) + 80), legend=False)


@reused
def score_mix(top: pd.DataFrame) -> go.Figure:
    """Stacked content/collaborative parts of each pick's score. Columns: rank, title, content_part,
    collaborative_part."""
    if top.empty:
        return empty_figure("No recommendations")
    df = top.iloc[::-1]
    labels = [f"{r}. {t}" for r, t in zip(df["rank"], df["title"])]
    fig = go.Figure([go.Bar(x=df["collaborative_part"], y=labels, orientation="h", name="Collaborative part",
                            marker_color=COLLAB_COLOR),
                     go.Bar(x=df["content_part"], y=labels, orientation="h", name="Content part",
                            marker_color=CONTENT_COLOR)])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="Blended score (0-1)")
    return style(fig, height=max(300, 28 * len(df) + 100))


@reused
def blend_map(ranks: pd.DataFrame, weight: float, default: float = 0.3) -> go.Figure:
    """Rank at each content weight of the titles in the chosen or the default list. Columns: weight, rank,
    title_id, title."""
    if ranks.empty:
        return empty_figure("No recommendations")
    shown = set(ranks.loc[ranks["weight"].isin([weight, default]), "title_id"])
    grid = ranks[ranks["title_id"].isin(shown)].pivot_table(index="title", columns="weight", values="rank",
                                                            aggfunc="min")
    grid = grid.loc[grid.assign(_best=grid.min(axis=1)).sort_values(["_best", *grid.columns]).index]
    xs = [f"{100 * w:.0f}%" for w in grid.columns]
    text = grid.map(lambda v: "" if pd.isna(v) else f"{int(v)}")
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=xs, y=list(grid.index), text=text.to_numpy(),
                               texttemplate="%{text}", colorscale="Viridis_r", zmin=1, zmax=10, showscale=False,
                               hovertemplate="%{y} at %{x} content: rank %{z}<extra></extra>"))
    if weight in list(grid.columns):
        col = list(grid.columns).index(weight)
        fig.add_shape(type="rect", x0=col - 0.5, x1=col + 0.5, y0=-0.5, y1=len(grid) - 0.5,
                      line=dict(color="white", width=2))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="Content weight", side="top")
    return style(fig, height=max(320, 22 * len(grid) + 100), legend=False)


@reused
def rating_errors(table: pd.DataFrame) -> go.Figure:
    """RMSE and MAE per predictor. Columns: model, rmse, mae."""
    if table.empty:
        return empty_figure("No evaluation")
    fig = go.Figure([go.Bar(x=table["model"], y=table[m], name=m.upper(), marker_color=c,
                            text=[f"{v:.3f}" for v in table[m]], textposition="outside")
                     for m, c in (("rmse", MODEL_COLORS[0]), ("mae", MODEL_COLORS[2]))])
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="Error (stars)")
    return style(fig, height=380)


@reused
def ranking_metrics(table: pd.DataFrame) -> go.Figure:
    """Precision, recall, NDCG at 10 and coverage per model. Columns: model, precision, recall, ndcg, coverage."""
    if table.empty:
        return empty_figure("No evaluation")
    metrics = {"precision": "Precision@10", "recall": "Recall@10", "ndcg": "NDCG@10", "coverage": "Coverage"}
    fig = go.Figure([go.Bar(x=list(metrics.values()), y=[row[m] for m in metrics], name=row["model"],
                            marker_color=MODEL_COLORS[i % len(MODEL_COLORS)],
                            hovertemplate=row["model"] + ": %{y:.4f}<extra></extra>")
                     for i, row in table.reset_index(drop=True).iterrows()])
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="Score (0-1)")
    return style(fig, height=400)

"""Charts of the decision pages (Investment Copilot, Head-to-Head). Builders take frames, return figures.

Reading guides for the page captions are in ``HOW_TO_READ``.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.charts import empty_figure, genre_color, reused, style

SIDE_COLORS = ("#29B6F6", "#FF8A65")  # title A / title B (titles have no single genre colour)
HIT_COLOR = "#66BB6A"

HOW_TO_READ: dict[str, str] = {
    "budget_curve": "Bars: predicted popularity at each budget level (log scale, left); line: hit probability "
                    "(right). Everything but the budget is held fixed; the highlighted bar is your choice.",
    "radar": "Each axis is a percentile (0-100) among the titles with a known budget; the further out, the "
             "higher. The filled shape is the scenario, the outline its genre's average.",
    "diff_bars": "Each bar is A minus B as a % of their average (percentile metrics: points). Bars to the right "
                 "favour A, to the left B; grey bars are not scored.",
    "genre_trend": "Top: titles released per year; bottom: their mean engagement score. One line per genre.",
    "rating_trend": "Mean MovieLens rating (0.5-5) per year for each title; marker size = ratings that year.",
}


@reused
def budget_curve(curve: pd.DataFrame, genre: str = "") -> go.Figure:
    """Predicted popularity (bars) and hit probability (line) by budget level.

    Columns: budget_level, popularity, hit_probability, selected.
    """
    if curve.empty:
        return empty_figure("No predictions to draw.")
    base = genre_color(genre) if genre else "#7E57C2"
    colors = [base if s else "rgba(158,158,158,0.45)" for s in curve["selected"]]
    # A plain figure with an overlaying right axis: make_subplots costs ~70-150 ms per call, and this chart is
    # redrawn on every copilot slider move.
    fig = go.Figure([
        go.Bar(x=curve["budget_level"], y=curve["popularity"], marker_color=colors, name="Predicted popularity",
               hovertemplate="Level %{x}: %{y:,.1f}<extra></extra>"),
        go.Scatter(x=curve["budget_level"], y=curve["hit_probability"], mode="lines+markers", yaxis="y2",
                   line=dict(color=HIT_COLOR, width=3), name="Hit probability",
                   hovertemplate="Level %{x}: %{y:.0%}<extra></extra>")])
    # Own ticks and no grid on the right axis: overlaying axes otherwise sync to the log axis' tick positions.
    fig.update_layout(
        xaxis=dict(title_text="Budget level (1 = cheapest tenth)", dtick=1),
        yaxis=dict(title_text="Predicted popularity", type="log", dtick="D2", tickformat=",.0f"),
        yaxis2=dict(title_text="Hit probability", tickformat=".0%", range=[0, 1], tickmode="linear", tick0=0,
                    dtick=0.2, showgrid=False, overlaying="y", side="right"))
    return style(fig, height=360)


@reused
def radar(profile: pd.DataFrame, genre: str = "", group: str = "Genre") -> go.Figure:
    """Scenario vs genre average on percentile axes. Columns: axis, scenario, genre, scenario_value, genre_value."""
    if profile.empty:
        return empty_figure("No profile to draw.")
    axes = profile["axis"].tolist() + profile["axis"].tolist()[:1]
    close = lambda col: profile[col].tolist() + profile[col].tolist()[:1]  # noqa: E731
    color = genre_color(genre) if genre else "#7E57C2"
    fig = go.Figure()
    fig.add_trace(go.Scatterpolar(r=close("genre"), theta=axes, name=f"{group} average",
                                  line=dict(color="#BDBDBD", dash="dash"), customdata=close("genre_value"),
                                  hovertemplate="%{theta}: pct %{r:.0f} (value %{customdata:,.2f})<extra></extra>"))
    fig.add_trace(go.Scatterpolar(r=close("scenario"), theta=axes, name="Scenario", fill="toself",
                                  line=dict(color=color), opacity=0.8, customdata=close("scenario_value"),
                                  hovertemplate="%{theta}: pct %{r:.0f} (value %{customdata:,.2f})<extra></extra>"))
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, 100], tickvals=[25, 50, 75])))
    return style(fig, height=380)


@reused
def diff_bars(table: pd.DataFrame, name_a: str, name_b: str, colors: tuple[str, str] = SIDE_COLORS) -> go.Figure:
    """Diverging bars of normalised differences (A minus B). Columns: metric, kind, diff, favours."""
    data = table[table["diff"].notna()].iloc[::-1]
    if data.empty:
        return empty_figure("Nothing to compare.")
    fill = {name_a: colors[0], name_b: colors[1]}
    bar_colors = [fill.get(f, "rgba(158,158,158,0.6)") for f in data["favours"]]
    text = [f"{d:+.0f}{' pts' if k == 'pct' else '%'}" for d, k in zip(data["diff"], data["kind"])]
    fig = go.Figure(go.Bar(x=data["diff"], y=data["metric"], orientation="h", marker_color=bar_colors, text=text,
                           textposition="outside", hovertemplate="%{y}: %{text}<extra></extra>"))
    limit = max(10.0, float(data["diff"].abs().max()) * 1.4)  # room for the labels
    fig.update_xaxes(range=[-limit, limit], zeroline=True, zerolinecolor="#BDBDBD",
                     title_text=f"<- favours {name_b}   |   favours {name_a} ->")
    return style(fig, height=max(260, 34 * len(data) + 80), legend=False)


@reused
def genre_trend(trend: pd.DataFrame) -> go.Figure:
    """Titles per year and mean engagement per year, one line per genre. Columns: genre, year, titles, engagement."""
    if trend.empty:
        return empty_figure("No dated titles for these genres.")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Titles per year", "Mean engagement"))
    for i, (genre, grp) in enumerate(trend.groupby("genre", sort=False)):
        color = genre_color(str(genre))
        dash = "solid" if i == 0 else "dot"
        fig.add_trace(go.Scatter(x=grp["year"], y=grp["titles"], name=str(genre), mode="lines",
                                 line=dict(color=color, dash=dash), legendgroup=str(genre)), row=1, col=1)
        fig.add_trace(go.Scatter(x=grp["year"], y=grp["engagement"], name=str(genre), mode="lines",
                                 line=dict(color=color, dash=dash), legendgroup=str(genre), showlegend=False),
                      row=2, col=1)
    fig.update_xaxes(title_text="Release year", row=2, col=1)
    return style(fig, height=460)


@reused
def rating_trend(trend: pd.DataFrame, names: tuple[str, str], colors: tuple[str, str] = SIDE_COLORS) -> go.Figure:
    """Mean MovieLens rating per year per title. Columns: title, year, mean_rating, ratings."""
    if trend.empty:
        return empty_figure("Neither title has MovieLens ratings.")
    fig = go.Figure()
    for name, color in zip(names, colors):
        grp = trend[trend["title"] == name]
        if grp.empty:
            continue
        size = 6 + 18 * (grp["ratings"] / trend["ratings"].max()) ** 0.5
        fig.add_trace(go.Scatter(x=grp["year"], y=grp["mean_rating"], mode="lines+markers", name=name,
                                 marker=dict(size=size, color=color), line=dict(color=color),
                                 customdata=grp["ratings"],
                                 hovertemplate="%{x}: %{y:.2f} from %{customdata} ratings<extra></extra>"))
    fig.update_yaxes(title_text="Mean rating", range=[0.5, 5.2])
    fig.update_xaxes(title_text="Year rated", dtick=2)
    return style(fig, height=360)

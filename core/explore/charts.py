"""Chart builders for the three strategy pages (Content Universe, Performance Deep Dive, Market Opportunities).

One builder per chart, ``noun(frame) -> go.Figure``, input columns in the docstring, no Streamlit; genre colours
and layout come from ``core.charts``. Big scatters use WebGL (``go.Scattergl``). ``HOW_TO_READ`` holds the
one-line reading guide each page shows above a chart. Scatter coordinates go out as float32 (``_f4``): half the
spec of float64, and still ~7 significant digits, far more than the axes and hover labels show.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.colors as pc
import plotly.graph_objects as go

from core import charts, config
from core.explore import deepdive, market

_HIT_SHARE = f"{1 - config.HIT_QUANTILE:.0%}"  # share of titles that are hits (the view's average hit rate)

HOW_TO_READ: dict[str, str] = {
    "episode_audience": "Lines: each series' 7-day audience (millions) episode by episode; a line that climbs to "
                        "its last point is a series whose finale drew more than its premiere.",
    "series_audience": "Bars: each series' average 7-day audience an episode; the last bar, outlined, is the next "
                       "series' forecast with its interval from the backtest errors.",
    "genre_shares": "Bars: each genre's share of titles; diamonds: its share of engagement. A diamond right of "
                    "its bar means the genre earns more than its size.",
    "quality_popularity": "Each dot is a title: higher = better rated, further right = more popular (log scale). "
                          "Top-left dots are well rated but little seen.",
    "tier_matrix": "Each row is a genre split into engagement quartiles; a darker Hit cell means more of that "
                   f"genre's titles are hits ({_HIT_SHARE} is average).",
    "correlations": "Rank correlation of every pair of metrics: red = rise together, blue = one rises as the "
                    "other falls, pale = unrelated.",
    "anomalies": "Each dot is a title by reach and rating; red dots are the ones the Isolation Forest isolates "
                 "fastest (the most unusual combinations).",
    "seasonal": "Bars: mean engagement of titles in each period; hover for the title count and hit rate.",
    "drivers": "Bars are mean engagement per band, grouped by driver; the dashed line is the view's mean.",
    "segment_curves": "Silhouette (solid, left axis): higher = cleaner segments; inertia (dotted, right axis) "
                      "falls as k grows, look for the bend. The ringed point is the best k by silhouette; a red "
                      "diamond marks the k you picked, when it is another.",
    "segments": "Each dot is a title by reach (right = more votes) and quality (up = better rated), coloured by "
                "its segment; attention (log popularity), the third segment feature, is in the hover.",
    "saturation": "Each bubble is a genre: right = more supply, up = higher hit rate, size = titles. Top-left is "
                  "the opportunity zone; bottom-right is saturated.",
    "pareto": "The curve shows the share of the total held by the top x% of titles; the further it bows above "
              "the diagonal, the more concentrated.",
    "release_window": f"Cells are the hit rate of a genre in a period ({_HIT_SHARE} = average); blank cells have under "
                      f"{market.MIN_CELL} titles.",
    "network": "Nodes are genres (size = titles); a line joins genres that share titles: thicker = more shared "
               "titles, colour = the pair's hit rate.",
}


def _f4(values: pd.Series) -> np.ndarray:
    """A numeric column as float32 for a big scatter (Plotly sends it base64, 4 bytes a point instead of 8)."""
    return values.to_numpy("float64", na_value=np.nan).astype("float32")


def sentence_case(label: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` would lower-case "MovieLens")."""
    return label[:1].upper() + label[1:]


SEGMENT_COLORS = ("#26C6DA", "#FFC857", "#E4572E", "#66BB6A", "#BA68C8", "#F06292", "#8D6E63", "#90A4AE")


@charts.reused
def genre_shares(stats: pd.DataFrame) -> go.Figure:
    """Share of titles (bars) vs share of engagement (diamonds) per genre.

    Columns: genre, titles, title_share, engagement_share.
    """
    d = stats.sort_values("title_share")
    fig = go.Figure(go.Bar(y=d["genre"], x=d["title_share"], orientation="h", name="Share of titles",
                           marker_color=[charts.genre_color(g) for g in d["genre"]], customdata=d["titles"],
                           hovertemplate="%{y}: %{x:.1%} of titles (%{customdata:,})<extra></extra>"))
    fig.add_trace(go.Scatter(y=d["genre"], x=d["engagement_share"], mode="markers", name="Share of engagement",
                             marker=dict(symbol="diamond", size=11, color="white"),
                             hovertemplate="%{y}: %{x:.1%} of engagement<extra></extra>"))
    fig.update_xaxes(tickformat=".0%", title="Share of genre-title pairs")
    return charts.style(fig, height=max(260, 34 * len(d) + 80))


@charts.reused
def quality_popularity(df: pd.DataFrame) -> go.Figure:
    """WebGL scatter of rating vs popularity (log), one trace per primary genre.

    Columns: title, year, primary_genre, vote_average, popularity (> 0), vote_count.
    """
    fig = go.Figure()
    for genre, g in df.groupby("primary_genre", sort=True):
        year = g["year"].astype("float64").map(lambda y: "n/a" if np.isnan(y) else str(int(y)))
        fig.add_trace(go.Scattergl(
            x=_f4(g["popularity"]), y=_f4(g["vote_average"]), mode="markers",
            name=str(genre), marker=dict(size=5, opacity=0.6, color=charts.genre_color(str(genre))),
            text=(g["title"].astype(str) + " (" + year + ")").to_numpy(str), customdata=_f4(g["vote_count"]),
            hovertemplate="<b>%{text}</b><br>" + str(genre) + "<br>Rating %{y:.1f} · popularity %{x:,.1f}"
                          "<br>%{customdata:,.0f} votes<extra></extra>"))
    fig.update_xaxes(type="log", title="Popularity (log scale)")
    fig.update_yaxes(title="Rating (0-10)")
    return charts.style(fig, height=480)


@charts.reused
def tier_matrix(matrix: pd.DataFrame) -> go.Figure:
    """Heatmap of each genre's share of titles per engagement tier. Columns: genre, tier, titles, share."""
    share = matrix.pivot(index="genre", columns="tier", values="share")
    counts = matrix.pivot(index="genre", columns="tier", values="titles")
    cols = [t for t in ("Low", "Niche", "Solid", "Hit") if t in share.columns]
    share, counts = share[cols], counts[cols]
    fig = go.Figure(go.Heatmap(z=share.to_numpy(dtype="float64"), x=cols, y=share.index.tolist(),
                               colorscale="Viridis", zmin=0, zmax=max(0.5, float(np.nanmax(share.to_numpy(
                                   dtype="float64"))) if share.size else 0.5),
                               text=counts.to_numpy(), texttemplate="%{z:.0%}",
                               hovertemplate="%{y} · %{x}: %{z:.0%} (%{text:,} titles)<extra></extra>",
                               colorbar=dict(tickformat=".0%", title="Share")))
    return charts.style(fig, height=max(260, 34 * len(share) + 80), legend=False)


@charts.reused
def correlations(corr: pd.DataFrame) -> go.Figure:
    """Spearman correlation heatmap. Input: a square correlation frame indexed by metric name."""
    labels = [deepdive.METRIC_LABELS.get(c, c) for c in corr.columns]
    fig = go.Figure(go.Heatmap(z=corr.to_numpy(dtype="float64"), x=labels, y=labels, zmin=-1, zmax=1,
                               colorscale="RdBu_r", texttemplate="%{z:.2f}",
                               hovertemplate="%{y} vs %{x}: %{z:+.2f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return charts.style(fig, height=460, legend=False)


@charts.reused
def anomalies(df: pd.DataFrame) -> go.Figure:
    """WebGL scatter of log votes vs rating with flagged titles in red.

    One trace per (flagged, vote pattern), grouped in the legend as Typical / Flagged: the pattern sits once in
    each trace's hover template instead of once per title, which keeps the spec small.

    Columns: title, year, log_votes, vote_average, flagged (bool), pattern.
    """
    fig = go.Figure()
    for flagged, name, color, size in ((False, "Typical", "rgba(160,160,160,0.35)", 4),
                                       (True, "Flagged", "#E4572E", 8)):
        groups = df[df["flagged"] == flagged].groupby(df["pattern"].astype(str), sort=True)
        for i, (pattern, g) in enumerate(groups):
            fig.add_trace(go.Scattergl(x=_f4(g["log_votes"]), y=_f4(g["vote_average"]), mode="markers", name=name,
                                       legendgroup=name, showlegend=i == 0, marker=dict(size=size, color=color),
                                       text=g["title"].to_numpy(str),
                                       hovertemplate="<b>%{text}</b><br>" + pattern + "<br>Rating %{y:.1f} · "
                                                     "log votes %{x:.2f}<extra></extra>"))
    fig.update_xaxes(title="log10(1 + votes)")
    fig.update_yaxes(title="Rating (0-10)")
    return charts.style(fig, height=440)


@charts.reused
def seasonal(profile: pd.DataFrame, basis: str) -> go.Figure:
    """Mean engagement per period. Columns: period, titles, mean_engagement, hit_rate."""
    fig = go.Figure(go.Bar(x=profile["period"], y=profile["mean_engagement"], marker_color="#26C6DA",
                           customdata=np.column_stack([profile["titles"], profile["hit_rate"]]),
                           hovertemplate="%{x}: mean %{y:.1f}<br>%{customdata[0]:,} titles · hit rate "
                                         "%{customdata[1]:.0%}<extra></extra>"))
    fig.update_xaxes(title=sentence_case(deepdive.BASIS_LABELS[basis]), type="category")
    fig.update_yaxes(title="Mean engagement score")
    return charts.style(fig, height=340, legend=False)


@charts.reused
def drivers(table: pd.DataFrame, overall: float) -> go.Figure:
    """Mean engagement per band, grouped by driver on a two-level axis. Columns: driver, band, titles,
    mean_engagement, hit_rate; ``overall`` is the mean engagement of the view (dashed line)."""
    fig = go.Figure(go.Bar(x=[table["driver"].to_numpy(str), table["band"].to_numpy(str)],
                           y=table["mean_engagement"].to_numpy("float64"), marker_color="#7E57C2",
                           customdata=np.column_stack([table["titles"], table["hit_rate"]]).astype("float64"),
                           hovertemplate="%{x}: mean %{y:.1f}<br>%{customdata[0]:,.0f} titles · hit rate "
                                         "%{customdata[1]:.0%}<extra></extra>"))
    if np.isfinite(overall):
        fig.add_hline(y=overall, line_dash="dash", line_color="white", opacity=0.5)
    fig.update_yaxes(title="Mean engagement score")
    return charts.style(fig, height=380, legend=False)


@charts.reused
def segment_curves(scores: pd.DataFrame, k: int, shown: int | None = None) -> go.Figure:
    """Silhouette (left axis) and inertia (right axis) by k, the best k ringed and the k shown (when another)
    marked. Columns: k, inertia, silhouette."""
    ring = dict(size=18, color="rgba(0,0,0,0)", line=dict(width=2, color="white"))
    best = scores[scores["k"] == k]
    marks = [go.Scatter(x=best["k"], y=best["silhouette"], mode="markers", name=f"Best k = {k} (silhouette)",
                        marker=ring, hoverinfo="skip")]
    if shown is not None and shown != k:
        pick = scores[scores["k"] == shown]
        marks.append(go.Scatter(x=pick["k"], y=pick["silhouette"], mode="markers", name=f"Shown k = {shown}",
                                marker=dict(ring, symbol="diamond", line=dict(width=2, color="#FF6B6B")),
                                hoverinfo="skip"))
    fig = go.Figure([
        go.Scatter(x=scores["k"], y=scores["silhouette"], mode="lines+markers", name="Silhouette (higher = cleaner)",
                   line_color="#26C6DA", hovertemplate="k=%{x}: silhouette %{y:.3f}<extra></extra>"),
        go.Scatter(x=scores["k"], y=scores["inertia"], mode="lines+markers", name="Inertia (elbow)", yaxis="y2",
                   line=dict(color="#FFC857", dash="dot"), hovertemplate="k=%{x}: inertia %{y:,.0f}<extra></extra>"),
        *marks])
    fig.update_layout(xaxis=dict(title="k (segments)", dtick=1), yaxis=dict(title="Silhouette"),
                      yaxis2=dict(title="Inertia", overlaying="y", side="right", showgrid=False))
    return charts.style(fig, height=340)


@charts.reused
def segments(df: pd.DataFrame) -> go.Figure:
    """WebGL scatter of reach (log votes) vs quality (rating) coloured by segment, attention in the hover.
    Columns: title, log_votes, vote_average, log_popularity, segment."""
    fig = go.Figure()
    for i, (name, g) in enumerate(df.groupby("segment", sort=True)):
        fig.add_trace(go.Scattergl(x=_f4(g["log_votes"]), y=_f4(g["vote_average"]), mode="markers", name=str(name),
                                   marker=dict(size=4, opacity=0.6, color=SEGMENT_COLORS[i % len(SEGMENT_COLORS)]),
                                   text=g["title"].to_numpy(str), customdata=_f4(g["log_popularity"]),
                                   hovertemplate="<b>%{text}</b><br>Rating %{y:.1f} · log votes %{x:.2f} · "
                                                 "log popularity %{customdata:.2f}<extra>" + str(name) + "</extra>"))
    fig.update_xaxes(title="Reach: log10(1 + votes)")
    fig.update_yaxes(title="Quality: rating (0-10)")
    return charts.style(fig, height=420)


@charts.reused
def saturation(sat: pd.DataFrame) -> go.Figure:
    """Genre bubbles: supply share vs hit rate, sized by titles, with labelled opportunity zones.

    Columns: genre, titles, title_share, hit_rate, saturation_index, zone.
    """
    x_cut, y_cut = market.zone_cuts(sat)
    size = 18 + 42 * np.sqrt(sat["titles"] / sat["titles"].max())
    fig = go.Figure(go.Scatter(
        x=sat["title_share"], y=sat["hit_rate"], mode="markers+text", text=sat["genre"], textposition="top center",
        marker=dict(size=size, color=[charts.genre_color(g) for g in sat["genre"]], opacity=0.8),
        customdata=np.column_stack([sat["titles"], sat["saturation_index"].fillna(np.nan), sat["zone"]]),
        hovertemplate="<b>%{text}</b> · %{customdata[2]}<br>%{x:.1%} of supply · hit rate %{y:.0%}<br>"
                      "%{customdata[0]:,} titles · saturation index %{customdata[1]:.2f}<extra></extra>"))
    fig.add_vline(x=x_cut, line_dash="dot", opacity=0.5)
    fig.add_hline(y=y_cut, line_dash="dot", opacity=0.5)
    for label, xa, ya, xanchor, yanchor in (("Opportunity", 0.01, 0.99, "left", "top"),
                                            ("Competitive core", 0.99, 0.99, "right", "top"),
                                            ("Niche / weak", 0.01, 0.01, "left", "bottom"),
                                            ("Saturated", 0.99, 0.01, "right", "bottom")):
        fig.add_annotation(text=label, xref="paper", yref="paper", x=xa, y=ya, xanchor=xanchor, yanchor=yanchor,
                           showarrow=False, font=dict(size=13, color="#FFC857"))
    fig.update_xaxes(title="Supply: share of genre-title pairs", tickformat=".0%", type="log")
    fig.update_yaxes(title="Hit rate", tickformat=".0%")
    return charts.style(fig, height=480, legend=False)


@charts.reused
def pareto(curve: pd.DataFrame, titles_for_80: float) -> go.Figure:
    """Cumulative share curve with the 80% point marked. Columns: title_share, value_share."""
    fig = go.Figure(go.Scatter(x=curve["title_share"], y=curve["value_share"], mode="lines", name="Cumulative",
                               line=dict(color="#FFC857", width=3),
                               hovertemplate="Top %{x:.0%} of titles hold %{y:.0%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="Equal shares",
                             line=dict(dash="dash", color="gray")))
    if np.isfinite(titles_for_80):
        fig.add_trace(go.Scatter(x=[titles_for_80], y=[0.8], mode="markers", name="80% point",
                                 marker=dict(size=12, color="#E4572E")))
    fig.update_xaxes(title="Top share of titles", tickformat=".0%")
    fig.update_yaxes(title="Share of the total", tickformat=".0%")
    return charts.style(fig, height=380)


@charts.reused
def release_window(window: pd.DataFrame, basis: str) -> go.Figure:
    """Genre x period heatmap of hit rate. Columns: genre, period, titles, hit_rate."""
    order = list(deepdive.MONTHS) if basis != "decade" else sorted(window["period"].unique())
    z = window.pivot(index="genre", columns="period", values="hit_rate").reindex(columns=order)
    n = window.pivot(index="genre", columns="period", values="titles").reindex(columns=order)
    fig = go.Figure(go.Heatmap(z=z.to_numpy(dtype="float64"), x=order, y=z.index.tolist(), zmin=0, zmax=0.6,
                               colorscale="Viridis", text=n.fillna(0).to_numpy(), texttemplate="%{z:.0%}",
                               hovertemplate="%{y} · %{x}: hit rate %{z:.0%} (%{text:,.0f} titles)<extra></extra>",
                               colorbar=dict(tickformat=".0%", title="Hit rate")))
    fig.update_xaxes(title=sentence_case(deepdive.BASIS_LABELS[basis]), type="category")
    return charts.style(fig, height=max(280, 30 * len(z) + 100), legend=False)


@charts.reused
def genre_network(nodes: pd.DataFrame, edges: pd.DataFrame) -> go.Figure:
    """Genre co-occurrence network. Nodes: genre, x, y, titles; edges: a, b, x0, y0, x1, y1, titles, hit_rate."""
    fig = go.Figure()
    rates = edges["hit_rate"].astype("float64").fillna(0).clip(0, 1).to_numpy()
    colors = pc.sample_colorscale("Viridis", list(np.clip(rates / 0.6, 0, 1))) if len(rates) else []
    widths = 1 + 11 * np.sqrt(edges["titles"] / edges["titles"].max()) if len(edges) else []
    for r, color, width in zip(edges.itertuples(), colors, widths):
        fig.add_trace(go.Scatter(x=[r.x0, r.x1], y=[r.y0, r.y1], mode="lines", showlegend=False, hoverinfo="skip",
                                 line=dict(color=color, width=float(width))))
    mids = edges.assign(x=(edges["x0"] + edges["x1"]) / 2, y=(edges["y0"] + edges["y1"]) / 2)
    fig.add_trace(go.Scatter(x=mids["x"], y=mids["y"], mode="markers", showlegend=False,
                             marker=dict(size=8, color=rates, colorscale="Viridis", cmin=0, cmax=0.6, opacity=0,
                                         colorbar=dict(title="Pair hit rate", tickformat=".0%")),
                             customdata=np.column_stack([mids["a"], mids["b"], mids["titles"], rates]),
                             hovertemplate="%{customdata[0]} + %{customdata[1]}<br>%{customdata[2]:,} titles · hit "
                                           "rate %{customdata[3]:.0%}<extra></extra>"))
    size = 16 + 34 * np.sqrt(nodes["titles"] / max(nodes["titles"].max(), 1))
    fig.add_trace(go.Scatter(x=nodes["x"], y=nodes["y"], mode="markers+text", text=nodes["genre"],
                             textposition="top center", showlegend=False, customdata=nodes["titles"],
                             marker=dict(size=size, color=[charts.genre_color(g) for g in nodes["genre"]],
                                         line=dict(width=1, color="white")),
                             hovertemplate="<b>%{text}</b>: %{customdata:,} titles<extra></extra>"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return charts.style(fig, height=520, legend=False)


@charts.reused
def episode_audience(episodes: pd.DataFrame) -> go.Figure:
    """7-day viewers per episode, one line per series.

    Columns: series, episode, airdate, viewers_7day.
    """
    fig = go.Figure()
    for series, g in episodes.groupby("series", sort=True):
        fig.add_trace(go.Scatter(x=g["episode"], y=g["viewers_7day"], mode="lines+markers", name=f"Series {series}",
                                 customdata=g["airdate"].dt.strftime("%d %b %Y"),
                                 hovertemplate=f"Series {series}, episode %{{x}} (%{{customdata}}): "
                                               "%{y:.2f}M viewers<extra></extra>"))
    fig.update_layout(xaxis_title="Episode", yaxis_title="7-day viewers (millions)")
    return charts.style(fig, height=420)


@charts.reused
def series_audience(series: pd.DataFrame, forecast: dict) -> go.Figure:
    """Average 7-day viewers per series, and the next series' forecast with its interval.

    Columns: series, mean_viewers, episodes. ``forecast``: series, point, low, high (``episodes.next_series``).
    """
    fig = go.Figure(go.Bar(x=series["series"].astype(str), y=series["mean_viewers"], name="Aired",
                           marker_color="#29B6F6", customdata=series["episodes"],
                           hovertemplate="Series %{x}: %{y:.2f}M an episode over %{customdata} episodes"
                                         "<extra></extra>"))
    if forecast:
        fig.add_trace(go.Bar(x=[str(forecast["series"])], y=[forecast["point"]], name="Forecast",
                             marker=dict(color="rgba(0,0,0,0)", line=dict(color="#F3A712", width=2)),
                             error_y=dict(type="data", symmetric=False, array=[forecast["high"] - forecast["point"]],
                                          arrayminus=[forecast["point"] - forecast["low"]], color="#F3A712"),
                             hovertemplate="Series %{x} (forecast): %{y:.2f}M<extra></extra>"))
    fig.update_layout(xaxis_title="Series", yaxis_title="Average 7-day viewers (millions)", barmode="overlay")
    return charts.style(fig, height=380)

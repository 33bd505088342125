"""Charts of the Integrity page. Builders take frames (input columns in each docstring) and return figures.

Reading guides for the page captions are in ``HOW_TO_READ``. Raters have no genre, so the rater charts use fixed
colours (typical grey, review priorities red/orange/yellow); genre charts use ``charts.genre_color``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.charts import empty_figure, genre_color, reused, style
from core.integrity import raters as ig
from core.integrity import sentiment as se
from core.integrity import votes as iv

TYPICAL = "rgba(158,158,158,0.45)"
PRIORITY_COLORS = {"High": "#E4572E", "Medium": "#F3A712", "Low": "#FFE082"}
PATTERN_COLORS = {iv.PATTERNS[0]: "#E4572E", iv.PATTERNS[1]: "#29B6F6", iv.PATTERNS[2]: "#BA68C8"}
LOG_FEATURES = {"ratings", "per_day", "burst"}
#: Up to this many points a scatter is drawn in SVG: setting up a WebGL context costs a browser more than drawing a
#: few thousand SVG markers (the 671 MovieLens raters draw about 0.1-0.15 s faster in SVG in headless Chromium).
SVG_MAX_POINTS = 2_000

HOW_TO_READ: dict[str, str] = {
    "raters": "Each dot is one MovieLens rater; coloured dots are the flagged ones (colour = review priority). "
              "Pick the two behaviours to compare above the chart; count axes are logarithmic.",
    "shift": "One row per title: the grey dot is the mean rating without them, the red dot "
             "with them; a long line means they move that title's rating.",
    "gap": "Each dot is a title: its vote count (across, log scale) against the gap between the plain mean of its "
           "votes and IMDb's published rating (up). Dots far from the grey crowd for their vote count are flagged.",
    "shape": "Share of the title's votes at each star (bars) against the median share of titles with a similar "
             "vote count (line).",
    "genre_map": "Each bubble is a genre: net sentiment (across: % of votes at 8-10 minus % at 1-3) against the "
                 "share of its titles that split the audience (up); bubble size = votes.",
    "genre_bars": "Vote-weighted mean vote average per genre (coarse sentiment: this source has no per-star "
                  "vote shares).",
    "decades": "Vote-weighted sentiment of titles released in each decade: the white line is all titles, the "
               "coloured lines the genres with the most votes.",
    "review_trend": "Each month: the white line is the mean sentiment of its review texts (-1 to +1, left), the "
                    "orange dotted line their volatility (sd over the trailing 3 months, left), grey bars the reviews "
                    "(right axis).",
    "review_genres": "Each row is a genre: the bar is the mean sentiment of its review texts (-1 to +1), the white "
                     "dot the mean rating of the same reviews on that scale ((stars - 5) / 5); a dot far from its "
                     "bar means words and stars disagree.",
}


def _labels(df: pd.DataFrame) -> np.ndarray:
    """``title (year)`` per row, ``n/a`` where the year is unknown."""
    years = df["year"].astype("Int64").astype("string").fillna("n/a")
    return (df["title"].astype(str) + " (" + years + ")").to_numpy(str)


@reused
def rater_scatter(points: pd.DataFrame, x: str, y: str) -> go.Figure:
    """Scatter of two rater features, flagged raters coloured by review priority (WebGL for many raters).

    Columns: user_id, ``x``, ``y`` (features of ``integrity.FEATURES``), flagged (bool), priority, why.
    """
    if points.empty:
        return empty_figure("No raters to draw.")
    fig, trace = go.Figure(), go.Scattergl if len(points) > SVG_MAX_POINTS else go.Scatter
    groups = [("Typical", points[~points["flagged"]], TYPICAL, 5)]
    groups += [(f"Flagged: {p} priority", points[points["flagged"] & (points["priority"] == p)], c, 10)
               for p, c in PRIORITY_COLORS.items()]
    for name, g, color, size in groups:
        if g.empty:
            continue
        text = ("User " + g["user_id"].astype(str) + ("<br>" + g["why"].astype(str) if name != "Typical" else ""))
        fig.add_trace(trace(x=g[x].to_numpy("float32"), y=g[y].to_numpy("float32"), mode="markers", name=name,
                            marker=dict(size=size, color=color), text=text.to_numpy(str),
                            hovertemplate="%{text}<br>%{x:,.2f} · %{y:,.2f}<extra></extra>"))
    fig.update_xaxes(title=ig.FEATURES[x][0].capitalize(), type="log" if x in LOG_FEATURES else "linear")
    fig.update_yaxes(title=ig.FEATURES[y][0].capitalize(), type="log" if y in LOG_FEATURES else "linear")
    return style(fig, height=440)


@reused
def rating_shift(effect: pd.DataFrame) -> go.Figure:
    """Dumbbells: title mean without vs with flagged raters.

    Columns: title, year, ratings, flagged_ratings, mean_all, mean_without, shift.
    """
    if effect.empty:
        return empty_figure("Flagged raters rated no title with enough ratings.")
    df = effect.iloc[::-1]
    label = _labels(df)
    fig = go.Figure()
    xs, ys = [], []
    for lbl, lo, hi in zip(label, df["mean_without"], df["mean_all"]):  # one trace, segments split by None
        xs += [lo, hi, None]
        ys += [lbl, lbl, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="rgba(200,200,200,0.5)", width=3),
                             showlegend=False, hoverinfo="skip"))
    custom = np.column_stack([df["flagged_ratings"], df["ratings"], df["shift"]])
    for col, name, color in (("mean_without", "Without flagged raters", "#9E9E9E"),
                             ("mean_all", "With flagged raters", "#E4572E")):
        fig.add_trace(go.Scatter(x=df[col], y=label, mode="markers", name=name, marker=dict(size=11, color=color),
                                 customdata=custom,
                                 hovertemplate="%{y}<br>%{x:.2f} stars<br>%{customdata[0]} of %{customdata[1]} "
                                               "ratings flagged · shift %{customdata[2]:+.2f}<extra></extra>"))
    fig.update_xaxes(title="Mean MovieLens rating (0.5-5 stars)")
    fig.update_yaxes(title=None, type="category")
    return style(fig, height=max(320, 28 * len(df) + 120))


@reused
def vote_gap(points: pd.DataFrame) -> go.Figure:
    """WebGL scatter of vote count vs rating gap, flagged titles coloured by pattern.

    Columns: title, year, vote_count, vote_average, plain_mean, gap, gap_score, pattern.
    """
    if points.empty:
        return empty_figure("No titles with per-star vote shares in view.")
    fig = go.Figure()
    for name in (iv.NO_FLAG, *iv.PATTERNS):
        g = points[points["pattern"] == name]
        if g.empty:
            continue
        text = _labels(g)
        # float32 halves the binary arrays of the spec; hover shows 2 decimals and counts stay exact below 16.7M
        x, y = g["vote_count"].to_numpy("float32"), g["gap"].to_numpy("float64").round(3).astype("float32")
        if name == iv.NO_FLAG:  # thousands of points: title and position only, to keep the chart light
            fig.add_trace(go.Scattergl(x=x, y=y, mode="markers", name=name, marker=dict(size=4, color=TYPICAL),
                                       text=text, hovertemplate="%{text}<br>%{x:,.0f} votes · gap %{y:+.2f}"
                                                                "<extra></extra>"))
            continue
        custom = np.column_stack([g["vote_average"], g["plain_mean"], g["gap_score"]]).round(2)
        fig.add_trace(go.Scattergl(x=x, y=y, mode="markers", name=name,
                                   marker=dict(size=9, color=PATTERN_COLORS[name]), text=text, customdata=custom,
                                   hovertemplate="<b>%{text}</b><br>%{x:,.0f} votes · IMDb rating %{customdata[0]:.1f}"
                                                 " · votes average %{customdata[1]:.1f}<br>gap %{y:+.2f} · score "
                                                 "%{customdata[2]:+.1f}<extra></extra>"))
    fig.add_hline(y=0, line=dict(color="rgba(255,255,255,0.3)", dash="dot"))
    fig.update_xaxes(title="IMDb votes (log scale)", type="log")
    fig.update_yaxes(title="Plain mean of votes minus IMDb rating (stars)")
    return style(fig, height=460)


@reused
def vote_shape(shape: pd.DataFrame, title: str) -> go.Figure:
    """Bars of one title's vote shares with the typical shares as a line. Columns: stars, title, typical."""
    if shape.empty:
        return empty_figure("No vote shares for this title.")
    fig = go.Figure(go.Bar(x=shape["stars"], y=shape["title"], name=title, marker_color="#E4572E",
                           hovertemplate="%{x} stars: %{y:.0%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=shape["stars"], y=shape["typical"], mode="lines+markers", name="Similar vote count",
                             line=dict(color="#FFFFFF", width=2), hovertemplate="%{x} stars: %{y:.0%}<extra></extra>"))
    fig.update_xaxes(title="Stars", dtick=1)
    fig.update_yaxes(title="Share of votes", tickformat=".0%")
    return style(fig, height=340)


@reused
def genre_sentiment_map(genres: pd.DataFrame) -> go.Figure:
    """Bubbles per genre. Columns: genre, titles, votes, sentiment, positive, negative, polarisation."""
    if genres.empty:
        return empty_figure("Too few titles per genre to compare.")
    size = np.sqrt(genres["votes"].to_numpy("float64"))
    size = 14 + 40 * size / size.max() if size.max() > 0 else np.full(len(genres), 20.0)
    fig = go.Figure(go.Scatter(
        x=genres["sentiment"], y=genres["polarisation"], mode="markers+text", text=genres["genre"],
        textposition="top center", marker=dict(size=size, color=[genre_color(str(g)) for g in genres["genre"]],
                                               line=dict(width=1, color="white")),
        customdata=np.column_stack([genres["positive"], genres["negative"], genres["titles"], genres["votes"]]),
        hovertemplate="<b>%{text}</b><br>net %{x:+.1f} points (%{customdata[0]:.0f}% at 8-10, %{customdata[1]:.0f}%"
                      " at 1-3)<br>%{y:.1f}% of titles polarised · %{customdata[2]:,} titles · %{customdata[3]:,.0f}"
                      " votes<extra></extra>"))
    fig.update_xaxes(title="Net sentiment (points)")
    fig.update_yaxes(title="Polarised titles (%)", rangemode="tozero")
    return style(fig, height=420, legend=False)


@reused
def genre_sentiment_bars(genres: pd.DataFrame) -> go.Figure:
    """Horizontal bars of coarse sentiment per genre. Columns: genre, titles, votes, sentiment."""
    if genres.empty:
        return empty_figure("Too few titles per genre to compare.")
    df = genres.sort_values("sentiment")
    fig = go.Figure(go.Bar(x=df["sentiment"], y=df["genre"], orientation="h",
                           marker_color=[genre_color(str(g)) for g in df["genre"]],
                           customdata=np.column_stack([df["titles"], df["votes"]]),
                           hovertemplate="%{y}: %{x:.2f}<br>%{customdata[0]:,} titles · %{customdata[1]:,.0f} votes"
                                         "<extra></extra>"))
    fig.update_xaxes(title="Vote-weighted mean vote average (0-10)")
    return style(fig, height=max(320, 26 * len(df) + 100), legend=False)


@reused
def decade_sentiment(decades: pd.DataFrame, basis: str) -> go.Figure:
    """Lines of sentiment per release decade. Columns: decade, genre, titles, votes, sentiment."""
    if decades.empty:
        return empty_figure("No release decades in view.")
    fig = go.Figure()
    for genre, g in decades.groupby("genre", sort=False):
        g = g.sort_values("decade")
        is_all = genre == se.ALL
        line = dict(color="#FFFFFF", width=4) if is_all else dict(color=genre_color(str(genre)), width=2)
        fig.add_trace(go.Scatter(x=g["decade"], y=g["sentiment"], mode="lines+markers", name=str(genre), line=line,
                                 customdata=g[["titles"]].to_numpy(),
                                 hovertemplate=f"{genre}<br>%{{x}}s: %{{y:.1f}} · %{{customdata[0]:,}} titles"
                                               "<extra></extra>"))
    fig.update_xaxes(title="Release decade", dtick=10)
    fig.update_yaxes(title="Net sentiment (points)" if basis == se.SHARES else "Mean vote average (0-10)")
    return style(fig, height=400)


@reused
def review_trend(months: pd.DataFrame) -> go.Figure:
    """Monthly mean text sentiment and volatility (lines) over review counts (bars, right axis).

    Columns: month, reviews, sentiment, positive, negative, volatility.
    """
    if months.empty or not months["reviews"].sum():
        return empty_figure("No reviews of the titles in view.")
    fig = go.Figure(go.Bar(x=months["month"], y=months["reviews"], name="Reviews", yaxis="y2",
                           marker_color="rgba(158,158,158,0.35)", hovertemplate="%{x|%b %Y}: %{y:,} reviews"
                                                                               "<extra></extra>"))
    custom = np.column_stack([months["positive"].fillna(0) * 100, months["negative"].fillna(0) * 100])
    fig.add_trace(go.Scatter(x=months["month"], y=months["sentiment"], mode="lines+markers", name="Mean sentiment",
                             line=dict(color="#FFFFFF", width=3), customdata=custom, connectgaps=False,
                             hovertemplate="%{x|%b %Y}: %{y:+.2f} (%{customdata[0]:.0f}% positive, "
                                           "%{customdata[1]:.0f}% negative)<extra></extra>"))
    fig.add_trace(go.Scatter(x=months["month"], y=months["volatility"], mode="lines", name="Volatility (sd)",
                             line=dict(color="#F3A712", width=2, dash="dot"),
                             hovertemplate="%{x|%b %Y}: sd %{y:.2f}<extra></extra>"))
    fig.update_layout(yaxis=dict(title="Text sentiment (-1 to +1)"),
                      yaxis2=dict(overlaying="y", side="right", title="Reviews", showgrid=False, rangemode="tozero",
                                  tickformat=",d"))
    fig.update_xaxes(title="Month written")
    return style(fig, height=400)


@reused
def review_genres(genres: pd.DataFrame) -> go.Figure:
    """Bars of mean text sentiment per genre with the same reviews' mean rating as dots.

    Columns: genre, reviews, sentiment, positive, negative, stars, disagree.
    """
    if genres.empty:
        return empty_figure("Too few reviews per genre to compare.")
    df = genres.sort_values("sentiment")
    custom = np.column_stack([df["reviews"], df["positive"] * 100, df["negative"] * 100])
    fig = go.Figure(go.Bar(x=df["sentiment"], y=df["genre"], orientation="h", name="Text sentiment",
                           marker_color=[genre_color(str(g)) for g in df["genre"]], customdata=custom,
                           hovertemplate="%{y}: %{x:+.2f} · %{customdata[0]:,} reviews (%{customdata[1]:.0f}% "
                                         "positive, %{customdata[2]:.0f}% negative)<extra></extra>"))
    if df["stars"].notna().any():
        fig.add_trace(go.Scatter(x=(df["stars"] - 5) / 5, y=df["genre"], mode="markers", name="Their stars",
                                 marker=dict(size=10, color="#FFFFFF", line=dict(width=1, color="#333")),
                                 customdata=df[["stars"]].to_numpy(),
                                 hovertemplate="%{y}: mean rating %{customdata[0]:.1f}/10<extra></extra>"))
    fig.update_xaxes(title="Mean sentiment (-1 to +1)", range=[-1, 1])
    return style(fig, height=max(320, 26 * len(df) + 120))

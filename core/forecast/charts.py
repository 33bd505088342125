"""Charts of the Forecasting page. Builders take frames, return figures; reading guides are in ``HOW_TO_READ``.

Genres keep their shared colour (``charts.genre_color``); models are told apart by line dash and marker
symbol, so a genre never changes colour between charts.
"""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.charts import empty_figure, genre_color, reused, style
from core.forecast.dynamics import RECENT_YEARS
from core.forecast.engine import HORIZON, MODELS
from models.forecast import ProphetForecaster

OVERVIEW_MONTHS = 60  # history shown in the small multiples
DETAIL_YEARS = 8  # history the detail chart opens on (the rest is a zoom-out away)
NEUTRAL = "#B0BEC5"
MODEL_DASH = {"Actual": "solid", **dict(zip(MODELS.values(), ("dash", "dot", "dashdot", "longdash")))}
MODEL_SYMBOL = dict(zip(MODELS.values(), ("circle", "diamond", "x", "square")))
_BAND = f"{ProphetForecaster().interval_width:.0%}"  # the band width the Prophet wrapper is configured with
_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
          10: "ten"}


def _count(n: int, noun: str) -> str:
    """``(3, "year")`` -> "three years" (guides quote the window the code actually uses)."""
    return f"{_WORDS.get(n, n)} {noun}{'s' if n != 1 else ''}"


def _span(months: int) -> str:
    """``60`` -> "five years", ``18`` -> "18 months"."""
    return _count(months // 12, "year") if months % 12 == 0 else f"{months} months"


HOW_TO_READ: dict[str, str] = {
    "overview": f"One panel per genre: the solid line is the last {_span(OVERVIEW_MONTHS)} of history, the dashed "
                f"line Prophet's {HORIZON}-month forecast and the shaded area its {_BAND} uncertainty band.",
    "detail": f"Solid: monthly history (opens on the last {_span(12 * DETAIL_YEARS)}; double-click to see all of "
              f"it); dashed: Prophet's forecast with its {_BAND} band (shaded); dotted: the backtest winner, when it "
              "is not Prophet.",
    "backtest": f"The last {HORIZON} months were hidden from every model: the thick line is what happened, the "
                "others what each model forecast from the months before. Closer to the thick line is better.",
    "mase": "Each row is a genre, each marker a model's backtest MASE (forecast error / in-sample seasonal-naive "
            "error). Further left is better; left of the dotted line at 1 beats a naive forecast made in-sample.",
    "seasonal": "Each cell is a month's average as a multiple of the genre's average month: above 1.0 (warmer) "
                "means busier than usual, below 1.0 quieter.",
    "momentum": "Bars: % change of the last 12 months on the 12 months before; right of zero is growth.",
    "velocity": f"Bars: median votes per day since release among titles released in the view's newest "
                f"{_count(RECENT_YEARS, 'release year')}; longer bars gather audience faster.",
}


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def _band(fig: go.Figure, fc: pd.DataFrame, color: str, name: str, row=None, col=None, legend=True) -> None:
    """The shaded uncertainty band (upper edge, then lower edge filled up to it)."""
    kw = dict(row=row, col=col) if row else {}
    fig.add_trace(go.Scatter(x=fc["ds"], y=fc["yhat_upper"], mode="lines", line=dict(width=0), showlegend=False,
                             hoverinfo="skip", legendgroup=name), **kw)
    fig.add_trace(go.Scatter(x=fc["ds"], y=fc["yhat_lower"], mode="lines", line=dict(width=0), fill="tonexty",
                             fillcolor=_rgba(color, 0.22), name="80% band", showlegend=legend, legendgroup=name,
                             hovertemplate="%{x|%b %Y}: band from %{y:,.0f}<extra></extra>"), **kw)


@reused
def overview(history: pd.DataFrame, forecast: pd.DataFrame, unit: str = "Per month") -> go.Figure:
    """Small multiples: recent history and Prophet's forecast per genre.

    Args:
        history: ``genre, ds, y`` (monthly).
        forecast: ``genre, ds, yhat, yhat_lower, yhat_upper`` (may lack genres that were not forecast).
        unit: y-axis label.
    """
    genres = list(dict.fromkeys(history["genre"].astype(str))) if len(history) else []
    if not genres:
        return empty_figure("No monthly history to draw.")
    cols = min(3, len(genres))
    rows = math.ceil(len(genres) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=genres, shared_xaxes=False,
                        vertical_spacing=0.16 if rows > 1 else 0.1, horizontal_spacing=0.06)
    for i, genre in enumerate(genres):
        r, c, color = i // cols + 1, i % cols + 1, genre_color(genre)
        hist = history[history["genre"] == genre].tail(OVERVIEW_MONTHS)
        fig.add_trace(go.Scatter(x=hist["ds"], y=hist["y"], mode="lines", line=dict(color=color, width=1.5),
                                 name=genre, showlegend=False,
                                 hovertemplate=f"{genre} %{{x|%b %Y}}: %{{y:,.0f}}<extra></extra>"), row=r, col=c)
        fc = forecast[forecast["genre"] == genre] if len(forecast) else forecast
        if len(fc):
            _band(fig, fc, color, genre, row=r, col=c, legend=False)
            fig.add_trace(go.Scatter(x=fc["ds"], y=fc["yhat"], mode="lines", line=dict(color=color, dash="dash"),
                                     showlegend=False,
                                     hovertemplate=f"{genre} forecast %{{x|%b %Y}}: %{{y:,.0f}}<extra></extra>"),
                          row=r, col=c)
        else:
            fig.add_annotation(text="not forecast", showarrow=False, xref="x domain", yref="y domain", x=0.5, y=0.9,
                               row=r, col=c, font=dict(color=NEUTRAL))
    fig.update_yaxes(rangemode="tozero", tickformat=",.0f")
    fig.update_yaxes(title_text=unit, col=1)
    return style(fig, height=260 * rows + 60, legend=False)


@reused
def detail(history: pd.DataFrame, forecasts: dict, genre: str, best: str = "", unit: str = "Per month") -> go.Figure:
    """One genre's full history, Prophet's forecast with its band, and the backtest winner's forecast.

    Args:
        history: ``ds, y``.
        forecasts: model label -> ``ds, yhat, yhat_lower, yhat_upper``; "Prophet" drawn with its band.
        genre: genre name (colour and legend).
        best: label of the backtest winner to draw as well ("" or "Prophet" for none).
        unit: y-axis label.
    """
    if history.empty:
        return empty_figure("No monthly history to draw.")
    color = genre_color(genre)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=history["ds"], y=history["y"], mode="lines", name=f"{genre} (actual)",
                             line=dict(color=color, width=1.5),
                             hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra></extra>"))
    prophet = forecasts.get("Prophet")
    if prophet is not None:
        _band(fig, prophet, color, "Prophet")
        fig.add_trace(go.Scatter(x=prophet["ds"], y=prophet["yhat"], mode="lines", name="Prophet forecast",
                                 line=dict(color=color, dash="dash", width=2.5),
                                 hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra>Prophet</extra>"))
    other = forecasts.get(best) if best and best != "Prophet" else None
    if other is not None:
        fig.add_trace(go.Scatter(x=other["ds"], y=other["yhat"], mode="lines", name=f"{best} (best on backtest)",
                                 line=dict(color=NEUTRAL, dash="dot", width=2.5),
                                 hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra>" + best + "</extra>"))
    _zoom_recent(fig, history, [f for f in (prophet, other) if f is not None])
    fig.update_yaxes(title_text=unit, tickformat=",.0f")
    fig.update_xaxes(title_text="Month")
    return style(fig, height=420)


def _zoom_recent(fig: go.Figure, history: pd.DataFrame, forecasts: list) -> None:
    """Open on the last ``DETAIL_YEARS`` years plus the forecast (zoom out to see it all), y fitted to that."""
    start = history["ds"].max() - pd.DateOffset(years=DETAIL_YEARS)
    if history["ds"].min() >= start:
        fig.update_yaxes(rangemode="tozero")
        return
    ends = [history["ds"].max(), *(f["ds"].max() for f in forecasts)]
    tops = [history.loc[history["ds"] >= start, "y"].max(), *(f["yhat_upper"].max() for f in forecasts)]
    fig.update_xaxes(range=[start, max(ends) + pd.DateOffset(months=1)])
    fig.update_yaxes(range=[0, 1.08 * max(float(t) for t in tops) or 1.0])


@reused
def backtest(holdout: pd.DataFrame, genre: str, unit: str = "Per month") -> go.Figure:
    """Held-out months: actuals against each model's forecast. Columns: ds, model, yhat ("Actual" rows = truth)."""
    if holdout.empty:
        return empty_figure("No backtest to draw.")
    color = genre_color(genre)
    fig = go.Figure()
    for model, part in holdout.groupby("model", sort=False):
        actual, prophet = model == "Actual", model == "Prophet"
        fig.add_trace(go.Scatter(
            x=part["ds"], y=part["yhat"], mode="lines+markers" if actual else "lines", name=str(model),
            line=dict(color=color if (actual or prophet) else NEUTRAL, width=3.5 if actual else 2,
                      dash=MODEL_DASH.get(str(model), "solid")),
            opacity=1.0 if (actual or prophet) else 0.8,
            hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra>" + str(model) + "</extra>"))
    fig.update_yaxes(title_text=unit, rangemode="tozero", tickformat=",.0f")
    fig.update_xaxes(title_text="Held-out month")
    return style(fig, height=420)


@reused
def mase(summary: pd.DataFrame) -> go.Figure:
    """Backtest MASE per genre and model (genres without a backtest are left out).

    Columns: genre, best, mase_prophet, mase_ensemble, mase_snaive, mase_mean.
    """
    known = summary[summary["best"].notna()] if len(summary) else summary
    if known.empty:
        return empty_figure("No genre could be backtested.")
    fig = go.Figure()
    colors = [genre_color(str(g)) for g in known["genre"]]
    for key, label in MODELS.items():
        fig.add_trace(go.Scatter(
            x=known[f"mase_{key}"], y=known["genre"].astype(str), mode="markers", name=label,
            marker=dict(color=colors, size=13, symbol=MODEL_SYMBOL[label], line=dict(color="white", width=1)),
            hovertemplate="%{y}: MASE %{x:.2f}<extra>" + label + "</extra>"))
    fig.add_vline(x=1.0, line=dict(color=NEUTRAL, dash="dot"))
    fig.update_xaxes(title_text="Backtest MASE (lower is better)", rangemode="tozero")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(legend=dict(itemsizing="constant"))
    return style(fig, height=max(260, 60 * len(known) + 120))


@reused
def seasonal(profiles: pd.DataFrame) -> go.Figure:
    """Heatmap of the month-of-year index. Columns: genre, month_name, index."""
    known = profiles.dropna(subset=["index"]) if len(profiles) else profiles
    if known.empty:
        return empty_figure("No seasonal profile to draw.")
    grid = known.pivot(index="genre", columns="month_name", values="index")
    months = [m for m in profiles["month_name"].drop_duplicates() if m in grid.columns]
    order = list(dict.fromkeys(profiles["genre"]))
    grid = grid.reindex(index=[g for g in order if g in grid.index], columns=months)
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=months, y=grid.index.tolist(), zmid=1.0, colorscale="RdBu_r",
                               text=grid.round(2).to_numpy(), texttemplate="%{text}",
                               colorbar=dict(title="Index"),
                               hovertemplate="%{y} in %{x}: %{z:.2f}x an average month<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return style(fig, height=max(240, 48 * len(grid) + 100), legend=False)


@reused
def momentum(table: pd.DataFrame) -> go.Figure:
    """Momentum per genre. Columns: genre, momentum_pct, last_12, prev_12."""
    known = table.dropna(subset=["momentum_pct"]) if len(table) else table
    if known.empty:
        return empty_figure("Momentum needs 24 months of history.")
    known = known.sort_values("momentum_pct")
    fig = go.Figure(go.Bar(x=known["momentum_pct"], y=known["genre"], orientation="h",
                           marker_color=[genre_color(str(g)) for g in known["genre"]],
                           customdata=known[["last_12", "prev_12"]].to_numpy(),
                           hovertemplate="%{y}: %{x:+.0f}% (%{customdata[0]:,.0f} vs %{customdata[1]:,.0f})"
                                         "<extra></extra>"))
    fig.add_vline(x=0, line=dict(color=NEUTRAL))
    fig.update_xaxes(title_text="Last 12 months vs the 12 before (%)", ticksuffix="%")
    return style(fig, height=max(240, 45 * len(known) + 100), legend=False)


@reused
def velocity(table: pd.DataFrame) -> go.Figure:
    """Median velocity of recent titles per genre. Columns: genre, median_velocity, titles."""
    if table.empty:
        return empty_figure("No recent titles with votes.")
    known = table.sort_values("median_velocity")
    fig = go.Figure(go.Bar(x=known["median_velocity"], y=known["genre"], orientation="h",
                           marker_color=[genre_color(str(g)) for g in known["genre"]],
                           customdata=known[["titles"]].to_numpy(),
                           hovertemplate="%{y}: %{x:.2f} votes/day (%{customdata[0]} titles)<extra></extra>"))
    fig.update_xaxes(title_text="Median votes per day since release")
    return style(fig, height=max(240, 45 * len(known) + 100), legend=False)

"""Charts of the Usage page. Builders take the frames of ``core.usage.insights`` (columns in each docstring) and
return figures; their reading guides are in ``HOW_TO_READ``. Unlike other pages' builders they are not
``core.charts.reused``: the usage store grows with every page view, so the inputs differ on each run and
hashing them would only add cost (measured: the Usage page's warm run 0.19 s without, 0.27 s with)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.charts import empty_figure, style

PALETTE = ("#29B6F6", "#F3A712", "#66BB6A", "#E4572E", "#BA68C8", "#FFE082", "#5C6BC0", "#F06292", "#4DB6AC",
           "#A1887F", "#DCE775", "#78909C", "#FF8A65")
P50, P95 = "#29B6F6", "#E4572E"

HOW_TO_READ: dict[str, str] = {
    "views_by_page": "One bar per page: page views in the period (a view is opening a page, not a rerun on it); "
                     "the label gives the sessions that opened it.",
    "views_by_day": "Page views per UTC day, stacked by page: the height is the day's total, each colour one page.",
    "flow": "Each cell counts moves from the page on the left (row) to the page below (column) within a session; "
            "the (start) row is where sessions begin. Darker means more moves.",
    "render": "Server render time per page: the blue bar is the median run (p50), the red bar the slowest 5% "
              "(p95), in seconds; reruns after a widget change count as runs.",
    "filters": "How often each sidebar filter was changed, and in how many sessions.",
}


def _sessions(n: int) -> str:
    return f"{n:,} session" + ("" if n == 1 else "s")


def page_colors(pages: list[str]) -> dict[str, str]:
    """One colour per page, in nav order (``pages``), so a page looks the same in every chart."""
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(pages)}


def views_by_page(views: pd.DataFrame, colors: dict[str, str]) -> go.Figure:
    """Horizontal bars of page views, most viewed on top. Columns: page, views, sessions."""
    if views.empty:
        return empty_figure("No page views in this period.")
    rows = views.iloc[::-1]
    fig = go.Figure(go.Bar(x=rows["views"], y=rows["page"], orientation="h",
                           marker_color=[colors.get(p, "#9E9E9E") for p in rows["page"]],
                           text=[_sessions(s) for s in rows["sessions"]], textposition="auto",
                           hovertemplate="%{y}: %{x:,} views<extra></extra>"))
    fig.update_xaxes(title="page views")
    return style(fig, height=max(240, 34 * len(rows) + 80), legend=False)


def views_by_day(by_day: pd.DataFrame, colors: dict[str, str]) -> go.Figure:
    """Stacked bars of page views per day by page. Columns: day, page, views."""
    if by_day.empty:
        return empty_figure("No page views in this period.")
    fig = go.Figure()
    for page, rows in by_day.groupby("page", sort=False):
        fig.add_trace(go.Bar(x=rows["day"], y=rows["views"], name=page, marker_color=colors.get(page, "#9E9E9E"),
                             hovertemplate=f"{page}: %{{y:,}} views on %{{x|%Y-%m-%d}}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="day (UTC)", type="date", tickformat="%Y-%m-%d",
                     dtick=86_400_000 if by_day["day"].nunique() <= 14 else None)  # a tick a day for short spans
    fig.update_yaxes(title="page views")
    return style(fig)


def flow(moves: pd.DataFrame, order: list[str]) -> go.Figure:
    """Transition matrix of page-to-page moves, rows the page left, columns the page opened next.
    Columns: from, to, moves. ``order``: pages in nav order (pages not in it go last)."""
    if moves.empty:
        return empty_figure("No moves between pages in this period.")
    seen = set(moves["from"]) | set(moves["to"])
    pages = [p for p in order if p in seen] + sorted(seen - set(order) - {"(start)"})
    rows = (["(start)"] if "(start)" in seen else []) + [p for p in pages if p in set(moves["from"])]
    cols = [p for p in pages if p in set(moves["to"])]
    grid = moves.pivot_table(index="from", columns="to", values="moves", aggfunc="sum").reindex(
        index=rows, columns=cols).fillna(0)
    text = grid.astype(int).astype(str).where(grid > 0, "")
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(dtype="float64"), x=cols, y=rows, text=text.to_numpy(),
                               texttemplate="%{text}", colorscale="Blues", showscale=False,
                               hovertemplate="%{y} → %{x}: %{z:,.0f} moves<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title="from")
    fig.update_xaxes(title="to", side="bottom")
    return style(fig, height=max(300, 34 * len(rows) + 140), legend=False)


def render_times(render: pd.DataFrame) -> go.Figure:
    """Grouped bars of p50 and p95 server render time per page (seconds). Columns: page, p50_ms, p95_ms, runs."""
    if render.empty:
        return empty_figure("No render times recorded in this period.")
    fig = go.Figure()
    for column, name, color in (("p50_ms", "p50 (median)", P50), ("p95_ms", "p95", P95)):
        fig.add_trace(go.Bar(x=render["page"], y=render[column] / 1000, name=name, marker_color=color,
                             customdata=render["runs"],
                             hovertemplate=f"%{{x}} {name}: %{{y:.2f}} s over %{{customdata:,}} runs<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="seconds")
    return style(fig)


def filters(changes: pd.DataFrame) -> go.Figure:
    """Bars of filter changes per filter. Columns: filter, changes, sessions."""
    if changes.empty:
        return empty_figure("No filter changes in this period.")
    fig = go.Figure(go.Bar(x=changes["filter"], y=changes["changes"], marker_color=PALETTE[0],
                           text=[_sessions(s) for s in changes["sessions"]], textposition="auto",
                           hovertemplate="%{x}: %{y:,} changes<extra></extra>"))
    fig.update_yaxes(title="changes")
    return style(fig, height=320, legend=False)

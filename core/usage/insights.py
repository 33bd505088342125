"""The Usage page's figures, aggregated in DuckDB over the ``events`` table (``core.usage.store``), and the sentences
said about them. Pandas only sees the aggregates; nothing here imports Streamlit.

Every figure covers the events since ``since`` (UTC). Days are UTC days. A session's length is the time from its
first to its last event, so a session that saw one page and did nothing there lasts 0 s.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from core.usage import store

START = "(start)"  # the "from" of a session's first page view in the flow
SLOW_MS = 2_000.0  # a page whose p95 server render time is above this is called slow
TOP = 20

_QUERIES = {
    "views_by_page": """SELECT page, count(*) AS views, count(DISTINCT session) AS sessions FROM events
        WHERE kind = 'view' AND ts >= $since GROUP BY page ORDER BY views DESC, page""",
    "views_by_day": """SELECT CAST(ts AS DATE) AS day, page, count(*) AS views FROM events
        WHERE kind = 'view' AND ts >= $since GROUP BY ALL ORDER BY day, page""",
    "sessions": """SELECT session, date_diff('millisecond', min(ts), max(ts)) / 1000.0 AS seconds,
        count(*) FILTER (WHERE kind = 'view') AS views, count(*) AS events FROM events
        WHERE ts >= $since GROUP BY session""",
    "filters": """SELECT name AS filter, count(*) AS changes, count(DISTINCT session) AS sessions FROM events
        WHERE kind = 'filter' AND ts >= $since GROUP BY name ORDER BY changes DESC, filter""",
    "filter_values": f"""SELECT name AS filter, v AS value, count(*) AS uses FROM (
        SELECT name, trim(unnest(string_split(value, ','))) AS v FROM events WHERE kind = 'filter' AND ts >= $since)
        WHERE v <> '' GROUP BY ALL ORDER BY uses DESC, filter, value LIMIT {TOP}""",
    "searches": f"""SELECT value AS term, count(*) AS searches, count(DISTINCT session) AS sessions FROM events
        WHERE kind = 'search' AND ts >= $since AND value <> '' GROUP BY value
        ORDER BY searches DESC, term LIMIT {TOP}""",
    "widgets": f"""SELECT page, name AS widget, count(*) AS interactions FROM events
        WHERE kind = 'widget' AND ts >= $since GROUP BY ALL ORDER BY interactions DESC, page, widget LIMIT {TOP}""",
    "exports": f"""SELECT page, name AS download, count(*) AS downloads FROM events
        WHERE kind = 'export' AND ts >= $since GROUP BY ALL ORDER BY downloads DESC, page, download LIMIT {TOP}""",
    "transitions": f"""WITH v AS (SELECT page, lag(page) OVER (PARTITION BY session ORDER BY ts, rowid) AS prev
        FROM events WHERE kind = 'view' AND ts >= $since)
        SELECT coalesce(prev, '{START}') AS "from", page AS "to", count(*) AS moves FROM v
        WHERE prev IS NULL OR prev <> page GROUP BY ALL ORDER BY moves DESC, "from", "to" """,
    "render": """SELECT page, count(*) AS runs, quantile_cont(ms, 0.5) AS p50_ms, quantile_cont(ms, 0.95) AS p95_ms,
        max(ms) AS max_ms, count(*) FILTER (WHERE name = 'error') AS errors FROM events
        WHERE kind = 'render' AND ts >= $since AND ms IS NOT NULL GROUP BY page ORDER BY p95_ms DESC, page""",
    "span": "SELECT count(*) AS events, min(ts) AS first, max(ts) AS last FROM events WHERE ts >= $since",
}


def since(days: int | None, now: datetime | None = None) -> datetime:
    """The start of the last ``days`` days before ``now`` (UTC); the epoch for all time (``days`` None or 0)."""
    if not days:
        return datetime(1970, 1, 1)
    return (now or datetime.now(timezone.utc).replace(tzinfo=None)) - timedelta(days=days)


def empty() -> dict:
    """The figures of a store without events (every frame empty, with its columns)."""
    columns = {"views_by_page": ["page", "views", "sessions"], "views_by_day": ["day", "page", "views"],
               "sessions": ["session", "seconds", "views", "events"], "filters": ["filter", "changes", "sessions"],
               "filter_values": ["filter", "value", "uses"], "searches": ["term", "searches", "sessions"],
               "widgets": ["page", "widget", "interactions"], "exports": ["page", "download", "downloads"],
               "transitions": ["from", "to", "moves"],
               "render": ["page", "runs", "p50_ms", "p95_ms", "max_ms", "errors"]}
    out = {name: pd.DataFrame(columns=cols) for name, cols in columns.items()}
    out["views_by_day"] = out["views_by_day"].assign(day=pd.to_datetime(out["views_by_day"]["day"]))
    return {**out, **headline(out["sessions"], 0), "first": None, "last": None}


def figures(con, start: datetime) -> dict:
    """Every figure of the page from an open store (``store.reading``) for the events since ``start``.

    Returns:
        One frame per query in ``_QUERIES`` (``views_by_page``, ``views_by_day``, ``sessions``, ``filters``,
        ``filter_values``, ``searches``, ``widgets``, ``exports``, ``transitions``, ``render``) and the headline
        numbers (``events``, ``sessions_n``, ``views``, ``median_session_s``, ``one_page_share``, ``first``,
        ``last``).
    """
    out = {name: con.execute(sql, {"since": start}).df() for name, sql in _QUERIES.items() if name != "span"}
    span = con.execute(_QUERIES["span"], {"since": start}).fetchone()
    out["views_by_day"] = out["views_by_day"].assign(day=pd.to_datetime(out["views_by_day"]["day"]))
    return {**out, **headline(out["sessions"], int(span[0])), "first": span[1], "last": span[2]}


def headline(sessions: pd.DataFrame, events: int) -> dict:
    """Sessions, page views, median session length (s) and the share of sessions that saw one page at most."""
    n = len(sessions)
    return {"events": events, "sessions_n": n, "views": int(sessions["views"].sum()) if n else 0,
            "median_session_s": float(sessions["seconds"].median()) if n else 0.0,
            "one_page_share": float((sessions["views"] <= 1).mean()) if n else 0.0}


def from_store(path, days: int | None, now: datetime | None = None) -> dict:
    """``figures`` of the store at ``path`` over the last ``days`` days; ``empty()`` when nothing was recorded.

    Raises:
        store.StoreUnavailable: the store exists but cannot be read now.
    """
    with store.reading(path) as con:
        return empty() if con is None else figures(con, since(days, now))


def plural(n: int, word: str) -> str:
    """``1 view``, ``3 views``."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 20 s`` or ``1 h 05 min``."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def page_insights(views: pd.DataFrame, pages: list[str]) -> list[str]:
    """The most and least visited pages and those nobody opened (``pages``: every page of the app)."""
    if views.empty:
        return []
    total, top = int(views["views"].sum()), views.iloc[0]
    lines = [f"**{top['page']}** draws {top['views'] / total:.0%} of page views ({int(top['views']):,} of "
             f"{total:,}), seen in {plural(int(top['sessions']), 'session')}."]
    if len(views) > 1:
        low = views.iloc[-1]
        lines.append(f"The least visited page is **{low['page']}** ({plural(int(low['views']), 'view')}).")
    unseen = [p for p in pages if p not in set(views["page"])]
    if unseen:
        lines.append(f"Not opened in this period: {', '.join(unseen)}.")
    return lines


def day_insights(by_day: pd.DataFrame) -> list[str]:
    """The busiest day and the average over the days with any use."""
    if by_day.empty:
        return []
    per_day = by_day.groupby("day")["views"].sum()
    best = per_day.idxmax()
    return [f"Busiest day: **{best:%Y-%m-%d}** with {int(per_day.max()):,} page views; "
            f"{per_day.mean():.1f} views a day on average over {plural(len(per_day), 'day')} with any use."]


def session_insights(figs: dict) -> list[str]:
    """Median session length and how many sessions stopped at one page."""
    if not figs["sessions_n"]:
        return []
    return [f"The median session lasts **{duration(figs['median_session_s'])}** over "
            f"{plural(int(figs['sessions_n']), 'session')}; {figs['one_page_share']:.0%} of them saw one page only."]


def flow_insights(moves: pd.DataFrame) -> list[str]:
    """The most common move between two pages and where sessions start."""
    if moves.empty:
        return []
    lines = []
    between = moves[moves["from"] != START]
    if not between.empty:
        top = between.iloc[0]
        lines.append(f"Most common move: **{top['from']} → {top['to']}** ({plural(int(top['moves']), 'time')}, "
                     f"{top['moves'] / between['moves'].sum():.0%} of moves between pages).")
    starts = moves[moves["from"] == START]
    if not starts.empty:
        first = starts.iloc[0]
        lines.append(f"{first['moves'] / starts['moves'].sum():.0%} of sessions start on **{first['to']}**.")
    return lines


def filter_insights(filters: pd.DataFrame, values: pd.DataFrame, searches: pd.DataFrame) -> list[str]:
    """The most changed filter, the most picked value and the most searched term."""
    lines = []
    if not filters.empty:
        top = filters.iloc[0]
        lines.append(f"**{top['filter']}** is the most changed filter: {top['changes'] / filters['changes'].sum():.0%} "
                     f"of {int(filters['changes'].sum()):,} filter changes.")
    if not values.empty:
        top = values.iloc[0]
        uses = plural(int(top["uses"]), "time")
        lines.append(f"The most picked value is **{top['value']}** ({top['filter']}, {uses}).")
    if not searches.empty:
        top = searches.iloc[0]
        lines.append(f"Most searched: **{top['term']}** ({plural(int(top['searches']), 'time')} in "
                     f"{plural(int(top['sessions']), 'session')}).")
    return lines


def render_insights(render: pd.DataFrame) -> list[str]:
    """The slowest page at p95, how many pages are slow, and the fastest at p50."""
    if render.empty:
        return []
    slow, fast = render.iloc[0], render.sort_values("p50_ms").iloc[0]
    over = int((render["p95_ms"] > SLOW_MS).sum())
    lines = [f"Slowest at p95: **{slow['page']}**, {slow['p95_ms'] / 1000:.2f} s (p50 {slow['p50_ms'] / 1000:.2f} s "
             f"over {plural(int(slow['runs']), 'run')}).",
             f"{over} of {len(render)} pages take over {SLOW_MS / 1000:.0f} s at p95." if over else
             f"Every page renders within {SLOW_MS / 1000:.0f} s at p95.",
             f"Fastest at p50: **{fast['page']}**, {fast['p50_ms'] / 1000:.2f} s."]
    errors = int(render["errors"].sum())
    if errors:
        lines.append(f"{errors:,} runs ended in an error.")
    return lines


def render_table(render: pd.DataFrame) -> pd.DataFrame:
    """The render times as the page shows them: seconds, slowest p95 first."""
    return pd.DataFrame({"Page": render["page"], "Runs": render["runs"].astype(int),
                         "p50 (s)": (render["p50_ms"] / 1000).round(2), "p95 (s)": (render["p95_ms"] / 1000).round(2),
                         "Slowest (s)": (render["max_ms"] / 1000).round(2), "Errors": render["errors"].astype(int)})


def with_insights(figs: dict, pages: list[str]) -> dict:
    """``figs`` with the sentences of each section under ``insights`` (``pages``: every page of the app)."""
    return {**figs, "insights": {
        "pages": page_insights(figs["views_by_page"], pages), "days": day_insights(figs["views_by_day"]),
        "sessions": session_insights(figs), "flow": flow_insights(figs["transitions"]),
        "filters": filter_insights(figs["filters"], figs["filter_values"], figs["searches"]),
        "render": render_insights(figs["render"])}}

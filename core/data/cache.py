"""The data layer's cache boundary: source tables, their versions, the filtered strategy frame, the Data page.

Design note: the raw embedded tables (62,801 titles with list columns) and the filtered, featured strategy
frames are held with ``cache_resource`` and treated as read-only, because ``cache_data`` would unpickle a 20 MB
copy (0.2-0.3 s) on every call; every smaller derived result goes through ``cache_data``.

Every function that depends on a source's titles takes a ``Filters`` value carrying that source's data version
(``source_version``), so a sync from this app, the command line or another process reaches every page through
new cache keys (within ``tmdb_status``'s 30 s expiry), with no cache-wide clearing.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core import config, diskcache
from core.data import embedded, features

FRAME_ENTRIES = 64
SNAPSHOT_VERSION = 3  # bump when what the JSON snapshots hold changes


@st.cache_resource(max_entries=1, show_spinner="Loading the embedded data (first start builds a local cache)...")
def embedded_data() -> embedded.EmbeddedData:
    """The embedded tables (read-only: never mutate what this returns)."""
    return embedded.load()


def tmdb_store_path() -> str:
    """Where synced TMDB titles live."""
    return str(config.cache_dir() / "tmdb.duckdb")


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def tmdb_titles(path: str, stamp: str) -> pd.DataFrame:
    """Synced TMDB titles; ``stamp`` (``tmdb_version``) changes after every sync run so the cache refreshes."""
    from core.tmdb.store import TmdbStore

    return TmdbStore(path).titles()


@st.cache_data(ttl=30, max_entries=4, show_spinner=False)
def tmdb_status(path: str) -> dict:
    """Titles stored and last sync time of the TMDB cache (empty dict when nothing was synced)."""
    if not Path(path).exists():
        return {}
    try:
        from core.tmdb.store import TmdbStore

        store = TmdbStore(path)
        count, last, attempt = store.count(), store.last_sync(), store.last_attempt()
    except Exception:  # a locked or damaged cache file reads as "not synced"; the Data page can clear it
        return {}
    if not count:
        return {}
    last_iso = last.isoformat() if last is not None else ""
    # data as of: the newest run that wrote titles, complete or not (a partial run's titles are stored too)
    fetched = max(last_iso, str(attempt.get("at", "")))
    return {"titles": int(count), "last_sync": last_iso, "last_attempt": attempt, "fetched_at": fetched,
            "version": f"{int(count)}|{last_iso}|{attempt.get('at', '')}"}


@st.cache_data(ttl=30, max_entries=4, show_spinner=False)
def tmdb_problem(path: str) -> str:
    """Why the TMDB cache file cannot be used ("" when it is fine or absent): damaged, or in use elsewhere."""
    from core.tmdb.store import problem

    return problem(path)


@st.cache_data(ttl=30, max_entries=1, show_spinner=False)
def cache_dir_writable() -> tuple[bool, str]:
    """Whether results can be kept in the cache dir, and why not (``core.diskcache.writable``)."""
    return diskcache.writable()


def tmdb_version(status: dict) -> str:
    """A stamp that changes with every sync run that changed the TMDB cache (complete or partial)."""
    return status.get("version") or f"{status.get('titles', 0)}|{status.get('last_sync', '')}"


def source_version(source: str) -> str:
    """The data version of a source: the embedded cache's build stamp, the TMDB cache's sync stamp, or an
    uploaded source's files."""
    if source == "tmdb":
        return "tmdb|" + tmdb_version(tmdb_status(tmdb_store_path()))
    if source.startswith("up:"):
        return "up|" + uploaded_stamp(source)
    if source.startswith("syn:"):
        return "syn|" + platform_stamp(source)
    if not embedded.cache_stamp():
        embedded_data()  # first start: build the tables (and their manifest) before keying on them
    return "embedded|" + embedded.cache_stamp()


def forget_tmdb() -> None:
    """After a sync, refresh or clear in this process: read the TMDB cache's new version at once.

    Everything else is keyed by that version (through ``Filters``), so nothing else needs dropping.
    """
    tmdb_status.clear()
    tmdb_titles.clear()
    tmdb_problem.clear()


@st.cache_data(ttl=30, max_entries=8, show_spinner=False)
def uploaded_stamp(source: str) -> str:
    """The version of an uploaded source (``core.data.ingest.source_stamp``; "" when it cannot be read)."""
    import duckdb

    from core.data import ingest

    try:
        return ingest.source_stamp(source)
    except (duckdb.Error, OSError):
        return ""


@st.cache_data(ttl=30, max_entries=1, show_spinner=False)
def uploaded_sources() -> list[str]:
    """Uploaded sources with a titles table (``up:<name>``), for the source picker."""
    import duckdb

    from core.data import ingest

    try:
        return ingest.uploaded_sources()
    except (duckdb.Error, OSError):
        return []


@st.cache_data(max_entries=8, show_spinner="Reading the uploaded titles...")
def uploaded_titles(source: str, version: str) -> pd.DataFrame:
    """An uploaded source's titles in the canonical shape, at ``version``."""
    from core.data import ingest

    return ingest.uploaded_titles(source)


@st.cache_data(ttl=30, max_entries=8, show_spinner=False)
def platform_stamp(source: str) -> str:
    """The version of a platform source (``core.data.platforms.platform_stamp``; "" when it cannot be read)."""
    from core.data import platforms

    try:
        return platforms.platform_stamp(source)
    except (OSError, ValueError):
        return ""


@st.cache_data(ttl=30, max_entries=1, show_spinner=False)
def platform_sources() -> list[str]:
    """Platform sources (``syn:<name>``) for the source picker."""
    from core.data import platforms

    try:
        return platforms.platform_sources()
    except OSError:
        return []


@st.cache_data(ttl=30, max_entries=16, show_spinner=False)
def platform_manifest(source: str) -> dict:
    """What a platform is (``manifest.json``: synthetic or not, preset, seed, sizes); {} when unreadable."""
    from core.data import platforms

    try:
        return platforms.manifest(source)
    except ValueError:
        return {}


@st.cache_data(ttl=30, max_entries=1, show_spinner=False)
def platform_overview() -> pd.DataFrame:
    """One row per platform: name, synthetic or not, preset and seed, rows per table."""
    from core.data import platforms

    rows = []
    for source in platform_sources():
        info, counts = platforms.manifest(source), platforms.row_counts(source)
        rows.append({"platform": source[4:], "data": "synthetic" if info.get("synthetic", True) else "yours",
                     "preset": info.get("preset", ""), "seed": info.get("seed", ""), **counts})
    return pd.DataFrame(rows)


@st.cache_data(ttl=30, max_entries=16, show_spinner=False)
def platform_note(source: str) -> str:
    """The line every page showing a platform carries (synthetic data says so)."""
    from core.data import platforms

    try:
        return platforms.describe(source)
    except ValueError:
        return ""


@st.cache_resource(max_entries=4, show_spinner="Aggregating the platform's events...")
def platform_titles(source: str, version: str) -> pd.DataFrame:
    """A platform's titles with votes, rating and reach aggregated by the engine, at ``version`` (read-only, like
    ``embedded_data``: up to 200,000 rows with list columns would be unpickled on every call from cache_data)."""
    from core.data import platforms

    # persisted: after a restart the event log is not scanned again until one of its files changes
    key = diskcache.fingerprint(version, diskcache.code_version("core.data.platforms", "core.data.queries",
                                                                "core.data.schema"))
    return diskcache.load_or_build("platform_titles", key,
                                   lambda: platforms.titles_frame(platforms.platform_dir(source)), fmt="parquet")


def audience_source(flt: features.Filters, table: str) -> tuple[str, str]:
    """``(source, version)`` whose ``table`` an audience page reads for ``flt``: the active source's own, else the
    embedded one (``core.data.audience.resolve``)."""
    from core.data import audience

    stored = uploaded_tables() if flt.source.startswith("up:") else None  # cached: no store opened per rerun
    used = audience.resolve(flt.source, table, stored)
    return used, (flt.version if used == flt.source else source_version(used))


@st.cache_resource(max_entries=4, show_spinner="Reading the ratings...")
def audience_ratings(source: str, version: str, max_raters: int = 0):  # 0: audience.RATERS_MAX
    """``core.data.audience.Audience`` of ``source``'s own ratings (read-only): the embedded MovieLens ratings,
    or a platform's, raters sampled whole in the engine when there are many (at most about ``max_raters`` when
    set). ``version`` keys the data."""
    from core.data import audience

    if source.startswith("syn:"):
        return audience.platform_ratings(source, max_raters=max_raters or audience.RATERS_MAX,
                                         titles=platform_titles(source, version))
    if source.startswith("up:"):
        return audience.uploaded_ratings(source, max_raters=max_raters or audience.RATERS_MAX)
    data = embedded_data()
    return audience.Audience("embedded", data.ratings, data.titles, pd.Series(dtype="int64"), len(data.ratings),
                             int(data.ratings["user_id"].nunique()))


def source_titles(flt: features.Filters) -> pd.DataFrame:
    """Canonical titles of ``flt.source`` ("embedded", "tmdb", "up:<name>" or "syn:<name>") at ``flt.version``."""
    if flt.source.startswith("syn:"):
        if flt.source in platform_sources():
            return platform_titles(flt.source, flt.version)
        return embedded_data().titles.iloc[0:0]
    if flt.source.startswith("up:"):
        if flt.source in uploaded_sources():
            return uploaded_titles(flt.source, flt.version)
        return embedded_data().titles.iloc[0:0]
    if flt.source == "tmdb":
        status = tmdb_status(tmdb_store_path())
        if status:
            return tmdb_titles(tmdb_store_path(), tmdb_version(status))
        return embedded_data().titles.iloc[0:0]
    return embedded_data().titles


def embedded_snapshot(name: str, build, *parts) -> dict:
    """``build()`` for the embedded source, read from a JSON snapshot when the embedded cache and the code that
    computes it are unchanged: a restart shows the home page without loading the tables. ``parts`` are the
    caller's parameters and the modules its result is computed by (``core.diskcache.fingerprint``)."""
    stamp = source_version("embedded")
    if stamp == "embedded|":  # an unwritable cache dir: compute every time
        return build()
    key = diskcache.fingerprint(features, stamp, SNAPSHOT_VERSION, *parts)
    return diskcache.load_or_build(name, key, build, fmt="json")


@st.cache_data(max_entries=8, show_spinner=False)
def source_facets(source: str, version: str) -> dict:
    """Genres, media types and year span of a source's titles that have audience metrics."""
    flt = features.Filters(source, version=version)
    if source == "embedded":
        found = embedded_snapshot("facets", lambda: features.facets(source_titles(flt)))
    elif source.startswith("syn:"):  # a restart reads them, not 200,000 titles' genre lists
        key = diskcache.fingerprint(version, diskcache.code_version("core.data.features"))
        found = diskcache.load_or_build("platform_facets", key, lambda: features.facets(source_titles(flt)),
                                        fmt="json")
    else:
        found = features.facets(source_titles(flt))
    # a platform's votes are its own ratings, far fewer per title than IMDb's or TMDB's votes
    return {**found, "min_votes": config.PLATFORM_MIN_VOTES if source.startswith("syn:") else
            config.DEFAULT_MIN_VOTES}


@st.cache_resource(max_entries=FRAME_ENTRIES, show_spinner=False)
def strategy_frame(flt: features.Filters) -> pd.DataFrame:
    """Filtered titles with every derived feature (see ``core.data.features``). Read-only, like
    ``embedded_data``: every page reads it on each run, and ``cache_data`` would unpickle a copy of up to
    58,788 rows with list columns (~0.2 s) every time; code that needs changes works on a copy."""
    return features.engineer(features.apply_filters(source_titles(flt), flt))


@st.cache_data(max_entries=1, show_spinner=False)
def contract_overview() -> pd.DataFrame:
    """One row per contract table: key, required and optional columns, and the pages that need it."""
    from core.data import contract

    return pd.DataFrame([{"table": t.name, "key": ", ".join(t.key), "required": ", ".join(t.required),
                          "optional": ", ".join(f.name for f in t.fields if not f.required),
                          "pages": ", ".join(p for p, tables in contract.PAGE_TABLES.items() if t.name in tables)
                          or "-",
                          "also read by": ", ".join(p for p, tables in contract.PAGE_EXTRA_TABLES.items()
                                                    if t.name in tables) or "-"} for t in contract.TABLES.values()])


@st.cache_data(ttl=30, max_entries=1, show_spinner=False)
def uploaded_tables() -> pd.DataFrame:
    """Tables loaded from files: source, table, rows, files and when (empty when none; a damaged store too)."""
    import duckdb

    from core.data import ingest

    try:
        return ingest.stored_tables()
    except (duckdb.Error, OSError):
        return pd.DataFrame(columns=["source", "table", "rows", "files", "loaded"])


@st.cache_data(max_entries=4, show_spinner=False)
def data_overview(tmdb_stamp: str, tmdb_problem: str = "") -> dict:
    """Inventory, derivations, field coverage and validation problems of both sources.

    ``tmdb_stamp`` is ``tmdb_version`` of the TMDB cache, so any sync run (complete or partial) refreshes this;
    ``tmdb_problem`` (a damaged or busy file) replaces the "nothing cached yet" line.
    """
    from core.data import docs, schema

    data, status = embedded_data(), tmdb_status(tmdb_store_path())
    tables = {"titles": data.titles, "ratings": data.ratings, "subscribers": data.subscribers,
              "episodes": data.episodes}
    inventory = docs.source_inventory(tables, data.built_at, status)
    tmdb = source_titles(features.Filters("tmdb")) if status else data.titles.iloc[0:0]
    problems = data.problems.assign(source="Embedded")
    if len(tmdb):
        problems = pd.concat([problems, schema.problems_frame(schema.validate_titles(tmdb)).assign(
            source="Live TMDB")], ignore_index=True)
    derivations = pd.concat([docs.derivations(data.titles), docs.tmdb_derivations()], ignore_index=True)
    insights = docs.freshness_insights(inventory)
    if tmdb_problem:
        insights = [line for line in insights if not line.startswith("No TMDB titles")] + [tmdb_problem]
    return {"inventory": inventory, "insights": insights,
            "derivations": derivations, "snapshot": docs.snapshot_note(data.ratings),
            "coverage": docs.coverage_table({"Embedded": data.titles, "Live TMDB": tmdb}),
            "problems": problems[["source", *[c for c in problems.columns if c != "source"]]]}

"""The Content Universe page body: genres, quality against reach, engagement tiers and the leading titles."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from core import ui
from core.data import cache as data_cache
from core.data.features import Filters
from core.explore import cache, universe
from core.explore import charts as cx

TOP_COLUMNS = {"vote_average": st.column_config.NumberColumn("rating", format="%.1f"),
               "engagement_score": st.column_config.NumberColumn("engagement", format="%.1f"),
               "popularity": st.column_config.NumberColumn(format="%.1f"),
               "vote_count": st.column_config.NumberColumn("votes", format="localized")}


def render(flt: Filters) -> None:
    """Draw the Content Universe page for the active filters."""
    top_n = st.sidebar.slider("Top performers to list", 10, 100, 25, step=5, key="cu_top_n")
    n = len(data_cache.strategy_frame(flt))
    ui.stop_if_empty(n)
    overview = cache.universe_overview(flt)
    head = overview["headline"]
    st.markdown(ui.filters_summary(flt, n))
    cols = st.columns(4)
    cols[0].metric("Titles", f"{head['titles']:,}")
    cols[1].metric("Genres", head["genres"])
    cols[2].metric("Median rating", f"{head['median_rating']:.1f}")
    cols[3].metric("Median votes", f"{head['median_votes']:,.0f}")
    if n < universe.MIN_TITLES:
        st.info(f"Only {n} titles in view: too few to chart distributions (at least {universe.MIN_TITLES}). "
                "Here they are as a list.", icon=":material/info:")
        ui.table(cache.universe_titles(flt, "", top_n)["top"], "titles_in_view", key="cu_dl_small")
        return
    # Lazy tabs: only the open tab's charts are computed and drawn (the big scatter stays off the first view).
    genres_tab, quality_tab, top_tab = st.tabs(["Genres", "Quality vs popularity", "Top titles"], key="cu_tab",
                                               on_change="rerun", bind="query-params")
    if genres_tab.open:
        with genres_tab:
            _genres(overview)
    if quality_tab.open:
        with quality_tab:
            _by_media(flt, overview["media"], "cu_media_quality", lambda m: _quality(flt, m, top_n))
    if top_tab.open:
        with top_tab:
            _by_media(flt, overview["media"], "cu_media_top", lambda m: _top(flt, m, top_n))


def _genres(overview: dict) -> None:
    st.subheader("Genre distribution")
    st.caption("A title counts once in each of its genres, so shares are of genre-title pairs and add up to 100%.")
    ui.chart(cx.genre_shares(overview["stats"]), cx.HOW_TO_READ["genre_shares"], overview["stats_insights"],
             key="cu_genres")
    ui.download(overview["stats"], "genre_distribution", key="cu_dl_genres", label="Download genre table")
    st.subheader("Performance matrix")
    ui.chart(cx.tier_matrix(overview["matrix"]), cx.HOW_TO_READ["tier_matrix"], overview["matrix_insights"],
             key="cu_matrix")


def _titles(flt: Filters, media: str, top_n: int) -> dict | None:
    """Points, top table and cards for one media type ("" = all); None (with a note) when there are none."""
    data = cache.universe_titles(flt, media, top_n)
    if data["titles"] == 0:
        ui.empty_state("No titles of this type match these filters.")
        return None
    return data


def _by_media(flt: Filters, media: list[str], key: str, section: Callable[[str], None]) -> None:
    """Draw ``section(media)`` in lazy Movies / TV tabs (only the open one runs; the choice carries over between
    the Quality and Top titles tabs), or once when the view holds a single media type."""
    if len(media) < 2:
        st.caption(universe.media_note(media, flt.source))
        section("")
        return
    labels = [universe.MEDIA_LABELS.get(m, m) for m in media]
    if st.session_state.get("cu_keep_media") in labels:
        st.session_state.setdefault(key, st.session_state["cu_keep_media"])
    for tab, label, m in zip(st.tabs(labels, key=key, on_change="rerun"), labels, media):
        if tab.open:
            st.session_state["cu_keep_media"] = label
            with tab:
                section(m)


def _quality(flt: Filters, media: str, top_n: int) -> None:
    """Rating against popularity for one media type."""
    data = _titles(flt, media, top_n)
    if data is None:
        return
    if len(data["points"]) >= 3:
        ui.chart(cx.quality_popularity(data["points"]), cx.HOW_TO_READ["quality_popularity"],
                 data["points_insights"], key=f"cu_scatter_{media or 'all'}")
    else:
        st.info("Too few titles with a popularity score to plot.", icon=":material/info:")


def _top(flt: Filters, media: str, top_n: int) -> None:
    """Top performers and title cards for one media type."""
    data = _titles(flt, media, top_n)
    if data is None:
        return
    st.markdown(f"#### Top {len(data['top'])} performers by engagement score")
    ui.table(data["top"], f"top_performers_{media or 'all'}", key=f"cu_dl_top_{media or 'all'}",
             column_config=TOP_COLUMNS)
    cards = data["cards"]
    with_posters = any(c["poster_url"] for c in cards)
    st.markdown("#### Poster wall" if with_posters else "#### Title cards")
    if not with_posters:
        st.caption("This source has no posters, so the leading titles are shown as cards.")
    grid = st.columns(4)
    for i, card in enumerate(cards):
        with grid[i % 4].container(border=True):
            if card["poster_url"]:
                st.image(card["poster_url"], width="stretch")
            st.markdown(f"**{ui.escape(card['title'])}** ({card['year']})")
            st.caption(f"{ui.escape(card['genre'])} · :material/star: {card['rating']:.1f} · {card['votes']:,} votes")

"""The Integrity page body: suspicious raters and their effect, vote patterns that IMDb set aside, rating-based
audience sentiment, and sentiment of the source's own review text with review bursts."""
from __future__ import annotations

import logging

import streamlit as st

from core import ui
from core.data import audience, reviews
from core.data import cache as data_cache
from core.data.features import Filters
from core.integrity import cache
from core.integrity import charts as ci
from core.integrity import planted as pl
from core.integrity import raters as ig
from core.integrity import reviews as rv
from core.integrity import sentiment as se
from core.integrity import votes as iv

log = logging.getLogger(__name__)
DEFAULT_CONTAMINATION = 2.0  # % of raters flagged
TABS = ("Suspicious raters", "Effect on ratings", "Vote patterns", "Sentiment", "Review text")


def render(flt: Filters) -> None:
    """Draw the Integrity page for the active filters."""
    source, version = data_cache.audience_source(flt, "ratings")
    whose = ("the embedded MovieLens ratings" if source == "embedded" else "this source's own ratings")
    sentiment = ("There is no review text in this data, so sentiment is rating-based throughout (the *Review "
                 "text* tab says why)." if flt.source == "embedded" else
                 "Sentiment is rating-based on the *Sentiment* tab; *Review text* scores this source's own reviews."
                 if cache.review_available(flt.source, flt.version) else
                 "Sentiment is rating-based: from the titles' ratings (this source has no review text).")
    st.caption(f":material/info: Three checks: **raters** ({whose}, {cache.rating_span(source, version)}; the title "
               "filters do not apply to them), **vote patterns** and **sentiment** (the titles in the sidebar "
               f"filters). {sentiment}")
    if note := audience.note(flt.source, source, "ratings"):
        st.caption(f":material/swap_horiz: {note}")
    # Lazy tabs: only the open tab runs and draws its charts. Its inputs keep their values (persist_state) while
    # the user visits the other tabs; the open tab is in the URL (?ig_tab=...) next to the filters.
    tabs = st.tabs(list(TABS), key="ig_tab", on_change="rerun", bind="query-params")
    for tab, section in zip(tabs[:2], (_raters, _effect)):
        if tab.open:
            with tab:
                if raters := _rater_scores(tabs[0].open, source, version):
                    section(raters)
                    if tab is tabs[0]:
                        _planted(source, version)
    for tab, section in zip(tabs[2:], (_votes, _sentiment, _review_text)):
        if tab.open:
            with tab:
                if _titles_in_view(flt):
                    section(flt)


def _titles_in_view(flt: Filters) -> bool:
    """Guard of the title checks: say why when the filters leave too few titles; else say what is in view."""
    view_size = len(data_cache.strategy_frame(flt))
    if view_size == 0:
        ui.empty_state("No titles match these filters, so vote patterns and sentiment cannot be shown.")
    elif view_size < iv.MIN_TITLES:
        st.info(f"Only {view_size} titles match these filters: too few to compare vote patterns and sentiment "
                f"(at least {iv.MIN_TITLES} needed).", icon=":material/info:")
    else:
        st.caption(f":material/filter_alt: {ui.filters_summary(flt, view_size)}")
    return view_size >= iv.MIN_TITLES


def _contamination(first_tab_open: bool) -> float:
    """The share of raters to flag (%): the slider on the first tab; other tabs read its kept value."""
    if not first_tab_open:
        return st.session_state.get("ig_contamination", DEFAULT_CONTAMINATION)
    return st.slider("Share of raters to flag (Isolation Forest contamination, %)", 0.5, 10.0, DEFAULT_CONTAMINATION,
                     step=0.5, key="ig_contamination", persist_state="page",
                     help="The forest ranks every rater; this sets where the cut-off is.")


def _rater_scores(first_tab_open: bool, source: str, version: str) -> dict:
    share = _contamination(first_tab_open)
    with st.spinner("Scoring every rater with an Isolation Forest (first run only, a few seconds)..."):
        raters = cache.integrity_raters(source, version, share / 100)
    if not raters:
        st.info(f"Rater analysis needs at least {ig.MIN_RATERS} raters in the ratings table.", icon=":material/info:")
    return raters


def _raters(raters: dict) -> None:
    s, pr = raters["summary"], raters["priorities"]
    top = st.columns(4)
    top[0].metric("Flagged raters", f"{len(raters['table']):,} of {raters['raters']:,}")
    top[1].metric("High review priority", f"{pr['High']:,}", help="Two or more features beyond 2 sd in the direction "
                  "fake accounts lean (many, fast, bursty, uniform or extreme ratings, far from other raters).")
    top[2].metric("Their share of all ratings", f"{s['flagged_share']:.1%}")
    top[3].metric("Title means moved 0.1+ star", f"{s['moved']:,} of {s['titles']:,}",
                  help=f"Titles with {s['min_ratings']}+ ratings whose mean changes by 0.1 star or more without them.")
    st.caption(f"Isolation Forest ({ig.RATER_TREES} trees, random_state 0) on {len(ig.FEATURES)} behaviour features "
               f"per rater; reasons list the features beyond {ig.REASON_Z:g} standard deviations. Flags are "
               "statistical outliers to review, not verdicts; only a synthetic platform knows which are fake. "
               + raters["sample"])
    names = list(ig.FEATURES)
    pick = st.columns(2)
    x = pick[0].selectbox("Across", names, index=names.index("ratings"), format_func=lambda f: ig.FEATURES[f][0],
                          key="ig_x", persist_state="page")
    y = pick[1].selectbox("Up", names, index=names.index("consensus_gap"), format_func=lambda f: ig.FEATURES[f][0],
                          key="ig_y", persist_state="page")
    ui.chart(ci.rater_scatter(raters["points"], x, y), ci.HOW_TO_READ["raters"], raters["insights"], key="ig_raters")
    st.markdown("**Flagged raters**, most unusual first")
    ui.table(raters["display"], "integrity_flagged_raters", "ig_dl_raters")
    with st.expander("How reliable are these flags? Feature definitions"):
        for line in raters["reliability"]:
            st.markdown(f"- {line}")
        st.dataframe([{"feature": ig.FEATURES[k][0], "definition": v} for k, v in ig.DEFINITIONS.items()],
                     width="stretch", hide_index=True)


def _planted(source: str, version: str) -> None:
    """On a synthetic platform: each detector's precision and recall against what was planted."""
    found = cache.integrity_planted(source, version, _contamination(False) / 100)
    if not found:
        return
    st.markdown("**Scored against the planted truth** (this platform is synthetic: its fake engagement is known)")
    st.caption("Each row is one detector: precision = share of its flags that were planted, recall = share of the "
               "planted it flagged. The rater row follows the contamination slider above.")
    percent = st.column_config.NumberColumn(format="percent")
    ui.table(found["card"], "integrity_planted_scores", "ig_dl_planted",
             column_config={"precision": percent, "recall": percent})
    ui.bullets(found["insights"])
    with st.expander("Rating bursts and review farms: the flagged items and how they are found"):
        for name in ("burst", "farm", "precision", "recall"):
            st.markdown(f"- **{name}**: {pl.DEFINITIONS[name]}")
        ui.table(found["bursts"].head(20), "integrity_bursts", "ig_dl_bursts")
        if found["farms"] is not None:
            ui.table(found["farms"].head(20), "integrity_farm_reviews", "ig_dl_farms")


def _effect(raters: dict) -> None:
    s = raters["summary"]
    st.caption(f"The {len(raters['table']):,} raters flagged at {_contamination(False):g}% contamination (set on the "
               f"*Suspicious raters* tab): {s['moved']:,} of the {s['titles']:,} titles with {s['min_ratings']}+ "
               "ratings move by 0.1 star or more without them.")
    order = st.radio("Titles to show", ["most_rated", "most_moved"], horizontal=True, key="ig_effect",
                     persist_state="page",
                     format_func={"most_rated": "They rated most", "most_moved": "They move most"}.get)
    st.markdown("**Effect on title ratings**: mean MovieLens rating with and without the flagged raters")
    ui.chart(ci.rating_shift(raters["effect"][order]), ci.HOW_TO_READ["shift"], raters["effect_insights"][order],
             key="ig_shift")


def _votes(flt: Filters) -> None:
    threshold = st.slider("Flag titles at a gap score of at least (sd)", 2.0, 6.0, iv.DEFAULT_THRESHOLD, step=0.5,
                          key="ig_threshold", persist_state="page",
                          help="How unusual the gap between votes and rating must be for its vote count.")
    votes = cache.integrity_votes(flt, threshold)
    if not votes["available"]:
        st.info("This source has no per-star vote shares (TMDB reports only an average and a count), so stuffed or "
                "bombed votes cannot be told apart from real ones here. Switch the source to Embedded to see them.",
                icon=":material/info:")
        return
    st.caption("IMDb's published rating is a weighted average that filters vote stuffing; the plain mean is rebuilt "
               "from the share of votes at each star. A gap far larger than for titles with a similar vote count "
               "means IMDb set many votes aside. Shares are rounded to 10-point bands, so small gaps are noise.")
    ui.chart(ci.vote_gap(votes["points"]), ci.HOW_TO_READ["gap"], votes["insights"], key="ig_gap")
    ui.table(votes["display"], "integrity_vote_patterns", "ig_dl_votes")
    labels = votes["labels"]
    if labels:
        title_id = st.selectbox("Vote shape of a flagged title", list(labels), format_func=labels.get,
                                key="ig_title")
        shape = cache.integrity_title_shape(flt, title_id, labels[title_id])
        ui.chart(ci.vote_shape(shape["shape"], labels[title_id]), ci.HOW_TO_READ["shape"], shape["insights"],
                 key="ig_shape")
    with st.expander("Definitions"):
        for name, text in iv.DEFINITIONS.items():
            st.markdown(f"- **{name.replace('_', ' ')}**: {text}")


def _sentiment(flt: Filters) -> None:
    sent = cache.integrity_sentiment(flt)
    h = sent["headline"]
    if sent["basis"] == se.SHARES:
        st.caption("Rating-based sentiment (no review text in this data): from IMDb's share of votes at each star. "
                   + se.DEFINITIONS["rounding"])
        m = st.columns(4)
        m[0].metric("Net sentiment", f"{h['sentiment']:+.1f} points", help=se.DEFINITIONS["net"])
        m[1].metric("Votes at 8-10 stars", f"{h['positive']:.1f}%")
        m[2].metric("Votes at 1-3 stars", f"{h['negative']:.1f}%")
        m[3].metric("Polarised titles", f"{h['polarisation']:.1f}%", help=se.DEFINITIONS["polarisation"])
        ui.chart(ci.genre_sentiment_map(sent["genres"]), ci.HOW_TO_READ["genre_map"], sent["genre_insights"],
                 key="ig_genres")
    else:
        st.caption("Coarse sentiment only: this source has no per-star vote shares, and its overviews are synopses, "
                   "not audience reviews, so net sentiment and polarisation are unavailable. "
                   + se.DEFINITIONS["coarse"])
        st.metric("Vote-weighted mean vote average", f"{h['sentiment']:.2f}")
        ui.chart(ci.genre_sentiment_bars(sent["genres"]), ci.HOW_TO_READ["genre_bars"], sent["genre_insights"],
                 key="ig_genres")
    ui.chart(ci.decade_sentiment(sent["decades"], sent["basis"]), ci.HOW_TO_READ["decades"],
             sent["decade_insights"], key="ig_decades")
    ui.table(sent["display"], "integrity_genre_sentiment", "ig_dl_sentiment")


def _review_text(flt: Filters) -> None:
    """Sentiment of the source's own review text beside the rating-based one, a title's extremes, bursts; a
    reviews table that cannot be read is said so in one sentence, never as a traceback."""
    try:
        _review_sections(flt)
    except Exception as exc:  # noqa: BLE001 - an engine's or a file's own error, whatever its type
        log.warning("review text of %s could not be read: %s", flt.source, exc)
        ui.error_state(f"This source's reviews could not be read ({type(exc).__name__}). The other tabs are "
                       "unaffected; reload the reviews table on the Data page or sync TMDB again.")


def _review_sections(flt: Filters) -> None:
    found = cache.integrity_reviews(flt)
    if not found["available"]:
        st.info(reviews.missing_note(flt.source), icon=":material/info:")
        _scorer()
        return
    h = found["headline"]
    drawn = (f"a sample of {found['sampled']:,} of its {found['total']:,} reviews (drawn in the engine by review id)"
             if found["sampled"] < found["total"] else f"all {found['total']:,} of its reviews")
    st.caption(f"Scored: {drawn}; {h['reviews']:,} of them are of the {h['titles']:,} reviewed titles in view. "
               + rv.DEFINITIONS["sentiment"])
    if h["reviews"]:
        m = st.columns(4)
        m[0].metric("Reviews scored", f"{h['reviews']:,}")
        m[1].metric("Mean text sentiment", f"{h['sentiment']:+.2f}", help=rv.DEFINITIONS["sentiment"])
        m[2].metric("Positive / negative texts", f"{h['positive']:.0%} / {h['negative']:.0%}")
        m[3].metric("Text and stars disagree", f"{h['disagree']:.1%}" if h["rated"] else "no ratings",
                    help=rv.DEFINITIONS["disagree"])
        ui.chart(ci.review_trend(found["months"]), ci.HOW_TO_READ["review_trend"], found["trend_insights"],
                 key="ig_rv_trend")
        ui.chart(ci.review_genres(found["genres"]), ci.HOW_TO_READ["review_genres"], found["genre_insights"],
                 key="ig_rv_genres")
        st.markdown("**Text sentiment per title**, most reviewed first")
        ui.table(found["titles"], "integrity_review_titles", "ig_dl_rv_titles")
        _title_reviews(flt, found["labels"])
        st.markdown("**Where text and stars disagree most**")
        st.caption("A reviewer who says the opposite of their stars, or the scorer misreading the words (irony, "
                   "'I wanted to like this'): read a few before trusting the share above.")
        ui.table(found["disagreements"], "integrity_review_disagreements", "ig_dl_rv_disagree")
    else:
        st.info("None of this source's reviews are of the titles in view: widen the filters in the sidebar.",
                icon=":material/filter_alt_off:")
    _review_bursts(flt)
    _scorer()


def _title_reviews(flt: Filters, labels: dict[str, str]) -> None:
    """A picked title's most positive and most negative reviews (their text escaped)."""
    title_id = st.selectbox("Reviews of a title", list(labels), format_func=labels.get, key="ig_rv_title")
    one = cache.integrity_title_reviews(flt, title_id)
    st.caption(f"Its {one['limit']:,} newest reviews at most, each scored now. Volatility (rolling sd over "
               f"{rv.WINDOW_REVIEWS} reviews): {one['volatility']}.")
    ui.bullets(one["insights"])
    cols = st.columns(2)
    for col, name, key in zip(cols, ("Highest-scoring reviews", "Lowest-scoring reviews"), ("positive", "negative")):
        col.markdown(f"**{name}**")
        for quote in one[key]:
            col.markdown(f"- `{quote['head']}` {ui.escape(quote['text'], 600)}")


def _review_bursts(flt: Filters) -> None:
    bursts = cache.integrity_review_bursts(flt)
    st.markdown("**Review bursts**: many reviews of a title within days, with near-duplicate texts")
    st.caption(rv.DEFINITIONS["burst"] + " Over every review of the source; the title filters do not apply.")
    ui.bullets(bursts["insights"])
    if len(bursts["table"]):
        ui.table(bursts["table"], "integrity_review_bursts", "ig_dl_rv_bursts")


def _scorer() -> None:
    with st.expander("How good is the text scorer? Checked on real, labelled reviews"):
        check = cache.scorer_check()
        ui.bullets(check["insights"])
        for name in ("sentiment", "disagree", "volatility", "burst"):
            st.markdown(f"- **{name}**: {rv.DEFINITIONS[name]}")

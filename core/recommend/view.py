"""The Recommender page body: a viewer's top 10 and why, their ratings, "more like this", and the honest
evaluation on held-out ratings."""
from __future__ import annotations

import streamlit as st

from core import ui
from core.data import audience
from core.data import cache as data_cache
from core.data.features import Filters
from core.recommend import cache
from core.recommend import charts as cr
from core.recommend import insights as ri
from core.recommend import report as rr
from core.recommend import tables as rp

TABS = ("For this viewer", "Their ratings", "More like this title", "How good is it?")


def render(flt: Filters) -> None:
    """Draw the Recommender page on the active source's ratings (else the embedded MovieLens ones)."""
    src = data_cache.audience_source(flt, "ratings")
    data = cache.recommender_data(src)
    s = data["summary"]
    whose = "the embedded MovieLens ratings" if src[0] == "embedded" else "this source's own ratings"
    st.caption(f":material/info: Uses {whose} ({s['ratings']:,} ratings by {s['users']:,} users of {s['rated']:,} "
               f"titles, {s['first']}-{s['last']}); the global title filters do not apply here. *More like this "
               f"title* also covers {s['cold']:,} well-known titles ({rp.MIN_COLD_VOTES:,}+ votes) that nobody in "
               "these ratings rated." + (f" {data['sample']}" if data.get("sample") else ""))
    if note := audience.note(flt.source, src[0], "ratings"):
        st.caption(f":material/swap_horiz: {note}")
    users = data["users"]
    user_ids = [rp.NEW_USER, *users["user_id"].tolist()]
    user_labels = {rp.NEW_USER: "New viewer (no ratings yet): cold start",
                   **dict(zip(users["user_id"], users["label"]))}
    title_ids = data["titles"]["title_id"].tolist()
    url_user, user_note = rp.resolve_pick(ui.query_param("user"), user_ids, data["default_user"], "User", int)
    url_title, title_note = rp.resolve_pick(ui.query_param("title"), title_ids, data["default_title"], "Title")
    user = st.columns(2)[0].selectbox("Viewer", user_ids, index=user_ids.index(url_user), format_func=user_labels.get,
                                      key="rc_user",
                                      help="Type a user id to search; the label says how many films they rated.")
    ui.set_query_param("user", str(user))
    for note in (user_note, title_note):
        if note:
            st.warning(note, icon=":material/link_off:")
    # Lazy tabs: only the open tab runs and draws its charts. The pickers above serve every tab; the open tab is
    # in the URL (?rc_tab=...) next to the user and title, so a view can be shared.
    sections = (lambda: _for_viewer(src, data, user), lambda: _history(src, user),
                lambda: _more_like(src, data, user, title_ids, url_title), lambda: _evaluation(src, data["key"]))
    ui.lazy_tabs(dict(zip(TABS, sections)), key="rc_tab", bind="query-params")


def _prepare_models(src: tuple, key: str) -> dict:
    """Load the collaborative models, or train them once on this machine, with visible progress."""
    with st.status("Preparing the collaborative models...", expanded=True) as status:
        bar, fits = st.progress(0.0), {}
        for step, (part, label) in enumerate(rp.MODEL_PARTS.items()):
            bar.progress(step / len(rp.MODEL_PARTS), text=f"{label}: loading, or training once on this machine...")
            fits[part] = cache.recommender_model(src, key, part)
            st.write(f"{label}: trained in {fits[part]['seconds']:.1f} s on {fits[part]['trained_at']}.")
        bar.progress(1.0, text="Ready")
        status.update(label=rp.models_summary(fits), state="complete", expanded=False)
    return fits


@st.fragment
def _top_ten(src: tuple, key: str, user: int) -> None:
    """The user's top 10 at the chosen blend (a fragment: moving the slider reruns only this part)."""
    st.subheader(f"Top 10 for user {user}")
    weight = st.slider("Content share of the blend (%)", 0, 100, int(100 * rp.DEFAULT_WEIGHT), 5, key="rc_weight",
                       persist_state="page", help="0 = collaborative only, 100 = content only. Scores are blended "
                                                  "at query time, so changing this does not retrain anything.") / 100
    top = cache.recommender_top(src, key, user, weight)
    ui.table(top["table"], f"user_{user}_top10", "rc_top_dl")
    ch = top["changes"]
    st.caption(f"Against the default {rp.DEFAULT_WEIGHT:.0%} content blend: {len(ch['entered'])} entered, "
               f"{len(ch['left'])} left, {ch['moved']} of the {ch['kept']} kept titles changed rank. "
               "*Because you rated* names the user's above-average rating most linked to the pick.")
    left, right = st.columns(2)
    with left:
        ui.chart(cr.score_mix(top["top"]), cr.HOW_TO_READ["score_mix"], top["insights"], key="rc_mix")
    with right:
        ui.chart(cr.blend_map(top["ranks"], weight, rp.DEFAULT_WEIGHT), cr.HOW_TO_READ["blend_map"],
                 top["blend_insights"], key="rc_blend")


def _for_viewer(src: tuple, data: dict, user: int) -> None:
    if user != rp.NEW_USER:
        _prepare_models(src, data["key"])
        _top_ten(src, data["key"], user)
        return
    st.subheader("A new viewer: popular in the genres they pick")
    st.caption("With no ratings the collaborative model cannot place a viewer, so a new viewer gets the most-rated "
               "films in the genres they pick (all genres when none). A film with no ratings gets content neighbours "
               "instead: see *More like this title*.")
    genres = st.multiselect("Genres they like", data["genres"], key="rc_new_genres", persist_state="page",
                            placeholder="All genres")
    ui.table(cache.recommender_popular(src, data["key"], tuple(genres)), "recommender_new_viewer", "rc_popular_dl")


def _history(src: tuple, user: int) -> None:
    if user == rp.NEW_USER:
        st.info("A new viewer has no ratings yet: pick a user id above to see a history.", icon=":material/info:")
        return
    history = cache.recommender_history(src, user)
    st.subheader(f"What user {user} has rated")
    left, right = st.columns([3, 2])
    with left:
        ui.table(history["table"], f"user_{user}_ratings", "rc_history_dl")
    with right:
        ui.chart(cr.genre_taste(history["profile"], history["mean"]), cr.HOW_TO_READ["genre_taste"],
                 history["insights"], key="rc_taste")


def _more_like(src: tuple, data: dict, user: int, title_ids: list, url_title: str) -> None:
    key, labels = data["key"], dict(zip(data["titles"]["title_id"], data["titles"]["label"]))
    title_id = st.columns(2)[0].selectbox("Title", title_ids, index=title_ids.index(url_title),
                                          format_func=labels.get, key="rc_title",
                                          help="Type to search; most-rated first.")
    ui.set_query_param("title", title_id)
    similar = cache.recommender_similar(src, key, title_id)
    name = ui.escape(similar["title"])
    st.subheader(f"More like *{name}*")
    left, right = st.columns([3, 2])
    with left:
        ui.table(similar["table"].drop(columns="title_id"), "more_like_this", "rc_similar_dl")
    with right:
        ui.chart(cr.neighbours(similar["table"]), cr.HOW_TO_READ["neighbours"], similar["insights"], key="rc_similar")
    _prepare_models(src, key)
    title_view = cache.recommender_title(src, key, user, title_id)
    st.subheader(f"Viewers who rated *{name}* also rated")
    who = "a new viewer" if user == rp.NEW_USER else f"user {user}"
    cols = st.columns(3)
    cols[0].metric(f"Will {who} love it? P(4+ stars)", f"{title_view['love']:.0%}",
                   help="XGBoost on user, title and genre-affinity features; evaluated on the last tab.")
    cols[1].metric("Predicted rating", f"{title_view['predicted']:.2f} ★", help="Mean of item kNN and MF predictions.")
    cols[2].metric("Ratings of this title", f"{similar['ratings']:,}")
    left, right = st.columns([3, 2])
    with left:
        ui.table(title_view["table"].drop(columns="title_id"), "rated_neighbours", "rc_collab_dl")
    with right:
        ui.chart(cr.neighbours(title_view["table"], "collaborative"), cr.HOW_TO_READ["neighbours"],
                 title_view["insights"], key="rc_collab")


def _run_evaluation(src: tuple, key: str) -> dict:
    """Run the evaluation step by step with visible progress; the report is stored, so this runs once here."""
    steps = rr.report_steps()
    with st.status("Evaluating on held-out ratings: the first time for this data and code on this machine...",
                   expanded=True) as status:
        bar = st.progress(0.0)
        for n, (step, label) in enumerate(steps.items()):
            bar.progress(n / len(steps), text=f"Step {n + 1} of {len(steps)}: {label}...")
            st.write(f"{label}: {cache.recommender_eval_step(src, key, step)['seconds']:.1f} s")
        report = cache.recommender_report(src, key, run=True)
        bar.progress(1.0, text="Evaluation done")
        status.update(label=f"Evaluation done in {report['seconds']:.0f} s and stored: later visits show it at once",
                      state="complete", expanded=False)
    return report


def _evaluation(src: tuple, key: str) -> None:
    st.subheader("How good are these recommendations?")
    report = cache.recommender_report(src, key) or _run_evaluation(src, key)
    st.caption(f"Computed on {report['computed_at']} in {report['seconds']:.0f} s. {rr.PROTOCOL}")
    left, right = st.columns(2)
    with left:
        ui.chart(cr.rating_errors(rr.rating_table(report)), cr.HOW_TO_READ["rating_errors"], ri.rating_insights(report),
                 key="rc_eval_rating")
        ui.table(rr.rating_table(report).round(4), "recommender_rating_eval", "rc_eval_rating_dl")
    with right:
        ui.chart(cr.ranking_metrics(rr.ranking_table(report)), cr.HOW_TO_READ["ranking_metrics"],
                 ri.ranking_insights(report), key="rc_eval_ranking")
        ui.table(rr.ranking_table(report).round(4), "recommender_ranking_eval", "rc_eval_ranking_dl")
    love = report["love"]
    cols = st.columns(4)
    cols[0].metric("Love model accuracy", f"{love['accuracy']:.3f}",
                   f"{love['accuracy'] - love['majority_accuracy']:+.3f} vs majority class")
    cols[1].metric("Majority-class accuracy", f"{love['majority_accuracy']:.3f}")
    cols[2].metric("Love model ROC-AUC", f"{love['roc_auc']:.3f}", f"{love['roc_auc'] - 0.5:+.3f} vs constant")
    cols[3].metric("Test ratings", f"{love['n_test']:,}")
    ui.bullets(ri.love_insights(love))

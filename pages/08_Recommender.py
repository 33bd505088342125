"""Recommender: what should each viewer watch next, why, and how good are these suggestions?"""
import streamlit as st

from core import cached, ui
from core import charts_recommend as cr
from core import recommend_insights as ri
from core import recommend_page as rp
from core import recommend_report as rr

ui.page_setup("Recommender", "What should each viewer watch next, and why? A hybrid of content similarity and "
              "collaborative filtering, checked on held-out ratings.", filters=False)
data = cached.recommender_data()
key, users, titles, s = data["key"], data["users"], data["titles"], data["summary"]
st.caption(f":material/info: Uses the embedded MovieLens ratings ({s['ratings']:,} ratings by {s['users']:,} users of "
           f"{s['rated']:,} films, {s['first']}-{s['last']}), also when the other pages show live TMDB titles, which "
           f"have no user ratings; the global title filters do not apply here. *More like this title* also covers "
           f"{s['cold']:,} well-known films ({rp.MIN_COLD_VOTES:,}+ IMDb votes) that nobody rated.")


def table(df, name: str, dl_key: str) -> None:
    st.dataframe(df, width="stretch", hide_index=True)
    ui.download(df, name, dl_key)


user_ids = [rp.NEW_USER, *users["user_id"].tolist()]
user_labels = {rp.NEW_USER: "New viewer (no ratings yet): cold start", **dict(zip(users["user_id"], users["label"]))}
title_ids, title_labels = titles["title_id"].tolist(), dict(zip(titles["title_id"], titles["label"]))
url_user, user_note = rp.resolve_pick(ui.query_param("user"), user_ids, data["default_user"], "User", int)
url_title, title_note = rp.resolve_pick(ui.query_param("title"), title_ids, data["default_title"], "Title")
pick = st.columns(2)
user = pick[0].selectbox("Viewer", user_ids, index=user_ids.index(url_user), format_func=user_labels.get,
                         key="rc_user", help="Type a user id to search; the label says how many films they rated.")
ui.set_query_param("user", str(user))
for note in (user_note, title_note):
    if note:
        st.warning(note, icon=":material/link_off:")

# Lazy tabs: only the open tab runs and draws its charts. The pickers above serve every tab; the open tab is in
# the URL (?rc_tab=...) next to the user and title, so a view can be shared.
tabs = st.tabs(["For this viewer", "Their ratings", "More like this title", "How good is it?"], key="rc_tab",
               on_change="rerun", bind="query-params")


def prepare_models() -> dict:
    """Load the collaborative models, or train them once on this machine, with visible progress."""
    with st.status("Preparing the collaborative models...", expanded=True) as status:
        bar, fits = st.progress(0.0), {}
        for step, (part, label) in enumerate(rp.MODEL_PARTS.items()):
            bar.progress(step / len(rp.MODEL_PARTS), text=f"{label}: loading, or training once on this machine...")
            fits[part] = cached.recommender_model(key, part)
            st.write(f"{label}: trained in {fits[part]['seconds']:.1f} s on {fits[part]['trained_at']}.")
        bar.progress(1.0, text="Ready")
        status.update(label=rp.models_summary(fits), state="complete", expanded=False)
    return fits


@st.fragment
def top_ten() -> None:
    """The user's top 10 at the chosen blend (a fragment: moving the slider reruns only this part)."""
    st.subheader(f"Top 10 for user {user}")
    weight = st.slider("Content share of the blend (%)", 0, 100, int(100 * rp.DEFAULT_WEIGHT), 5, key="rc_weight",
                       persist_state="page", help="0 = collaborative only, 100 = content only. Scores are blended "
                                                  "at query time, so changing this does not retrain anything.") / 100
    top = cached.recommender_top(key, user, weight)
    table(top["table"], f"user_{user}_top10", "rc_top_dl")
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


if tabs[0].open:
    with tabs[0]:
        if user == rp.NEW_USER:
            st.subheader("A new viewer: popular in the genres they pick")
            st.caption("With no ratings the collaborative model cannot place a viewer, so a new viewer gets the "
                       "most-rated films in the genres they pick (all genres when none). A film with no ratings gets "
                       "content neighbours instead: see *More like this title*.")
            genres = st.multiselect("Genres they like", data["genres"], key="rc_new_genres", persist_state="page",
                                    placeholder="All genres")
            table(cached.recommender_popular(key, tuple(genres)), "recommender_new_viewer", "rc_popular_dl")
        else:
            prepare_models()
            top_ten()

if tabs[1].open:
    with tabs[1]:
        if user == rp.NEW_USER:
            st.info("A new viewer has no ratings yet: pick a user id above to see a history.", icon=":material/info:")
        else:
            history = cached.recommender_history(user)
            st.subheader(f"What user {user} has rated")
            left, right = st.columns([3, 2])
            with left:
                table(history["table"], f"user_{user}_ratings", "rc_history_dl")
            with right:
                ui.chart(cr.genre_taste(history["profile"], history["mean"]), cr.HOW_TO_READ["genre_taste"],
                         history["insights"], key="rc_taste")

if tabs[2].open:
    with tabs[2]:
        title_id = st.columns(2)[0].selectbox("Title", title_ids, index=title_ids.index(url_title),
                                              format_func=title_labels.get, key="rc_title",
                                              help="Type to search; most-rated first.")
        ui.set_query_param("title", title_id)
        similar = cached.recommender_similar(key, title_id)
        st.subheader(f"More like *{similar['title']}*")
        left, right = st.columns([3, 2])
        with left:
            table(similar["table"].drop(columns="title_id"), "more_like_this", "rc_similar_dl")
        with right:
            ui.chart(cr.neighbours(similar["table"]), cr.HOW_TO_READ["neighbours"], similar["insights"],
                     key="rc_similar")
        prepare_models()
        title_view = cached.recommender_title(key, user, title_id)
        st.subheader(f"Viewers who rated *{similar['title']}* also rated")
        who = "a new viewer" if user == rp.NEW_USER else f"user {user}"
        cols = st.columns(3)
        cols[0].metric(f"Will {who} love it? P(4+ stars)", f"{title_view['love']:.0%}",
                       help="XGBoost on user, title and genre-affinity features; evaluated on the last tab.")
        cols[1].metric("Predicted rating", f"{title_view['predicted']:.2f} ★",
                       help="Mean of item kNN and MF predictions.")
        cols[2].metric("Ratings of this title", f"{similar['ratings']:,}")
        left, right = st.columns([3, 2])
        with left:
            table(title_view["table"].drop(columns="title_id"), "rated_neighbours", "rc_collab_dl")
        with right:
            ui.chart(cr.neighbours(title_view["table"], "collaborative"), cr.HOW_TO_READ["neighbours"],
                     title_view["insights"], key="rc_collab")


def run_evaluation() -> dict:
    """Run the evaluation step by step with visible progress; the report is stored, so this runs once here."""
    steps = rr.report_steps()
    with st.status("Evaluating on held-out ratings: the first time for this data and code on this machine...",
                   expanded=True) as status:
        bar = st.progress(0.0)
        for n, (step, label) in enumerate(steps.items()):
            bar.progress(n / len(steps), text=f"Step {n + 1} of {len(steps)}: {label}...")
            st.write(f"{label}: {cached.recommender_eval_step(key, step)['seconds']:.1f} s")
        report = cached.recommender_report(key, run=True)
        bar.progress(1.0, text="Evaluation done")
        status.update(label=f"Evaluation done in {report['seconds']:.0f} s and stored: later visits show it at once",
                      state="complete", expanded=False)
    return report


if tabs[3].open:
    with tabs[3]:
        st.subheader("How good are these recommendations?")
        report = cached.recommender_report(key) or run_evaluation()
        st.caption(f"Computed on {report['computed_at']} in {report['seconds']:.0f} s. Rating prediction: 5-fold "
                   "random split. Ranking: each user's latest 20% of ratings held out, relevant = held-out rating "
                   "of 4+, users with 5+ held-out ratings, the rated catalogue minus the user's training films.")
        left, right = st.columns(2)
        with left:
            ui.chart(cr.rating_errors(rr.rating_table(report), rr.TARGETS["rmse"]),
                     cr.HOW_TO_READ["rating_errors"], ri.rating_insights(report), key="rc_eval_rating")
            table(rr.rating_table(report).round(4), "recommender_rating_eval", "rc_eval_rating_dl")
        with right:
            ui.chart(cr.ranking_metrics(rr.ranking_table(report)), cr.HOW_TO_READ["ranking_metrics"],
                     ri.ranking_insights(report), key="rc_eval_ranking")
            table(rr.ranking_table(report).round(4), "recommender_ranking_eval", "rc_eval_ranking_dl")
        love = report["love"]
        cols = st.columns(4)
        cols[0].metric("Love model accuracy", f"{love['accuracy']:.3f}",
                       f"{love['accuracy'] - love['majority_accuracy']:+.3f} vs majority class")
        cols[1].metric("Majority-class accuracy", f"{love['majority_accuracy']:.3f}")
        cols[2].metric("Love model ROC-AUC", f"{love['roc_auc']:.3f}", f"{love['roc_auc'] - 0.5:+.3f} vs constant")
        cols[3].metric("Test ratings", f"{love['n_test']:,}")
        for line in ri.love_insights(love):
            st.markdown(f"- {line}")

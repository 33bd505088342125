"""The decide pages' bodies: the Investment Copilot (render_copilot: model quality, the what-if
sliders, the new-title form) and Head-to-Head (render_h2h: two genres or two titles, the pair in the URL)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

import streamlit as st

from core import charts, ui
from core.data import cache as data_cache
from core.data import features
from core.data.features import Filters
from core.decide import cache, h2h
from core.decide import charts as cd

if TYPE_CHECKING:  # the copilot's models load scikit-learn: imported where used, so Head-to-Head stays light
    from core.decide import advice, copilot

BOOSTERS = {"lightgbm": "LightGBM", "xgboost": "XGBoost"}
BENCH_COLUMNS = ["title", "year", "genres", "budget", "runtime", "popularity", "vote_average", "vote_count",
                 "engagement_score", "hit", "distance"]
BENCH_FORMAT = {"budget": st.column_config.NumberColumn(format="$%,.0f"),
                "popularity": st.column_config.NumberColumn(format="%.1f"),
                "engagement_score": st.column_config.NumberColumn(format="%.1f"),
                "distance": st.column_config.NumberColumn(format="%.2f")}


def render_copilot(flt: Filters) -> None:
    """Draw the Investment Copilot for the active filters."""
    status = cache.copilot_status(flt)
    ui.stop_if_empty(status["n_view"])
    if status["reason"]:
        st.info(status["reason"], icon=":material/model_training:")
        st.stop()
    booster = st.radio("Popularity model", list(BOOSTERS), horizontal=True, key="ic_booster",
                       format_func=BOOSTERS.get,
                       help="LightGBM by default; XGBoost is used automatically if LightGBM fails to import or fit.")
    with st.spinner("Training and cross-validating the models on this view (first time only)..."):
        evaluation = cache.copilot_evaluation(flt, booster)
        models = cache.copilot_models(flt, booster)
    if evaluation["fallback"]:
        st.warning(evaluation["fallback"], icon=":material/warning:")
    _training_note(status)
    _quality(evaluation)
    st.subheader("What if: should we invest?")
    _what_if(models, status)
    _new_title(flt, models, status)


def _training_note(status: dict) -> None:
    st.caption(f"Trained on the **{status['n_train']:,}** of {status['n_view']:,} titles in view with a known "
               f"budget ({status['n_train'] / status['n_view']:.0%}): budget level is an input, and a known budget "
               "is itself a sign of a better-known film, so titles without one are left out rather than guessed. "
               f"{status['hit_rate_train']:.0%} of them are hits (whole view: {status['hit_rate_view']:.0%}). "
               "Features: genres, content type, budget level, runtime, release quarter where known; never votes or "
               "rating, which define the targets.")
    with st.expander("Definitions: popularity, hit, budget level"):
        for field in ("popularity", "hit", "budget_level"):
            st.markdown(f"- **{field.replace('_', ' ').capitalize()}**: {features.DEFINITIONS[field]}")


def _quality(evaluation: dict) -> None:
    from core.decide import advice, copilot
    from models import segment

    reg, clf, qs = evaluation["regression"], evaluation["classification"], advice.quality_summary(evaluation)
    st.subheader("How good are the models?")
    q = st.columns(4)
    q[0].metric("Popularity R2 (CV)", f"{qs['r2']:.2f}", f"{qs['r2_gain']:+.2f} vs genre median",
                help="R2 of log10 popularity, mean over the folds.")
    q[1].metric("Popularity MAE (log10)", f"{qs['mae']:.2f}", f"{qs['mae_gain']:+.2f} vs genre median",
                delta_color="inverse")
    q[2].metric("Hit ROC-AUC (CV)", f"{qs['auc']:.2f}", f"{qs['auc_gain']:+.2f} vs genre hit rate")
    q[3].metric("Folds / titles", f"{evaluation['folds']} / {evaluation['n']:,}")
    with st.expander("Cross-validation details and decision rules"):
        fmt = {c: st.column_config.NumberColumn(format="%.3f") for c in list(reg.columns[1:]) + list(clf.columns[1:])}
        st.dataframe(reg, width="stretch", hide_index=True, column_config=fmt)
        ui.download(reg, "copilot_cv_popularity", key="ic_dl_cv_reg", label="Download popularity CV table")
        st.dataframe(clf, width="stretch", hide_index=True, column_config=fmt)
        ui.download(clf, "copilot_cv_hit", key="ic_dl_cv_clf", label="Download hit CV table")
        if "hit_models" in evaluation:
            st.markdown("**Hit models on the same folds, and the forest's calls at its threshold (out of fold)**")
            st.dataframe(evaluation["hit_models"], width="stretch", hide_index=True, column_config=fmt)
            report = evaluation["hit_report"]
            c = st.columns(2)
            c[0].dataframe(report["confusion"], width="stretch", hide_index=True)
            c[1].dataframe(report["report"], width="stretch", hide_index=True, column_config={
                k: st.column_config.NumberColumn(format="%.2f") for k in ("precision", "recall", "f1-score")})
            ui.bullets(advice.hit_model_insights(evaluation))
        ui.bullets(advice.quality_insights(evaluation) + copilot.rules_text())
        st.markdown(f"- **Segment** of a new title: the portfolio segmentation (Performance Deep Dive, K-Means on "
                    f"{segment.feature_list()}) places it by {segment.FEATURE_LABELS['log_popularity']} computed "
                    "from its *predicted* popularity, the only segment feature it has before release (no votes or "
                    "rating yet), so the segment is a prediction too; if that segmentation is unavailable, a "
                    "K-Means on genres, budget level and runtime of the training titles.")


def _show(adv: advice.Advice, key: str) -> None:
    """Metrics, reasons, budget curve, radar and benchmarks for one scenario."""
    from core.decide import advice

    genre = adv.scenario.genres[0] if adv.scenario.genres else ""
    m = st.columns(5)
    m[0].metric("Predicted popularity", f"{adv.popularity:,.1f}", help=features.DEFINITIONS["popularity"])
    m[1].metric("Popularity percentile in view", f"{adv.popularity_pct_view:.0f}")
    m[2].metric("Hit probability", f"{adv.hit_probability:.0%}")
    m[3].metric("Risk", adv.risk)
    m[4].metric("Recommendation", adv.recommendation.capitalize())
    ui.bullets(adv.reasons)
    left, right = st.columns(2)
    with left:
        ui.chart(cd.budget_curve(adv.curve, genre), cd.HOW_TO_READ["budget_curve"],
                 advice.budget_insights(adv.curve), key=f"{key}_curve")
    with right:
        group = advice.genre_label(adv.scenario)
        ui.chart(cd.radar(adv.radar, genre, group), cd.HOW_TO_READ["radar"], advice.radar_insights(adv.radar, group),
                 key=f"{key}_radar")
    st.markdown("**Benchmarks: the most similar existing titles and how they actually did**")
    ui.table(adv.similar[BENCH_COLUMNS], "copilot_benchmarks", key=f"{key}_bench_dl", column_config=BENCH_FORMAT)
    ui.bullets(advice.similar_insights(adv.similar, adv.popularity))


def _inputs(status: dict, key: str, multi: bool = False) -> copilot.Scenario:
    """The scenario widgets (shared by the what-if panel and the new-title form)."""
    from core.decide import copilot

    c = st.columns(4)
    genres = (c[0].multiselect("Genres", status["genres"], default=status["genres"][:1], key=f"{key}_genres")
              if multi else [c[0].selectbox("Genre", status["genres"], key=f"{key}_genre")])
    media = c[1].radio("Content type", status["media_types"], horizontal=True, key=f"{key}_media",
                       disabled=len(status["media_types"]) < 2, help="Only where the source has both movies and TV.")
    quarter = c[2].selectbox("Release quarter", [1, 2, 3, 4], key=f"{key}_quarter",
                             disabled=not status["has_quarter"],
                             help=None if status["has_quarter"] else "This source has release years only, so the "
                             "quarter is not a model input.")
    runtime = c[3].slider("Runtime (min)", status["runtime_min"], status["runtime_max"], status["runtime_default"],
                          key=f"{key}_runtime")
    budget = st.slider("Budget level (1 = cheapest tenth of known budgets, 10 = priciest)", 1, 10, 5,
                       key=f"{key}_budget")
    return copilot.Scenario(tuple(genres), media, budget, runtime, quarter if status["has_quarter"] else None)


@st.fragment
def _what_if(models: copilot.CopilotModels, status: dict) -> None:
    """Sliders and outputs rerun on their own: moving a slider scores the cached models, never retrains."""
    from core.decide import advice

    started = time.perf_counter()
    scenario = _inputs(status, "ic")
    if not status["has_quarter"]:
        st.caption("Release quarter is disabled: the embedded IMDb data has release years only.")
    if len(status["view_media_types"]) > len(status["media_types"]):
        st.caption(f"Content type is fixed to {status['media_types'][0]}: the other type in view has no known "
                   "budgets, so the models cannot learn from it.")
    scoring = time.perf_counter()
    adv = advice.advise(models, scenario)
    scored = time.perf_counter() - scoring
    _show(adv, "ic_wi")
    st.caption(f"Scored in {scored * 1000:.0f} ms with the cached models (no retraining); this panel's whole "
               f"server-side update took {(time.perf_counter() - started) * 1000:.0f} ms.")


def _new_title(flt: Filters, models: copilot.CopilotModels, status: dict) -> None:
    from core.decide import advice, copilot
    from core.explore import cache as explore_cache

    st.subheader("Predict a new title")
    with st.form("ic_new_form"):
        name = st.text_input("Title", "Untitled project", key="ic_new_title", max_chars=120)
        new = _inputs(status, "ic_new", multi=True)
        submitted = st.form_submit_button("Predict", icon=":material/bolt:")
    if submitted:
        st.session_state["ic_new_scenario"] = copilot.Scenario(new.genres, new.media_type, new.budget_level,
                                                               new.runtime, new.quarter,
                                                               name.strip() or "Untitled project")
    scenario = st.session_state.get("ic_new_scenario")
    if scenario is None:
        return
    adv = advice.advise(models, scenario)
    with st.spinner("Placing the title among the portfolio segments..."):
        seg_model, _ = explore_cache.segment_model(flt)
        seg_table = explore_cache.deepdive_segments(flt).get("table") if seg_model is not None else None
    seg = advice.new_title_segment(models, scenario, seg_model, seg_table, adv.popularity)
    st.markdown(f"#### {ui.escape(scenario.title)}: **{adv.recommendation.capitalize()}** (risk {adv.risk})")
    detail = f" ({seg['detail']})" if seg["detail"] else ""
    st.markdown(ui.inert(f"Would join segment **{seg['name']}**{detail}."))
    st.caption(f"Segment from the {seg['method']}.")
    _show(adv, "ic_new_out")


MODE_LABELS = {"genre": "Genre vs genre", "title": "Title vs title"}


def render_h2h(flt: Filters) -> None:
    """Draw the Head-to-Head page for the active filters."""
    n = len(data_cache.strategy_frame(flt))
    ui.stop_if_empty(n)
    url_mode, note = ui.query_param("h2h_mode", "genre"), ""
    if url_mode not in h2h.MODES:
        note, url_mode = "Unknown comparison mode in the link; comparing genres.", "genre"
    mode = st.radio("Compare", h2h.MODES, index=h2h.MODES.index(url_mode), horizontal=True, key="hh_mode",
                    format_func=MODE_LABELS.get)
    a, b = _pickers(flt, mode, url_mode, note, n)
    result = cache.h2h_comparison(flt, mode, a, b)
    verdict, table = result["verdict"], result["table"]
    st.subheader(ui.inert(verdict["text"]))
    st.markdown(ui.inert(verdict["why"]))
    score = st.columns(3)
    score[0].metric(f"Metrics won by {ui.escape(a, 80)}", verdict["wins_a"])
    score[1].metric(f"Metrics won by {ui.escape(b, 80)}", verdict["wins_b"])
    score[2].metric("Ties", verdict["ties"], help=f"Within {h2h.TIE_TOLERANCE:.0f}% (or percentile point).")
    colors = (charts.genre_color(a), charts.genre_color(b)) if mode == "genre" else cd.SIDE_COLORS
    st.markdown("**Side by side**")
    st.dataframe(h2h.display_table(table, a, b), width="stretch", hide_index=True)
    ui.download(table, f"head_to_head_{mode}", key="hh_table_dl")
    st.caption("Scored metrics: higher is better. Counts, runtime, budget and year are shown but not scored.")
    ui.chart(cd.diff_bars(table, a, b, colors), cd.HOW_TO_READ["diff_bars"], result["diff_insights"], key="hh_diff")
    _trend(mode, result, a, b, colors)


def _pickers(flt: Filters, mode: str, url_mode: str, note: str, n: int) -> tuple[str, str]:
    """Options A and B (from the link when it names a valid pair), written back to the URL; stops the page when
    there is no pair to compare."""
    url_a, url_b = (ui.query_param("a"), ui.query_param("b")) if mode == url_mode else ("", "")
    options = cache.h2h_options(flt, mode, (url_a, url_b) if mode == "title" else ())
    pair, pair_note = h2h.resolve_pair(options, url_a, url_b)
    if pair is None:
        st.info(f"The view has fewer than two {mode}s to compare. "
                + ("Switch to title vs title, or widen the genre filter." if mode == "genre" else "Widen the filters."),
                icon=":material/compare_arrows:")
        st.stop()
    pick = st.columns(2)
    a = pick[0].selectbox("Option A", options, index=options.index(pair[0]), key=f"hh_a_{mode}")
    b = pick[1].selectbox("Option B", options, index=options.index(pair[1]), key=f"hh_b_{mode}")
    for name, value in (("h2h_mode", mode), ("a", a), ("b", b)):
        ui.set_query_param(name, value)
    for line in (note, pair_note):
        if line:
            st.caption(f":material/link_off: {ui.escape(line)}")
    if mode == "title" and len(options) >= h2h.TITLE_OPTIONS:
        st.caption(f"The pickers list the top {h2h.TITLE_OPTIONS:,} of {n:,} titles by engagement; type to search.")
    if a == b:
        st.warning("Pick two different options to compare.", icon=":material/compare_arrows:")
        st.stop()
    return a, b


def _trend(mode: str, result: dict, a: str, b: str, colors: tuple) -> None:
    st.subheader("Over time")
    if mode == "genre":
        ui.chart(cd.genre_trend(result["trend"]), cd.HOW_TO_READ["genre_trend"], result["trend_insights"],
                 key="hh_trend")
    elif result["trend"].empty:
        st.info("No time series for these titles: only the embedded films matched to MovieLens have dated user "
                "ratings (TMDB titles have none).", icon=":material/timeline:")
    else:
        ui.chart(cd.rating_trend(result["trend"], (a, b), colors), cd.HOW_TO_READ["rating_trend"],
                 result["trend_insights"], key="hh_trend")

"""The Churn page body: the model's honest quality, the retention campaign, drivers, what-if, segments and the
at-risk list, on the active platform's subscribers or else the embedded Telco ones."""
from __future__ import annotations

import itertools
import time

import streamlit as st

from core import ui
from core.churn import cache
from core.churn import charts as cc
from core.churn import display as cp
from core.churn import platform_display as pp
from core.data import audience
from core.data.features import Filters

TABS = ("Campaign", "Model comparison", "Drivers", "What-if", "Segments", "At-risk list")
KEPT = ("threshold", "cost", "value", "success")
#: The platform models, as ``models.churn_platform`` names them (repeated: that module loads scikit-learn).
PLATFORM_MODELS = ("Platform churn model", "Tenure + plan baseline")


def render(flt: Filters) -> None:
    """Draw the Churn page for the active source."""
    data = cache.subject(flt)
    platform = cache.is_platform(data)
    if platform:
        st.caption(":material/info: Audience page on this platform's own subscribers, with viewing aggregated per "
                   "subscriber from its watch events. The title filters do not apply to subscribers.")
    else:
        st.caption(":material/info: Audience page on the embedded Telco subscribers (real data, one row per "
                   "subscriber). The title filters (genres, years, votes) do not apply to subscribers, so only the "
                   "source is shown.")
        if note := audience.note(flt.source, data.source, "subscribers"):
            st.caption(f":material/swap_horiz: {note}")
    ov = _overview(data)
    for col, metric in zip(st.columns(4), pp.headline_metrics(ov) if platform else cp.headline_metrics(ov)):
        col.metric(**metric)
    if platform:
        st.caption(f":material/schedule: {ov['design']}")
    _cross_validate(data, PLATFORM_MODELS if platform else (cp.MARQUEE,), "Churn model")
    ev = cache.churn_evaluation(data)
    quality = cp.quality_metrics(ev["row"], ev["summary"]["ece"], ov["base_rate"])
    quality += [pp.baseline_metric(ev["baseline"], ev["row"])] if ev["baseline"] else []
    for col, metric in zip(st.columns(len(quality)), quality):
        col.metric(**metric)
    if platform:
        sample, _ = cache.platform_folds(data)
        trained = pp.sample_note(ov["modelled"], len(sample), ov["current"], cache.platform_data(data).design.kind)
        st.caption(f"{PLATFORM_MODELS[0]}: spline logistic regression and a shallow LightGBM, soft vote, on the "
                   f"columns listed on the Drivers tab. {trained} Quality, curves and campaign use scores from "
                   "models that never saw the subscriber.")
    else:
        st.caption(f"{cp.MARQUEE}: {cp.MARQUEE_DESCRIPTION} Quality, curves, campaign and the at-risk ranking use "
                   "out-of-fold scores (each subscriber scored by a model that never saw them; preprocessing "
                   "refitted in each fold). What-if and explanations use the model refitted on everyone.")
    _keep_defaults(data, ov, ev)
    sections = (lambda: _campaign_tab(data, ov, ev), lambda: _comparison(data, ov),
                lambda: _platform_drivers(data) if platform else _drivers(data, ov),
                lambda: st.info(pp.TELCO_ONLY["What-if"]) if platform else _what_if(ov),
                lambda: st.info(pp.TELCO_ONLY["Segments"]) if platform else _segments(ov),
                lambda: _at_risk(data, platform))
    ui.lazy_tabs(dict(zip(TABS, sections)), key="ch_tab")


def _overview(data: Filters) -> dict:
    """The overview, or stop the page saying why these subscribers cannot be modelled."""
    try:
        ov = cache.churn_overview(data)
    except ValueError as exc:  # a platform's subscribers table without a contract column
        ui.error_state(f"Cannot model this platform's subscribers: {exc}.")
        st.stop()
    problem = cp.data_problem({"subscribers": ov.get("modelled", ov["subscribers"]), "base_rate": ov["base_rate"]})
    if problem:
        st.info(problem, icon=":material/group_off:")
        st.stop()
    return ov


def _keep_defaults(data: Filters, ov: dict, ev: dict) -> None:
    """Campaign inputs start from the data's defaults, and again after a switch to other subscribers."""
    ss = st.session_state
    if ss.get("ch_subject", data) != data:
        for name in KEPT:
            ss.pop(f"ch_{name}", None)
            ss.pop(f"ch_keep_{name}", None)
    ss["ch_subject"] = data
    keep = {"threshold": ev["default_threshold"], "cost": ov["offer_cost"], "value": ov["value_saved"],
            "success": cp.DEFAULT_SUCCESS_RATE}
    for name, default in keep.items():  # widgets on closed tabs lose their state; the kept copies do not
        ss.setdefault(f"ch_{name}", ss.setdefault(f"ch_keep_{name}", default))


def _cross_validate(data: Filters, names: tuple, what: str) -> None:
    """Fit (or load) every fold of every model through the cache, with visible progress."""
    start, steps = time.perf_counter(), len(names) * cp.N_FOLDS
    with st.status(f"{what}: stratified {cp.N_FOLDS}-fold cross-validation...", expanded=True) as status:
        bar = st.progress(0.0, text="Loading scikit-learn and LightGBM...")
        cache.model_names(data)  # imports the model libraries (about 2 s the first time)
        for i, (name, fold) in enumerate(itertools.product(names, range(cp.N_FOLDS))):
            bar.progress(i / steps, text=f"{name}: fold {fold + 1} of {cp.N_FOLDS}")
            cache.fit_fold(data, name, fold)
        seconds = time.perf_counter() - start
        done = f"trained in {seconds:.1f} s" if seconds >= 0.5 else "ready (cached)"
        status.update(label=f"{what}: {done}", state="complete", expanded=False)


@st.fragment
def _campaign(data: Filters, ov: dict, ev: dict) -> None:
    """Threshold and campaign economics: reruns alone, scored from cached out-of-fold probabilities."""
    c = st.columns(4)
    threshold = c[0].slider("Flag when churn probability is at least", 0.0, 1.0, step=0.01, key="ch_threshold")
    cost = c[1].number_input("Cost per offer ($)", 0.0, 10_000.0, step=5.0, key="ch_cost",
                             help=f"Default: ${ov['offer_cost']:,.0f} per offer (your assumption).")
    value = c[2].number_input("Value of a saved subscriber ($)", 0.0, 100_000.0, step=50.0, key="ch_value",
                              help=f"Default: {cp.VALUE_MONTHS} months at churners' mean monthly charge "
                                   f"(${ov['churner_monthly']:.2f}).")
    success = c[3].slider("Offer success rate", 0.0, 1.0, step=0.05, key="ch_success",
                          help="Share of contacted would-be churners the offer keeps (your assumption).")
    st.session_state.update(ch_keep_threshold=threshold, ch_keep_cost=cost, ch_keep_value=value,
                            ch_keep_success=success)
    camp = cache.churn_campaign(data, threshold, cost, value, success)
    for col, (name, val) in zip(st.columns(6), camp["metrics"].items()):
        col.metric(name, val)
    ui.chart(cc.campaign(camp["sweep"], threshold), cc.HOW_TO_READ["campaign"], camp["insights"], key="ch_campaign")
    left, right = st.columns(2)
    with left:
        ui.chart(cc.roc_curve(ev["roc"], camp["roc_point"]), cc.HOW_TO_READ["roc"], camp["roc_insights"],
                 key="ch_roc")
    with right:
        ui.chart(cc.pr_curve(ev["pr"], ov["base_rate"], camp["pr_point"]), cc.HOW_TO_READ["pr"],
                 camp["pr_insights"], key="ch_pr")


def _campaign_tab(data: Filters, ov: dict, ev: dict) -> None:
    st.subheader("Who to target, and what the campaign costs")
    if "campaign_note" in ov:
        st.caption(f":material/history: {ov['campaign_note']}")
    _campaign(data, ov, ev)
    st.subheader("Can the probabilities be taken at face value?")
    ui.chart(cc.reliability(ev["reliability"]), cc.HOW_TO_READ["reliability"], ev["reliability_insights"],
             key="ch_reliability")


def _show_score(ov: dict, result: dict, key: str) -> None:
    """Probability, risk band and the factors behind one subscriber's score."""
    c = st.columns(3)
    c[0].metric("Churn probability", f"{result['probability']:.0%}", help=result["note"])
    c[1].metric("Risk band", result["band"], help=cp.risk_band_help())
    c[2].metric("Against the base rate", f"{result['probability'] / ov['base_rate']:.1f}x")
    ui.chart(cc.contributions(result["explanation"]), cc.HOW_TO_READ["contributions"], result["insights"], key=key)


def _comparison(data: Filters, ov: dict) -> None:
    _cross_validate(data, cache.model_names(data), "Model comparison")
    comp = cache.churn_comparison(data)
    ui.table(comp["display"], "churn_model_comparison", key="ch_comparison_dl")
    st.caption(f"Churn base rate {ov['base_rate']:.1%}: the PR-AUC of a random ranking; the always-stay "
               "baseline is in the table. Fold means over the same stratified folds; accuracy, precision, "
               "recall and F1 at threshold 0.5; fit time = mean seconds per fold on this machine.")
    ui.chart(cc.model_scores(comp["table"], ov["base_rate"]), cc.HOW_TO_READ["models"], comp["insights"],
             key="ch_models")


def _drivers(data: Filters, ov: dict) -> None:
    with st.spinner("Measuring permutation importance on held-out subscribers (first time only)..."):
        imp = cache.churn_importance()
    ui.chart(cc.importance(imp["importance"]), cc.HOW_TO_READ["importance"] +
             f" Measured on {imp['rows']:,} subscribers the model was not trained on.", imp["insights"],
             key="ch_importance")
    st.subheader("One subscriber")
    with st.spinner("Training the churn model on every subscriber (first time only)..."):
        first = cache.churn_at_risk(data, 1, st.session_state["ch_keep_threshold"])["table"]["Subscriber"]
    sid = st.number_input("Subscriber id", value=int(first.iloc[0]), step=1, key="ch_subscriber",
                          help=f"Any id from {ov['id_min']:,} to {ov['id_max']:,}; starts at the current "
                               "subscriber most at risk.")
    ex = cache.churn_explanation(int(sid))
    if not ex:
        st.info(f"No subscriber with id {int(sid)}: ids run from {ov['id_min']:,} to {ov['id_max']:,}.",
                icon=":material/person_off:")
    else:
        _show_score(ov, ex, "ch_contributions")


def _what_if(ov: dict) -> None:
    spec = cache.churn_form()
    levels, ranges, d = spec["levels"], spec["ranges"], spec["defaults"]
    with st.form("ch_what_if"):
        c = st.columns(3)
        values = {f: c[0].selectbox(cp.label(f), levels[f], index=levels[f].index(d[f]), key=f"ch_wi_{f}")
                  for f in ("contract", "payment_method")}
        values["tenure"] = c[0].number_input(cp.label("tenure"), *ranges["tenure"], value=int(d["tenure"]),
                                             key="ch_wi_tenure")
        values["monthly_charges"] = c[0].number_input(cp.label("monthly_charges"), *ranges["monthly_charges"],
                                                      value=float(d["monthly_charges"]), key="ch_wi_monthly")
        values["total_charges"] = c[0].text_input(cp.label("total_charges"), key="ch_wi_total", max_chars=20,
                                                  placeholder="Blank = tenure x monthly charge")
        values.update({f: c[1].selectbox(cp.label(f), levels[f], index=levels[f].index(d[f]), key=f"ch_wi_{f}")
                       for f in levels if f not in values})
        values.update({f: c[2].checkbox(cp.label(f), value=bool(d[f]), key=f"ch_wi_{f}") for f in spec["flags"]})
        st.form_submit_button("Score this subscriber", icon=":material/calculate:")
    record, problems = cp.parse_record(values)
    result = {"error": " ".join(problems)} if problems else cache.churn_what_if(tuple(sorted(record.items())))
    if "error" in result:
        ui.error_state(f"Cannot score this subscriber: {result['error']}")
    else:
        _show_score(ov, result, "ch_what_if_factors")


def _segments(ov: dict) -> None:
    k_range = cp.SEGMENT_K_RANGE
    with st.spinner(f"Clustering subscribers (K-Means, k = {k_range.start}..{k_range.stop - 1})..."):
        seg = cache.churn_segments()
    ui.chart(cc.segment_churn(seg["profiles"], ov["base_rate"]), cc.HOW_TO_READ["segments"], seg["insights"],
             key="ch_segments")
    ui.table(seg["display"], "churn_segments", key="ch_segments_dl")
    st.caption(f"Clustered on {cp.SEGMENT_INPUTS} (standardised); names are generated from each segment's "
               "profile. Descriptive: churn is not a clustering input.")
    ui.chart(cc.silhouette(seg["silhouettes"], seg["k"]), cc.HOW_TO_READ["silhouette"],
             seg["silhouette_insights"], key="ch_silhouette")


def _platform_drivers(data: Filters) -> None:
    """Permutation importance, the columns read and left out, and planted vs recovered drivers."""
    with st.spinner("Measuring permutation importance on held-out subscribers (first time only)..."):
        imp = cache.platform_importance(data)
    ui.chart(cc.importance(imp["importance"]), cc.HOW_TO_READ["importance"],
             [f"In plain words: churn is best told by {pp.driver_words(imp['importance'])}."] + imp["insights"],
             key="ch_importance")
    st.caption(pp.importance_caption(imp["rows"]))
    with st.expander("Columns the model leaves out, and why"):
        ui.table(pp.left_out(cache.platform_data(data).train.left_out))
    st.subheader("Planted vs recovered drivers")
    found = cache.platform_planted(data)
    if not found:
        st.caption("This platform's manifest records no planted churn drivers, so there is no truth to compare with.")
        return
    ui.chart(cc.planted(found["table"]), cc.HOW_TO_READ["planted"], found["insights"], key="ch_planted")
    ui.table(found["display"], "churn_planted_vs_recovered", key="ch_planted_dl")


def _at_risk(data: Filters, platform: bool) -> None:
    threshold = st.session_state["ch_keep_threshold"]
    n = st.slider("Subscribers to list", 10, cache.AT_RISK_MAX, 50, step=10, key="ch_top_n")
    with st.spinner("Training the churn model on every subscriber (first time only)..."):
        risk = cache.churn_at_risk(data, n, threshold)
    ui.bullets(risk["insights"])
    ui.table(risk["table"], "churn_at_risk", key="ch_at_risk_dl")
    scored = (cache.churn_overview(data)["at_risk_note"] if platform else "ranked by out-of-fold churn "
              "probability: each was scored by a model that never saw them")
    st.caption(f"Current (not yet churned) subscribers {scored}. Expected revenue = probability x monthly charge x "
               f"{cp.VALUE_MONTHS}. The threshold ({threshold:.2f}) is set on the Campaign tab.")

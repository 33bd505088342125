"""Data: where does every number come from, how fresh is it, what failed validation, and how do I add live TMDB?"""
from datetime import timedelta

import streamlit as st

from core import cached, ui
from core.data import docs as datadoc
from core.tmdb import service as datasync

ui.page_setup("Data", "Where do the numbers come from? Each source with its size and freshness, how every field "
              "is derived, what validation found, and the live TMDB sync.", filters=False)

status = cached.tmdb_status(cached.tmdb_store_path())
overview = cached.data_overview(cached.tmdb_version(status))

st.subheader("Sources")
st.dataframe(overview["inventory"], width="stretch", hide_index=True,
             column_config={"rows": st.column_config.NumberColumn(format="localized")})
for line in overview["insights"]:
    st.markdown(f"- {line}")
st.caption(overview["snapshot"])

st.subheader("How each field is derived")
st.caption("Fields TMDB has and the raw embedded data does not are derived from real data as described here; "
           "nothing is filled with constants or random numbers.")
st.table(overview["derivations"].set_index("field"))  # a static table wraps the long definitions
ui.download(overview["derivations"], "marquee_field_derivations", key="dt_deriv_dl")

st.subheader("What each source knows")
st.caption("Share of titles with a value per field; '-' means the source has no titles yet.")
st.dataframe(overview["coverage"], width="stretch", hide_index=True)

st.subheader("Validation")
problems = overview["problems"]
if problems.empty:
    st.success("Every row passed validation.", icon=":material/verified:")
else:
    st.caption(f"{len(problems)} findings over {int(problems['rows'].sum()):,} rows. Nothing was dropped or "
               "repaired silently: pages leave unknown values out of the figures that need them.")
    st.dataframe(problems, width="stretch", hide_index=True)
    ui.download(problems, "marquee_validation_problems", key="dt_problems_dl")

st.subheader("Live TMDB")
ui.tmdb_attribution()
configured = datasync.credentials_from(ui.configured_settings())
session_key = st.session_state.get("dt_session_credentials")  # a key pasted earlier in this session
if session_key is not None:
    key_note = "Using the key you entered this session (kept in this browser session only, never stored or shown)."
elif configured:
    key_note = "A key is configured in secrets or the environment; a key entered here overrides it for this session."
else:
    key_note = "No key is configured; enter one here (kept for this session only, never stored or shown)."
st.caption(f"Server: {datasync.server_label()}. {key_note}")
if session_key is not None and st.button("Forget the key entered this session", key="dt_forget_key",
                                         icon=":material/key_off:"):
    st.session_state.pop("dt_session_credentials", None)
    st.rerun()
with st.form("dt_tmdb_form"):
    secret = st.text_input("TMDB API key (v3) or read access token (v4)", type="password", key="dt_secret",
                           placeholder="configured" if configured or session_key else "paste your key")
    cols = st.columns(3)
    target = cols[0].number_input("Titles to fetch", min_value=20, max_value=10_000, value=1_000, step=100,
                                  key="dt_target")
    details = cols[1].checkbox("Fetch details (runtime, budget, revenue)", key="dt_details",
                               help="One extra request per title.")
    action = cols[2].radio("Action", ("Sync", "Refresh stale (older than 24 h)"), key="dt_action")
    go = st.form_submit_button("Run", type="primary", icon=":material/sync:")

if go:
    credentials, problem = datasync.parse_secret(secret) if secret else (session_key or configured, "")
    if credentials is None:
        st.session_state["dt_outcome"] = datasync.SyncOutcome("error", problem or "Enter a TMDB key first.")
    else:
        with st.status("Contacting TMDB...", expanded=True) as box:
            bar = st.progress(0.0, text="Checking the key")

            def progress(done: int, total: int, message: str) -> None:
                bar.progress(min(done / max(total, 1), 1.0), text=f"{done:,} of {total:,}: {message}")

            outcome = datasync.run_sync(credentials, cached.tmdb_store_path(), int(target), details, progress,
                                        max_age=timedelta(hours=24) if action.startswith("Refresh") else None)
            box.update(label=outcome.message.split(". ")[0], expanded=False,
                       state={"success": "complete", "warning": "complete", "error": "error"}[outcome.level])
        cached.forget_tmdb()
        st.session_state["dt_outcome"] = outcome
        if outcome.key_rejected:
            st.session_state.pop("dt_session_credentials", None)
        elif secret:
            st.session_state["dt_session_credentials"] = credentials  # survives page switches, not the session
        st.rerun()  # redraw the inventory and coverage with the new data

outcome = st.session_state.get("dt_outcome")
if outcome is not None:
    {"success": st.success, "warning": st.warning, "error": st.error}[outcome.level](outcome.message)
    if outcome.lost:
        st.dataframe(outcome.lost, width="stretch", hide_index=True)
    if outcome.report:
        with st.expander("Sync report"):
            st.json(outcome.report)
    if outcome.ok:
        st.caption("Choose 'Live TMDB' as the source in the sidebar of any strategy page to use these titles.")

if status:
    st.caption(f"Cached: {status['titles']:,} TMDB titles; {datadoc.tmdb_freshness(status)}.")
    if st.button("Clear the TMDB cache", key="dt_clear", icon=":material/delete:"):
        st.session_state["dt_outcome"] = datasync.clear_cache(cached.tmdb_store_path())
        cached.forget_tmdb()
        st.rerun()

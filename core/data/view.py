"""The Data page body: sources and freshness, field derivations, validation findings, the data contract and
uploads, the live TMDB sync."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core import ui
from core.data import cache, contract, ingest
from core.data import docs as datadoc
from core.tmdb import service as datasync

UNMAPPED = "(not in the file)"
UPLOAD_TYPES = ["csv", "tsv", "txt", "parquet", "xlsx", "xls", "zip"]
KEY_NOTES = {
    "session": "Using the key you entered this session (kept in this browser session only, never stored or shown).",
    "configured": "A key is configured in secrets or the environment; a key entered here overrides it for this "
                  "session.",
    "none": "No key is configured; enter one here (kept for this session only, never stored or shown).",
}


def render() -> None:
    """Draw the Data page."""
    status = cache.tmdb_status(cache.tmdb_store_path())
    overview = cache.data_overview(cache.tmdb_version(status), cache.tmdb_problem(cache.tmdb_store_path()))
    writable, reason = cache.cache_dir_writable()
    if not writable:
        st.warning(f"The cache folder cannot be written ({reason}): pages show what is already cached and compute "
                   "the rest in memory, so first visits stay slow and nothing new is kept across restarts. Set "
                   "MARQUEE_CACHE_DIR to a writable folder to fix it.", icon=":material/folder_off:")
    _inventory(overview)
    _contract()
    _upload()
    _platforms()
    _tmdb_panel(status)


def _inventory(overview: dict) -> None:
    """Sources, derivations, coverage and validation findings."""
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


def _contract() -> None:
    """The data contract for data users bring, which pages need which table, and what has been loaded."""

    st.subheader("Your own data: the data contract")
    st.caption("Load a CSV, Parquet, Excel or zip file as one of these tables below, or from a shell with "
               "`python -m core ingest FILE --table NAME`: every row is validated and rejected rows are kept with "
               "their reasons. Full column definitions with an example row are in data/README.md.")
    ui.table(cache.contract_overview(), "marquee_data_contract", key="dt_contract_dl")
    loaded = cache.uploaded_tables()
    if loaded.empty:
        st.caption("No files have been loaded yet.")
    else:
        st.markdown("**Loaded**")
        ui.table(loaded, key="dt_uploads")


def _tmdb_panel(status: dict) -> None:
    """The key, the sync form, the last outcome and the cache controls."""
    st.subheader("Live TMDB")
    ui.tmdb_attribution()
    configured = datasync.credentials_from(ui.configured_settings())
    session_key = st.session_state.get("dt_session_credentials")  # a key pasted earlier in this session
    key_note = KEY_NOTES["session" if session_key is not None else "configured" if configured else "none"]
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
        reviews = cols[1].checkbox("Fetch reviews (review-text sentiment on the Integrity page)", key="dt_reviews",
                                   help="One request per 20 reviews of each title; titles already fetched are "
                                        "skipped, and a page that fails is fetched by the next sync.")
        action = cols[2].radio("Action", ("Sync", "Refresh stale (older than 24 h)"), key="dt_action")
        go = st.form_submit_button("Run", type="primary", icon=":material/sync:")

    if go:
        _run_sync(secret, session_key or configured, int(target), details, action, reviews)
    _outcome()
    _damaged_store()
    if status:
        st.caption(f"Cached: {status['titles']:,} TMDB titles; {datadoc.tmdb_freshness(status)}.")
        if st.button("Clear the TMDB cache", key="dt_clear", icon=":material/delete:"):
            st.session_state["dt_outcome"] = datasync.clear_cache(cache.tmdb_store_path())
            cache.forget_tmdb()
            st.rerun()


def _run_sync(secret: str, fallback, target: int, details: bool, action: str, reviews: bool = False) -> None:
    """Run a sync or refresh with progress, keep its outcome for the next run and redraw."""
    credentials, problem = datasync.parse_secret(secret) if secret else (fallback, "")
    if credentials is None:
        st.session_state["dt_outcome"] = datasync.SyncOutcome("error", problem or "Enter a TMDB key first.")
        return
    with st.status("Contacting TMDB...", expanded=True) as box:
        bar = st.progress(0.0, text="Checking the key")

        def progress(done: int, total: int, message: str) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"{done:,} of {total:,}: {message}")

        outcome = datasync.run_sync(credentials, cache.tmdb_store_path(), target, details, progress,
                                    max_age=timedelta(hours=24) if action.startswith("Refresh") else None,
                                    reviews=reviews)
        box.update(label=outcome.message.split(". ")[0], expanded=False,
                   state={"success": "complete", "warning": "complete", "error": "error"}[outcome.level])
    cache.forget_tmdb()
    st.session_state["dt_outcome"] = outcome
    if outcome.key_rejected:
        st.session_state.pop("dt_session_credentials", None)
    elif secret:
        st.session_state["dt_session_credentials"] = credentials  # survives page switches, not the session
    st.rerun()  # redraw the inventory and coverage with the new data


def _damaged_store() -> None:
    """A damaged TMDB cache file: say so, and offer to move it aside (kept for inspection) and start again."""
    problem = cache.tmdb_problem(cache.tmdb_store_path())
    if not problem or "damaged" not in problem:
        return
    st.error(f"{problem} The live TMDB source is off until it is replaced; the embedded data is used meanwhile.",
             icon=":material/broken_image:")
    if st.button("Move the damaged file aside and start again", key="dt_move_damaged", icon=":material/restore:"):
        st.session_state["dt_outcome"] = datasync.move_damaged(cache.tmdb_store_path())
        cache.forget_tmdb()
        st.rerun()


def _outcome() -> None:
    """The last sync's message, lost pages and report."""
    outcome = st.session_state.get("dt_outcome")
    if outcome is None:
        return
    {"success": st.success, "warning": st.warning, "error": st.error}[outcome.level](outcome.message)
    if outcome.lost:
        st.dataframe(outcome.lost, width="stretch", hide_index=True)
    if outcome.report:
        with st.expander("Sync report"):
            st.json(outcome.report)
    if outcome.ok:
        st.caption("Choose 'Live TMDB' as the source in the sidebar of any strategy page to use these titles.")



def _upload() -> None:
    """The upload flow: a file, the table it is, the column mapping (guessed, correctable), a preview, then
    row-level validation with the rejected rows to download, fix and upload again."""
    st.subheader("Upload your own data")
    st.caption("One file a table (CSV, Parquet, Excel, or a zip holding one of them). Columns are matched to the "
               "data contract by name; check the mapping, then load. Nothing is dropped silently: rejected rows "
               "come back with their reasons.")
    cols = st.columns([2, 1, 1])
    upload = cols[0].file_uploader("File", type=UPLOAD_TYPES, key="up_file")
    table = cols[1].selectbox("Table", list(contract.TABLES), key="up_table",
                              format_func=lambda t: f"{t}: {contract.TABLES[t].description}")
    source = cols[2].text_input("Source name", "uploaded", max_chars=40, key="up_source")
    if upload is None:
        return
    raw = upload.getvalue()
    try:
        frames = ingest.read_upload(upload.name, raw)
        if len(frames) != 1:
            raise contract.ContractError("A zip for one table must hold exactly one file.")
        frame = next(iter(frames.values()))
    except contract.ContractError as exc:
        ui.error_state(f"Cannot use {ui.escape(upload.name, 80)}: {exc}")
        return
    mapping = _mapping(frame, table)
    mapped = ingest.apply_mapping(frame, mapping)
    st.caption(f"Preview: the first rows of {len(frame):,}, with the contract's column names.")
    st.dataframe(mapped.head(20), width="stretch", hide_index=True)
    if st.button("Validate and load", type="primary", key="up_go", icon=":material/upload:"):
        try:
            done = ingest.ingest(upload.name, raw, table, source, mapping)
        except contract.ContractError as exc:
            ui.error_state(str(exc))
            return
        cache.uploaded_tables.clear()
        st.session_state["up_result"] = done
    _result(st.session_state.get("up_result"))


def _mapping(frame, table: str) -> dict[str, str]:
    """One picker per contract field, preset to the guess; returns field -> file column for the mapped ones."""
    guess = ingest.guess_mapping([str(c) for c in frame.columns], table)
    options = [UNMAPPED, *map(str, frame.columns)]
    chosen = {}
    with st.expander("Column mapping (guessed from the names; correct it if needed)", expanded=True):
        grid = st.columns(3)
        for i, f in enumerate(contract.TABLES[table].fields):
            label = f"{f.name}{' (required)' if f.required else ''}"
            default = options.index(guess[f.name]) if f.name in guess else 0
            pick = grid[i % 3].selectbox(label, options, index=default, key=f"up_map_{table}_{f.name}",
                                         help=f.description)
            if pick != UNMAPPED:
                chosen[f.name] = pick
    return chosen


def _result(done: ingest.Ingested | None) -> None:
    """Counts, reasons and the rejected rows of the last load."""
    if done is None:
        return
    report = done.report()
    c = st.columns(4)
    c[0].metric("Rows read", f"{report['rows_read']:,}")
    c[1].metric("Accepted", f"{report['rows_accepted']:,}")
    c[2].metric("Rejected", f"{report['rows_rejected']:,}")
    c[3].metric("Stored as", report["source"], help="Already stored: the same file was loaded before, so nothing "
                "changed." if report["already_stored"] else None)
    if report["reasons"]:
        st.markdown("**Why rows were rejected**")
        ui.table(pd.DataFrame({"reason": list(report["reasons"]), "rows": list(report["reasons"].values())}))
        st.caption("Download the rejected rows, fix them and upload that file again: only they are added.")
        ui.download(done.validation.rejected, f"{report['source']}_{report['table']}_rejected", key="up_rejected_dl",
                    label="Download rejected rows")


def _platforms() -> None:
    """Platforms (synthetic or yours) with their sizes, and generating a small synthetic one here."""
    st.subheader("Platforms: synthetic or your own event logs")
    st.caption("A platform is a folder of the five tables as Parquet under the cache folder's platforms/; its "
               "events are aggregated by the engine, never read whole. `python -m core generate --preset "
               "small|large --seed N --out <cache>/platforms/NAME` makes a synthetic one; the small one can be made "
               "here. Synthetic data is labelled as such on every page that shows it.")
    listed = cache.platform_overview()
    if listed.empty:
        st.caption("No platform yet.")
    else:
        ui.table(listed, "marquee_platforms", key="dt_platforms_dl")
    with st.form("dt_generate"):
        seed = st.number_input("Seed", 0, 10_000, 0, key="dt_gen_seed", help="The same seed gives the same data.")
        go = st.form_submit_button("Generate the small synthetic platform", icon=":material/science:")
    if go:
        _generate(int(seed))


def _generate(seed: int) -> None:
    """Generate the small preset as ``syn:small-seed<N>`` with progress, then offer it in the source picker."""
    from core.data import platforms
    from core.synth import generate

    source = f"{platforms.PREFIX}small-seed{seed}"
    with st.status(f"Generating the small synthetic platform (seed {seed})...", expanded=False) as box:
        try:
            report = generate.generate(platforms.platform_dir(source), preset="small", seed=seed)
        except OSError as exc:
            box.update(label="Could not write the platform", state="error")
            ui.error_state(f"The platform could not be written ({exc.strerror or exc}). Check that the cache "
                           "folder is writable.")
            return
        box.update(label=f"Generated {source[4:]}", state="complete")
    cache.platform_sources.clear()
    cache.platform_overview.clear()
    events = report.get("rows", {}).get("watch_events", 0)
    st.success(f"{source[4:]} is ready ({events:,} viewing sessions): pick it as the source in the sidebar.",
               icon=":material/check_circle:")

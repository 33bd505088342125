"""The Data page's upload flow: a file, the table it is, the column mapping (guessed, correctable), a preview,
then row-level validation with the rejected rows to download, fix and upload again."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import ui
from core.data import cache, contract, ingest

NONE = "(not in the file)"
TYPES = ["csv", "tsv", "txt", "parquet", "xlsx", "xls", "zip"]


def render() -> None:
    """Draw the upload section."""
    st.subheader("Upload your own data")
    st.caption("One file a table (CSV, Parquet, Excel, or a zip holding one of them). Columns are matched to the "
               "data contract by name; check the mapping, then load. Nothing is dropped silently: rejected rows "
               "come back with their reasons.")
    cols = st.columns([2, 1, 1])
    upload = cols[0].file_uploader("File", type=TYPES, key="up_file")
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
    options = [NONE, *map(str, frame.columns)]
    chosen = {}
    with st.expander("Column mapping (guessed from the names; correct it if needed)", expanded=True):
        grid = st.columns(3)
        for i, f in enumerate(contract.TABLES[table].fields):
            label = f"{f.name}{' (required)' if f.required else ''}"
            default = options.index(guess[f.name]) if f.name in guess else 0
            pick = grid[i % 3].selectbox(label, options, index=default, key=f"up_map_{table}_{f.name}",
                                         help=f.description)
            if pick != NONE:
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

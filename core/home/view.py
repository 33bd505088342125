"""The home page body: headline figures of the active source, what the filters leave, where to go next."""
from __future__ import annotations

import streamlit as st

from core import ui
from core.data.features import Filters
from core.home import cache


def render(flt: Filters) -> None:
    """Draw the home page for the active filters."""
    summary = cache.home_summary(flt.source, flt.version)
    view = cache.home_view(flt)
    cols = st.columns(5)
    cols[0].metric("Titles with audience data", f"{summary['titles']:,}")
    cols[1].metric("Genres", summary["genres"])
    cols[2].metric("Years", summary["years"])
    cols[3].metric("User ratings", f"{summary['ratings']:,}")
    cols[4].metric("Subscribers", f"{summary['subscribers']:,}")
    st.caption(summary["source_note"])

    if not view["titles"]:
        ui.empty_state("No titles match these filters.")
    else:
        st.subheader("In view")
        st.markdown(ui.filters_summary(flt, view["titles"]))
        for line in view["insights"]:
            st.markdown(f"- {line}")

    st.subheader("Where to go")
    groups: dict[str, list] = {}
    for page in ui.PAGES[1:]:
        groups.setdefault(page.group, []).append(page)
    for col, (group, pages) in zip(st.columns(len(groups)), groups.items()):
        with col:
            st.markdown(f"**{group}**")
            for page in pages:
                if ui.page_exists(page.path):
                    st.page_link(page.path, label=page.label, icon=page.icon)

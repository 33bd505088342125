"""Home: what is in the portfolio right now, where the data comes from, and where to go next."""
import streamlit as st

from core import cached, ui

flt = ui.page_setup("Marquee", "Content intelligence for what a streaming service makes, buys and promotes.")
summary = cached.home_summary(flt.source)
view = cached.home_view(flt.source, flt.media_types, flt.genres, flt.years, flt.min_votes)

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
groups = {}
for path, label, icon, group in ui.PAGES[1:]:
    groups.setdefault(group, []).append((path, label, icon))
for col, (group, items) in zip(st.columns(len(groups)), groups.items()):
    with col:
        st.markdown(f"**{group}**")
        for path, label, icon in items:
            if ui.page_exists(path):
                st.page_link(path, label=label, icon=icon)

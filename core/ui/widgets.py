"""Shared page pieces: empty and error states, the TMDB notice, charts with their reading guide, tables and
downloads, page-specific query parameters."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

import pandas as pd
import streamlit as st

import core.ui.usage as usage
from core import config

if TYPE_CHECKING:  # plotly is imported by the pages that draw charts, not on the home page's cold path
    import plotly.graph_objects as go


def empty_state(message: str) -> None:
    """What the user sees when a filter leaves nothing."""
    st.info(f"{message} Widen the filters in the sidebar (genres, years, minimum votes).",
            icon=":material/filter_alt_off:")


def error_state(message: str) -> None:
    """A clear error without a traceback."""
    st.error(message, icon=":material/error:")


def tmdb_attribution() -> None:
    """TMDB's required notice wherever TMDB data is shown."""
    logo = config.ASSETS_DIR / "tmdb_logo.svg"
    cols = st.columns([1, 12])
    if logo.exists():
        cols[0].image(str(logo), width=60)
    cols[1].caption("This product uses the TMDB API but is not endorsed or certified by TMDB.")


def chart(fig: go.Figure, how_to_read: str, insights: list[str] | None = None, key: str = "") -> None:
    """A chart with its one-line reading guide above and its computed insights below."""
    st.caption(f":material/help: {how_to_read}")
    st.plotly_chart(fig, width="stretch", key=key or None)
    bullets(insights)


def bullets(lines: list[str] | None) -> None:
    """Insight sentences as a bulleted list (their **emphasis** kept, links and images made inert)."""
    for line in lines or []:
        st.markdown(f"- {inert(line)}")


def download(df: pd.DataFrame, name: str, key: str, label: str = "Download CSV") -> None:
    """A CSV download of exactly the rows on screen (filters applied); the download is recorded by its key."""
    st.download_button(label, df.to_csv(index=False).encode(), file_name=f"{name}.csv", mime="text/csv",
                       key=key, icon=":material/download:", on_click=usage.export_clicked, args=(key,))


def table(df: pd.DataFrame, name: str = "", key: str = "", **kwargs) -> None:
    """A full-width table without its index, with a CSV download of the same rows when ``name`` is given."""
    st.dataframe(df, width="stretch", hide_index=True, **kwargs)
    if name:
        download(df, name, key=key or f"{name}_dl")


def query_param(name: str, default: str = "") -> str:
    """A page-specific query parameter (e.g. the Head-to-Head pair)."""
    return st.query_params.get(name, default)


def set_query_param(name: str, value: str) -> None:
    """Set a page-specific query parameter so the view can be shared."""
    if st.query_params.get(name) != value:
        st.query_params[name] = value


def lazy_tabs(sections: dict[str, Callable[[], None]], key: str, **kwargs) -> None:
    """Tabs of which only the open one runs and draws its section (the rest cost nothing); ``kwargs`` go to
    ``st.tabs`` (e.g. ``bind="query-params"`` to keep the open tab in the URL)."""
    for tab, section in zip(st.tabs(list(sections), key=key, on_change="rerun", **kwargs), sections.values()):
        if tab.open:
            with tab:
                section()


def stop_if_empty(n: int) -> None:
    """End the page with the empty state when the filters leave no title."""
    if n == 0:
        empty_state("No titles match these filters.")
        st.stop()


def stop_if_too_few(n: int, minimum: int, purpose: str) -> None:
    """End the page with a note when the view holds fewer than ``minimum`` titles (``purpose``: "to size a
    market", ...)."""
    if n < minimum:
        st.info(f"Only {n} titles in view: too few {purpose} (at least {minimum}). Widen the filters.",
                icon=":material/info:")
        st.stop()


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$")
_ZWSP = "\u200b"  # breaks auto-linked URLs and :icon: shortcodes, which Markdown escapes do not stop
_SHORTCODE = re.compile(r":(?=[A-Za-z])")


def _defuse(value: str) -> str:
    value = value.replace("://", f":{_ZWSP}//").replace("www.", f"www{_ZWSP}.")
    return _SHORTCODE.sub(f":{_ZWSP}", value)


def escape(text: object, limit: int = 200) -> str:
    """``text`` safe to put inside Markdown: every Markdown character escaped, URLs and ``:icon:`` shortcodes
    defused (no link, image, icon or HTML can come from a title, an upload or a URL value), cut to ``limit``."""
    value = str(text)
    value = value if len(value) <= limit else value[: limit - 1] + "…"
    return _defuse("".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in value))


_LINK_PATTERNS = (("[", "\\["), ("]", "\\]"), ("<", "\\<"), (">", "\\>"))


def inert(text: object) -> str:
    """Markdown we write ourselves around values from data (insight sentences with **bold** names): emphasis
    stays, but nothing in it can become a link, an image, HTML, an auto-linked URL or an icon."""
    value = str(text)
    for raw, safe in _LINK_PATTERNS:
        value = value.replace(raw, safe)
    return _defuse(value)

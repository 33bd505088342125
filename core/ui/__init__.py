"""Shared Streamlit pieces: ``page_setup`` (config, grouped nav, global filters), states, charts, tables.

Streamlit is imported only here, in each feature's ``view.py`` and in its ``cache.py``.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

import core.ui.usage as usage
from core import config
from core.data.features import Filters
from core.ui.filters import SOURCE_LABELS
from core.ui.filters import summary as filters_summary
from core.ui.nav import PAGES, Page, page_exists
from core.ui.settings import configured_settings
from core.ui.widgets import (
    bullets,
    chart,
    download,
    empty_state,
    error_state,
    escape,
    inert,
    lazy_tabs,
    query_param,
    set_query_param,
    stop_if_empty,
    stop_if_too_few,
    table,
    tmdb_attribution,
)

__all__ = ["PAGES", "SOURCE_LABELS", "Page", "bullets", "chart", "configured_settings", "download", "empty_state",
           "error_state", "escape", "filters_summary", "inert", "lazy_tabs", "page_exists", "page_setup", "query_param",
           "run", "set_query_param", "stop_if_empty", "stop_if_too_few", "table", "tmdb_attribution"]


def page_setup(title: str, question: str = "", filters: bool | str = True) -> Filters:
    """Configure the page, draw the grouped nav and global filters; return the active filters.

    ``filters``: True draws every filter, "source" the source picker alone (audience pages), False none."""
    from core.ui import filters as filter_bar
    from core.ui import nav

    usage.page_start(title)  # the render clock starts here; ``run`` stops it
    # a local file: a Material icon name makes every browser fetch the favicon from a font CDN
    st.set_page_config(page_title=f"{title} | Marquee", page_icon=str(config.ASSETS_DIR / "favicon.png"),
                       layout="wide")
    nav.draw_nav()
    flt = filter_bar.sidebar(source_only=filters == "source") if filters else Filters()
    st.title(title)
    if question:
        st.caption(question)
    if flt.source == "tmdb" and filters is True:  # a source-only page shows no TMDB data (it has no audience)
        tmdb_attribution()
    if flt.source.startswith("syn:"):
        from core.data import cache as data_cache

        st.info(data_cache.platform_note(flt.source), icon=":material/science:")
    return flt


def run(render: Callable[..., None], *args) -> None:
    """Run a page body (``render(*args)``) and record the run's server render time since ``page_setup``.

    A page script is ``flt = ui.page_setup(...)``, then ``ui.run(view.render, flt)``. ``st.stop()`` ends a run
    normally (recorded as stopped); a rerun that interrupts it records nothing; an error is recorded and raised
    on."""
    status = "error"
    try:
        render(*args)
        status = "ok"
    except StopException:
        status = "stopped"
        raise
    except RerunException:  # cut short by a newer run, which measures itself
        status = ""
        raise
    finally:
        if status:
            usage.page_done(status)

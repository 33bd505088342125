"""Recording how Marquee is used, from the shared page pieces (``page_setup``, ``run``, the filters, downloads).

Each call only queues an event (``core.usage.store.record``: no I/O on the render path). A session is known by
an anonymous random id kept in its session state, never by its IP address or browser. What is recorded:

- ``view``: a page opened (not a rerun on it); ``render``: each run's server time from ``page_setup`` to the end
  of the page body (``run``), named ``ok``, ``stopped`` (``st.stop``) or ``error``;
- ``filter``: a sidebar filter changed, with its value from the filter's options (an uploaded or platform
  source as its kind only, since its name was typed by someone);
- ``search``: a title picked in a title search box (``SEARCH_KEYS``), the title as shown, trimmed and cut short;
- ``widget``: any other page widget changed (``pp_name`` keys), by key only, never its value (a checkbox or
  button counts when ticked or clicked);
- ``export``: a CSV download, by its button's key.
"""
from __future__ import annotations

import secrets
import time

import streamlit as st

from core.usage import store

SID_KEY, PAGE_KEY, START_KEY, WIDGETS_KEY = "usage_sid", "usage_page", "usage_start", "usage_widgets"
HOME_TITLE = "Marquee"  # the home page's title; it is "Home" in the nav and in the figures
#: Title pickers that are searched by typing: their picked value is recorded as a search term.
SEARCH_KEYS = frozenset({"hh_a_title", "hh_b_title", "rc_title"})
_SIMPLE = (str, int, float, bool, type(None))


def page_name(title: str) -> str:
    """How a page is named in the figures: its nav label."""
    return "Home" if title == HOME_TITLE else title


def session_id() -> str:
    """This session's anonymous id: random, made on its first run, never derived from the client."""
    return st.session_state.setdefault(SID_KEY, secrets.token_hex(8))


def page_start(title: str) -> None:
    """Start the render clock; record a page view when the session opened this page (else the widgets it
    changed since the last run)."""
    ss = st.session_state
    page = page_name(title)
    ss[START_KEY] = (page, time.perf_counter())
    if ss.get(PAGE_KEY) != page:
        ss[PAGE_KEY] = page
        store.record(session_id(), page, "view")
    else:
        _record_changed_widgets(page)
    ss[WIDGETS_KEY] = _widget_values()


def page_done(status: str) -> None:
    """Record the run's server render time (``status``: ok, stopped or error) and remember the widget values."""
    ss = st.session_state
    started = ss.pop(START_KEY, None)
    if started is None:
        return
    page, t0 = started
    store.record(session_id(), page, "render", status, "", (time.perf_counter() - t0) * 1000)
    ss[WIDGETS_KEY] = _widget_values()


def filter_changed(name: str, value: object) -> None:
    """Record a sidebar filter change (``name`` one of the filter keys, ``value`` its new value)."""
    store.record(session_id(), st.session_state.get(PAGE_KEY, ""), "filter", name, _filter_value(name, value))


def export_clicked(key: str) -> None:
    """Record a download (``on_click`` of ``ui.download``), by its button's key."""
    store.record(session_id(), st.session_state.get(PAGE_KEY, ""), "export", key)


def _filter_value(name: str, value: object) -> str:
    if name == "source":
        text = str(value)
        return "uploaded" if text.startswith("up:") else "platform" if text.startswith("syn:") else text
    if name == "years" and isinstance(value, (tuple, list)) and len(value) == 2:
        return f"{value[0]}-{value[1]}"
    if isinstance(value, (tuple, list)):
        return ",".join(str(v).replace(",", " ") for v in value)
    return str(value)


def _is_widget_key(key: object) -> bool:
    """A page widget's key: ``pp_name`` (two-letter page prefix), not a mirror (``_keep``) nor a download."""
    return (isinstance(key, str) and len(key) > 3 and key[2] == "_" and key[:2].isalpha() and key[:2].islower()
            and "_keep" not in key and not key.endswith("_dl"))


def _fingerprint(value: object) -> int | None:
    """A cheap comparable stand-in for a simple widget value (None for anything else: frames, uploads)."""
    if isinstance(value, _SIMPLE):
        return hash((type(value).__name__, value))
    if isinstance(value, (tuple, list)) and len(value) <= 50 and all(isinstance(v, _SIMPLE) for v in value):
        return hash(tuple(value))
    return None


def _widget_values() -> dict[str, int]:
    out = {}
    for key, value in st.session_state.items():
        if _is_widget_key(key) and (fp := _fingerprint(value)) is not None:
            out[key] = fp
    return out


def _record_changed_widgets(page: str) -> None:
    before = st.session_state.get(WIDGETS_KEY) or {}
    for key, fp in _widget_values().items():
        if key not in before or before[key] == fp:
            continue
        value = st.session_state[key]
        if value is False or value is None:  # a button released, a box unticked: not counted (see the docstring)
            continue
        if key in SEARCH_KEYS:
            store.record(session_id(), page, "search", key, str(value))
        else:
            store.record(session_id(), page, "widget", key)

"""The one key lookup: ``st.secrets`` when a secrets file exists, over the environment."""
from __future__ import annotations

import os

import streamlit as st

KEY_NAMES = ("TMDB_API_KEY", "TMDB_BEARER_TOKEN")


def configured_settings() -> dict:
    """TMDB settings from ``st.secrets`` (when a secrets file exists) over the environment.

    ``st.secrets`` raises even on ``.get`` when no secrets file exists, hence the guard.
    """
    out = {n: os.environ.get(n, "") for n in KEY_NAMES}
    try:
        out.update({n: str(st.secrets[n]) for n in KEY_NAMES if n in st.secrets})
    except Exception:  # no secrets file, or a malformed one: the environment stands
        pass
    return out

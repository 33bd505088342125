"""The one secrets lookup: ``st.secrets`` when a secrets file exists, over the environment (the app's TMDB key and
the API's token both read it)."""
from __future__ import annotations

import os

import streamlit as st

KEY_NAMES = ("TMDB_API_KEY", "TMDB_BEARER_TOKEN")


def secret(name: str) -> str:
    """``name`` from ``st.secrets`` (when a secrets file exists) over the environment; "" when neither has it.

    ``st.secrets`` raises even on ``in`` and ``.get`` when no secrets file exists, hence the guard.
    """
    try:
        if name in st.secrets:
            return str(st.secrets[name])
    except Exception:  # no secrets file, or a malformed one: the environment stands
        pass
    return os.environ.get(name, "")


def configured_settings() -> dict:
    """TMDB settings from ``st.secrets`` (when a secrets file exists) over the environment."""
    return {n: secret(n) for n in KEY_NAMES}

"""The decide pages' cache boundary (Investment Copilot, Head-to-Head).

Every function takes the view's ``Filters`` (carrying its data version) plus its own small parameters. Fitted
copilot models are ``cache_resource`` values used read-only by every session.
"""
from __future__ import annotations

import streamlit as st

from core import diskcache
from core.data import cache as data_cache
from core.data.features import Filters

FRAME_ENTRIES = data_cache.FRAME_ENTRIES
MODEL_ENTRIES = 16  # fitted models kept per function
COPILOT_CODE = ("core.decide.copilot", "core.decide.advice", "core.decide.neighbours", "models.copilot",
                "models.base", "core.data.features")


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def copilot_status(flt: Filters) -> dict:
    """What the Investment Copilot can do with this view (see ``core.decide.copilot.status``)."""
    from core.decide import copilot

    return copilot.status(data_cache.strategy_frame(flt))


@st.cache_data(max_entries=MODEL_ENTRIES, show_spinner=False)
def copilot_evaluation(flt: Filters, booster: str) -> dict:
    """Cross-validated quality of the copilot models vs baselines, with out-of-fold predictions."""
    from core.decide import copilot

    view = data_cache.strategy_frame(flt)
    return diskcache.load_or_build("copilot_evaluation", _copilot_key(flt, booster),
                                   lambda: copilot.evaluate(copilot.build_training(view), booster))


@st.cache_resource(max_entries=MODEL_ENTRIES, show_spinner=False)
def copilot_models(flt: Filters, booster: str):
    """Fitted copilot models for a view (read-only ``core.decide.copilot.CopilotModels``)."""
    from core.decide import copilot

    view = data_cache.strategy_frame(flt)
    evaluation = copilot_evaluation(flt, booster)
    return diskcache.load_or_build("copilot_models", _copilot_key(flt, booster), lambda: copilot.fit_models(
        copilot.build_training(view), evaluation, booster))


def _copilot_key(flt: Filters, booster: str) -> str:
    """Persistence key of a view's copilot: the filters with the data version, and the code that fits it, so a
    restart reads the cross-validation and the fitted models instead of redoing them (about 15 s on 30,000
    titles)."""
    return diskcache.fingerprint(repr(flt), booster, diskcache.code_version(*COPILOT_CODE))


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def h2h_options(flt: Filters, mode: str, extra: tuple = ()) -> list[str]:
    """Head-to-Head picker options: genres largest first, or title labels best engagement first."""
    from core.decide import h2h

    view = data_cache.strategy_frame(flt)
    if mode == "genre":
        return h2h.genre_options(view)
    return h2h.title_options(h2h.title_labels(view), tuple(extra))


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def h2h_comparison(flt: Filters, mode: str, a: str, b: str) -> dict:
    """Head-to-Head table, verdict, trend and insights for a valid pair (see ``core.decide.h2h.comparison``)."""
    from core.decide import h2h

    view = data_cache.strategy_frame(flt)
    ratings = data_cache.embedded_data().ratings if mode == "title" and flt.source == "embedded" else None
    return h2h.comparison(view, mode, a, b, ratings)

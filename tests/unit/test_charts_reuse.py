"""Figure reuse: a chart builder given the same inputs (by content) hands back the figure it already built."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core import charts

calls = []


@charts.reused
def bars(df: pd.DataFrame, title: str = "") -> go.Figure:
    calls.append(1)
    return go.Figure(go.Bar(x=df["genre"], y=df["titles"]), layout={"title": title})


def _frame(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame({"genre": ["Drama", "Comedy", "Horror"][:n], "titles": np.arange(n) + 10,
                         "genres": [["Drama"], ["Comedy"], ["Horror"]][:n]})


def test_same_content_reuses_the_figure_and_other_content_builds_anew():
    calls.clear()
    first = bars(_frame(), title="t")
    assert bars(_frame(), title="t") is first  # an equal copy of the data, as st.cache_data hands out
    assert len(calls) == 1
    changed = _frame()
    changed.loc[0, "titles"] = 99
    assert bars(changed, title="t") is not first
    assert bars(_frame(), title="other") is not first
    assert bars(_frame(2), title="t") is not first
    assert len(calls) == 4


def test_inputs_known_only_by_address_are_built_every_time():
    calls.clear()

    class Opaque:
        pass

    @charts.reused
    def opaque(df, thing):
        calls.append(1)
        return go.Figure()

    thing = Opaque()
    assert opaque(_frame(), thing) is not opaque(_frame(), thing)
    assert len(calls) == 2


def test_the_store_is_bounded(monkeypatch):
    monkeypatch.setattr(charts, "MAX_REUSED", 5)
    charts._REUSED.clear()
    for n in range(20):
        bars(_frame(), title=str(n))
    assert len(charts._REUSED) == 5


def test_every_page_chart_builder_is_reused():
    from core.churn import charts as churn_charts
    from core.explore import charts as explore_charts

    assert hasattr(churn_charts.pr_curve, "uncached") and hasattr(explore_charts.saturation, "uncached")

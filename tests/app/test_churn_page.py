"""Behaviour of the Churn page: headline and honest CV figures, the threshold fragment, the what-if form, every tab.

Opened the way the multipage app runs it (``app.py`` first, then switch to the page). Fold fits, the full model
and the importance are cached in-process and persisted in the cache dir, so only a first-ever run pays for them.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "07_Churn.py"
TABS = ("Campaign", "Model comparison", "Drivers", "What-if", "Segments", "At-risk list")


def _open(tab: str = "Campaign", source: str = "") -> AppTest:
    """The Churn page opened through the app on ``tab``, with ``source`` in the URL when given."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    if source:
        at.query_params["source"] = source
    at.run()
    at.switch_page(str(PAGE.relative_to(ROOT)))
    if tab != "Campaign":
        at.session_state["ch_tab"] = tab
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def _text(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def _money(value: str) -> float:
    return float(value.replace("$", "").replace(",", ""))


def _subscribers():
    from core.data import embedded

    return embedded.load().subscribers


def test_headline_figures_come_from_the_subscribers_and_the_model_beats_chance():
    subscribers = _subscribers()
    at = _open()
    m = _metrics(at)
    assert m["Subscribers"] == f"{len(subscribers):,}"
    assert m["Churn base rate"] == f"{subscribers['churn'].mean():.1%}"
    assert float(m["CV ROC-AUC"]) > 0.5 + 0.2  # far above a random ranking
    assert float(m["CV PR-AUC"]) > 2 * subscribers["churn"].mean()  # and above the base rate PR-AUC
    assert "Quality bar" not in m  # targets live in bench/, not on the page
    assert "do not apply to subscribers" in _text(at)
    assert not at.sidebar.multiselect  # no title filters on this page
    assert len(at.get("plotly_chart")) == 4  # campaign, ROC, PR, reliability


def test_threshold_slider_moves_flagged_precision_and_recall():
    at = _open()
    results = {}
    for threshold in (0.0, 0.1, 0.5, 0.9, 1.0):
        at.slider(key="ch_threshold").set_value(threshold).run()
        assert not at.exception, [e.value for e in at.exception]
        m = _metrics(at)
        results[threshold] = (int(m["Subscribers flagged"].replace(",", "")), m["Precision"], m["Recall"])
    assert results[0.0][0] == len(_subscribers()) and results[0.0][2] == "100%"  # threshold 0 flags everyone
    assert results[0.1][0] > results[0.5][0] > results[0.9][0] >= results[1.0][0]
    assert results[0.1][1] != results[0.5][1] and results[0.1][2] != results[0.5][2]
    assert "At threshold 0.50" in _text(at.slider(key="ch_threshold").set_value(0.5).run())


def test_cost_inputs_change_the_campaign_value_not_the_flags():
    at = _open()
    at.slider(key="ch_threshold").set_value(0.5).run()
    before = _metrics(at)
    at.number_input(key="ch_cost").set_value(200.0).run()
    after = _metrics(at)
    assert after["Subscribers flagged"] == before["Subscribers flagged"]
    assert _money(after["Campaign cost"]) == pytest.approx(4 * _money(before["Campaign cost"]))
    assert _money(after["Expected net"]) < _money(before["Expected net"])
    at.number_input(key="ch_value").set_value(0.0).run()
    assert "no threshold pays off" in _text(at)


def test_threshold_survives_a_tab_switch():
    at = _open()
    at.slider(key="ch_threshold").set_value(0.7).run()
    at.session_state["ch_tab"] = "At-risk list"
    at.run()
    assert "threshold 0.70" in _text(at)
    at.session_state["ch_tab"] = "Campaign"
    at.run()
    assert at.slider(key="ch_threshold").value == pytest.approx(0.7)


#: What only each tab draws: (charts, a caption or subheader only it shows, a widget or table only it has).
TAB_CONTENT = {
    "Model comparison": (1, "Fold means over the same stratified folds", lambda at: "Model" in at.dataframe[0].value),
    "Drivers": (2, "subscribers the model was not trained on", lambda at: at.number_input(key="ch_subscriber")),
    "What-if": (1, "Blank = tenure x monthly charge",
                lambda at: any(b.label == "Score this subscriber" for b in at.button)),
    "Segments": (2, "Clustered on tenure", lambda at: "Churn rate" in " ".join(at.dataframe[0].value.columns)),
    "At-risk list": (0, "Current (not yet churned) subscribers ranked", lambda at: at.slider(key="ch_top_n")),
}


@pytest.mark.parametrize("tab", TABS[1:])
def test_every_tab_renders_its_own_content(tab):
    at = _open(tab)
    charts, marker, has_widget = TAB_CONTENT[tab]
    text = _text(at) + " ".join(h.value for h in at.subheader) + " ".join(t.placeholder for t in at.text_input)
    assert len(at.get("plotly_chart")) == charts and marker in text and has_widget(at)
    others = [m for t, (_, m, _) in TAB_CONTENT.items() if t != tab]
    assert not any(m in text for m in others)  # lazy tabs: only the open one draws
    assert not [s for s in at.slider if s.key == "ch_threshold"]  # the campaign panel stays closed


def test_comparison_table_has_all_models_and_baseline():
    at = _open("Model comparison")
    table = at.dataframe[0].value
    assert {"Marquee churn model", "Logistic regression", "Random forest", "Gradient boosting", "LightGBM",
            "XGBoost", "Always stay (baseline)"} == set(table["Model"])
    assert {"ROC-AUC", "PR-AUC", "Accuracy", "Precision", "Recall", "F1", "Fit s / fold"} <= set(table.columns)
    base_rate = _subscribers()["churn"].mean()
    assert f"Churn base rate {base_rate:.1%}" in _text(at)
    baseline = table.set_index("Model").loc["Always stay (baseline)"]
    models = table[table["Model"] != "Always stay (baseline)"]
    assert (models["ROC-AUC"] >= baseline["ROC-AUC"] + 0.2).all(), table  # every model ranks far better
    assert (models["PR-AUC"] >= 1.5 * base_rate).all(), table  # and well above a base-rate PR-AUC


def _submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Score this subscriber").click()
    return at.run()


def test_what_if_form_scores_and_changes_with_input():
    at = _open("What-if")
    typical = float(_metrics(at)["Churn probability"].rstrip("%"))
    at.selectbox(key="ch_wi_contract").set_value("Two year")
    at.number_input(key="ch_wi_tenure").set_value(70)
    _submit(at)
    loyal = _metrics(at)
    assert float(loyal["Churn probability"].rstrip("%")) < typical and loyal["Risk band"] == "Low"
    at.selectbox(key="ch_wi_contract").set_value("Month-to-month")
    at.number_input(key="ch_wi_tenure").set_value(1)
    _submit(at)
    new = _metrics(at)
    assert float(new["Churn probability"].rstrip("%")) > typical and new["Risk band"] in ("High", "Very high")
    assert "raises the risk most" in _text(at)


@pytest.mark.parametrize("values, message", [
    ({"ch_wi_total": "a lot"}, "must be a number"),
    ({"ch_wi_internet_service": "No", "ch_wi_streaming_tv": "Yes"}, "No internet service")])
def test_what_if_bad_input_gives_a_clear_message(values, message):
    at = _open("What-if")
    for key, value in values.items():
        widget = at.text_input(key=key) if key == "ch_wi_total" else at.selectbox(key=key)
        widget.set_value(value)
    _submit(at)
    assert not at.exception
    assert at.error and message in at.error[0].value and "Churn probability" not in _metrics(at)


def test_explanation_for_one_subscriber_and_unknown_id():
    at = _open("Drivers")
    assert "raises the risk most" in _text(at) and _metrics(at)["Risk band"] in ("High", "Very high")
    first = _metrics(at)["Churn probability"]
    at.number_input(key="ch_subscriber").set_value(2).run()
    assert not at.exception and "Churn probability" in _metrics(at) and not at.info
    assert _metrics(at)["Churn probability"] != first
    at.number_input(key="ch_subscriber").set_value(999_999).run()  # any integer can be typed
    assert not at.exception
    ids = _subscribers()["subscriber_id"]
    assert [i.value for i in at.info] == [f"No subscriber with id 999999: ids run from {ids.min():,} to {ids.max():,}."]
    assert "Churn probability" not in _metrics(at) and len(at.get("plotly_chart")) == 1  # importance only


def test_campaign_says_the_best_threshold_is_chosen_in_hindsight():
    at = _open()
    line = next(m.value for m in at.markdown if "chosen on the same out-of-fold scores" in m.value)
    assert f"({at.slider(key='ch_threshold').value:.2f}, net $" in line  # the default is the hindsight best
    assert "Chosen on 4 folds and applied to the held-out fifth" in line and "in total" in line
    at.number_input(key="ch_value").set_value(0.0).run()  # nothing pays off: no best threshold to qualify
    assert not any("chosen on the same out-of-fold scores" in m.value for m in at.markdown)


def test_at_risk_list_is_ranked_and_downloadable():
    at = _open("At-risk list")
    table = at.dataframe[0].value
    assert len(table) == 50 and table["Churn probability"].is_monotonic_decreasing
    at.slider(key="ch_top_n").set_value(10).run()
    assert len(at.dataframe[0].value) == 10
    assert any(b.key == "ch_at_risk_dl" for b in at.get("download_button"))


# ------------------------------------------------------------------ a platform's own subscribers, or the fallback
@pytest.fixture()
def on_platform(platform_home, monkeypatch):
    """The session's generated platform ``syn:demo`` (core.synth, 3,000 subscribers) as the cache folder."""
    with _cache_dir(monkeypatch, platform_home):
        yield platform_home


@contextmanager
def _cache_dir(monkeypatch, folder: Path):
    """Point the cache at ``folder``; the source list (cached for 30 s) is read again on both sides."""
    from core.data import cache

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(folder))
    cache.platform_sources.clear()
    try:
        yield
    finally:
        cache.platform_sources.clear()


def _platform_subscribers(home: Path):
    import pandas as pd

    return pd.read_parquet(home / "platforms" / "demo" / "subscribers.parquet")


def test_a_platform_shows_its_own_subscribers_and_an_honest_baseline(on_platform):
    subscribers = _platform_subscribers(on_platform)
    at = _open(source="syn:demo")
    m = _metrics(at)
    assert m["Subscribers"] == f"{len(subscribers):,}" != f"{len(_subscribers()):,}"  # the platform's, not Telco's
    assert m["Have left"] == f"{subscribers['churned'].mean():.1%}"
    assert m["Current subscribers"] == f"{int((~subscribers['churned']).sum()):,}"
    assert float(m["CV ROC-AUC"]) > float(m["Baseline CV ROC-AUC"]) > 0.5
    shown = _text(at) + " ".join(i.value for i in at.info)
    assert "Synthetic data: demo" in shown and "Modelled as of" in shown and "has no subscribers table" not in shown
    assert len(at.get("plotly_chart")) == 4  # campaign, ROC, PR, reliability, each with its reading line
    assert sum(c.value.startswith(":material/help:") for c in at.caption) == 4


def test_a_platform_shows_planted_vs_recovered_drivers(on_platform):
    import json

    manifest = json.loads((on_platform / "platforms" / "demo" / "manifest.json").read_text())
    at = _open("Drivers", source="syn:demo")
    table = next(df.value for df in at.dataframe if "Planted driver" in df.value.columns)
    assert list(table["Planted driver"]) == [d["name"] for d in manifest["churn"]["drivers"]]
    assert list(table["True coefficient"]) == pytest.approx([d["coefficient"] for d in manifest["churn"]["drivers"]],
                                                            abs=0.01)
    assert table["Model's coefficient"].notna().all()
    agreed = int((table["Same direction"] == "Yes").sum())
    shown = _text(at)
    assert f"The model recovers the direction of {agreed} of {len(table)} planted drivers." in shown
    assert "Planted vs recovered drivers" in [h.value for h in at.subheader] and "In plain words" in shown
    left_out = next(df.value for df in at.dataframe if "Why it is left out" in df.value.columns)
    assert {"churn_date", "signup_date"} <= set(left_out["Column"])
    assert len(at.get("plotly_chart")) == 2  # importance, planted vs recovered


def test_a_platform_lists_its_own_ids_at_risk_and_says_which_tabs_do_not_apply(on_platform):
    subscribers = _platform_subscribers(on_platform)
    at = _open("At-risk list", source="syn:demo")
    table = at.dataframe[0].value
    current = set(subscribers.loc[~subscribers["churned"], "subscriber_id"])
    assert len(table) == 50 and set(table["Subscriber"]) <= current
    assert table["Churn probability"].is_monotonic_decreasing
    for tab in ("What-if", "Segments"):
        at.session_state["ch_tab"] = tab
        at.run()
        assert not at.exception and len(at.info) == 2 and "not shown for this source" in at.info[1].value


def test_a_source_without_subscribers_says_so_and_models_the_telco_ones(platform_home, tmp_path, monkeypatch):
    import shutil

    for built in platform_home.glob("embedded-v*"):
        shutil.copytree(built, tmp_path / built.name)
    folder = tmp_path / "platforms" / "nosubs"
    shutil.copytree(platform_home / "platforms" / "demo", folder)
    (folder / "subscribers.parquet").unlink()
    with _cache_dir(monkeypatch, tmp_path):
        at = _open(source="syn:nosubs")
    shown = _text(at)
    assert "This source has no subscribers table, so these are the embedded subscribers (Telco)" in shown
    assert _metrics(at)["Subscribers"] == f"{len(_subscribers()):,}"
    assert "Churn base rate" in _metrics(at) and "do not apply to subscribers" in shown

"""AppTest behaviour tests for the Recommender page: the lazy tabs, user and title pickers, blend slider, cold start,
links and the evaluation panel (computed with progress when its tab is first opened, then stored).

The evaluation here runs on the first 60 MovieLens users (the real protocols, a fraction of the minute the full
data takes); ``bench/bench_recommend.py`` prints the full-data figures."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import ui
from core.data import embedded
from core.recommend import cache
from core.recommend import evaluation as ev
from core.recommend import report as rr
from core.recommend import tables as rp

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "08_Recommender.py")


def _src() -> tuple[str, str]:
    """The embedded ratings at the version the page keys them by."""
    from core.data import cache as data_cache

    return "embedded", data_cache.source_version("embedded")


@pytest.fixture(scope="module", autouse=True)
def models_ready() -> str:
    """Load (or, on a machine's first run, train and persist) the page's models once for every test here."""
    key = cache.recommender_data(_src())["key"]
    cache.recommender_content(_src(), key)
    for part in rp.MODEL_PARTS:
        cache.recommender_model(_src(), key, part)
    return key


@pytest.fixture(scope="module")
def small_parts() -> dict:
    """Every evaluation step run for real on the first 60 MovieLens users."""
    data = embedded.load()
    ratings = data.ratings[data.ratings["user_id"] <= 60]
    return {step: ev.report_step(ratings, data.titles, step) for step in rr.report_steps()}


@pytest.fixture(scope="module")
def small_report(small_parts) -> dict:
    return {**ev.assemble_report(small_parts), "seconds": 1.0, "computed_at": "test run"}


@pytest.fixture(autouse=True)
def small_evaluation(monkeypatch, small_parts, small_report) -> dict:
    """The page's evaluation on the small data: nothing stored until every step ran, then the report.

    Returns the record of what the page asked for: ``steps`` (in order) and ``stored`` (the report, once run).
    """
    calls: dict = {"steps": [], "stored": None}

    def step(src: tuple, key: str, name: str) -> dict:
        calls["steps"].append(name)
        return small_parts[name]

    def report(src: tuple, key: str, run: bool = False) -> dict | None:
        if run and calls["stored"] is None:
            assert calls["steps"] == list(rr.report_steps()), "the report is built only after every step ran"
            calls["stored"] = small_report
        return calls["stored"]

    monkeypatch.setattr(cache, "recommender_eval_step", step)
    monkeypatch.setattr(cache, "recommender_report", report)
    return calls


TABS = ("For this viewer", "Their ratings", "More like this title", "How good is it?")


def run(**query) -> AppTest:
    """The page opened from a link: ``user``, ``title`` and ``rc_tab`` (the open tab) are query parameters."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def open_tab(at: AppTest, tab: str) -> AppTest:
    """Open ``tab`` as a click does; AppTest does not update its URL, so drop a stale ``rc_tab`` from a link."""
    if "rc_tab" in at.query_params:
        del at.query_params["rc_tab"]
    at.session_state["rc_tab"] = tab
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table_titles(at: AppTest, index: int) -> list[str]:
    return at.dataframe[index].value["Title"].tolist()


def test_default_view_opens_on_the_viewer_s_top_10():
    at = run()
    assert not at.exception
    default = cache.recommender_data(_src())["default_user"]
    assert [h.value for h in at.subheader] == [f"Top 10 for user {default}"]
    assert len(table_titles(at, 0)) == 10 and len(at.get("plotly_chart")) == 2  # score mix, blend map
    assert at.status[0].state == "complete" and at.status[0].label.startswith("Models ready")
    assert any("MovieLens ratings" in c.value for c in at.caption)
    assert at.selectbox(key="rc_user").value == default


def _expected_heads(tab: str, user: str) -> list[str]:
    """What the open tab shows first: its section subheaders (or, for a new viewer's history, the info box)."""
    data = cache.recommender_data(_src())
    viewer = data["default_user"] if user == "default" else int(user)
    name = ui.escape(data["titles"].set_index("title_id").loc[data["default_title"], "title"])  # as the page does
    new = viewer == rp.NEW_USER
    top = "A new viewer: popular in the genres they pick" if new else f"Top 10 for user {viewer}"
    return {"For this viewer": [top],
            "Their ratings": ["info: A new viewer has no ratings yet" if new else f"What user {viewer} has rated"],
            "More like this title": [f"More like *{name}", f"Viewers who rated *{name}"],
            "How good is it?": ["How good are these recommendations?"]}[tab]


@pytest.mark.parametrize("tab", TABS)
@pytest.mark.parametrize("user", ["default", str(rp.NEW_USER)])
def test_every_tab_renders(tab, user):
    at = run(rc_tab=tab) if user == "default" else run(rc_tab=tab, user=user)
    assert not at.exception, [e.value for e in at.exception]
    shown = [h.value for h in at.subheader] + [f"info: {i.value}" for i in at.info]
    expected = _expected_heads(tab, user)
    assert len(shown) == len(expected) and all(s.startswith(e) for s, e in zip(shown, expected)), shown
    labels = [s.label for s in at.status]
    if tab in ("More like this title",) or (tab == "For this viewer" and user == "default"):
        assert any(label.startswith("Models ready") for label in labels)  # the models' progress where used
    if tab == "How good is it?":  # the evaluation needs no fitted page model: it fits its own
        assert [label.split(" in ")[0] for label in labels] == ["Evaluation done"]


def test_each_tab_shows_its_own_sections(small_evaluation, small_report):
    small_evaluation["stored"] = small_report  # a report stored by an earlier visit
    at = run()
    default = cache.recommender_data(_src())["default_user"]
    assert [h.value for h in open_tab(at, "Their ratings").subheader] == [f"What user {default} has rated"]
    heads = [h.value for h in open_tab(at, "More like this title").subheader]
    assert heads[0].startswith("More like") and heads[1].startswith("Viewers who rated")
    assert len(at.get("plotly_chart")) == 2 and at.selectbox(key="rc_title")
    at = open_tab(at, "How good is it?")
    assert [h.value for h in at.subheader] == ["How good are these recommendations?"]
    assert any("Computed on test run" in c.value for c in at.caption) and not at.status  # shown at once
    assert small_evaluation["steps"] == [] and len(at.get("plotly_chart")) == 2
    assert [m.label for m in at.metric] == ["Love model accuracy", "Majority-class accuracy", "Love model ROC-AUC",
                                            "Test ratings"]


def test_user_picker_changes_history_and_top_10():
    at = run()
    data = cache.recommender_data(_src())
    first_top = table_titles(at, 0)
    first_history = open_tab(at, "Their ratings").dataframe[0].value
    other = int(data["users"].query("ratings >= 50 and user_id != @data['default_user']")["user_id"].iloc[0])
    at = at.selectbox(key="rc_user").set_value(other).run()
    assert not at.exception
    assert not at.dataframe[0].value.equals(first_history)
    at = open_tab(at, "For this viewer")
    assert table_titles(at, 0) != first_top
    assert f"Top 10 for user {other}" in [h.value for h in at.subheader]


def test_blend_slider_extremes_change_the_list_without_errors():
    at = run()
    default_top = table_titles(at, 0)
    at = at.slider(key="rc_weight").set_value(0).run()
    collaborative = table_titles(at, 0)
    at = at.slider(key="rc_weight").set_value(100).run()
    assert not at.exception
    content = table_titles(at, 0)
    assert content != collaborative and default_top != content
    assert any("entered" in c.value and "Against the default 30%" in c.value for c in at.caption)
    assert any("100% content" in m.value for m in at.markdown)


def test_blend_survives_a_tab_switch():
    at = run()
    at = at.slider(key="rc_weight").set_value(80).run()
    top = table_titles(at, 0)
    at = open_tab(open_tab(at, "Their ratings"), "For this viewer")
    assert at.slider(key="rc_weight").value == 80 and table_titles(at, 0) == top


def test_title_picker_cold_start_title_has_content_neighbours_only():
    titles = cache.recommender_data(_src())["titles"]
    cold = titles.loc[titles["ratings"] == 0, "title_id"].iloc[0]
    at = run(rc_tab="More like this title")
    before = at.dataframe[0].value
    at = at.selectbox(key="rc_title").set_value(cold).run()
    assert not at.exception
    assert not at.dataframe[0].value.equals(before)
    assert at.dataframe[1].value.empty  # no rating-based neighbours
    assert any("cold-start" in m.value or "cold start" in m.value for m in at.markdown)


def test_new_viewer_gets_popular_titles_in_the_picked_genre():
    at = run()
    at = at.selectbox(key="rc_user").set_value(rp.NEW_USER).run()
    assert not at.exception
    assert "A new viewer: popular in the genres they pick" in [h.value for h in at.subheader]
    assert not any(h.value.startswith("Top 10") for h in at.subheader)
    overall = at.dataframe[0].value
    at = at.multiselect(key="rc_new_genres").select("Horror").run()
    horror = at.dataframe[0].value
    assert len(horror) == 10 and horror["genres"].str.contains("Horror").all() and not horror.equals(overall)


def test_every_genre_gives_a_new_viewer_titles_of_that_genre():
    at = run(user=str(rp.NEW_USER))
    for genre in cache.recommender_data(_src())["genres"]:
        at = at.multiselect(key="rc_new_genres").set_value([genre]).run()
        assert not at.exception, genre
        picks = at.dataframe[0].value
        assert 1 <= len(picks) <= 10 and picks["genres"].str.contains(genre, regex=False).all(), genre


def test_global_title_filters_do_not_change_the_page():
    at = run()
    before = table_titles(at, 0)
    at.session_state["flt_genres"] = ["Horror"]
    at.session_state["flt_min_votes"] = 10**6  # would empty every title-based page
    at = at.run()
    assert not at.exception and table_titles(at, 0) == before and not at.info[1:]


def test_unknown_ids_in_the_link_give_a_clear_message():
    at = run(user="999999", title="nope:1")
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("Unknown user in the link" in w for w in warnings)
    assert any("Unknown title in the link" in w for w in warnings)
    assert not any("999999" in w or "nope:1" in w for w in warnings)  # values from a link are never echoed
    assert at.selectbox(key="rc_user").value == cache.recommender_data(_src())["default_user"]


def test_link_opens_the_requested_user_title_and_tab():
    titles = cache.recommender_data(_src())["titles"]
    at = run(user="15", title=titles["title_id"].iloc[5], rc_tab="More like this title")
    assert not at.exception
    assert at.selectbox(key="rc_user").value == 15
    assert at.selectbox(key="rc_title").value == titles["title_id"].iloc[5]
    assert titles["title"].iloc[5] in at.subheader[0].value


def test_opening_the_evaluation_tab_computes_it_with_progress_and_stores_it(small_evaluation, small_report):
    at = run(rc_tab="How good is it?")
    assert not at.exception, [e.value for e in at.exception]
    assert small_evaluation["steps"] == list(rr.report_steps())  # every step, in order, without a click
    assert not at.button and at.status[0].state == "complete"
    assert at.status[0].label.startswith("Evaluation done in") and "stored" in at.status[0].label
    assert len(at.get("progress")) == 1
    assert any("Computed on test run" in c.value for c in at.caption)
    hybrid = small_report["rating"]["hybrid"]["rmse"]
    assert any(f"{hybrid:.4f}" in m.value for m in at.markdown)
    assert at.metric[0].value == f"{small_report['love']['accuracy']:.3f}" and at.metric[-1].label == "Test ratings"
    at = open_tab(at, "For this viewer").slider(key="rc_weight").set_value(80).run()
    at = open_tab(at, "How good is it?")  # the stored report: shown at once, nothing recomputed
    assert small_evaluation["steps"] == list(rr.report_steps()) and not at.status
    assert any("Computed on test run" in c.value for c in at.caption)

"""Usage analytics under AppTest: what page runs record (views, render times, filters, searches, widgets,
downloads) and what the Usage page shows from a store the test writes, with recording on, off, and a store
another process holds locked."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.usage import store
from tests.app import pagekit
from tests.unit.test_usage import lock_held

ROOT = Path(__file__).resolve().parents[2]
USAGE = ROOT / "pages" / "11_Usage.py"


@pytest.fixture()
def usage_db(tmp_path, monkeypatch) -> Path:
    """A store of this test's own; recording on."""
    path = tmp_path / "usage.duckdb"
    monkeypatch.setenv("MARQUEE_USAGE_DB", str(path))
    monkeypatch.delenv("MARQUEE_USAGE", raising=False)
    assert store.flush(10)  # events of earlier tests are written to their own stores first
    return path


def events(path: Path) -> list[tuple]:
    assert store.flush(10)
    with store.reading(path) as con:
        return [] if con is None else con.execute(
            "SELECT session, page, kind, name, value, ms FROM events ORDER BY ts, rowid").fetchall()


def usage_page(timeout: float = 60) -> AppTest:
    return AppTest.from_file(str(USAGE), default_timeout=timeout)


# ------------------------------------------------------------------ what page runs record
def test_page_runs_record_views_render_times_and_filter_changes(usage_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.sidebar.multiselect(key="w_flt_genres").set_value(["Animation"]).run()
    at.switch_page("pages/10_Data.py").run()
    pagekit.assert_ok(at)
    got = events(usage_db)
    kinds = [(page, kind, name, value) for _, page, kind, name, value, _ in got]
    assert kinds == [("Home", "view", "", ""), ("Home", "render", "ok", ""), ("Home", "filter", "genres", "Animation"),
                     ("Home", "render", "ok", ""), ("Data", "view", "", ""), ("Data", "render", "ok", "")]
    sessions = {s for s, *_ in got}
    assert len(sessions) == 1 and len(sessions.pop()) == 16  # one anonymous random id for the session
    assert all(r[5] > 0 for r in got if r[2] == "render")
    assert [r[5] for r in got if r[2] != "render"] == [None] * 3  # only render events carry a time


def test_a_second_session_gets_another_id(usage_db):
    for _ in range(2):
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert len({s for s, *_ in events(usage_db)}) == 2


def test_title_searches_and_widget_changes_are_recorded(usage_db):
    at = pagekit.open_page(ROOT / "pages" / "06_Head_to_Head.py", timeout=60)
    at.radio(key="hh_mode").set_value("title").run()
    picker = at.selectbox(key="hh_a_title")
    choice = picker.options[3]
    picker.set_value(choice).run()
    pagekit.assert_ok(at)
    recorded = [(kind, name, value) for _, page, kind, name, value, _ in events(usage_db) if kind != "render"]
    assert recorded == [("view", "", ""), ("widget", "hh_mode", ""), ("search", "hh_a_title", choice)]


def test_a_download_is_recorded_by_its_key(usage_db):
    write_store(usage_db)
    at = usage_page().run()
    at.get("download_button")[0].click().run()
    pagekit.assert_ok(at)
    exports = [(page, name) for _, page, kind, name, _, _ in events(usage_db) if kind == "export"]
    assert exports == [("Usage", "us_views_dl")]


def test_recording_off_records_nothing_and_the_page_says_so(usage_db, monkeypatch):
    monkeypatch.setenv("MARQUEE_USAGE", "off")
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at = usage_page().run()
    pagekit.assert_ok(at)
    assert not usage_db.exists()
    assert any("Recording is off" in i.value for i in at.info)
    assert any("No usage recorded" in i.value for i in at.info)  # the empty state, not an error


def test_a_locked_store_never_breaks_a_page(usage_db):
    write_store(usage_db)
    with lock_held(usage_db):
        before = store.dropped()["locked"]
        home = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        pagekit.assert_ok(home)
        assert home.metric, "the page rendered in full"
        assert store.flush(10) and store.dropped()["locked"] >= before + 2  # its view and render time, dropped
        at = usage_page().run()
        pagekit.assert_ok(at)
        assert any("usage store is busy" in e.value for e in at.error)
    at = usage_page().run()  # released: the figures are back, the drops are reported
    pagekit.assert_ok(at)
    assert any("store locked by another process" in w.value for w in at.warning)
    assert pagekit.metrics(at)["Page views"] != "0"


# ------------------------------------------------------------------ the page's figures from a store the test writes
def write_store(path: Path) -> None:
    """Three sessions in the last two days and one 40 days ago."""
    now = datetime.utcnow()
    rows = []

    def ev(session, minutes, page, kind, name="", value="", ms=None):
        rows.append((now - timedelta(minutes=minutes), session, page, kind, name, value, ms))

    ev("a", 130, "Home", "view")
    ev("a", 129, "Home", "render", "ok", "", 400)
    ev("a", 128, "Home", "filter", "genres", "Drama,Comedy")
    ev("a", 127, "Churn", "view")
    ev("a", 126, "Churn", "render", "ok", "", 3200)
    ev("a", 120, "Home", "view")
    ev("b", 30, "Home", "view")
    ev("b", 29, "Home", "filter", "genres", "Drama")
    ev("b", 27, "Head-to-Head", "view")
    ev("b", 26, "Head-to-Head", "search", "hh_a_title", "Godfather, The (1972)")
    ev("b", 25, "Head-to-Head", "render", "ok", "", 900)
    ev("c", 5, "Data", "view")
    ev("old", 40 * 24 * 60, "Integrity", "view")
    store.write(path, rows, 1000)


@pytest.fixture()
def shown_store(usage_db, monkeypatch) -> Path:
    """A written store, read with recording off (the page's own runs add nothing to what it shows)."""
    monkeypatch.setenv("MARQUEE_USAGE", "off")
    write_store(usage_db)
    return usage_db


def open_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state["us_tab"] = tab
    return at.run()


def test_the_headline_figures(shown_store):
    at = usage_page().run()
    pagekit.assert_ok(at)
    assert pagekit.metrics(at) == {"Sessions": "3", "Page views": "6", "Median session length": "5 min 00 s",
                                   "Events": "12"}
    text = pagekit.text(at)
    assert "over 3 sessions; 33% of them saw one page only" in text
    assert "What is recorded" in at.expander[0].label and "Never recorded" in at.expander[0].markdown[0].value


def test_the_period_selector_brings_older_sessions_in(shown_store):
    at = usage_page().run()
    at.get("button_group")[0].set_value(0).run()
    pagekit.assert_ok(at)
    assert pagekit.metrics(at)["Sessions"] == "4"


def test_the_pages_tab(shown_store):
    at = usage_page().run()
    text = pagekit.text(at)
    assert "**Home** draws 50% of page views (3 of 6), seen in 2 sessions." in text
    assert "Not opened in this period:" in text and "Integrity" in text.split("Not opened in this period:")[1]
    assert len(at.get("plotly_chart")) == 2
    assert sum(":material/help:" in c.value for c in at.caption) == 2  # each chart says how to read it


def test_the_flow_tab(shown_store):
    at = open_tab(usage_page().run(), "Flow")
    pagekit.assert_ok(at)
    text = pagekit.text(at)
    assert "Most common move: **Churn → Home** (1 time, 33% of moves between pages)." in text
    assert "67% of sessions start on **Home**" in text
    assert len(at.get("plotly_chart")) == 1


def test_the_filters_and_searches_tab(shown_store):
    at = open_tab(usage_page().run(), "Filters and searches")
    pagekit.assert_ok(at)
    text = pagekit.text(at)
    assert "**genres** is the most changed filter: 100% of 2 filter changes." in text
    assert "The most picked value is **Drama** (genres, 2 times)." in text
    assert "Most searched: **Godfather, The (1972)** (1 time in 1 session)." in text
    terms = at.dataframe[1].value
    assert terms["term"].tolist() == ["Godfather, The (1972)"]


def test_the_speed_tab(shown_store):
    at = open_tab(usage_page().run(), "Speed")
    pagekit.assert_ok(at)
    text = pagekit.text(at)
    assert "Slowest at p95: **Churn**, 3.20 s" in text and "1 of 3 pages take over 2 s at p95." in text
    table = at.dataframe[0].value
    assert table["Page"].tolist() == ["Churn", "Head-to-Head", "Home"]
    assert table["p50 (s)"].tolist() == [3.2, 0.9, 0.4]


def test_an_empty_store_shows_the_empty_state(usage_db, monkeypatch):
    monkeypatch.setenv("MARQUEE_USAGE", "off")
    at = usage_page().run()
    pagekit.assert_ok(at)
    assert any("No usage recorded" in i.value for i in at.info) and not at.metric


def test_a_damaged_store_is_reported_not_raised(usage_db, monkeypatch):
    monkeypatch.setenv("MARQUEE_USAGE", "off")
    usage_db.write_bytes(b"garbage" * 200)
    at = usage_page().run()
    pagekit.assert_ok(at)
    assert any("damaged" in e.value for e in at.error)

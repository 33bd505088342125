"""The Data page: inventory, derivations and validation, and the TMDB panel against a fake TMDB server."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fake_tmdb import FakeTmdb

PAGE = Path(__file__).resolve().parents[2] / "pages" / "10_Data.py"
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture()
def fake(tmp_path, monkeypatch):
    with FakeTmdb(api_key=KEY, titles_per_list=200) as server:
        monkeypatch.setenv("TMDB_BASE_URL", server.base_url)
        monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
        monkeypatch.setenv("TMDB_RPS", "500")
        monkeypatch.setenv("TMDB_MAX_RETRIES", "1")
        monkeypatch.delenv("TMDB_API_KEY", raising=False)
        monkeypatch.delenv("TMDB_BEARER_TOKEN", raising=False)
        yield server


def _run_form(at: AppTest, secret: str, target: int = 60) -> AppTest:
    at.text_input(key="dt_secret").input(secret)
    at.number_input(key="dt_target").set_value(target)
    next(b for b in at.button if b.label == "Run").click()  # the form's submit button
    return at.run()


def _messages(at: AppTest) -> str:
    return " ".join(m.value for m in [*at.success, *at.warning, *at.error])


def test_page_shows_every_embedded_table_and_the_validation_findings():
    from core.data import embedded

    data = embedded.load()
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not at.exception
    inventory = at.dataframe[0].value
    rows = inventory[inventory["source"] == "Embedded"].set_index("table")["rows"].to_dict()
    assert rows == {"titles": len(data.titles), "ratings": len(data.ratings), "subscribers": len(data.subscribers),
                    "episodes": len(data.episodes)}
    problems = next(df.value for df in at.dataframe if {"field", "rows"} <= set(df.value.columns))
    assert "viewers_28day" in set(problems["field"])
    derivations = at.table[0].value
    assert {"popularity", "engagement_score"} <= set(derivations.index)


def test_sync_with_a_good_key_reports_titles_and_shows_them_cached(fake):
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), KEY)
    assert not at.exception
    assert at.success and "Synced" in at.success[0].value, _messages(at)
    assert KEY not in _messages(at) + " ".join(c.value for c in at.caption)
    at.run()
    inventory = at.dataframe[0].value
    assert inventory.loc[inventory["source"] == "Live TMDB", "rows"].iloc[0] >= 60


def test_wrong_key_gives_a_401_message_not_a_traceback(fake):
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), "e" * 32)
    assert not at.exception
    assert at.error and "401" in at.error[0].value and "e" * 32 not in at.error[0].value


def test_malformed_key_is_refused_before_any_request(fake):
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), "my key")
    assert not at.exception and at.error and "spaces" in at.error[0].value
    assert fake.counters.get("requests", 0) == 0


def test_a_server_that_keeps_failing_a_page_gives_a_partial_warning(fake):
    fake.broken.add(("/movie/popular", 1))
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), KEY)
    assert not at.exception
    assert at.warning and "Partial" in at.warning[0].value
    assert any("/movie/popular" in str(df.value.to_dict()) for df in at.dataframe)
    inventory = at.dataframe[0].value
    as_of = inventory.loc[inventory["source"] == "Live TMDB", "data as of"].iloc[0]
    assert "no complete sync yet" in as_of and "1 list pages" in as_of  # partial is not shown as fresh


def test_clear_empties_the_cache(fake):
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), KEY)
    at.button(key="dt_clear").click().run()
    assert not at.exception
    assert "empty" in at.success[0].value
    inventory = at.dataframe[0].value
    assert inventory.loc[inventory["source"] == "Live TMDB", "rows"].iloc[0] == 0


def test_a_key_entered_once_is_kept_for_the_session_and_can_be_forgotten(fake):
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), KEY)
    assert at.success and "Synced" in at.success[0].value, _messages(at)
    assert any("entered this session" in c.value for c in at.caption)
    before = fake.counters.get("requests", 0)
    first = at.success[0].value
    at = _run_form(at, "", target=400)  # no key typed: the session's key is used
    assert not at.exception
    assert at.success and "Synced" in at.success[0].value and at.success[0].value != first, _messages(at)
    assert fake.counters.get("requests", 0) > before
    at.button(key="dt_forget_key").click().run()
    assert not any("entered this session" in c.value for c in at.caption)
    at = _run_form(at, "")
    assert at.error and "Enter a TMDB key" in at.error[0].value


def test_a_rejected_key_is_not_kept(fake):
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), "e" * 32)
    assert at.error and "401" in at.error[0].value
    assert "dt_session_credentials" not in at.session_state
    assert not any("entered this session" in c.value for c in at.caption)


def test_an_unreachable_server_gives_a_clear_message(tmp_path, monkeypatch):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("TMDB_BASE_URL", f"http://127.0.0.1:{port}/3")
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TMDB_MAX_RETRIES", "0")
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), KEY)
    assert not at.exception
    assert at.error and "Could not reach TMDB" in at.error[0].value and KEY not in at.error[0].value


def test_a_sync_from_outside_the_app_reaches_the_pages(fake, tmp_path):
    """A command-line sync writes the same store: the next page run drops the stale cached frames."""
    from core.data import cache
    from core.tmdb import service as datasync

    home = Path(__file__).resolve().parents[2] / "app.py"
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), KEY, target=40)
    assert at.success, _messages(at)
    app = AppTest.from_file(str(home), default_timeout=60)
    app.session_state["flt_source"] = "tmdb"
    app.run()
    first = app.metric[0].value
    outcome = datasync.run_sync(datasync.parse_secret(KEY)[0], cache.tmdb_store_path(), 200)  # as the CLI does
    assert outcome.ok, outcome.message
    cache.tmdb_status.clear()  # what its 30 s expiry does in a running app
    app.run()
    assert not app.exception
    assert int(app.metric[0].value.replace(",", "")) > int(first.replace(",", ""))


def test_the_contract_and_a_file_loaded_from_the_shell_are_listed(tmp_path, monkeypatch):
    import streamlit as st

    from core.data import contract, ingest

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    st.cache_data.clear()
    raw = b"title_id,title,kind\nt1,Alpha,movie\nt2,Beta,series\n"
    done = ingest.ingest("mine.csv", raw, "titles", "My catalogue")
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not at.exception
    tables = {tuple(df.value.columns): df.value for df in at.dataframe}
    listed = next(df for cols, df in tables.items() if "required" in cols)
    assert set(listed["table"]) == set(contract.TABLES)
    assert listed.set_index("table").loc["ratings", "required"] == ", ".join(contract.TABLES["ratings"].required)
    loaded = next(df for cols, df in tables.items() if "loaded" in cols)
    row = loaded.set_index("table").loc["titles"]
    assert row["source"] == "my_catalogue" and row["rows"] == len(done.validation.accepted) == 1
    st.cache_data.clear()

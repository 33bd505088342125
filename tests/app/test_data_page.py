"""The Data page: inventory, derivations and validation, and the TMDB panel against a fake TMDB server."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fake_tmdb import FakeTmdb

PAGE = Path(__file__).resolve().parents[2] / "pages" / "9_Data.py"
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
    at.button[0].click()  # the form's submit button is the page's first button
    return at.run()


def _messages(at: AppTest) -> str:
    return " ".join(m.value for m in [*at.success, *at.warning, *at.error])


def test_page_shows_every_embedded_table_and_the_validation_findings():
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not at.exception
    inventory = at.dataframe[0].value
    assert set(inventory["table"]) >= {"titles", "ratings", "subscribers", "episodes"}
    assert inventory.loc[inventory["table"] == "ratings", "rows"].iloc[0] == 100_004
    problems = at.dataframe[2].value
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


def test_clear_empties_the_cache(fake):
    at = _run_form(AppTest.from_file(str(PAGE), default_timeout=60).run(), KEY)
    at.button(key="dt_clear").click().run()
    assert not at.exception
    assert "empty" in at.success[0].value
    inventory = at.dataframe[0].value
    assert inventory.loc[inventory["source"] == "Live TMDB", "rows"].iloc[0] == 0

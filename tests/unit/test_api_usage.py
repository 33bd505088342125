"""``/api/v1/usage`` through FastAPI's TestClient: the Usage page's figures from the same cached function, on a
store the test writes; 401 without the token, 422 for a bad period, 503 for a store another process holds."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from core.usage import cache as usage_cache
from core.usage import store
from tests.app.test_usage_page import write_store
from tests.unit.test_api import TOKEN, V1, get
from tests.unit.test_usage import lock_held


@pytest.fixture()
def api(app, tmp_path, monkeypatch):
    path = tmp_path / "usage.duckdb"
    monkeypatch.setenv("MARQUEE_USAGE_DB", str(path))
    monkeypatch.setenv("MARQUEE_USAGE", "off")
    write_store(path)
    client = TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})
    client.store_path = path
    return client


def test_usage_figures_are_the_pages(api):
    body = get(api, "/usage")
    figs = usage_cache.usage_figures(str(api.store_path), 30, store.stamp(api.store_path))
    assert body["recording"] is False and body["days"] == 30
    assert (body["sessions"], body["page_views"], body["events"]) == (3, 6, 12)
    assert body["median_session_seconds"] == pytest.approx(300) == figs["median_session_s"]
    assert body["views_by_page"][0] == {"page": "Home", "views": 3, "sessions": 2}
    assert {"from_page": "(start)", "to_page": "Home", "moves": 2} in body["flow"]
    assert body["searches"] == [{"term": "Godfather, The (1972)", "searches": 1, "sessions": 1}]
    assert [r["page"] for r in body["render"]] == ["Churn", "Head-to-Head", "Home"]
    assert body["render"][0]["p95_ms"] == pytest.approx(3200)
    assert body["insights"] == figs["insights"]
    assert sum(d["views"] for d in body["views_by_day"]) == 6


def test_all_time_brings_the_older_session_in(api):
    assert get(api, "/usage", days=0)["sessions"] == 4


def test_an_empty_store_answers_with_empty_figures(api, tmp_path, monkeypatch):
    monkeypatch.setenv("MARQUEE_USAGE_DB", str(tmp_path / "none" / "usage.duckdb"))
    body = get(api, "/usage")
    assert body["events"] == 0 and body["views_by_page"] == [] and body["first"] is None


def test_usage_needs_the_token(app, api):
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = TestClient(app).get(f"{V1}/usage", headers=headers)
        assert response.status_code == 401 and TOKEN not in response.text


def test_a_bad_period_is_a_422_naming_it(api):
    body = get(api, "/usage", status=422, days=-1)
    assert [e["field"] for e in body["errors"]] == ["days"]


def test_a_locked_store_is_a_503_without_internals(api):
    with lock_held(api.store_path):
        body = get(api, "/usage", status=503, days=7)
    assert body == {"detail": "The usage store cannot be read now (locked)."}

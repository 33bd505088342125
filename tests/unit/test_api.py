"""The JSON API through FastAPI's TestClient: every endpoint's answer, 401, 404 and 422, the plain 500, the docs.

Parameters are the pages' defaults on the embedded data, so the models the pages persist in the local cache are
read, not retrained (a machine's first run trains them once, as the pages do).
"""
from __future__ import annotations

import logging
import secrets

import pytest
from starlette.testclient import TestClient

TOKEN = f"test-{secrets.token_hex(12)}"
V1 = "/api/v1"
#: One valid call of every protected route: (method, path, params, json body).
CALLS = [
    ("GET", "/sources", {}, None),
    ("GET", "/titles", {"q": "godfather"}, None),
    ("GET", "/titles/gm:46269", {}, None),
    ("GET", "/genres", {}, None),
    ("GET", "/opportunities/saturation", {}, None),
    ("GET", "/opportunities/concentration", {}, None),
    ("GET", "/opportunities/release-windows", {}, None),
    ("POST", "/copilot/predictions", {}, {"genres": ["Drama"]}),
    ("GET", "/head-to-head", {"a": "Drama", "b": "Comedy"}, None),
    ("GET", "/forecasts", {}, None),
    ("GET", "/forecasts/Drama", {}, None),
    ("GET", "/churn/drivers", {}, None),
    ("GET", "/churn/at-risk", {}, None),
    ("GET", "/churn/subscribers/5475", {}, None),
    ("POST", "/churn/scores", {}, {"subscribers": [{"tenure": 3}]}),
    ("GET", "/recommendations/users/1", {}, None),
    ("GET", "/recommendations/popular", {}, None),
    ("GET", "/recommendations/titles/gm:18642/neighbours", {}, None),
    ("GET", "/integrity/raters", {}, None),
    ("GET", "/integrity/titles", {}, None),
    ("GET", "/integrity/reviews", {}, None),  # its answers: tests/unit/test_api_reviews.py
    ("GET", "/usage", {}, None),  # its answers: tests/unit/test_api_usage.py
]


@pytest.fixture(scope="module")
def api(app):
    return TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})


def get(api, path: str, status: int = 200, **params) -> dict:
    response = api.get(V1 + path, params=params)
    assert response.status_code == status, response.text
    return response.json()


def post(api, path: str, body: dict, status: int = 200) -> dict:
    response = api.post(V1 + path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def bad_fields(body: dict) -> set[str]:
    assert body["detail"].startswith("Invalid request")
    return {e["field"] for e in body["errors"]}


# ------------------------------------------------------------------ auth, errors, docs
def test_health_is_open(app):
    response = TestClient(app).get(f"{V1}/health")
    assert response.status_code == 200 and response.json() == {"status": "ok", "api": "v1"}


@pytest.mark.parametrize("method, path, params, body", CALLS, ids=[c[1] for c in CALLS])
def test_every_route_refuses_a_missing_or_wrong_token(app, method, path, params, body):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {TOKEN}"}):
        response = TestClient(app).request(method, V1 + path, params=params, json=body, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json() == {"detail": "Missing or wrong bearer token."}
        assert response.headers["www-authenticate"] == "Bearer"


def test_the_route_list_is_the_one_tested(app):
    paths = app.openapi()["paths"]
    documented = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    tested = {(m, V1 + p.replace("gm:46269", "{title_id}").replace("gm:18642", "{title_id}")
               .replace("5475", "{subscriber_id}").replace("/users/1", "/users/{user_id}")
               .replace("/forecasts/Drama", "/forecasts/{genre}")) for m, p, _, _ in CALLS}
    assert documented == tested | {("GET", f"{V1}/health")}


def test_without_a_token_only_local_clients_are_served(app, monkeypatch):
    monkeypatch.delenv("MARQUEE_API_TOKEN")
    remote = TestClient(app).get(f"{V1}/titles", params={"limit": 1})
    assert remote.status_code == 403 and "only local clients" in remote.json()["detail"]
    local = TestClient(app, client=("127.0.0.1", 50000)).get(f"{V1}/titles", params={"limit": 1})
    assert local.status_code == 200 and len(local.json()["items"]) == 1


def test_the_token_comes_from_the_secrets_over_the_environment(monkeypatch):
    import streamlit

    from core.api.auth import configured_token

    monkeypatch.setenv("MARQUEE_API_TOKEN", "from-env")
    assert configured_token() == "from-env"  # no secrets file here: st.secrets raises, the environment stands
    monkeypatch.setattr(streamlit, "secrets", {"MARQUEE_API_TOKEN": "from-secrets"})
    assert configured_token() == "from-secrets"


def test_the_token_is_never_logged_or_echoed(app, api, caplog):
    with caplog.at_level(logging.DEBUG):
        wrong = TestClient(app).get(f"{V1}/titles", headers={"Authorization": f"Bearer {TOKEN}x"})
        right = api.get(f"{V1}/titles", params={"q": "godfather"})
    assert wrong.status_code == 401 and right.status_code == 200
    assert TOKEN not in caplog.text and TOKEN not in wrong.text + right.text


def test_an_internal_error_is_a_plain_500_without_internals(app, monkeypatch):
    from core.explore import cache as explore_cache

    def broken(flt):
        raise RuntimeError("secret internals at /srv/marquee/core/explore/cache.py")

    monkeypatch.setattr(explore_cache, "universe_overview", broken)
    response = TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {TOKEN}"}).get(
        f"{V1}/genres")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal error: the request could not be served."}
    assert "secret" not in response.text and "Traceback" not in response.text


def test_unknown_routes_are_plain_json_404(api):
    assert get(api, "/nowhere", 404) == {"detail": "Not Found"}


def test_the_openapi_document_and_docs_page(api):
    doc = get(api, "/openapi.json")
    assert doc["info"]["title"] == "Marquee API" and "bearer" in str(doc["components"]["securitySchemes"]).lower()
    assert {"source", "media", "genres", "years", "min_votes", "limit", "offset"} <= {
        p["name"] for p in doc["paths"][f"{V1}/genres"]["get"]["parameters"]}
    page = api.get(f"{V1}/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()


# ------------------------------------------------------------------ filters and pagination
def test_filters_default_as_the_sidebar_and_carry_the_data_version(api):
    from core.data import cache as data_cache

    flt = get(api, "/genres")["filters"]
    assert flt == {"source": "embedded", "media": ["movie"], "genres": [], "years": [1970, 2005], "min_votes": 100,
                   "version": data_cache.source_version("embedded")}


def test_years_are_clamped_to_the_source_like_the_slider(api):
    assert get(api, "/genres", years="1980-1800")["filters"]["years"] == [1893, 1980]


@pytest.mark.parametrize("params, field", [
    ({"years": "abc"}, "years"), ({"years": "1700-1800"}, "years"), ({"min_votes": "many"}, "min_votes"),
    ({"source": "Bogus!"}, "source"), ({"source": "syn:nowhere"}, "source"), ({"genres": "Drama,Nope"}, "genres"),
    ({"media": "tv"}, "media"), ({"media": "film"}, "media"), ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"),
    ({"offset": "-1"}, "offset")])
def test_a_bad_filter_or_page_parameter_is_a_422_naming_it(api, params, field):
    assert bad_fields(get(api, "/genres", 422, **params)) == {field}


def test_the_genre_filter_narrows_the_view(api):
    everything, animation = get(api, "/genres")["headline"], get(api, "/genres", genres="Animation")
    assert animation["filters"]["genres"] == ["Animation"]
    assert 0 < animation["headline"]["titles"] < everything["titles"]


def test_filters_that_leave_too_few_titles_are_a_422(api):
    assert bad_fields(get(api, "/opportunities/saturation", 422, min_votes="1000000")) == {"filters"}


# ------------------------------------------------------------------ sources, titles, genres
def test_sources_list_the_embedded_source_with_its_freshness(api):
    from core.data import cache as data_cache

    embedded = next(s for s in get(api, "/sources")["sources"] if s["source"] == "embedded")
    assert embedded["version"] == data_cache.source_version("embedded")
    assert embedded["titles"] > 50_000 and "Drama" in embedded["genres"] and embedded["fetched_at"]
    assert embedded["ratings"] > 0 and embedded["subscribers"] > 0 and "Embedded" in embedded["note"]


def test_title_search_matches_any_case_best_engagement_first(api):
    found = get(api, "/titles", q="GodFather")
    names = [t["title"] for t in found["items"]]
    assert names and all("godfather" in n.lower() for n in names) and found["page"]["total"] == len(names)
    scores = [t["engagement_score"] for t in found["items"]]
    assert scores == sorted(scores, reverse=True)
    second = get(api, "/titles", q="GodFather", limit=1, offset=1)
    assert [t["title_id"] for t in second["items"]] == [found["items"][1]["title_id"]]


def test_one_title_with_its_vote_shares(api):
    title = get(api, "/titles/gm:46269")["title"]
    assert title["title"] == "Shawshank Redemption, The" and title["year"] == 1994 and title["hit"] is True
    assert sorted(title["vote_shares"]) == sorted(f"r{i}" for i in range(1, 11))


def test_an_unknown_title_or_one_outside_the_filters_is_a_404(api):
    assert "No title" in get(api, "/titles/gm:nope", 404)["detail"]
    assert get(api, "/titles/gm:46269", 404, years="1950-1960")["detail"]


def test_genre_stats_shares_add_up(api):
    body = get(api, "/genres", limit=500)
    assert body["page"]["total"] == len(body["items"]) == body["headline"]["genres"]
    assert sum(g["title_share"] for g in body["items"]) == pytest.approx(1.0)
    assert len(get(api, "/genres", limit=2, offset=1)["items"]) == 2


# ------------------------------------------------------------------ opportunities
def test_saturation_index_is_supply_share_over_hit_share(api):
    items = get(api, "/opportunities/saturation", limit=500)["items"]
    for row in items:
        assert row["saturation_index"] == pytest.approx(row["title_share"] / row["hit_share"])


def test_concentration_curve_rises_to_everything(api):
    votes = get(api, "/opportunities/concentration", measure="vote_count")
    shares = [p["value_share"] for p in votes["curve"]]
    assert shares == sorted(shares) and shares[-1] == pytest.approx(1.0)
    engagement = get(api, "/opportunities/concentration")
    assert votes["titles_for_80"] < engagement["titles_for_80"]  # votes are far more concentrated
    assert bad_fields(get(api, "/opportunities/concentration", 422, measure="budget")) == {"measure"}


def test_release_windows_default_to_the_first_basis(api):
    body = get(api, "/opportunities/release-windows", limit=500)
    assert body["basis"] == body["bases"][0] and {c["period"] for c in body["items"]}
    other = get(api, "/opportunities/release-windows", basis=body["bases"][-1])
    assert other["basis"] == body["bases"][-1]
    assert bad_fields(get(api, "/opportunities/release-windows", 422, basis="weekday")) == {"basis"}


# ------------------------------------------------------------------ copilot
def test_copilot_predicts_a_posted_concept(api):
    body = post(api, "/copilot/predictions", {"title": "Night Shift", "genres": ["Drama"], "budget_level": 7})
    assert body["title"] == "Night Shift" and body["risk"] in ("Low", "Medium", "High")
    assert 0 <= body["hit_probability"] <= 1 and body["popularity"] > 0 and body["reasons"]
    assert [p["budget_level"] for p in body["budget_curve"]] == list(range(1, 11))
    assert [p["budget_level"] for p in body["budget_curve"] if p["selected"]] == [7]
    chosen = next(p for p in body["budget_curve"] if p["selected"])
    assert chosen["hit_probability"] == pytest.approx(body["hit_probability"])
    assert body["benchmarks"] and body["segment"]["name"] and body["quality"]["trained_on"] > 0


@pytest.mark.parametrize("concept, field", [
    ({"genres": ["Nope"]}, "genres"), ({"genres": []}, "genres"), ({"genres": ["Drama"], "budget_level": 11},
                                                                  "budget_level"),
    ({"genres": ["Drama"], "runtime": 5}, "runtime"), ({"genres": ["Drama"], "media_type": "tv"}, "media_type"),
    ({"genres": ["Drama"], "cast": "stars"}, "cast")])
def test_a_bad_concept_is_a_422_naming_the_field(api, concept, field):
    assert bad_fields(post(api, "/copilot/predictions", concept, 422)) == {field}


# ------------------------------------------------------------------ head-to-head
def test_head_to_head_of_two_genres(api):
    body = get(api, "/head-to-head", a="Drama", b="Comedy")
    scored = [m for m in body["metrics"] if m["kind"] != "info"]
    verdict = body["verdict"]
    assert verdict["wins_a"] + verdict["wins_b"] + verdict["ties"] == len(scored)
    assert {p["name"] for p in body["trend"]} == {"Drama", "Comedy"}


def test_head_to_head_of_two_titles_by_id(api):
    body = get(api, "/head-to-head", mode="title", a="gm:46269", b="gm:18642")
    assert body["a"] == "Shawshank Redemption, The (1994)" and body["b"] == "Forrest Gump (1994)"
    assert any(m["metric"] == "Rating" for m in body["metrics"])


def test_head_to_head_errors(api):
    assert get(api, "/head-to-head", 404, a="Drama", b="Nope")["detail"]
    assert get(api, "/head-to-head", 404, mode="title", a="gm:46269", b="gm:nope")["detail"]
    assert bad_fields(get(api, "/head-to-head", 422, a="Drama", b="Drama")) == {"b"}
    assert bad_fields(get(api, "/head-to-head", 422, a="Drama")) == {"b"}
    assert bad_fields(get(api, "/head-to-head", 422, a="Drama", b="Comedy", mode="decade")) == {"mode"}


# ------------------------------------------------------------------ forecasts
def test_forecasts_per_genre(api):
    body = get(api, "/forecasts")
    genres = [g["genre"] for g in body["items"]]
    assert genres and body["measure"] == "ratings" and body["data_through"]
    one = get(api, f"/forecasts/{genres[0]}")
    assert one["reason"] is None and one["best"] and one["history"]
    for model in one["forecasts"]:
        assert len(model["points"]) == 12
        assert all(p["yhat_lower"] <= p["yhat"] <= p["yhat_upper"] for p in model["points"])
        assert model["points"][0]["ds"] > one["history"][-1]["ds"]
    assert {b["model"] for b in one["backtest"]} == {m["model"] for m in one["forecasts"]}
    assert get(api, "/forecasts/Nope", 404)["detail"]


# ------------------------------------------------------------------ churn
def test_churn_drivers_rank_the_model_inputs(api):
    from models.churn import FEATURES

    body = get(api, "/churn/drivers")
    importance = [d["importance"] for d in body["items"]]
    assert body["subscribers"] == "embedded Telco" and importance == sorted(importance, reverse=True)
    assert {d["feature"] for d in body["items"]} <= set(FEATURES) and body["roc_auc"] > 0.5


def test_churn_at_risk_pages_through_the_ranking(api):
    first = get(api, "/churn/at-risk", limit=4)
    probs = [s["churn_probability"] for s in first["items"]]
    assert probs == sorted(probs, reverse=True) and first["page"]["total"] == 500
    later = get(api, "/churn/at-risk", limit=2, offset=2)
    assert [s["subscriber"] for s in later["items"]] == [s["subscriber"] for s in first["items"][2:]]
    strict = get(api, "/churn/at-risk", threshold=0.8, limit=1)
    assert strict["threshold"] == 0.8 and strict["flagged"] < first["flagged"]
    assert bad_fields(get(api, "/churn/at-risk", 422, threshold=2)) == {"threshold"}


def test_churn_explains_one_subscriber(api):
    top = get(api, "/churn/at-risk", limit=1)["items"][0]
    body = get(api, f"/churn/subscribers/{top['subscriber']}")
    assert body["probability"] == pytest.approx(top["churn_probability"], abs=0.001)
    assert body["factors"][0]["feature"] and body["band"] == top["risk"]
    assert get(api, "/churn/subscribers/99999999", 404)["detail"]
    assert bad_fields(get(api, "/churn/subscribers/abc", 422)) == {"subscriber_id"}


def test_churn_scores_posted_subscribers(api):
    risky = {"tenure": 1, "contract": "Month-to-month", "internet_service": "Fiber optic"}
    loyal = {"tenure": 70, "contract": "Two year", "payment_method": "Credit card (automatic)"}
    body = post(api, "/churn/scores", {"subscribers": [risky, loyal]})
    assert len(body["items"]) == 2 and body["items"][0]["probability"] > body["items"][1]["probability"]
    assert {f["feature"] for f in body["items"][0]["factors"]} >= {"tenure", "contract"}


@pytest.mark.parametrize("subscribers, field", [
    ([{"internet_service": "No", "streaming_tv": "Yes"}], "subscribers.0"),
    ([{}, {"contract": "Weekly"}], "subscribers.1.contract"), ([{"tenure": 500}], "subscribers.0.tenure"),
    ([{"shoe_size": 9}], "subscribers.0.shoe_size"), ([], "subscribers")])
def test_a_bad_subscriber_is_a_422_naming_the_field(api, subscribers, field):
    assert bad_fields(post(api, "/churn/scores", {"subscribers": subscribers}, 422)) == {field}


# ------------------------------------------------------------------ recommendations
def test_recommendations_for_a_user(api):
    body = get(api, "/recommendations/users/1", content_weight=0.2)
    assert [r["rank"] for r in body["items"]] == list(range(1, 11)) and body["content_weight"] == 0.2
    assert body["ratings"]["source"] == "embedded" and body["insights"]
    assert get(api, "/recommendations/users/99999999", 404)["detail"]
    assert bad_fields(get(api, "/recommendations/users/1", 422, content_weight=2)) == {"content_weight"}


def test_popular_titles_for_a_new_viewer(api):
    body = get(api, "/recommendations/popular", genres="Comedy")
    assert body["items"] and all("Comedy" in t["genres"] for t in body["items"])
    assert bad_fields(get(api, "/recommendations/popular", 422, genres="Nope")) == {"genres"}


def test_neighbours_of_a_title(api):
    body = get(api, "/recommendations/titles/gm:18642/neighbours", user_id=1)
    assert body["title"] == "Forrest Gump" and body["user_id"] == 1
    assert body["content"] and "gm:18642" not in {t["title_id"] for t in body["content"] + body["collaborative"]}
    assert 0 <= body["love_probability"] <= 1
    assert get(api, "/recommendations/titles/gm:nope/neighbours", 404)["detail"]
    assert get(api, "/recommendations/titles/gm:18642/neighbours", 404, user_id=99999999)["detail"]
    assert bad_fields(get(api, "/recommendations/titles/gm:18642/neighbours", 422, user_id=-1)) == {"user_id"}


# ------------------------------------------------------------------ integrity
def test_integrity_flags_raters_most_unusual_first(api):
    body = get(api, "/integrity/raters", limit=500)
    scores = [r["score"] for r in body["items"]]
    assert scores == sorted(scores) and body["page"]["total"] == len(scores)
    assert len(scores) == pytest.approx(0.02 * body["raters"], abs=2)
    assert get(api, "/integrity/raters", contamination=0.1)["page"]["total"] > len(scores)
    assert bad_fields(get(api, "/integrity/raters", 422, contamination=0)) == {"contamination"}


def test_integrity_flags_titles_beyond_the_threshold(api):
    body = get(api, "/integrity/titles", limit=500)
    assert body["available"] and all(abs(t["gap_score"]) >= 3 for t in body["items"])
    assert get(api, "/integrity/titles", threshold=5)["page"]["total"] < body["page"]["total"]
    assert bad_fields(get(api, "/integrity/titles", 422, threshold=10)) == {"threshold"}

"""Behaviour of the decision pages: Investment Copilot (what-if fragment, new-title form) and Head-to-Head.

Pages are opened the way the multipage app runs them: ``app.py`` is the entry point and the test switches to
the page (a page file run as the entry point cannot resolve the sidebar's ``st.page_link("app.py")``). The
fitted copilot models are cached in-process, so only the first test pays for training.
"""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
COPILOT = ROOT / "pages" / "04_Investment_Copilot.py"
H2H = ROOT / "pages" / "06_Head_to_Head.py"


def _open(page: Path, params: dict | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.switch_page(str(page.relative_to(ROOT))).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


# ------------------------------------------------------------------ Investment Copilot
def test_copilot_shows_honest_model_quality_and_training_size():
    at = _open(COPILOT)
    metrics = _metrics(at)
    deltas = {m.label: m.delta for m in at.metric}
    reg, clf = at.dataframe[0].value, at.dataframe[1].value  # the CV tables: the model, then its baselines
    assert metrics["Popularity R2 (CV)"] == f"{reg['r2'].iloc[0]:.2f}"
    assert metrics["Hit ROC-AUC (CV)"] == f"{clf['roc_auc'].iloc[0]:.2f}"
    # the models beat the genre baselines by a clear margin (the quality targets live in bench/, not here)
    assert float(deltas["Popularity R2 (CV)"].split()[0]) >= 0.05 and reg["r2"].iloc[0] > reg["r2"][1:].max()
    assert float(deltas["Hit ROC-AUC (CV)"].split()[0]) >= 0.05 and clf["roc_auc"].iloc[0] > clf["roc_auc"][1:].max()
    assert any("titles in view with a known budget" in c.value for c in at.caption)
    assert any("Release quarter is disabled" in c.value for c in at.caption)  # embedded: years only
    assert metrics["Recommendation"] in ("Greenlight", "Consider", "Pass")


def test_budget_slider_changes_popularity_and_hit_probability():
    at = _open(COPILOT)
    at.slider(key="ic_budget").set_value(1).run()
    low = _metrics(at)
    at.slider(key="ic_budget").set_value(10).run()
    high = _metrics(at)
    assert not at.exception
    assert low["Predicted popularity"] != high["Predicted popularity"]
    assert low["Hit probability"] != high["Hit probability"]
    assert any(c.value.startswith("Scored in") and "no retraining" in c.value for c in at.caption)


def _outputs(at: AppTest) -> tuple:
    """What the what-if panel shows: its metrics and reasons (the first five metrics are the what-if's)."""
    m = _metrics(at)
    keys = ("Predicted popularity", "Popularity percentile in view", "Hit probability", "Risk", "Recommendation")
    return tuple(m[k] for k in keys) + tuple(md.value for md in at.markdown if md.value.startswith("- "))


def test_extreme_slider_values_do_not_crash():
    at = _open(COPILOT)
    runtime = at.slider(key="ic_runtime")
    outputs = {}
    for budget, minutes in ((1, runtime.min), (10, runtime.max)):
        at.slider(key="ic_budget").set_value(budget)
        at.slider(key="ic_runtime").set_value(minutes).run()
        assert not at.exception
        assert _metrics(at)["Risk"] in ("Low", "Medium", "High")
        outputs[budget] = _outputs(at)
    assert outputs[1][:3] != outputs[10][:3]  # popularity, its percentile and hit probability move
    assert outputs[1] != outputs[10]


def test_xgboost_radio_changes_outputs_and_names_the_model():
    at = _open(COPILOT)
    before, table = _outputs(at), at.dataframe[0].value
    assert table["model"].iloc[0] == "Gradient boosting (LightGBM)"
    at.radio(key="ic_booster").set_value("xgboost").run()
    assert not at.exception, [e.value for e in at.exception]
    xgb = at.dataframe[0].value
    assert xgb["model"].iloc[0] == "Gradient boosting (XGBoost)" and not at.warning  # chosen, not a fallback
    assert xgb["r2"].iloc[0] != table["r2"].iloc[0]  # its own cross-validation, not LightGBM's
    assert _metrics(at)["Popularity R2 (CV)"] == f"{xgb['r2'].iloc[0]:.2f}"  # the headline follows the model
    assert _outputs(at) != before and _outputs(at)[0] != before[0]


def test_copilot_compares_three_hit_models_and_reports_the_forest_calls():
    at = _open(COPILOT)
    compared, confusion, report = (at.dataframe[i].value for i in (2, 3, 4))
    assert list(compared["model"]) == ["Random Forest", "Logistic Regression", "XGBoost"]
    assert compared["roc_auc"].iloc[0] == at.dataframe[1].value["roc_auc"].iloc[0]
    titles = int(_metrics(at)["Folds / titles"].split(" / ")[1].replace(",", ""))
    assert confusion.iloc[:, 1:].to_numpy().sum() == titles  # every training title, called once out of fold
    assert list(report["class"])[:2] == ["not a hit", "hit"]
    shown = "\n".join(m.value for m in at.markdown)
    assert "Same 5 folds, ROC-AUC: " in shown and "of the actual hits (recall)" in shown


def test_cross_validation_tables_can_be_downloaded():
    at = _open(COPILOT)
    labels = [b.label for b in at.get("download_button")]
    assert "Download popularity CV table" in labels and "Download hit CV table" in labels


def test_quarter_and_content_type_inputs_are_enabled_only_where_the_source_has_them(tmdb_source):
    at = _open(COPILOT)
    assert at.selectbox(key="ic_quarter").disabled  # embedded: release years only
    at = _open(COPILOT, state={"flt_source": "tmdb"})
    quarter, media = at.selectbox(key="ic_quarter"), at.radio(key="ic_media")
    assert not quarter.disabled and not media.disabled and list(media.options) == ["movie", "tv"]
    seen = set()
    for q in (1, 2, 3, 4):
        at.selectbox(key="ic_quarter").set_value(q).run()
        assert not at.exception, q
        seen.add(_outputs(at)[:3])
    for m in media.options:
        at.radio(key="ic_media").set_value(m).run()
        assert not at.exception, m
        seen.add(_outputs(at)[:3])
    assert len(seen) > 1  # quarter and content type are model inputs there


def test_every_genre_option_runs():
    at = _open(COPILOT)
    seen = set()
    for genre in at.selectbox(key="ic_genre").options:
        at.selectbox(key="ic_genre").set_value(genre).run()
        assert not at.exception, genre
        seen.add((_metrics(at)["Predicted popularity"], _metrics(at)["Hit probability"]))
    assert len(seen) > 1  # the genre matters


def test_new_title_form_predicts_and_places_the_title_in_a_segment():
    at = _open(COPILOT)
    at.text_input(key="ic_new_title").input("Midnight Harbour")
    at.multiselect(key="ic_new_genres").set_value(["Drama", "Romance"])
    at.slider(key="ic_new_budget").set_value(8)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Midnight Harbour" in text and "Would join segment" in text
    caption = next(c.value for c in at.caption if c.value.startswith("Segment from the"))
    assert "nearest centre on attention alone, from the predicted popularity" in caption and "runtime" not in caption
    from models import segment

    assert segment.feature_list() in caption
    assert f"places it by {segment.FEATURE_LABELS['log_popularity']}" in text and "*predicted* popularity" in text


def test_copilot_empty_and_tiny_views_show_messages():
    at = _open(COPILOT, state={"flt_min_votes": 1_000_000})
    assert any("No titles match" in i.value for i in at.info)
    at = _open(COPILOT, state={"flt_min_votes": 100_000})
    assert any("known budget" in i.value and "at least" in i.value for i in at.info)
    assert not at.metric


# ------------------------------------------------------------------ Head-to-Head
def test_h2h_default_pair_is_the_two_largest_genres_and_goes_in_the_url():
    at = _open(H2H)
    assert at.selectbox(key="hh_a_genre").value == "Drama" and at.selectbox(key="hh_b_genre").value == "Comedy"
    assert at.subheader[0].value.startswith(("Drama wins", "Comedy wins", "Level at"))
    assert (at.query_params["h2h_mode"], at.query_params["a"], at.query_params["b"]) == ("genre", "Drama", "Comedy")


def test_h2h_every_genre_option_runs_and_changes_the_verdict():
    at = _open(H2H)
    options = at.selectbox(key="hh_a_genre").options
    seen = {}
    for genre in options:
        at.selectbox(key="hh_a_genre").set_value(genre)
        at.selectbox(key="hh_b_genre").set_value("Comedy" if genre != "Comedy" else "Drama").run()
        assert not at.exception, genre
        assert at.query_params["a"] == genre
        seen[genre] = (at.subheader[0].value, tuple(m.value for m in at.metric), at.dataframe[0].value.to_csv())
    assert len(set(seen.values())) == len(options)


def test_h2h_switching_a_pick_changes_the_winner_text_and_url():
    at = _open(H2H)
    before = at.subheader[0].value
    at.selectbox(key="hh_a_genre").set_value("Short").run()
    assert not at.exception
    assert at.subheader[0].value != before and at.query_params["a"] == "Short"


def test_h2h_url_params_preselect_the_pair():
    at = _open(H2H, params={"h2h_mode": "genre", "a": "Romance", "b": "Animation"})
    assert at.selectbox(key="hh_a_genre").value == "Romance"
    assert at.selectbox(key="hh_b_genre").value == "Animation"
    assert not any("link asked for" in c.value for c in at.caption)


def test_h2h_invalid_params_fall_back_with_a_caption():
    at = _open(H2H, params={"h2h_mode": "genre", "a": "Westerns", "b": "Comedy"})
    assert at.selectbox(key="hh_a_genre").value == "Drama"
    assert any("link asked for 1 option not in this view" in c.value for c in at.caption)
    assert not any("Westerns" in c.value for c in at.caption)  # a value from a link is never echoed


def test_h2h_title_mode_compares_two_titles_with_ratings_over_time():
    at = _open(H2H)
    at.radio(key="hh_mode").set_value("title").run()
    assert not at.exception
    a, b = at.selectbox(key="hh_a_title").value, at.selectbox(key="hh_b_title").value
    assert a != b and at.query_params["h2h_mode"] == "title" and at.query_params["a"] == a
    assert "Rating" in at.dataframe[0].value["Metric"].tolist()
    assert any("MovieLens ratings" in m.value for m in at.markdown)


def test_h2h_title_link_opens_that_pair():
    at = _open(H2H, params={"h2h_mode": "title", "a": "Godfather, The (1972)", "b": "Pulp Fiction (1994)"})
    assert at.selectbox(key="hh_a_title").value == "Godfather, The (1972)"
    assert at.selectbox(key="hh_b_title").value == "Pulp Fiction (1994)"


def test_h2h_empty_view_shows_a_message():
    at = _open(H2H, state={"flt_min_votes": 1_000_000})
    assert any("No titles match" in i.value for i in at.info)

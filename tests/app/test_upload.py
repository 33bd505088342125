"""The Data page's upload flow: file, guessed mapping, preview, validation, rejected rows, fix and re-upload."""
from __future__ import annotations

from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

PAGE = Path(__file__).resolve().parents[2] / "pages" / "10_Data.py"
MESSY = ("tconst;primaryTitle;titleType;Genres;runtimeMinutes\n"
         "tt1;<img src=x onerror=alert(1)>;movie;Drama|Comedy;101\n"
         "tt2;Beta;series;Drama;45\n"      # 'series' is not an allowed kind
         "tt3;Gamma;tv;Crime;-4\n"         # runtime out of range
         "tt1;Again;movie;Drama;90\n"      # duplicate key
         "tt4;Delta;movie;;120\n")


@pytest.fixture()
def page(tmp_path, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    st.cache_data.clear()
    yield AppTest.from_file(str(PAGE), default_timeout=90).run()
    st.cache_data.clear()


def _upload(at: AppTest, name: str, text: str, table: str = "titles") -> AppTest:
    at.selectbox(key="up_table").set_value(table)
    at.file_uploader(key="up_file").set_value((name, text.encode("utf-8-sig"), "text/csv"))
    at.text_input(key="up_source").input("My catalogue")
    return at.run()


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_mapping_is_guessed_and_the_preview_uses_contract_names(page):
    at = _upload(page, "titles.csv", MESSY)
    assert not at.exception
    assert at.selectbox(key="up_map_titles_title_id").value == "tconst"
    assert at.selectbox(key="up_map_titles_title").value == "primaryTitle"
    assert at.selectbox(key="up_map_titles_kind").value == "titleType"
    preview = at.dataframe[-1].value
    assert {"title_id", "title", "kind", "genres", "runtime"} <= set(preview.columns) and len(preview) == 5


def test_loading_counts_every_row_and_the_rejected_rows_can_be_fixed_and_reuploaded(page):
    at = _upload(page, "titles.csv", MESSY)
    at.button(key="up_go").click().run()
    assert not at.exception
    assert (_metric(at, "Rows read"), _metric(at, "Accepted"), _metric(at, "Rejected")) == ("5", "2", "3")
    reasons = next(df.value for df in at.dataframe if list(df.value.columns) == ["reason", "rows"])
    reasons = reasons.set_index("reason")["rows"]
    assert reasons.to_dict() == {"value not allowed": 1, "out of range": 1, "duplicate key": 1}
    from core.data import ingest

    rejected = pd.read_csv(next(Path(ingest.config.cache_dir(), "rejected").glob("*.csv")), sep=",")
    assert len(rejected) == 3 and "reasons" in rejected
    fixed = rejected.drop(columns="reasons").assign(titleType="tv", runtimeMinutes=50)
    fixed = fixed[fixed["primaryTitle"] != "Again"]  # the duplicate is dropped by the user
    buffer = StringIO()
    fixed.to_csv(buffer, index=False)
    at = _upload(at, "fixed.csv", buffer.getvalue())
    at.button(key="up_go").click().run()
    assert _metric(at, "Accepted") == "2" and _metric(at, "Rejected") == "0"
    stored = ingest.stored_tables().set_index("table").loc["titles"]
    assert stored["rows"] == 4 and stored["files"] == 2  # the fixed rows completed the table


def test_a_file_that_is_not_a_table_gets_one_sentence(page):
    at = page
    at.file_uploader(key="up_file").set_value(("data.csv", b"\x00\x01\x02binary", "text/csv"))
    at.run()
    assert not at.exception
    assert any("not a text table" in e.value for e in at.error)


def test_a_missing_required_column_is_named(page):
    at = _upload(page, "titles.csv", "tconst,primaryTitle\ntt1,A\n")
    at.button(key="up_go").click().run()
    assert not at.exception
    assert any("kind" in e.value and "requires" in e.value for e in at.error)


def _catalogue(n: int = 240) -> bytes:
    """A titles file with audience figures, as a streaming team might export it (ids and names made up)."""
    genres = ["Drama", "Comedy", "Action|Thriller", "Documentary", "Animation|Family", "Horror"]
    rows = ["id,name,type,genre,released,minutes,rating,votes,popularity,budget"]
    for i in range(n):
        rows.append(f"c{i},Show {i},{'tv' if i % 4 == 0 else 'movie'},{genres[i % 6]},"
                    f"{2010 + i % 14}-{1 + i % 12:02d}-15,{60 + i % 90},{4 + (i * 37) % 60 / 10},"
                    f"{100 + (i * 97) % 9000},{1 + (i * 53) % 300},{'' if i % 3 else 1_000_000 * (1 + i % 40)}")
    return "\n".join(rows).encode()


@pytest.fixture()
def uploaded(tmp_path, monkeypatch):
    import streamlit as st

    from core.data import ingest

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    done = ingest.ingest("catalogue.csv", _catalogue(), "titles", "Team catalogue")
    assert done.report()["rows_rejected"] == 0
    st.cache_data.clear()
    st.cache_resource.clear()
    yield "up:team_catalogue"
    st.cache_data.clear()
    st.cache_resource.clear()


STRATEGY = ["app.py", "pages/01_Content_Universe.py", "pages/02_Performance_Deep_Dive.py",
            "pages/03_Market_Opportunities.py", "pages/04_Investment_Copilot.py", "pages/05_Forecasting.py",
            "pages/06_Head_to_Head.py", "pages/09_Integrity.py"]


@pytest.mark.parametrize("page_file", STRATEGY)
def test_an_uploaded_catalogue_is_a_source_every_title_page_works_on(uploaded, page_file):
    root = PAGE.parents[1]
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.query_params.update({"source": uploaded, "years": "2010-2023", "min_votes": "0"})
    at.run()
    if page_file != "app.py":
        at.switch_page(page_file).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.selectbox(key="w_flt_source").value == uploaded
    summary = [m.value for m in at.markdown if "titles ·" in m.value]
    assert not summary or "Uploaded: team" in summary[0]


def test_the_universe_of_an_uploaded_catalogue_counts_its_titles(uploaded):
    from core.data import ingest

    titles = ingest.uploaded_titles(uploaded)
    root = PAGE.parents[1]
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.query_params.update({"source": uploaded, "years": f"{titles['year'].min()}-{titles['year'].max()}",
                            "min_votes": "0", "media": "movie,tv"})
    at.run()
    at.switch_page("pages/01_Content_Universe.py").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Titles"] == f"{len(titles):,}"
    assert shown["Genres"] == str(len({g for gs in titles["genres"] for g in gs}))


def _ratings(n_users: int = 60, per_user: int = 25) -> bytes:
    """Ratings of the catalogue's titles by made-up viewers (taste: each viewer prefers every third title)."""
    rows = ["viewer,id,stars,rated_at"]
    for u in range(n_users):
        for k in range(per_user):
            title = (u * 7 + k * 11) % 240
            stars = 4.5 if (title + u) % 3 == 0 else 2.5 + (k % 3) / 2
            rows.append(f"v{u},c{title},{stars},2023-{1 + k % 12:02d}-{1 + u % 27:02d} 20:00:00")
    return "\n".join(rows).encode()


@pytest.mark.parametrize("page_file", ["pages/08_Recommender.py", "pages/09_Integrity.py"])
def test_uploaded_ratings_feed_the_audience_pages(uploaded, page_file):
    from core.data import ingest

    done = ingest.ingest("ratings.csv", _ratings(), "ratings", "Team catalogue")
    assert done.report()["rows_rejected"] == 0
    root = PAGE.parents[1]
    at = AppTest.from_file(str(root / "app.py"), default_timeout=300)
    at.query_params.update({"source": uploaded, "years": "2010-2023", "min_votes": "0"})
    at.run()
    at.switch_page(page_file).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(c.value for c in at.caption)
    assert "this source's own ratings" in shown and "no ratings table" not in shown
    if page_file.endswith("Recommender.py"):
        assert "1,500 ratings by 60 users" in shown


def test_a_catalogue_from_a_single_release_year_gets_a_working_year_filter(tmp_path, monkeypatch):
    import streamlit as st

    from core.data import ingest

    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path))
    header, *rows = _catalogue(60).splitlines()
    one_year = b"\n".join([header] + [row.replace(row.split(b",")[4], b"2019-06-01") for row in rows])
    ingest.ingest("one_year.csv", one_year, "titles", "One year")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PAGE.parents[1] / "pages" / "01_Content_Universe.py"), default_timeout=120)
    at.query_params.update({"source": "up:one_year", "min_votes": "0"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    slider = at.sidebar.slider(key="w_flt_years")
    assert slider.min == 2019 and tuple(slider.value) == (2019, 2019)
    assert next(m.value for m in at.metric if m.label == "Titles") == "60"
    st.cache_data.clear()
    st.cache_resource.clear()

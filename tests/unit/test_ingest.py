"""Bring-your-own-data ingest: messy files, column guessing, storing, rejected rows and the CLI (core.data.ingest)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.data import ingest as ig
from core.data.contract import REASONS, TABLES, ContractError

ROOT = Path(__file__).resolve().parents[2]
RATINGS_CSV = b"user_id,title_id,rating,timestamp\nu1,t1,4.5,2016-05-01\nu2,t1,9,2016-05-01\nu3,t2,3,2016-05-02\n"
TITLES_CSV = b"title_id,title,kind\nt1,The Matrix,movie\nt3,Heat,movie\n"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def stored_rows(source: str, table: str) -> int:
    with duckdb.connect(str(ig.uploads_path()), read_only=True) as db:
        return db.execute(f'SELECT count(*) FROM "{source}__{table}"').fetchone()[0]


def stored_columns(source: str, table: str) -> list[str]:
    with duckdb.connect(str(ig.uploads_path()), read_only=True) as db:
        return [row[0] for row in db.execute(f'DESCRIBE "{source}__{table}"').fetchall()]


# --- reading files -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,raw", [
    ("a.csv", b"title_id;title;kind\ntt1;Heat;movie\ntt2;Ran;movie\n"),
    ("a.csv", b"title_id\ttitle\tkind\ntt1\tHeat\tmovie\ntt2\tRan\tmovie\n"),
    ("a.tsv", b"title_id\ttitle\tkind\ntt1\tHeat\tmovie\ntt2\tRan\tmovie\n"),
    ("a.csv", b"\xef\xbb\xbftitle_id,title,kind\ntt1,Heat,movie\ntt2,Ran,movie\n"),
    ("a.txt", b"title_id|title|kind\ntt1|Heat|movie\ntt2|Ran|movie\n"),
    ("a.csv", b"title_id,title,kind\r\ntt1,Heat,movie\r\ntt2,Ran,movie\r\n"),
])
def test_csv_dialects_read_to_the_same_table(name, raw):
    df = ig.read_table(name, raw)
    assert df.to_dict("list") == {"title_id": ["tt1", "tt2"], "title": ["Heat", "Ran"], "kind": ["movie", "movie"]}


@pytest.mark.parametrize("text", ["title_id;title\ntt1;Amélie\n", "title_id,title\ntt1,Amélie\n"])
@pytest.mark.parametrize("encoding", ["latin-1", "utf-8", "utf-8-sig"])
def test_text_encodings_read_back_the_same_characters(text, encoding):
    df = ig.read_table("a.csv", text.encode(encoding))
    assert list(df.columns) == ["title_id", "title"] and df["title"].tolist() == ["Amélie"]


def test_csv_values_are_read_as_text():
    df = ig.read_table("a.csv", b"title_id,runtime\n007,90\n")
    assert df.to_dict("records") == [{"title_id": "007", "runtime": "90"}]


@pytest.mark.parametrize("name,raw", [
    ("a.csv", b""), ("a.csv", b"  \n\n"), ("a.csv", b"\x00\x01\x02PK\x03\x04binary\x00"),
    ("a.parquet", b"not parquet"), ("a.xlsx", b"not excel"), ("a.zip", b"not a zip"), ("a.json", b"{}"),
    ("a.pdf", b"%PDF-1.4"),
])
def test_unusable_files_raise_one_contract_error(name, raw):
    with pytest.raises(ContractError) as err:
        ig.read_upload(name, raw)
    assert "\n" not in str(err.value) and str(err.value)


def test_unsupported_extension_is_named():
    with pytest.raises(ContractError, match=r"\.json"):
        ig.read_table("data.json", b"[]")


def test_header_only_file_reads_as_zero_rows():
    df = ig.read_table("a.csv", b"user_id,title_id,rating,timestamp\n")
    assert (len(df), list(df.columns)) == (0, ["user_id", "title_id", "rating", "timestamp"])
    report = ig.ingest("a.csv", b"user_id,title_id,rating,timestamp\n", "ratings").report()
    assert (report["rows_read"], report["rows_rejected"], report["rejected_file"]) == (0, 0, "")


def test_parquet_file_is_read():
    b = io.BytesIO()
    pd.DataFrame({"title_id": ["tt1", "tt2"], "title": ["Amélie", "Heat"], "kind": ["movie", "tv"],
                  "runtime": [122.0, 170.0]}).to_parquet(b)
    done = ig.ingest("t.parquet", b.getvalue(), "titles")
    assert done.validation.accepted["title"].tolist() == ["Amélie", "Heat"]
    assert done.validation.accepted["runtime"].tolist() == [122, 170] and stored_rows("uploaded", "titles") == 2


def test_excel_file_is_read():
    b = io.BytesIO()
    pd.DataFrame({"user_id": ["u1", "u2"], "title_id": ["tt1", "tt1"], "rating": [4.5, 3],
                  "timestamp": ["2016-05-01", "2016-05-02"]}).to_excel(b, index=False)
    df = ig.read_table("r.xlsx", b.getvalue())
    assert df["user_id"].tolist() == ["u1", "u2"] and df["rating"].tolist() == ["4.5", "3"]
    v = ig.ingest("r.xlsx", b.getvalue(), "ratings").validation
    assert (len(v.accepted), len(v.rejected)) == (2, 0)


def zipped(**members: bytes) -> bytes:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        for name, raw in members.items():
            z.writestr(name, raw)
    return b.getvalue()


def test_zip_with_one_csv_is_read_and_ingested():
    raw = zipped(**{"titles.csv": TITLES_CSV})
    tables = ig.read_upload("export.zip", raw)
    assert list(tables) == ["titles.csv"] and tables["titles.csv"]["title"].tolist() == ["The Matrix", "Heat"]
    assert len(ig.ingest("export.zip", raw, "titles").validation.accepted) == 2


def test_zip_with_two_files_cannot_be_one_table():
    with pytest.raises(ContractError):
        ig.ingest("export.zip", zipped(**{"a.csv": TITLES_CSV, "b.csv": TITLES_CSV}), "titles")


def test_wrong_types_are_rejected_not_raised():
    raw = b"user_id,title_id,rating,timestamp\nu1,t1,five,2016-05-01\nu2,t1,4,last week\nu3,t1,4,2016-05-01\n"
    v = ig.ingest("r.csv", raw, "ratings").validation
    assert v.rejected["reasons"].tolist() == [REASONS["unreadable_number"], REASONS["unreadable_date"]]
    assert v.accepted["user_id"].tolist() == ["u3"]


def test_missing_required_column_raises_naming_it():
    with pytest.raises(ContractError, match="rating"):
        ig.ingest("r.csv", b"user_id,title_id,timestamp\nu1,t1,2016-05-01\n", "ratings")
    assert not ig.uploads_path().exists()


def test_extra_columns_are_not_stored_but_kept_in_rejected_rows():
    raw = b"user_id,title_id,rating,timestamp,device_note\nu1,t1,4,2016-05-01,ok\nu2,t1,9,2016-05-01,bad\n"
    done = ig.ingest("r.csv", raw, "ratings")
    assert stored_columns("uploaded", "ratings") == ["user_id", "title_id", "rating", "timestamp"]
    assert done.validation.rejected["device_note"].tolist() == ["bad"]


# --- guessing the mapping ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("table", TABLES)
def test_exact_names_map_to_themselves(table):
    names = [f.name for f in TABLES[table].fields]
    assert ig.guess_mapping(names, table) == {n: n for n in names}


@pytest.mark.parametrize("columns,table,expected", [
    (["userId", "Movie ID", "Rating", "Timestamp"], "ratings",
     {"user_id": "userId", "title_id": "Movie ID", "rating": "Rating", "timestamp": "Timestamp"}),
    (["USER-ID", "title id", "RATING", "time_stamp"], "ratings",
     {"user_id": "USER-ID", "title_id": "title id", "rating": "RATING", "timestamp": "time_stamp"}),
    (["tconst", "primaryTitle", "titleType", "runtimeMinutes"], "titles",
     {"title_id": "tconst", "title": "primaryTitle", "kind": "titleType", "runtime": "runtimeMinutes"}),
    (["customerID", "tenure", "MonthlyCharges", "churn"], "subscribers",
     {"subscriber_id": "customerID", "tenure": "tenure", "monthly_charges": "MonthlyCharges", "churned": "churn"}),
    (["runtme", "popularty", "overviw"], "titles", {"runtime": "runtme", "popularity": "popularty",
                                                   "overview": "overviw"}),
])
def test_variants_synonyms_and_close_spellings_are_guessed(columns, table, expected):
    assert ig.guess_mapping(columns, table) == expected


def test_unknown_columns_are_left_unmapped():
    mapping = ig.guess_mapping(["user_id", "gender", "zzz", "favourite_colour"], "ratings")
    assert mapping == {"user_id": "user_id"}


def test_one_column_wanted_by_two_fields_is_used_once():
    mapping = ig.guess_mapping(["id", "movieId", "review", "date"], "reviews")
    assert mapping == {"review_id": "id", "title_id": "movieId", "text": "review", "created_at": "date"}


@pytest.mark.parametrize("table", TABLES)
def test_never_the_same_file_column_twice(table):
    columns = sorted({s for names in ig.SYNONYMS.values() for s in names} | {f.name for f in TABLES[table].fields})
    mapping = ig.guess_mapping(columns, table)
    assert len(set(mapping.values())) == len(mapping) and set(mapping.values()) <= set(columns)


def test_given_mapping_is_applied_and_a_mapped_column_missing_from_the_file_is_an_error():
    raw = b"who,what,stars,when\nu1,t1,4,2016-05-01\n"
    mapping = {"user_id": "who", "title_id": "what", "rating": "stars", "timestamp": "when"}
    assert ig.ingest("r.csv", raw, "ratings", mapping=mapping).validation.accepted["rating"].tolist() == [4]
    with pytest.raises(ContractError, match="nope"):
        ig.ingest("r.csv", raw, "ratings", mapping={**mapping, "rating": "nope"})


# --- storing -----------------------------------------------------------------------------------------------------

def test_same_file_twice_is_stored_once(cache):
    first = ig.ingest("r.csv", RATINGS_CSV, "ratings")
    rows = stored_rows("uploaded", "ratings")
    second = ig.ingest("r.csv", RATINGS_CSV, "ratings")
    assert (first.already_stored, second.already_stored) == (False, True)
    assert rows == 2 and stored_rows("uploaded", "ratings") == rows
    assert ig.uploads_path().is_relative_to(cache)


def test_rejected_rows_csv_has_reasons_and_original_column_names(cache):
    raw = b"userId,Movie ID,rating,timestamp\nu1,t1,4,2016-05-01\nu2,t1,9,2016-05-01\nu3,t1,x,2016-05-01\n"
    done = ig.ingest("r.csv", raw, "ratings")
    path = Path(done.report()["rejected_file"])
    assert path.is_file() and path.is_relative_to(cache / "rejected")
    back = pd.read_csv(path, dtype=str)
    assert len(back) == done.report()["rows_rejected"] == 2
    assert list(back.columns) == ["userId", "Movie ID", "rating", "timestamp", "reasons"]
    assert back["reasons"].tolist() == [REASONS["out_of_range"], REASONS["unreadable_number"]]


def test_no_rejected_file_when_every_row_is_accepted(cache):
    assert ig.ingest("t.csv", TITLES_CSV, "titles").rejected_file == ""
    assert not (cache / "rejected").exists()


def test_ratings_are_checked_against_the_same_sources_stored_titles():
    ig.ingest("t.csv", TITLES_CSV, "titles", source="mine")
    v = ig.ingest("r.csv", RATINGS_CSV, "ratings", source="mine").validation
    assert v.accepted["title_id"].tolist() == ["t1"]
    assert v.rejected.set_index("user_id")["reasons"].to_dict() == {
        "u2": REASONS["out_of_range"], "u3": REASONS["unknown_title"]}
    other = ig.ingest("r.csv", RATINGS_CSV, "ratings", source="other").validation
    assert REASONS["unknown_title"] not in other.reasons


def test_report_counts_add_up():
    report = ig.ingest("r.csv", RATINGS_CSV, "ratings").report()
    assert report["rows_accepted"] + report["rows_rejected"] == report["rows_read"] == 3
    assert report["reasons"] == {REASONS["out_of_range"]: 1}


# --- command line ------------------------------------------------------------------------------------------------

def run_cli(cache: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MARQUEE_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "core", "ingest", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_cli_prints_a_json_report_and_exits_0_with_rejects(tmp_path, cache):
    (tmp_path / "r.csv").write_bytes(RATINGS_CSV)
    done = run_cli(cache, str(tmp_path / "r.csv"), "--table", "ratings", "--source", "cli")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"rows_read", "rows_accepted", "rows_rejected", "rejected_file", "reasons"} <= set(report)
    assert (report["rows_read"], report["rows_accepted"], report["rows_rejected"]) == (3, 2, 1)
    assert Path(report["rejected_file"]).is_file() and report["reasons"] == {REASONS["out_of_range"]: 1}


@pytest.mark.parametrize("name,raw", [("bin.csv", b"\x00\x01binary\x00\xff"),
                                      ("r.csv", b"user_id,title_id,timestamp\nu1,t1,2016-05-01\n")])
def test_cli_unusable_file_exits_2_with_one_sentence(tmp_path, cache, name, raw):
    (tmp_path / name).write_bytes(raw)
    done = run_cli(cache, str(tmp_path / name), "--table", "ratings")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_cli_file_with_zoned_timestamps_gets_a_report_not_a_traceback(tmp_path, cache):
    (tmp_path / "r.csv").write_bytes(b"user_id,title_id,rating,timestamp\nu1,t1,4,2016-05-01T20:31:00Z\n")
    done = run_cli(cache, str(tmp_path / "r.csv"), "--table", "ratings")
    assert "Traceback" not in done.stderr and done.returncode == 0

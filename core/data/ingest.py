"""Bring your own data: read a file, guess which of its columns is which contract field, validate, store.

Files: CSV (any delimiter, a byte-order mark, UTF-8 or Latin-1), Parquet, Excel, or a zip of those. A file that
is not a table gets one sentence (``ContractError``), never a traceback. Accepted rows go into DuckDB under the
cache dir as a named source, keyed by the file's content hash so re-uploading the same file changes nothing;
rejected rows are written next to it as CSV with their reasons, for the user to fix and re-upload.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core import config
from core.data.contract import TABLES, ContractError, Validation, validate

#: Other names a column often has in exports, per contract field (matched after lower-casing, a-z0-9 only).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "title_id": ("id", "movieid", "titleid", "contentid", "tconst", "itemid", "showid", "assetid"),
    "title": ("name", "primarytitle", "originaltitle", "movietitle", "showtitle"),
    "kind": ("type", "mediatype", "titletype", "contenttype", "format"),
    "genres": ("genre", "categories", "category", "tags"),
    "release_date": ("released", "releasedate", "premiere", "airdate", "firstairdate", "date", "year",
                     "startyear", "releaseyear"),
    "runtime": ("duration", "length", "minutes", "runtimeminutes"),
    "vote_average": ("rating", "averagerating", "score", "imdbrating", "voteaverage"),
    "vote_count": ("votes", "numvotes", "ratingcount", "votecount"),
    "user_id": ("user", "userid", "viewer", "viewerid", "accountid", "profileid", "customerid", "member"),
    "rating": ("stars", "score", "userrating", "ratingvalue"),
    "timestamp": ("time", "ratedat", "ratedon", "date", "datetime", "createdat", "ts"),
    "started_at": ("start", "starttime", "startedat", "watchedat", "timestamp", "eventtime"),
    "minutes_watched": ("minutes", "watchtime", "duration", "minuteswatched", "watchminutes"),
    "subscriber_id": ("customerid", "subscriberid", "accountid", "userid", "id"),
    "tenure": ("tenuremonths", "monthssubscribed", "months"),
    "monthly_charges": ("monthlycharge", "monthlyprice", "price", "mrr"),
    "total_charges": ("totalcharge", "totalbilled", "ltv"),
    "churned": ("churn", "cancelled", "canceled", "left", "exited"),
    "plan": ("contract", "subscription", "tier", "package"),
    "review_id": ("id", "reviewid"),
    "text": ("review", "body", "content", "comment", "reviewtext"),
    "created_at": ("date", "createdat", "time", "reviewedat", "timestamp"),
}
_SOURCE_NAME = re.compile(r"[^a-z0-9_]+")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def guess_mapping(columns: list[str], table: str) -> dict[str, str]:
    """Contract field -> file column, guessed from names (exact, then known synonyms, then close spelling);
    each file column is used at most once. Fields with no likely column are left out."""
    free = {_norm(c): c for c in columns}
    mapping: dict[str, str] = {}
    fields = TABLES[table].fields
    for rule in ("exact", "synonym", "close"):
        for f in fields:
            if f.name in mapping:
                continue
            wanted = {"exact": [_norm(f.name)], "synonym": list(SYNONYMS.get(f.name, ()))}.get(rule)
            if rule == "close":
                wanted = difflib.get_close_matches(_norm(f.name), list(free), n=1, cutoff=0.8)
            hit = next((w for w in wanted if w in free), None)
            if hit is not None:
                mapping[f.name] = free.pop(hit)
    return mapping


def apply_mapping(df: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """The file's rows with mapped columns renamed to the contract's names (unmapped columns kept as they are)."""
    unknown = [c for c in mapping.values() if c not in df.columns]
    if unknown:
        raise ContractError(f"The mapping names columns the file does not have: {', '.join(map(str, unknown))}.")
    return df.rename(columns={column: name for name, column in mapping.items()})


def _read_csv(raw: bytes) -> pd.DataFrame:
    if b"\x00" in raw[:4096]:
        raise ContractError("This file is not a text table (it holds binary data); upload CSV, Parquet or Excel.")
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if not text.strip():
        raise ContractError("The file is empty.")
    try:
        delimiter = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ContractError(f"The file could not be read as a table ({str(exc).splitlines()[0][:120]}).") from exc


def read_table(name: str, raw: bytes) -> pd.DataFrame:
    """One table from a file's bytes, every value as text (types are the contract's job).

    Raises:
        ContractError: the file is not a table this reader knows, or it is empty.
    """
    suffix = Path(name).suffix.lower()
    try:
        if suffix == ".parquet":
            df = pd.read_parquet(io.BytesIO(raw))
        elif suffix in (".xlsx", ".xls"):
            df = pd.read_excel(io.BytesIO(raw), dtype=str)
        elif suffix in (".csv", ".tsv", ".txt", ""):
            df = _read_csv(raw)
        else:
            raise ContractError(f"Files ending in {suffix} are not supported: upload CSV, Parquet, Excel or a zip.")
    except ContractError:
        raise
    except Exception as exc:  # pyarrow, openpyxl: a file that only looks like one
        raise ContractError(f"The file could not be read as {suffix.lstrip('.') or 'a'} table "
                            f"({type(exc).__name__}).") from exc
    if df.empty and not len(df.columns):
        raise ContractError("The file is empty.")
    return df


def read_upload(name: str, raw: bytes) -> dict[str, pd.DataFrame]:
    """File name -> table: one entry for a plain file, one per table file inside a zip."""
    if Path(name).suffix.lower() != ".zip":
        return {name: read_table(name, raw)}
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/") and not Path(m).name.startswith(".")]
            return {m: read_table(m, archive.read(m)) for m in members}
    except zipfile.BadZipFile as exc:
        raise ContractError("The file is not a valid zip archive.") from exc


@dataclass
class Ingested:
    """What an ingest did: the validation, where the rejected rows went, and whether the file was new."""

    source: str
    validation: Validation
    rejected_file: str
    already_stored: bool

    def report(self) -> dict:
        v = self.validation
        return {"source": self.source, "table": v.table, "rows_read": v.rows_read, "rows_accepted": len(v.accepted),
                "rows_rejected": len(v.rejected), "rejected_file": self.rejected_file, "reasons": v.reasons,
                "already_stored": self.already_stored}


def source_name(name: str) -> str:
    """A safe source name (lower-case letters, digits and underscores)."""
    clean = _SOURCE_NAME.sub("_", name.lower()).strip("_")[:40]
    if not clean:
        raise ContractError("Give the source a name with at least one letter or digit.")
    return clean


def uploads_path() -> Path:
    return config.cache_dir() / "uploads.duckdb"


def store(source: str, table: str, accepted: pd.DataFrame, digest: str) -> bool:
    """Add ``accepted`` to ``source``'s ``table``: a row whose key is already stored replaces it, so a file of
    fixed rejected rows completes the table. False (nothing written) when this very file was stored before."""
    import duckdb

    path = uploads_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    name, key = f"{source}__{table}", list(TABLES[table].key)
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE TABLE IF NOT EXISTS upload_files (source VARCHAR, tbl VARCHAR, digest VARCHAR, "
                   "rows BIGINT, stored_at TIMESTAMP, PRIMARY KEY (source, tbl, digest))")
        if db.execute("SELECT 1 FROM upload_files WHERE source = ? AND tbl = ? AND digest = ?",
                      [source, table, digest]).fetchone():
            return False
        frame = _for_duckdb(accepted)
        exists = db.execute("SELECT 1 FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
        if exists:
            frame = pd.concat([db.execute(f'SELECT * FROM "{name}"').df(), frame], ignore_index=True)
            frame = frame.drop_duplicates(key, keep="last")
        db.register("incoming", frame)
        db.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM incoming')
        db.execute("INSERT INTO upload_files VALUES (?, ?, ?, ?, now())", [source, table, digest, len(accepted)])
    return True


def _for_duckdb(df: pd.DataFrame) -> pd.DataFrame:
    """List columns (genres) as JSON text, so every column is a plain DuckDB type."""
    return df.assign(**{c: df[c].map(json.dumps) for c in df.columns if df[c].dtype == object})


def stored_tables() -> pd.DataFrame:
    """Every stored upload table: source, table, rows now, files loaded and when the last one was."""
    import duckdb

    columns = ["source", "table", "rows", "files", "loaded"]
    if not uploads_path().exists():
        return pd.DataFrame(columns=columns)
    with duckdb.connect(str(uploads_path()), read_only=True) as db:
        files = db.execute("SELECT source, tbl, count(*) AS files, max(stored_at) AS loaded FROM upload_files "
                           "GROUP BY source, tbl ORDER BY source, tbl").fetchall()
        rows = [(s, t, db.execute(f'SELECT count(*) FROM "{s}__{t}"').fetchone()[0], n, at) for s, t, n, at in files]
    return pd.DataFrame(rows, columns=columns)


def stored_title_ids(source: str) -> set | None:
    """The title ids of ``source``'s stored titles table (None when it has none, so references go unchecked)."""
    import duckdb

    if not uploads_path().exists():
        return None
    try:
        with duckdb.connect(str(uploads_path()), read_only=True) as db:
            return {row[0] for row in db.execute(f'SELECT title_id FROM "{source}__titles"').fetchall()}
    except duckdb.Error:
        return None


def ingest(name: str, raw: bytes, table: str, source: str = "uploaded", mapping: dict | None = None,
           known_titles: set | None = None) -> Ingested:
    """Read, map (given or guessed), validate and store one file as ``table`` of ``source``.

    Raises:
        ContractError: the file cannot be used (not a table, empty, a required column missing).
    """
    if table not in TABLES:
        raise ContractError(f"Unknown table {table[:40]!r}: choose one of {', '.join(TABLES)}.")
    tables = read_upload(name, raw)
    if len(tables) != 1:
        raise ContractError("A zip for one table must hold exactly one file.")
    df = next(iter(tables.values()))
    source = source_name(source)
    if known_titles is None and "titles" in TABLES[table].refers_to.values():
        known_titles = stored_title_ids(source)
    mapping = mapping or guess_mapping([str(c) for c in df.columns], table)
    result = validate(apply_mapping(df, mapping), table, known_titles)
    result.rejected = result.rejected.rename(columns={name: column for name, column in mapping.items()})
    digest = hashlib.sha256(raw + json.dumps(mapping, sort_keys=True).encode()).hexdigest()[:16]
    rejected_file = ""
    if len(result.rejected):
        out = config.cache_dir() / "rejected" / f"{source}__{table}__{digest}.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        result.rejected.to_csv(out, index=False)
        rejected_file = str(out)
    stored = store(source, table, result.accepted, digest)
    return Ingested(source, result, rejected_file, not stored)


def cli(argv: list[str]) -> int:
    """``python -m core ingest FILE --table T [--source NAME] [--mapping map.json]``: the last stdout line is one
    JSON object (rows_read, rows_accepted, rows_rejected, rejected_file, reasons). Exit 0 when the file was read
    (rejects included), 2 with one sentence on stderr when it could not be used."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m core ingest", description="Validate and store a data file.")
    parser.add_argument("file")
    parser.add_argument("--table", required=True, choices=list(TABLES))
    parser.add_argument("--source", default="uploaded")
    parser.add_argument("--mapping", help="JSON file: contract field -> column of the file")
    args = parser.parse_args(argv)
    try:
        raw = Path(args.file).read_bytes()
        mapping = json.loads(Path(args.mapping).read_text()) if args.mapping else None
        if mapping is not None and not isinstance(mapping, dict):
            raise ContractError("The mapping file must hold one JSON object: field -> column.")
        done = ingest(Path(args.file).name, raw, args.table, args.source, mapping)
    except (ContractError, OSError, json.JSONDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"Could not ingest {Path(args.file).name}: {reason}", file=sys.stderr)
        return 2
    print(json.dumps(done.report()))
    return 0


UPLOADED_PREFIX = "up:"


def uploaded_sources() -> list[str]:
    """Source keys (``up:<name>``) of uploads that hold a titles table, the only table the title pages read."""
    tables = stored_tables()
    return [UPLOADED_PREFIX + s for s in tables.loc[tables["table"] == "titles", "source"]]


def source_stamp(source_key: str) -> str:
    """A version of an uploaded source that changes with every file stored into it."""
    import duckdb

    name = source_key.removeprefix(UPLOADED_PREFIX)
    if not uploads_path().exists():
        return ""
    with duckdb.connect(str(uploads_path()), read_only=True) as db:
        row = db.execute("SELECT count(*), max(stored_at) FROM upload_files WHERE source = ?", [name]).fetchone()
    return f"{row[0]}|{row[1]}"


def uploaded_titles(source_key: str) -> pd.DataFrame:
    """An uploaded titles table in the canonical titles shape every page reads (``core.data.schema``)."""
    import duckdb

    from core.data import schema

    name = source_key.removeprefix(UPLOADED_PREFIX)
    with duckdb.connect(str(uploads_path()), read_only=True) as db:
        raw = db.execute(f'SELECT * FROM "{name}__titles"').df()
    genres = raw["genres"].map(json.loads) if "genres" in raw else pd.Series([[]] * len(raw), index=raw.index)
    dates = pd.to_datetime(raw.get("release_date"), errors="coerce") if "release_date" in raw else pd.NaT
    out = pd.DataFrame({
        "title_id": raw["title_id"], "title": raw["title"], "media_type": raw["kind"], "genres": genres,
        "primary_genre": genres.map(lambda g: g[0] if g else schema.NO_GENRE), "release_date": dates,
        "year": pd.Series(dates, index=raw.index).dt.year if "release_date" in raw else pd.NA,
        **{c: raw[c] if c in raw else pd.NA for c in ("runtime", "budget", "revenue", "vote_average", "vote_count",
                                                      "popularity", "overview")},
        "language": pd.NA, "poster_url": pd.NA, "source": "uploaded"}, index=raw.index)
    return schema.conform(out, schema.TITLE_COLUMNS)

"""The data contract for data a user brings: five canonical tables, their columns, types, units and rules.

Written once, as ``Field`` rows (what ``data/README.md`` and the Data page show) from which the pandera schemas
are built, and used by the upload, ``python -m core ingest``, the synthetic generator's self-check and the
tests. Validation is row by row and loses nothing: ``validate`` returns the accepted rows in canonical types
and every rejected row with its original values and the reasons, and accepted + rejected = rows read.

Why the coercion is done here and not by pandera: a value that cannot be read as a number or date would make
pandera fail the whole column's later checks (an out-of-range rating next to an unreadable one would go
unreported); reading each value first and recording the unreadable ones keeps every reason per row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Field:
    """One column of a canonical table."""

    name: str
    kind: str                      # "id", "text", "int", "float", "date", "bool", "category", "list"
    required: bool
    description: str
    unit: str = ""
    low: float | None = None       # inclusive range for numbers
    high: float | None = None
    allowed: tuple[str, ...] = ()  # for categories
    example: object = None


@dataclass(frozen=True)
class Table:
    """A canonical table: its key, its fields and what it is for."""

    name: str
    description: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    refers_to: dict[str, str] = field(default_factory=dict)  # column -> table whose key it must name

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def example(self) -> dict:
        """One example row, as documented."""
        return {f.name: f.example for f in self.fields}


TABLES: dict[str, Table] = {t.name: t for t in (
    Table("titles", "One row per film or series in the catalogue.", ("title_id",), (
        Field("title_id", "id", True, "Your id of the title (any text).", example="tt0133093"),
        Field("title", "text", True, "Display title.", example="The Matrix"),
        Field("kind", "category", True, "movie or tv.", allowed=("movie", "tv"), example="movie"),
        Field("genres", "list", False, "Genres, separated by | or ,.", example="Action|Sci-Fi"),
        Field("release_date", "date", False, "First release date (a year alone reads as 1 July).",
              example="1999-03-31"),
        Field("runtime", "float", False, "Running time.", "minutes", 1, 1000, example=136),
        Field("budget", "float", False, "Production or licence cost; 0 reads as unknown.", "USD", 0, 1e10,
              example=63_000_000),
        Field("revenue", "float", False, "Box office or attributed revenue; 0 reads as unknown.", "USD", 0,
              1e11, example=467_222_728),
        Field("vote_average", "float", False, "Mean audience rating.", "0-10", 0, 10, example=8.2),
        Field("vote_count", "float", False, "Number of audience ratings.", "count", 0, 1e10, example=26_000),
        Field("popularity", "float", False, "Your popularity measure (any scale, higher = more).", "", 0,
              1e12, example=84.6),
        Field("overview", "text", False, "Synopsis.", example="A hacker learns what the Matrix is."),
    )),
    Table("ratings", "One row per user rating of a title.", ("user_id", "title_id", "timestamp"), (
        Field("user_id", "id", True, "Your id of the user.", example="u42"),
        Field("title_id", "id", True, "A title_id of the titles table.", example="tt0133093"),
        Field("rating", "float", True, "The rating given.", "0.5-5 stars", 0.5, 5, example=4.5),
        Field("timestamp", "date", True, "When it was given.", example="2016-05-01 20:31:00"),
    ), {"title_id": "titles"}),
    Table("watch_events", "One row per viewing session.", ("user_id", "title_id", "started_at"), (
        Field("user_id", "id", True, "Your id of the viewer.", example="u42"),
        Field("title_id", "id", True, "A title_id of the titles table.", example="tt0133093"),
        Field("started_at", "date", True, "When the session started.", example="2024-02-03 21:05:00"),
        Field("minutes_watched", "float", True, "Minutes watched in the session.", "minutes", 0, 1440,
              example=52.5),
        Field("device", "category", False, "tv, mobile, tablet, web or other.",
              allowed=("tv", "mobile", "tablet", "web", "other"), example="tv"),
        Field("completed", "bool", False, "Whether the title was finished (true/false, 1/0, yes/no).",
              example=False),
    ), {"title_id": "titles"}),
    Table("subscribers", "One row per subscriber, current or gone.", ("subscriber_id",), (
        Field("subscriber_id", "id", True, "Your id of the subscriber.", example="s1001"),
        Field("plan", "text", False, "Plan or contract name.", example="Standard monthly"),
        Field("tenure", "float", True, "Months subscribed so far.", "months", 0, 1200, example=14),
        Field("monthly_charges", "float", True, "Current monthly price.", "USD", 0, 10_000, example=13.99),
        Field("total_charges", "float", False, "Billed so far.", "USD", 0, 1e7, example=195.86),
        Field("churned", "bool", True, "Whether they left (true/false, 1/0, yes/no).", example=False),
    )),
    Table("reviews", "One row per written review.", ("review_id",), (
        Field("review_id", "id", True, "Your id of the review.", example="r77"),
        Field("title_id", "id", True, "A title_id of the titles table.", example="tt0133093"),
        Field("user_id", "id", False, "Who wrote it.", example="u42"),
        Field("text", "text", True, "The review text.", example="Mind-bending and great fun."),
        Field("created_at", "date", True, "When it was written.", example="2016-05-02"),
        Field("rating", "float", False, "The rating that came with it.", "0-10", 0, 10, example=9),
    ), {"title_id": "titles"}),
)}

#: Which pages need which tables (the Data page shows it; a page without its table says so).
PAGE_TABLES: dict[str, tuple[str, ...]] = {
    "Content Universe": ("titles",), "Performance Deep Dive": ("titles",), "Market Opportunities": ("titles",),
    "Investment Copilot": ("titles",), "Forecasting": ("titles", "ratings"), "Head-to-Head": ("titles",),
    "Churn": ("subscribers",), "Recommender": ("ratings", "titles"), "Integrity": ("ratings", "titles"),
}

#: Tables a page also reads when the source has them (a platform's event log, reviews).
PAGE_EXTRA_TABLES: dict[str, tuple[str, ...]] = {
    "Forecasting": ("watch_events",), "Churn": ("watch_events",), "Integrity": ("reviews",),
    "Content Universe": ("watch_events",), "Performance Deep Dive": ("watch_events",),
    "Market Opportunities": ("watch_events",), "Investment Copilot": ("watch_events",),
    "Head-to-Head": ("watch_events",),
}

REASONS = {
    "missing": "missing required value", "unreadable_number": "not a number", "unreadable_date": "bad date",
    "out_of_range": "out of range", "not_allowed": "value not allowed", "duplicate_key": "duplicate key",
    "unknown_title": "unknown title", "unreadable_bool": "not true/false",
}
_TRUE = {"1", "1.0", "true", "yes", "y", "t"}  # 1.0/0.0: a 0/1 column that pandas saved as floats
_FALSE = {"0", "0.0", "false", "no", "n", "f"}
_THOUSANDS = r"-?\d{1,3}(,\d{3})+(\.\d+)?"   # 1,234,567.5
_DECIMAL_COMMA = r"-?\d+,(\d{1,2}|\d{4,})"      # 13,99 (a ;-separated export); 1,234 stays thousands


def _plain_number(text: pd.Series) -> pd.Series:
    """Number text without thousands separators, a decimal comma read as a point; anything else unchanged."""
    thousands = text.str.fullmatch(_THOUSANDS).fillna(False)
    decimal = text.str.fullmatch(_DECIMAL_COMMA).fillna(False)
    return text.mask(thousands, text.str.replace(",", "", regex=False)).mask(
        decimal, text.str.replace(",", ".", regex=False))


@dataclass
class Validation:
    """The outcome of validating one table: accepted rows (canonical types) and rejected rows (original
    values plus ``reasons``), with counts per reason."""

    table: str
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    reasons: dict[str, int]

    @property
    def rows_read(self) -> int:
        return len(self.accepted) + len(self.rejected)


class ContractError(ValueError):
    """The file cannot be used as this table at all (one sentence for the user)."""


def schema(table: str):
    """The pandera schema of a canonical table (typed columns, ranges, allowed values, unique key)."""
    import pandera.pandas as pa

    spec = TABLES[table]
    dtypes = {"id": "string", "text": "string", "category": "string", "int": "Int64", "float": "Float64",
              "date": "datetime64[ns]", "bool": "boolean", "list": object}
    columns = {}
    for f in spec.fields:
        checks = []
        if f.low is not None:
            checks.append(pa.Check.in_range(f.low, f.high))
        if f.allowed:
            checks.append(pa.Check.isin(f.allowed))
        columns[f.name] = pa.Column(dtypes[f.kind], checks, nullable=not f.required, required=f.required)
    return pa.DataFrameSchema(columns, unique=list(spec.key), strict=False)


def _text(values: pd.Series) -> pd.Series:
    out = values.astype("string").str.strip()
    return out.mask(out == "")


def _parse(f: Field, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(canonical values, reason per row or <NA>)`` for one column."""
    text = _text(raw)
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    if f.kind in ("int", "float"):
        values = pd.to_numeric(_plain_number(text), errors="coerce").astype("Float64")
        reason = reason.mask(text.notna() & values.isna(), "unreadable_number")
        if f.name in ("budget", "revenue"):
            values = values.mask(values == 0)  # 0 means unknown, as in TMDB
        out_of_range = values.notna() & ((f.low is not None) & (values < f.low) | (f.high is not None) &
                                         (values > f.high))
        reason = reason.mask(out_of_range.fillna(False), "out_of_range")
    elif f.kind == "date":
        year_only = text.str.fullmatch(r"\d{4}").fillna(False)
        # zoned stamps (ISO "Z", offsets, even mixed) read as UTC; naive ones are taken as written
        text = text.mask(year_only, text + "-07-01")
        values = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)  # fast, and what most files hold
        other = text.notna() & values.isna()
        if other.any():  # anything else, value by value
            values = values.mask(other, pd.to_datetime(text[other], errors="coerce", format="mixed", utc=True))
        values = values.dt.tz_convert(None).astype("datetime64[ns]")
        reason = reason.mask(text.notna() & values.isna(), "unreadable_date")
    elif f.kind == "bool":
        low = text.str.lower()
        values = pd.Series(pd.NA, index=raw.index, dtype="boolean").mask(low.isin(_TRUE), True)
        values = values.mask(low.isin(_FALSE), False)
        reason = reason.mask(text.notna() & values.isna(), "unreadable_bool")
    elif f.kind == "category":
        values = text.str.lower()
        reason = reason.mask(values.notna() & ~values.isin(f.allowed), "not_allowed")
    elif f.kind == "list":
        values = pd.Series([[g.strip() for g in v.replace(",", "|").split("|") if g.strip()]
                            if isinstance(v, str) else [] for v in text], index=raw.index, dtype=object)
    else:
        values = text
    if f.required:
        empty = values.isna() if f.kind != "list" else values.map(len) == 0
        reason = reason.mask(reason.isna() & empty, "missing")
    return values, reason


def validate(df: pd.DataFrame, table: str, known_titles: set | None = None) -> Validation:
    """Validate ``df`` (columns already named as the contract's) as ``table``, row by row.

    Args:
        df: the rows as read, any dtypes; extra columns are kept in the rejected rows, dropped from accepted.
        table: one of ``TABLES``.
        known_titles: title ids of the titles table, for tables that refer to titles (None: not checked).

    Raises:
        ContractError: a required column is missing.
    """
    spec = TABLES[table]
    missing = [name for name in spec.required if name not in df.columns]
    if missing:
        raise ContractError(f"The file has no column for {', '.join(missing)}, which the {table} table requires; "
                            "map a column to each in the mapping step.")
    parsed, reasons = {}, []
    for f in spec.fields:
        if f.name in df.columns:
            parsed[f.name], reason = _parse(f, df[f.name])
            reasons.append(reason)
    canonical = pd.DataFrame(parsed, index=df.index)
    for column, target in spec.refers_to.items():
        if known_titles is not None and target == "titles":
            reasons.append(pd.Series(pd.NA, index=df.index, dtype="string").mask(
                canonical[column].notna() & ~canonical[column].isin(known_titles), "unknown_title"))
    bad_already = pd.concat(reasons, axis=1).notna().any(axis=1)
    repeated = canonical[~bad_already].duplicated(list(spec.key), keep="first")  # among rows otherwise valid
    reasons.append(pd.Series(pd.NA, index=df.index, dtype="string").mask(
        repeated.reindex(df.index, fill_value=False), "duplicate_key"))
    flags = pd.concat(reasons, axis=1)
    bad = flags.notna().any(axis=1)
    why = pd.Series("", index=df.index, dtype=object)  # the reasons are joined for rejected rows only
    if bad.any():
        why[bad] = flags[bad].apply(lambda row: "; ".join(REASONS[r] for r in dict.fromkeys(row.dropna())), axis=1)
    accepted = canonical[~bad].reset_index(drop=True)
    schema(table).validate(accepted)  # the declared contract holds for every accepted row
    rejected = df[bad].assign(reasons=why[bad]).reset_index(drop=True)
    counts = {}
    for line in why[bad]:
        for part in line.split("; "):
            counts[part] = counts.get(part, 0) + 1
    return Validation(table, accepted, rejected, dict(sorted(counts.items(), key=lambda kv: -kv[1])))


def markdown() -> str:
    """The contract as Markdown (``data/README.md`` holds exactly this; a test keeps the two in step)."""
    lines = []
    for t in TABLES.values():
        lines += [f"### `{t.name}`", "", f"{t.description} Key: {', '.join(f'`{k}`' for k in t.key)}.", "",
                  "| column | required | type | unit / allowed | meaning | example |", "|---|---|---|---|---|---|"]
        for f in t.fields:
            rule = ", ".join(f.allowed) if f.allowed else f.unit
            if f.low is not None:
                rule = f"{rule} ({f.low:g} to {f.high:g})".strip()
            lines.append(f"| `{f.name}` | {'yes' if f.required else 'no'} | {f.kind} | {rule} | {f.description} | "
                         f"{f.example} |")
        refers = [f"`{c}` must name a `{target}` key" for c, target in t.refers_to.items()]
        lines += ([""] + [f"{r.capitalize()} (checked when that table is loaded)." for r in refers] if refers else [])
        lines.append("")
    lines += ["### Which pages need which tables", "", "| page | tables | also reads when present |", "|---|---|---|"]
    lines += [f"| {page} | {', '.join(tables)} | {', '.join(PAGE_EXTRA_TABLES.get(page, ())) or '-'} |"
              for page, tables in PAGE_TABLES.items()]
    return "\n".join(lines) + "\n"

"""A platform's subscribers as churn-model inputs: the contract columns, the extras it ships, and viewing
aggregated per subscriber by the engine from its watch events.

The watch events can hold tens of millions of rows, so they never reach pandas: ``engagement`` is an Ibis
expression (``core.data.queries`` style, engine-neutral) and only one row per subscriber comes back.

Two designs, by what the subscribers table holds:

- **as of a cutoff** (the table has signup and churn dates, as a synthetic platform does): the subscribers
  active ``HORIZON_MONTHS`` months before the snapshot, described as they were on that day (tenure then, viewing
  before then), labelled by whether they left in the following ``HORIZON_MONTHS`` months; the current
  subscribers are then scored as they are today. Tenure and viewing predate the outcome; plan, price and the
  text extras are today's values, taken to be what they were at the cutoff (true of a synthetic platform; a real
  one whose churners downgrade before leaving would need its plan history).
- **snapshot** (contract columns only, like the embedded Telco table): everyone as they are today, labelled by
  whether they have left, as the Telco page does.

Leakage is the main hazard, and these are left out on purpose:

- anything that says when or whether the subscriber left (``churn_date``, any other ``churn*`` column);
- dates as inputs: a current subscriber's signup date plus tenure is the snapshot date and a churner's is
  earlier, so with tenure a date gives the answer away (the cutoff design uses them only to place people in time);
- recent activity ("days since the last session", "minutes in the last 30 days"): a churner stops watching
  *because* they left, so recent inactivity is the churn itself seen from the event log, not a warning of it.
  Viewing is measured as rates per month subscribed (sessions and minutes per month, completion rate, share of
  minutes on TV) over the whole subscription up to the cutoff. Distinct titles per month was tried and left out:
  on the synthetic platforms it moves with sessions per month and adds nothing (permutation importance 0.001
  ROC-AUC, like the columns planted as no driver), yet counting distinct (user, title) pairs was 60% of the
  engine's work (10 s and 1.3 GB of 17 s on 20 million events);
- in the cutoff design, ``total_charges`` and numeric extras: they are measured today, after the cutoff, and a
  churner's stop growing when they leave. A price that encodes the signup cohort (grandfathered prices) is
  harmless there, but in the snapshot design cohort plus tenure tells whether a subscription ran to the snapshot,
  which the snapshot design cannot avoid: say so on the page.

In the snapshot design ``total_charges`` enters as ``billed_ratio`` = total / (tenure x monthly charge): about 1
when the subscriber paid today's price all along, below 1 after a price rise.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.churn.display import label
from core.data import engine, platforms, queries

#: The subscribers table's contract columns (``core.data.contract``).
CONTRACT = ("subscriber_id", "plan", "tenure", "monthly_charges", "total_charges", "churned")
#: Viewing per subscriber, from the watch events (rates per month subscribed).
ENGAGEMENT = ("sessions_per_month", "minutes_per_month", "completion_rate", "tv_share")
#: The cutoff design's horizon: who, of those active this many months before the snapshot, left since.
HORIZON_MONTHS = 6
MONTH_DAYS = 30.4375
#: Date columns that place a subscriber in time (the first of each present is used).
SIGNUP_DATES = ("signup_date", "signed_up_at", "signup_at", "start_date")
CHURN_DATES = ("churn_date", "churned_at", "cancel_date", "end_date")
#: Fewest subscribers (and churners) the cutoff design needs; below it, the snapshot design is used.
MIN_POPULATION, MIN_CHURNERS = 100, 20
#: Months of subscription a rate is divided by at least (a few days' viewing is not multiplied up to a month).
MIN_MONTHS = 1.0
#: A text column with more distinct values than this is an identifier or free text, not a category.
MAX_LEVELS = 30
#: A numeric extra this rank-correlated with a model input repeats it (e.g. a platform's own minutes per month).
REPEAT_RHO = 0.95


@dataclass(frozen=True)
class PlatformFrame:
    """One row per subscriber: ``subscriber_id``, ``churn`` (0/1), ``monthly_charges``, every model input, and
    the other subscriber columns the planted-driver check may read.

    Attributes:
        inputs: the model input columns, in order.
        left_out: subscriber columns not used, with the reason.
    """

    frame: pd.DataFrame
    inputs: tuple[str, ...]
    left_out: dict[str, str] = field(default_factory=dict)

    @property
    def X(self) -> pd.DataFrame:
        return self.frame[list(self.inputs)]

    @property
    def y(self) -> pd.Series:
        return self.frame["churn"]


@dataclass(frozen=True)
class Design:
    """How subscribers were turned into labelled examples: ``kind`` "cutoff" or "snapshot" (module docstring)."""

    kind: str
    snapshot: pd.Timestamp | None = None
    cutoff: pd.Timestamp | None = None
    horizon_months: int = HORIZON_MONTHS

    def describe(self, modelled: int, rate: float) -> str:
        """One sentence saying what is modelled."""
        if self.kind == "cutoff":
            return (f"Modelled as of {self.cutoff:%d %b %Y}, {self.horizon_months} months before the data's last day: "
                    f"the {modelled:,} subscribers active then, described as they were then (tenure, viewing so "
                    f"far), of whom {rate:.1%} left in the next {self.horizon_months} months. The at-risk list "
                    f"scores today's subscribers as they are now.")
        return (f"Modelled on a snapshot: all {modelled:,} subscribers as they are today, {rate:.1%} of whom have "
                "left (the table has no signup and churn dates to go back in time). A price that tells the signup "
                "cohort can then flatter the scores, as tenure plus cohort says whether a subscription is still "
                "running.")


@dataclass(frozen=True)
class PlatformData:
    """What the page models: labelled examples, today's subscribers to score, the design and whole-table totals."""

    train: PlatformFrame
    current: pd.DataFrame
    design: Design
    totals: dict


def engagement(events, before: pd.Timestamp | None = None):
    """Per ``user_id``: sessions, minutes, completion rate and minutes on TV over every event, and, given
    ``before``, the same over the events before it (``*_before``), in one pass over the events (Ibis)."""
    def stats(where) -> dict:
        on_tv = (events.device == "tv").ifelse(events.minutes_watched, 0.0)
        return {"sessions": events.count(where=where), "minutes": events.minutes_watched.sum(where=where),
                "completion": events.completed.cast("float64").mean(where=where), "tv_minutes": on_tv.sum(where=where)}

    aggs = stats(None)
    if before is not None:
        aggs |= {f"{k}_before": v for k, v in stats(events.started_at < before.to_pydatetime()).items()}
    return events.group_by("user_id").aggregate(**aggs)


def placed(subscribers, cutoff: pd.Timestamp, signup: str, churn: str):
    """Every subscriber with ``active_then`` (signed up before ``cutoff``, not left before it) and
    ``tenure_then`` (months from signup to the cutoff) (Ibis)."""
    when = cutoff.to_pydatetime()
    seconds = cutoff.timestamp()  # naive = UTC, as the engines read them
    return subscribers.mutate(
        active_then=(subscribers[signup] < when) & (subscribers[churn].isnull() | (subscribers[churn] >= when)),
        tenure_then=(seconds - subscribers[signup].epoch_seconds()) / (86_400 * MONTH_DAYS))


def subscriber_rows(subscribers, events, columns: list[str], before: pd.Timestamp | None = None):
    """``columns`` of each subscriber, by id, with their ``engagement`` aggregates joined on (none without
    events; ``events`` may be None) (Ibis)."""
    if events is None:
        return subscribers.select(*columns).order_by("subscriber_id")
    eng = engagement(events, before)
    joined = subscribers.left_join(eng, subscribers.subscriber_id == eng.user_id)
    return joined.select(*columns, *[c for c in eng.columns if c != "user_id"]).order_by("subscriber_id")


def rates(raw: pd.DataFrame, tenure: pd.Series, suffix: str = "") -> pd.DataFrame:
    """The ``ENGAGEMENT`` inputs from ``engagement`` aggregates: counts per month subscribed (at least
    ``MIN_MONTHS``), completion rate and share of minutes on TV; no viewing gives zero rates and missing shares."""
    months = tenure.astype("float64").fillna(0).clip(lower=MIN_MONTHS)
    get = lambda name: pd.to_numeric(raw[f"{name}{suffix}"], errors="coerce").astype("float64")  # noqa: E731
    minutes = get("minutes").fillna(0.0)
    return pd.DataFrame({"sessions_per_month": get("sessions").fillna(0) / months,
                         "minutes_per_month": minutes / months, "completion_rate": get("completion"),
                         "tv_share": get("tv_minutes") / minutes.where(minutes > 0)}, index=raw.index)


def totals(subscribers) -> dict:
    """Whole-table figures: subscribers, churned, current, monthly revenue lost and churners' mean charge."""
    churned = subscribers.churned.cast("int64")
    row = queries.collect(subscribers.aggregate(
        subscribers=subscribers.count(), churned=churned.sum(),
        revenue_lost=(churned * subscribers.monthly_charges).sum())).iloc[0]
    n, left = int(row["subscribers"]), int(row["churned"] or 0)
    lost = float(row["revenue_lost"] or 0.0)
    return {"subscribers": n, "churned": left, "current": n - left, "base_rate": left / n if n else float("nan"),
            "monthly_revenue_lost": lost, "churner_monthly": lost / left if left else 0.0}


def _kind(dtype: str) -> str:
    kind = dtype.lower().lstrip("!")
    if kind.startswith(("string", "bool")):
        return "text"
    if kind.startswith(("int", "uint", "float", "decimal")):
        return "number"
    return "date" if "date" in kind or "time" in kind else "other"


def column_plan(schema: dict[str, str], levels: dict[str, int], cutoff: bool = False
                ) -> tuple[list[str], list[str], dict[str, str]]:
    """Which subscriber columns to read, which are categorical extras, and which are left out (and why).

    Args:
        schema: column -> dtype text (``str(ibis dtype)``). levels: distinct values of each text column.
        cutoff: the cutoff design (numeric extras are measured today, after the cutoff).

    Returns:
        ``(read, categorical, left_out)``: ``read`` are the columns to fetch (contract ones and usable extras;
        numeric extras left out of the model are still read, for the planted-driver check).
    """
    read, categorical, left_out = list(CONTRACT), [], {}
    for column, dtype in schema.items():
        kind = _kind(dtype)
        if column in CONTRACT:
            continue
        if "churn" in column.lower():
            left_out[column] = "says whether or when the subscriber left: the answer itself"
        elif kind == "date":
            left_out[column] = ("a date: with tenure it tells whether the subscription ran to the snapshot, so it "
                                "would give the answer away" + (" (used only to place people in time)" * cutoff))
        elif kind == "text" and levels.get(column, 0) > MAX_LEVELS:
            left_out[column] = f"more than {MAX_LEVELS} distinct values: an identifier or free text"
        elif kind == "text":
            read.append(column)
            categorical.append(column)
        elif kind == "number":
            read.append(column)
            if cutoff:
                left_out[column] = "measured today, after the cutoff: it would carry what happened since"
        else:
            left_out[column] = f"type {dtype} is not a number or a category"
    if cutoff:
        left_out["total_charges"] = "billed to date: stops growing when a subscriber leaves, so it carries the outcome"
    return read, categorical, left_out


def _parts_of_plan(frame: pd.DataFrame, categorical: list[str]) -> dict[str, str]:
    """Categorical extras that every plan fixes (e.g. billing, when plans are named "Standard monthly")."""
    if frame["plan"].nunique() < 2:
        return {}
    per_plan = {c: frame.groupby("plan", observed=True)[c].nunique(dropna=False).max() for c in categorical}
    return {c: "a part of plan (each plan has one value): would split the plan's effect in two"
            for c, n in per_plan.items() if n <= 1}


def _repeats(frame: pd.DataFrame, extras: list[str], inputs: list[str], rows: int = 20_000) -> dict[str, str]:
    """Numeric extras that repeat a model input (|Spearman rho| >= ``REPEAT_RHO`` on a seeded sample)."""
    if not extras:
        return {}
    sample = frame.sample(min(rows, len(frame)), random_state=0)[extras + inputs].rank()
    rho = sample.corr().loc[extras, inputs].abs().fillna(0)
    return {c: f"repeats {label(rho.loc[c].idxmax())} (rank correlation {rho.loc[c].max():.2f})"
            for c in extras if rho.loc[c].max() >= REPEAT_RHO}


def _label_churn(values: pd.Series) -> pd.Series:
    """0/1 churn from booleans, 0/1 or Yes/No text."""
    text = values.astype(str).str.strip().str.lower()
    return text.isin(("true", "1", "yes", "1.0")).astype("int64")


def build_frame(raw: pd.DataFrame, categorical: list[str], left_out: dict[str, str], has_events: bool,
                cutoff: bool = False) -> PlatformFrame:
    """The model frame from the rows ``subscriber_rows`` returned (pure pandas; one row per subscriber)."""
    billed = raw["tenure"].fillna(0).clip(lower=0) * raw["monthly_charges"]
    df = raw.assign(churn=_label_churn(raw["churned"]))
    if not cutoff:
        df["billed_ratio"] = (raw["total_charges"] / billed.where(billed > 0)).astype("float64")
    for column in ["plan", *categorical]:
        df[column] = df[column].astype("string").astype("category")
    core = ["plan", "tenure", "monthly_charges"] + ([] if cutoff else ["billed_ratio"])
    core += list(ENGAGEMENT) if has_events else []
    numeric = [c for c in raw.columns if c not in CONTRACT and c not in categorical and c not in ENGAGEMENT]
    dropped = _parts_of_plan(df, categorical)
    if not cutoff:
        dropped.update(_repeats(df, numeric, core[1:]))
        left_out = {**left_out, "total_charges": "enters as billed vs tenure x price"}
    inputs = core + [c for c in categorical + ([] if cutoff else numeric) if c not in dropped]
    frame = df.drop(columns=["churned", "total_charges"]).reset_index(drop=True)
    return PlatformFrame(frame, tuple(inputs), {**left_out, **dropped})


def _date_columns(schema: dict[str, str]) -> tuple[str | None, str | None]:
    pick = lambda names: next((n for n in names if n in schema and _kind(schema[n]) == "date"), None)  # noqa: E731
    return pick(SIGNUP_DATES), pick(CHURN_DATES)


def _snapshot(subscribers, events, signup: str, churn: str) -> pd.Timestamp:
    """The data's last day: the latest session, signup or churn."""
    last = [subscribers.aggregate(a=subscribers[signup].max(), b=subscribers[churn].max())]
    if events is not None:
        last.append(events.aggregate(a=events.started_at.max()))
    stamps = [v for expr in last for v in queries.collect(expr).iloc[0].tolist() if pd.notna(v)]
    return pd.Timestamp(max(stamps))


def load(source: str, con=None) -> PlatformData:
    """The platform's subscribers as labelled model inputs and today's subscribers to score, viewing aggregated by
    the engine (``con``, DuckDB by default). The cutoff design when the dates allow it (module docstring).

    Raises:
        ValueError: the platform has no subscribers table or it lacks a contract column.
    """
    con = con or engine.connect()
    tables = engine.open_platform(con, platforms.platform_dir(source), prefix="churn_")
    if "subscribers" not in tables:
        raise ValueError(f"{source} has no subscribers table")
    subs, events = tables["subscribers"], tables.get("watch_events")
    schema = {name: str(dtype) for name, dtype in subs.schema().items()}
    if missing := [c for c in CONTRACT if c not in schema]:
        raise ValueError(f"the subscribers table is missing column(s): {', '.join(missing)}")
    texts = [c for c, d in schema.items() if _kind(d) == "text" and c not in CONTRACT]
    levels = queries.collect(subs.aggregate(**{c: subs[c].nunique() for c in texts})).iloc[0].to_dict() if texts else {}
    signup, churn = _date_columns(schema)
    if signup and churn:
        snapshot = _snapshot(subs, events, signup, churn)
        cutoff = (snapshot - pd.Timedelta(days=HORIZON_MONTHS * MONTH_DAYS)).floor("s")
        read, categorical, left_out = column_plan(schema, levels, cutoff=True)
        raw = queries.collect(subscriber_rows(placed(subs, cutoff, signup, churn), events,
                                              read + ["active_then", "tenure_then"], cutoff))
        then = raw[raw["active_then"].fillna(False).astype(bool)]
        then = then.assign(tenure=then["tenure_then"], **_viewing(then, then["tenure_then"], "_before", events))
        train = build_frame(then[_keep(then, read)], categorical, left_out, events is not None, cutoff=True)
        if len(train.frame) >= MIN_POPULATION and MIN_CHURNERS <= train.y.sum() <= len(train.frame) - MIN_CHURNERS:
            now = raw[_label_churn(raw["churned"]) == 0]
            now = now.assign(**_viewing(now, now["tenure"], "", events))
            current = build_frame(now[_keep(now, read)], categorical, left_out, events is not None, cutoff=True)
            return PlatformData(train, current.frame, Design("cutoff", snapshot, cutoff), totals(subs))
    read, categorical, left_out = column_plan(schema, levels)
    raw = queries.collect(subscriber_rows(subs, events, read))
    raw = raw.assign(**_viewing(raw, raw["tenure"], "", events))
    train = build_frame(raw[_keep(raw, read)], categorical, left_out, events is not None)
    current = train.frame[train.frame["churn"] == 0].reset_index(drop=True)
    return PlatformData(train, current, Design("snapshot"), totals(subs))


def _viewing(raw: pd.DataFrame, tenure: pd.Series, suffix: str, events) -> dict:
    return rates(raw, tenure, suffix).to_dict("series") if events is not None else {}


def _keep(raw: pd.DataFrame, read: list[str]) -> list[str]:
    return read + [c for c in ENGAGEMENT if c in raw.columns]


def sample_rows(y: pd.Series | np.ndarray, limit: int, random_state: int = 0) -> np.ndarray:
    """Positions of a stratified random sample of ``limit`` rows (every row when there are not more), sorted."""
    y = np.asarray(y)
    if len(y) <= limit:
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(len(y)), train_size=limit, stratify=y, random_state=random_state)
    return np.sort(keep)

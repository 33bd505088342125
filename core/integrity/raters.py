"""Integrity of the MovieLens ratings: which raters behave unlike the rest, and how much they move title ratings.

Pure pandas/numpy on the canonical ``ratings`` table (``user_id, title_id, rating, timestamp``). The Isolation
Forest itself is ``models.anomaly.AnomalyModel``; this module builds its input, turns its z-scores into plain
reasons, and measures the effect of the flagged raters on title means. There is no ground-truth label of fake
accounts in this data: a flag marks a statistical outlier to review, never a verdict.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from models import anomaly

#: Behaviour features per rater: column -> (label shown to users, model transform).
FEATURES: dict[str, tuple[str, str]] = {
    "ratings": ("ratings", "log"),
    "per_day": ("ratings per active day", "log"),
    "burst": ("largest one-minute burst", "log"),
    "rating_sd": ("rating spread (sd)", "raw"),
    "mean_rating": ("mean rating", "raw"),
    "extreme_share": ("share of extreme ratings", "raw"),
    "consensus_gap": ("gap to other raters", "raw"),
    "unique_share": ("share on titles nobody else rated", "raw"),
}
#: A title's consensus is the mean of its other raters; it needs at least this many to count.
MIN_OTHERS = 5
#: A rating at either end of the 0.5-5 scale.
EXTREMES = (0.5, 1.0, 5.0)
#: |z| from which a feature counts as a reason.
REASON_Z = 2.0
MIN_RATERS = 20
#: The rater forest: trees per forest and seeds whose flags are compared for reliability.
RATER_TREES = 500
RATER_SEEDS = 5

DEFINITIONS: dict[str, str] = {
    "ratings": "Ratings the user gave in total.",
    "per_day": "Ratings divided by the number of calendar days on which the user rated anything.",
    "burst": "Most ratings the user gave within one clock minute (timestamps floored to the minute). Rating a "
             "list of films on one screen also makes bursts, so a burst alone is a reason to look, not proof.",
    "rating_sd": "Standard deviation of the user's ratings (0 = the same score every time).",
    "mean_rating": "The user's mean rating (0.5-5 stars).",
    "extreme_share": "Share of the user's ratings at 0.5, 1 or 5 stars.",
    "consensus_gap": f"Mean absolute gap, in stars, between the user's rating and the mean rating of the same title "
                     f"by everybody else (titles with at least {MIN_OTHERS} other raters).",
    "unique_share": "Share of the user's ratings on titles no other user rated.",
}


def rater_features(ratings: pd.DataFrame) -> pd.DataFrame:
    """One row per user with the behaviour features of ``FEATURES`` (see ``DEFINITIONS``).

    Args:
        ratings: ``user_id, title_id, rating, timestamp``.

    Returns:
        Frame indexed by ``user_id``; ``consensus_gap`` is NaN for a user with no title of enough other raters.
    """
    if ratings.empty:
        return pd.DataFrame(columns=list(FEATURES), index=pd.Index([], name="user_id"), dtype="float64")
    r = ratings[["user_id", "title_id", "rating", "timestamp"]]
    by_title = r.groupby("title_id")["rating"].agg(["sum", "size"])
    t_sum = r["title_id"].map(by_title["sum"]).to_numpy("float64")
    t_n = r["title_id"].map(by_title["size"]).to_numpy("float64")
    others = t_n - 1
    loo = np.where(others >= MIN_OTHERS, (t_sum - r["rating"].to_numpy()) / np.maximum(others, 1), np.nan)
    work = r.assign(gap=np.abs(r["rating"].to_numpy() - loo), unique=others == 0,
                    extreme=r["rating"].isin(EXTREMES), day=r["timestamp"].dt.floor("D"),
                    minute=r["timestamp"].dt.floor("min"))
    g = work.groupby("user_id")
    out = pd.DataFrame({
        "ratings": g.size().astype("float64"),
        "active_days": g["day"].nunique().astype("float64"),
        "burst": work.groupby(["user_id", "minute"]).size().groupby(level=0).max().astype("float64"),
        "rating_sd": g["rating"].std(ddof=0),
        "mean_rating": g["rating"].mean(),
        "extreme_share": g["extreme"].mean(),
        "consensus_gap": g["gap"].mean(),
        "unique_share": g["unique"].mean(),
    })
    out["per_day"] = out["ratings"] / out["active_days"]
    return out[list(FEATURES) + ["active_days"]]


def model_input(features: pd.DataFrame) -> pd.DataFrame:
    """The Isolation Forest input: ``FEATURES`` columns, heavy-tailed counts on a log10 scale."""
    cols = {c: np.log10(features[c].astype("float64")) if how == "log" else features[c].astype("float64")
            for c, (_, how) in FEATURES.items()}
    return pd.DataFrame(cols, index=features.index)


def _shown(feature: str, value: float) -> str:
    if feature.endswith("_share"):
        return f"{value:.0%}"
    if feature in ("ratings", "burst"):
        return f"{value:,.0f}"
    if feature == "per_day":
        return f"{value:,.1f}"
    return f"{value:.2f}"


def reasons(features: pd.DataFrame, z: pd.DataFrame) -> list[str]:
    """Plain reason per rater: features beyond ``REASON_Z`` sd (up to three, most extreme first), else the most
    extreme one.

    Args:
        features: raw feature values (``rater_features``), same rows and order as ``z``.
        z: z-scores of the model input in columns ``z_<feature>`` (``AnomalyModel.explain``).
    """
    out = []
    for row in anomaly.strongest_features(features, z, REASON_Z, 3):
        parts = [f"{'high' if zs > 0 else 'low'} {FEATURES[f][0]} {_shown(f, value)} ({zs:+.1f} sd)"
                 for f, value, zs in row]
        out.append("; ".join(parts) or "No single feature stands out: the combination is rare.")
    return out


def flagged_table(features: pd.DataFrame, scores: np.ndarray, z: pd.DataFrame, flagged: np.ndarray) -> pd.DataFrame:
    """Flagged raters, most unusual first, with their features and the reasons.

    Args:
        features: ``rater_features`` output; scores: Isolation Forest scores (lower = more unusual), same rows;
        z: ``z_<feature>`` columns, same rows; flagged: boolean mask.
    """
    flagged = np.asarray(flagged, dtype=bool)
    cols = ["ratings", "active_days", "per_day", "burst", "rating_sd", "mean_rating", "extreme_share",
            "consensus_gap", "unique_share"]
    out = features.loc[flagged, cols].assign(score=np.asarray(scores)[flagged],
                                             why=reasons(features.loc[flagged], z.loc[flagged]))
    out = out.reset_index().sort_values("score", ignore_index=True)
    return out.astype({"user_id": "int64", "ratings": "int64", "active_days": "int64", "burst": "int64"})


def rule_flags(z: pd.DataFrame, limit: float = 3.0) -> np.ndarray:
    """The simple baseline: a rater with any single feature beyond ``limit`` sd."""
    return (z.abs() >= limit).any(axis=1).to_numpy()


def flag_agreement(flags: list[np.ndarray]) -> float:
    """Share of raters flagged in any run who are flagged in every run (1 = the same set each time)."""
    if not flags:
        return float("nan")
    stack = np.vstack([np.asarray(f, dtype=bool) for f in flags])
    ever = stack.any(axis=0).sum()
    return float(stack.all(axis=0).sum() / ever) if ever else float("nan")


#: Direction in which a feature looks like fake engagement: +1 high, -1 low, 0 either way.
SUSPICIOUS: dict[str, int] = {"ratings": 1, "per_day": 1, "burst": 1, "rating_sd": -1, "mean_rating": 0,
                              "extreme_share": 1, "consensus_gap": 1, "unique_share": 1}
PRIORITIES = ("High", "Medium", "Low")


def review_priority(z: pd.DataFrame) -> pd.Series:
    """Review priority of each rater from the features beyond ``REASON_Z`` sd in a fake-engagement direction
    (``SUSPICIOUS``): High with two or more, Medium with one, Low with none (unusual, e.g. a very loyal
    long-term rater, but not in a way fake accounts are)."""
    hits = pd.Series(0, index=z.index, dtype="int64")
    for feat, sign in SUSPICIOUS.items():
        col = z.get(f"z_{feat}")
        if col is None:
            continue
        beyond = col.abs() >= REASON_Z if sign == 0 else sign * col >= REASON_Z
        hits += beyond.fillna(False).astype("int64")
    return pd.Series(np.select([hits >= 2, hits == 1], PRIORITIES[:2], PRIORITIES[2]), index=z.index,
                     dtype="string")


def rating_effect(ratings: pd.DataFrame, flagged_users, titles: pd.DataFrame, n: int = 15,
                  min_ratings: int = 20, order: str = "most_rated") -> pd.DataFrame:
    """Titles rated by flagged users: mean rating with and without them.

    Args:
        ratings: ``user_id, title_id, rating``; flagged_users: user ids; titles: ``title_id, title, year``.
        n: titles to return; min_ratings: only titles with at least this many ratings from anybody.
        order: ``"most_rated"`` (most flagged ratings first) or ``"most_moved"`` (largest |shift| first).

    Returns:
        ``title_id, title, year, ratings, flagged_ratings, mean_all, mean_without, shift`` (shift = with minus
        without, stars) in ``order``; ``mean_without`` is NaN when only flagged users rated it.
    """
    cols = ["title_id", "title", "year", "ratings", "flagged_ratings", "mean_all", "mean_without", "shift"]
    per = title_shift(ratings, flagged_users)
    per = per[(per["flagged_ratings"] > 0) & (per["ratings"] >= min_ratings)]
    if per.empty:
        return pd.DataFrame(columns=cols)
    if order == "most_moved":
        per = per.iloc[np.argsort(-per["shift"].abs().fillna(0).to_numpy(), kind="stable")].head(n)
    else:
        per = per.sort_values(["flagged_ratings", "ratings"], ascending=False).head(n)
    names = titles.drop_duplicates("title_id").set_index("title_id")[["title", "year"]]
    return per.join(names, on="title_id")[cols].reset_index(drop=True)


def title_shift(ratings: pd.DataFrame, flagged_users) -> pd.DataFrame:
    """Per title: ratings, flagged ratings, mean with and without flagged users, and the shift (stars)."""
    r = ratings.assign(flagged=ratings["user_id"].isin(list(flagged_users)))
    r = r.assign(kept=r["rating"].where(~r["flagged"]))
    g = r.groupby("title_id")
    out = pd.DataFrame({"ratings": g.size(), "flagged_ratings": g["flagged"].sum(),
                        "mean_all": g["rating"].mean(), "mean_without": g["kept"].mean()}).reset_index()
    return out.assign(shift=out["mean_all"] - out["mean_without"])


def shift_summary(ratings: pd.DataFrame, flagged_users, titles: pd.DataFrame | None = None,
                  min_ratings: int = 20) -> dict:
    """How far flagged users move title means, over titles with at least ``min_ratings`` ratings.

    Returns:
        ``titles`` (such titles), ``touched`` (rated by a flagged user), ``moved`` (|shift| >= 0.1 star),
        ``mean_abs_shift`` (over touched titles), ``max_shift`` (signed, largest in size), ``max_title_id``,
        ``max_title`` (its name when ``titles`` holds ``title_id, title``), ``flagged_share`` (share of all
        ratings given by flagged users) and ``min_ratings``.
    """
    per = title_shift(ratings, flagged_users)
    per = per[per["ratings"] >= min_ratings]
    touched = per[per["flagged_ratings"] > 0]
    big = touched.loc[touched["shift"].abs().idxmax()] if len(touched) else None
    share = float(ratings["user_id"].isin(list(flagged_users)).mean()) if len(ratings) else float("nan")
    name = ""
    if big is not None and titles is not None:
        match = titles.loc[titles["title_id"] == big["title_id"], "title"]
        name = str(match.iloc[0]) if len(match) else ""
    return {"titles": int(len(per)), "touched": int(len(touched)),
            "moved": int((touched["shift"].abs() >= 0.1).sum()),
            "mean_abs_shift": float(touched["shift"].abs().mean()) if len(touched) else float("nan"),
            "max_shift": float(big["shift"]) if big is not None else float("nan"),
            "max_title_id": str(big["title_id"]) if big is not None else "", "max_title": name,
            "flagged_share": share, "min_ratings": min_ratings}


def fit_raters(ratings: pd.DataFrame, n_estimators: int = RATER_TREES, seeds: int = RATER_SEEDS) -> dict:
    """Rater features and Isolation Forest scores (threshold applied later with ``anomaly.flag_share``).

    Returns:
        ``features`` (``rater_features``), ``scores`` (seed 0; lower = more unusual), ``z`` (``z_<feature>``
        columns of ``AnomalyModel.explain``) and ``seed_scores`` (one row of scores per seed, for stability).
    """
    from models.anomaly import AnomalyModel

    feats = rater_features(ratings)
    if len(feats) < MIN_RATERS:
        return {}
    X = model_input(feats)
    models = [AnomalyModel(n_estimators=n_estimators, random_state=s).fit(X) for s in range(seeds)]
    explained = models[0].explain(X)
    return {"features": feats, "scores": models[0].train_scores_,
            "z": explained[[c for c in explained.columns if c.startswith("z_")]],
            "seed_scores": np.vstack([m.train_scores_ for m in models])}


def rater_points(features: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Every rater for the scatter: ``user_id``, the ``FEATURES`` columns, ``flagged``, ``priority``, ``why``
    (the last two empty for raters who are not flagged)."""
    flagged = table.set_index("user_id") if len(table) else pd.DataFrame(columns=["priority", "why"])
    out = features[list(FEATURES)].reset_index()
    def lookup(col: str) -> pd.Series:
        return out["user_id"].map(flagged[col].astype("string")).astype("string").fillna("")

    return out.assign(flagged=out["user_id"].isin(flagged.index), priority=lookup("priority"), why=lookup("why"))

"""Deep-dive model inputs and read-outs: which features the anomaly and segment models use, why a title
was flagged, segment profiles with hit rates, and the insight sentences for both.

Pure pandas; the estimators live in ``models.anomaly`` and ``models.segment``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from models import anomaly, segment

FEATURE_LABELS = {"vote_average": "rating", "log_votes": "log votes", "runtime": "runtime",
                  "r1": "1-star share", "r10": "10-star share", "log_popularity": "log popularity"}
MIN_ANOMALY_TITLES = 20
#: A feature at least this many standard deviations from the view's mean is named as a reason for a flag.
WHY_SD = 2.0
#: Share of the usable titles K-Means is fitted on; the rest is held out for the silhouette check.
SEGMENT_TRAIN_SHARE = 0.75


def fit_anomalies(df: pd.DataFrame) -> dict:
    """Fit the Isolation Forest (``models.anomaly`` defaults) on the view's anomaly features.

    Returns:
        ``X``, ``scores`` (training scores, lower = more abnormal), ``explained``, ``features`` and ``settings``
        (the estimator's ``n_estimators`` and ``random_state``, as quoted on the page); ``{}`` when the view has
        fewer than ``MIN_ANOMALY_TITLES`` titles or no usable feature.
    """
    X = anomaly_input(df) if len(df) else pd.DataFrame()
    if len(X) < MIN_ANOMALY_TITLES or X.empty:
        return {}
    model = anomaly.AnomalyModel().fit(X)
    return {"X": X, "scores": model.train_scores_, "explained": model.explain(X), "features": model.feature_names_,
            "settings": {"n_estimators": model.n_estimators, "random_state": model.random_state}}


def anomaly_method(features: list[str], settings: dict) -> str:
    """The caption under the Outliers heading, quoting the settings actually used."""
    names = ", ".join(FEATURE_LABELS.get(f, f) for f in features)
    return (f"Isolation Forest ({settings['n_estimators']} trees, random_state {settings['random_state']}) on "
            f"{names}. 'Why' lists the features beyond {WHY_SD:g} standard deviations from the view's mean.")


def _segment_split(X: pd.DataFrame, random_state: int) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """``(train, test)`` of the usable titles (test empty when there are too few to split); None when too few."""
    usable = X.dropna(subset=list(segment.FEATURES))
    if len(usable) < segment.MIN_TITLES:
        return None
    split = len(usable) >= 2 * segment.MIN_TITLES
    train = usable.sample(frac=SEGMENT_TRAIN_SHARE, random_state=random_state) if split else usable
    return train, usable.drop(train.index)


def _segment_evaluation(model: segment.SegmentModel, train: pd.DataFrame, test: pd.DataFrame,
                        random_state: int) -> dict:
    """Held-out evaluation of the model's current k, plus the best k and the split sizes."""
    evaluation = (segment.evaluate(model, test, random_state) if len(test)
                  else {"k": model.k_, "train_silhouette": model.silhouette_})
    best_silhouette = float(model.scores_.set_index("k").loc[model.best_k_, "silhouette"])
    return {**evaluation, "best_k": model.best_k_, "best_silhouette": best_silhouette, "train_titles": len(train),
            "train_share": len(train) / (len(train) + len(test))}


def fit_segments(X: pd.DataFrame, random_state: int = 0) -> tuple:
    """``(SegmentModel, evaluation)`` fitted on ``SEGMENT_TRAIN_SHARE`` of the usable titles and evaluated on the
    rest (all of them, unevaluated, when there are fewer than twice ``segment.MIN_TITLES``); ``(None, {})`` when
    too few titles have every segmentation feature.

    ``evaluation`` also holds ``best_k``, ``best_silhouette`` (training), ``train_titles`` and ``train_share``
    (the share actually used).
    """
    parts = _segment_split(X, random_state)
    if parts is None:
        return None, {}
    train, test = parts
    model = segment.SegmentModel(random_state=random_state).fit(train)
    return model, _segment_evaluation(model, train, test, random_state)


def segments_at_k(model: segment.SegmentModel, X: pd.DataFrame, k: int | None, random_state: int = 0) -> tuple:
    """``(model at k, evaluation at k)`` for a model from :func:`fit_segments` on the same ``X``: the K-Means
    already fitted for k (no new sweep, scaling still from the training split) scored on the same held-out split
    against its own shuffled baseline. ``k`` None/0 or not in the sweep = the best k."""
    k = int(k or model.best_k_)
    chosen = model.with_k(k if k in model.kmeans_by_k_ else model.best_k_)
    train, test = _segment_split(X, random_state)
    return chosen, _segment_evaluation(chosen, train, test, random_state)


def segment_method(scores: pd.DataFrame) -> str:
    """The caption above the segment curves, quoting the features and the k range actually tried."""
    lo, hi = (int(scores["k"].min()), int(scores["k"].max())) if len(scores) else (segment.K_MIN, segment.K_MAX)
    return (f"K-Means on standardised {segment.feature_list()} (scaled with the training titles only); k chosen "
            f"by the best silhouette over {lo}-{hi}. A silhouette below 0.5 means weak structure: then segments are "
            "useful labels, not natural groups.")


def segment_holdout_note(evaluation: dict) -> str:
    """Help text of the held-out silhouette metric: the split actually used."""
    held = evaluation.get("holdout_titles", 0)
    if not held:
        return (f"Too few titles for a held-out check: K-Means is fitted on all {evaluation.get('train_titles', 0):,} "
                "titles.")
    return (f"K-Means fitted on {evaluation['train_share']:.0%} of titles ({evaluation['train_titles']:,}), scored on "
            f"the other {held:,}.")


def anomaly_input(df: pd.DataFrame) -> pd.DataFrame:
    """Anomaly features present in the view: rating, log votes, runtime, and r1/r10 shares (embedded) or
    log popularity (TMDB, where there are no vote shares). Columns with no known value are dropped."""
    cols = {"vote_average": df["vote_average"], "log_votes": df["log_votes"], "runtime": df["runtime"]}
    if {"r1", "r10"} <= set(df.columns) and df["r1"].notna().any():
        cols.update(r1=df["r1"], r10=df["r10"])
    else:
        cols["log_popularity"] = np.log10(1 + df["popularity"].astype("float64"))
    out = pd.DataFrame(cols, index=df.index).astype("float64")
    return out.loc[:, out.notna().any()]


def _share_text(mid: float) -> str:
    lo = max(0, int(round(mid - 4.5)))
    return f"{lo}-{lo + 10}%"


def _part(feature: str, value: float, z: float) -> str:
    shown = _share_text(value) if feature in ("r1", "r10") else f"{value:.1f}"
    return f"{FEATURE_LABELS.get(feature, feature)} {shown} ({z:+.1f} sd)"


def reasons(X: pd.DataFrame, z: pd.DataFrame) -> list[str]:
    """Plain-language reason per row: the features beyond ``WHY_SD`` standard deviations (at most two, most extreme
    first), or the single most extreme feature when none is.

    Args:
        X: feature values; z: their z-scores in columns named ``z_<feature>`` (same rows, same order).
    """
    return ["; ".join(_part(*found) for found in row) or "No feature stands out on its own: the combination is rare."
            for row in anomaly.strongest_features(X, z, WHY_SD, 2)]


def anomaly_table(df: pd.DataFrame, X: pd.DataFrame, scores: np.ndarray, explained: pd.DataFrame,
                  flagged: np.ndarray) -> pd.DataFrame:
    """Flagged titles, most anomalous first, with their vote pattern and why they stand out.

    Args:
        df: featured titles (``title, year, primary_genre, vote_average, vote_count``, ``r1``/``r10`` if any).
        X: the model input (same index as ``df``).
        scores: Isolation Forest scores (lower = more abnormal).
        explained: ``AnomalyModel.explain(X)``.
        flagged: boolean mask of flagged rows.
    """
    has_shares = "r1" in X
    shape = (anomaly.vote_shape(df["r1"], df["r10"]) if has_shares
             else pd.Series("No vote shares", index=df.index, dtype="string"))
    z_cols = [c for c in explained.columns if c.startswith("z_")]
    out = df.loc[flagged, ["title", "year", "primary_genre", "vote_average", "vote_count"]].assign(
        score=np.asarray(scores)[flagged], pattern=shape[flagged],
        lead=explained.loc[flagged, "top_feature"].map(lambda f: FEATURE_LABELS.get(f, f)).astype("string"),
        why=reasons(X.loc[flagged], explained.loc[flagged, z_cols]))
    return out.sort_values("score", ignore_index=True)


def anomaly_insights(table: pd.DataFrame, total: int, contamination: float) -> list[str]:
    """How many titles are flagged, the split of one-sided vs two-sided vote extremes among them, and which
    feature leads the flags; every number is counted from ``table``."""
    if table.empty:
        return []
    n = len(table)
    out = [f"{n:,} of {total:,} titles ({n / total:.1%}) are flagged at a {contamination:.1%} contamination "
           f"setting; the most unusual is **{table['title'].iloc[0]}**."]
    top = table["lead"].value_counts()
    lead = (f"flags are driven mostly by **{top.index[0]}** (the most extreme feature of {top.iloc[0] / n:.0%} of "
            "flagged titles)")
    shapes = table["pattern"].value_counts()
    if "No vote shares" in shapes.index and shapes.size == 1:
        out.append(f"Without per-star vote shares in this source, {lead}.")
        return out
    one = int(shapes.filter(like="One-sided").sum())
    two = int(shapes.get("Two-sided: polarised", 0))
    heavy = int(round(anomaly.HEAVY - 4.5))
    out.append(f"{one / n:.0%} ({one:,}) have a one-sided vote extreme (panned: "
               f"{int(shapes.get('One-sided: panned', 0)):,}, beloved: {int(shapes.get('One-sided: beloved', 0)):,}).")
    out.append(f"{two / n:.0%} ({two:,}) are two-sided ({heavy}%+ of votes at both 1 and 10 stars).")
    out.append(f"Across all flags, {lead}.")
    return out


def anomaly_caveat(features: list[str]) -> str:
    """How to read the vote patterns (a caption, not an insight); empty when the source has no vote shares."""
    if "r1" not in features:
        return ""
    return ("One-sided extremes are famously bad or beloved titles, not fraud; a two-sided split is the "
            "ballot-stuffing signature worth an integrity review.")


def segment_input(df: pd.DataFrame) -> pd.DataFrame:
    """Segmentation features as float64: reach ``log_votes``, quality ``vote_average`` and attention
    ``log_popularity`` = log10(1 + ``popularity``) (see ``models.segment``)."""
    out = df[["log_votes", "vote_average"]].assign(log_popularity=segment.attention(df["popularity"]))
    return out[list(segment.FEATURES)].astype("float64").replace([np.inf, -np.inf], np.nan)


def segment_table(df: pd.DataFrame, labels: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Profile of each segment on its features (median votes, mean rating, median popularity), with its hit rate
    and mean engagement; columns ``segment, titles, median_votes, mean_rating, median_popularity, hit_rate,
    mean_engagement``, best mean engagement first."""
    cols = ["segment", "titles", "median_votes", "mean_rating", "median_popularity", "hit_rate", "mean_engagement"]
    lab = pd.Series(labels, index=df.index)
    used = df[lab >= 0].assign(seg=lab[lab >= 0])
    if used.empty:
        return pd.DataFrame(columns=cols)
    out = (used.groupby("seg").agg(titles=("title_id", "size"), median_votes=("vote_count", "median"),
                                   mean_rating=("vote_average", "mean"), median_popularity=("popularity", "median"),
                                   hit_rate=("hit", "mean"), mean_engagement=("engagement_score", "mean"))
           .reset_index())
    out["segment"] = out["seg"].map(lambda i: names[int(i)]).astype("string")
    return out[cols].astype({c: "float64" for c in cols[2:]}).sort_values(
        "mean_engagement", ascending=False, ignore_index=True)


def segment_points(df: pd.DataFrame, labels: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Segmented titles for the scatter: ``title, log_votes, vote_average, log_popularity, segment``."""
    keep = np.asarray(labels) >= 0
    return (df.loc[keep, ["title"]].join(segment_input(df.loc[keep]))
            .assign(segment=[names[i] for i in np.asarray(labels)[keep]]))


def segment_profile_insights(table: pd.DataFrame) -> list[str]:
    """Best and worst segment by hit rate, and the largest segment."""
    if table.empty:
        return []
    best, worst = table.loc[table["hit_rate"].idxmax()], table.loc[table["hit_rate"].idxmin()]
    big = table.loc[table["titles"].idxmax()]
    return [f"**{best['segment']}** has the highest hit rate ({best['hit_rate']:.0%} of {int(best['titles']):,} "
            f"titles); **{worst['segment']}** the lowest ({worst['hit_rate']:.0%}).",
            f"**{big['segment']}** is the largest segment: {int(big['titles']):,} titles "
            f"({big['titles'] / table['titles'].sum():.0%} of those segmented)."]


def segment_quality_insights(scores: pd.DataFrame, evaluation: dict) -> list[str]:
    """How k was chosen, what a k picked by the user gives up against the best, and an honest statement of how
    strong the structure is (held-out and vs baseline), all for the k shown (``evaluation["k"]``)."""
    if scores.empty:
        return []
    sil = evaluation.get("holdout_silhouette", np.nan)
    null = evaluation.get("null_silhouette", np.nan)
    lo, hi = scores["silhouette"].min(), scores["silhouette"].max()
    measured = sil if not np.isnan(sil) else evaluation.get("train_silhouette", np.nan)
    reading = ("Structure this weak means the segments are convenient slices of a continuum, not natural groups."
               if measured < 0.5 else "The segments are well separated.")
    held = (f"held-out silhouette {sil:.2f}" if not np.isnan(sil)
            else f"silhouette {measured:.2f}; too few titles for a held-out check")
    best = int(evaluation.get("best_k", scores.loc[scores["silhouette"].idxmax(), "k"]))
    k = int(evaluation.get("k", best))
    if k == best:
        first = f"Silhouette picks k = {best} ({held}; every k scores {lo:.2f}-{hi:.2f}). {reading}"
    else:
        by_k = scores.set_index("k")["silhouette"]
        gap = by_k[best] - by_k[k]
        first = (f"k = {k} scores {by_k[k]:.2f} silhouette against {by_k[best]:.2f} at the best k = {best} "
                 f"({gap:.2f} lower; {held}; every k scores {lo:.2f}-{hi:.2f}). {reading}")
    return [first, _baseline_line(sil, null)]


def segment_insights(table: pd.DataFrame, scores: pd.DataFrame, evaluation: dict) -> list[str]:
    """Profile line first, then the two quality lines (see the two functions above)."""
    if table.empty:
        return []
    return segment_profile_insights(table)[:1] + segment_quality_insights(scores, evaluation)


def _baseline_line(sil: float, null: float) -> str:
    if np.isnan(null) or np.isnan(sil):
        return "No held-out baseline: too few titles to set a quarter aside."
    verdict = ("so the segments capture real joint structure" if sil - null >= 0.05 else
               "so the segments barely beat it" if sil >= null else
               "which the segments do not beat: there is no real segment structure in this view")
    return f"Against a no-structure baseline (columns shuffled) the silhouette is {null:.2f}, {verdict}."

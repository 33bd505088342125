"""Market Opportunities analytics: saturation by genre, concentration of engagement, release windows and
genre pairings.

Definitions (also shown on the page):
- **supply share**: a genre's share of genre-title pairs in view (a two-genre title counts in both).
- **hit share**: the genre's share of all hit pairs (hit = top engagement quartile in view).
- **saturation index** = supply share / hit share. 1.0 = the genre gets exactly its share of hits; 2.0 = it
  holds twice as many titles as its hits justify (saturated); 0.5 = half (under-supplied for its success).
- **opportunity zones**: supply above/below the median genre's supply share x hit rate above/below the hit rate
  of all genre-title pairs.
"""
from __future__ import annotations

from itertools import combinations

import networkx as nx
import numpy as np
import pandas as pd

from core.data import features
from core.explore import deepdive, universe

ZONES = {(False, True): "Opportunity", (True, True): "Competitive core", (True, False): "Saturated",
         (False, False): "Niche / weak"}
MEASURES = {"engagement_score": "engagement score", "vote_count": "votes (raw audience attention)"}
SATURATION_COLUMNS = ["genre", "zone", "saturation_index", "titles", "title_share", "hits", "hit_share", "hit_rate",
                      "engagement", "engagement_share", "mean_engagement"]
MIN_CELL = 5  # titles a release-window cell or genre pair needs before its rate is shown


def saturation(df: pd.DataFrame) -> pd.DataFrame:
    """Genre supply vs performance with the saturation index and opportunity zone (see module docstring)."""
    stats = universe.genre_stats(df)
    if stats.empty:
        return stats.assign(saturation_index=[], zone=[])[SATURATION_COLUMNS]
    index = (stats["title_share"] / stats["hit_share"].replace(0, np.nan)).astype("float64")
    x_cut, y_cut = zone_cuts(stats)
    zone = [ZONES[(bool(s >= x_cut), bool(h >= y_cut))] for s, h in zip(stats["title_share"], stats["hit_rate"])]
    return stats.assign(saturation_index=index, zone=zone)[SATURATION_COLUMNS]


def zone_cuts(stats: pd.DataFrame) -> tuple[float, float]:
    """Quadrant lines: the median genre's supply share and the hit rate of all genre-title pairs."""
    if stats.empty:
        return float("nan"), float("nan")
    return float(stats["title_share"].median()), float(stats["hits"].sum() / stats["titles"].sum())


def saturation_insights(sat: pd.DataFrame) -> list[str]:
    """Name the opportunity genres and the most saturated one, with their index values."""
    if len(sat) < 2:
        return []
    ranked = sat.dropna(subset=["saturation_index"]).sort_values("saturation_index")
    opp = sat[sat["zone"] == "Opportunity"].sort_values("hit_rate", ascending=False)
    out = []
    if len(opp):
        names = ", ".join(f"**{g}** ({r:.0%} hits)" for g, r in zip(opp["genre"].head(3), opp["hit_rate"].head(3)))
        out.append(f"Opportunity zone (below-median supply, above-average hit rate): {names}.")
    else:
        out.append("No genre is both under-supplied and above the average hit rate in this view.")
    if len(ranked):
        hi, lo = ranked.iloc[-1], ranked.iloc[0]
        out.append(f"**{hi['genre']}** is the most saturated: index {hi['saturation_index']:.2f} "
                   f"({hi['title_share']:.0%} of supply, {hi['hit_share']:.0%} of hits).")
        out.append(f"**{lo['genre']}** is the least: index {lo['saturation_index']:.2f} "
                   f"({lo['title_share']:.0%} of supply, {lo['hit_share']:.0%} of hits).")
    no_hits = sat[sat["hits"] == 0]
    if len(no_hits):
        out.append(f"{len(no_hits)} genre(s) have no hits at all in view, so their index is undefined.")
    return out[:4]


def pareto(df: pd.DataFrame, measure: str = "engagement_score", points: int = 400) -> pd.DataFrame:
    """Cumulative share of ``measure`` held by the top share of titles (sorted high to low).

    Returns:
        ``title_share`` (0-1) and ``value_share`` (0-1), thinned to about ``points`` rows (ends kept).
    """
    values = df[measure].astype("float64").dropna().clip(lower=0).sort_values(ascending=False).to_numpy()
    if values.size == 0 or values.sum() == 0:
        return pd.DataFrame(columns=["title_share", "value_share"])
    cum = np.concatenate([[0.0], np.cumsum(values) / values.sum()])
    share = np.arange(values.size + 1) / values.size
    keep = np.unique(np.linspace(0, values.size, min(points, values.size + 1)).round().astype(int))
    return pd.DataFrame({"title_share": share[keep], "value_share": cum[keep]})


def pareto_summary(df: pd.DataFrame, measure: str = "engagement_score") -> dict:
    """``titles_for_80`` (share of titles holding 80% of the measure), ``top20_share``, ``titles``."""
    values = df[measure].astype("float64").dropna().clip(lower=0).sort_values(ascending=False).to_numpy()
    if values.size == 0 or values.sum() == 0:
        return {"titles_for_80": float("nan"), "top20_share": float("nan"), "titles": int(values.size)}
    cum = np.cumsum(values) / values.sum()
    n80 = int(np.searchsorted(cum, 0.8 - 1e-12) + 1)
    top20 = cum[max(int(np.ceil(values.size * 0.2)) - 1, 0)]
    return {"titles_for_80": n80 / values.size, "top20_share": float(top20), "titles": int(values.size)}


def pareto_insights(summary: dict, measure: str, other: dict | None = None) -> list[str]:
    """The 80/20 reading of the concentration curve and, given the other measure's summary (``other``), how the
    two measures' concentration compares on the same titles."""
    if not summary["titles"] or np.isnan(summary["titles_for_80"]):
        return []
    out = [f"The top {summary['titles_for_80']:.0%} of titles hold 80% of {MEASURES[measure]}.",
           f"The top 20% of titles hold {summary['top20_share']:.0%} of it (a strict 80/20 rule would be 80%)."]
    if other and other.get("titles") and not np.isnan(other["titles_for_80"]):
        name = next(m for m in MEASURES if m != measure)
        mine, theirs = summary["titles_for_80"], other["titles_for_80"]
        if abs(mine - theirs) < 0.005:
            out.append(f"{MEASURES[name].capitalize()} are just as concentrated: the top {theirs:.0%} of titles "
                       "hold 80% of them too.")
        else:
            word = "more" if theirs < mine else "less"
            out.append(f"{MEASURES[name].capitalize()} {'are' if name == 'vote_count' else 'is'} {word} concentrated: "
                       f"the top {theirs:.0%} of titles hold 80% of {'them' if name == 'vote_count' else 'it'} "
                       f"(top 20% hold {other['top20_share']:.0%}).")
    return out


def release_window(df: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Hit rate per (genre, period) on a seasonal basis; ``hit_rate`` is NA for cells under ``MIN_CELL``."""
    cols = ["genre", "period", "titles", "hit_rate", "mean_engagement"]
    if df.empty or basis not in deepdive.seasonal_bases(df):
        return pd.DataFrame(columns=cols)
    long = features.genre_long(df.assign(period=deepdive.period_labels(df, basis))
                               [["title_id", "genres", "period", "hit", "engagement_score"]])
    out = (long.dropna(subset=["period"]).groupby(["genre", "period"], observed=True, sort=True)
           .agg(titles=("title_id", "size"), hit_rate=("hit", "mean"),
                mean_engagement=("engagement_score", "mean")).reset_index())
    out["hit_rate"] = out["hit_rate"].where(out["titles"] >= MIN_CELL)
    out["genre"], out["period"] = out["genre"].astype("string"), out["period"].astype("string")
    return out[cols]


def release_window_insights(window: pd.DataFrame, basis: str) -> list[str]:
    """Best cell overall and the best and worst window for the biggest genre."""
    solid = window.dropna(subset=["hit_rate"])
    if solid.empty:
        return []
    sized = solid[solid["titles"] >= 2 * MIN_CELL]
    sized = sized if len(sized) else solid
    best = sized.loc[sized["hit_rate"].idxmax()]
    label = deepdive.BASIS_LABELS[basis]
    out = [f"Best window by {label}: **{best['genre']} in {best['period']}** ({best['hit_rate']:.0%} hits from "
           f"{int(best['titles'])} titles)."]
    biggest = solid.groupby("genre")["titles"].sum().idxmax()
    g = solid[solid["genre"] == biggest]
    if len(g) > 1:
        hi, lo = g.loc[g["hit_rate"].idxmax()], g.loc[g["hit_rate"].idxmin()]
        out.append(f"For **{biggest}**, the largest genre, {hi['period']} performs best ({hi['hit_rate']:.0%}) "
                   f"and {lo['period']} worst ({lo['hit_rate']:.0%}).")
    blank = int(window["hit_rate"].isna().sum())
    if blank:
        out.append(f"{blank:,} of {len(window):,} genre-period cells have fewer than {MIN_CELL} titles and are left "
                   "blank.")
    return out


def cooccurrence(df: pd.DataFrame) -> pd.DataFrame:
    """Genre pairs that share titles: count, mean engagement, hit rate and lift over the better single genre.

    Returns:
        ``a, b, titles, mean_engagement, hit_rate, best_single_hit_rate, lift`` (lift = pair hit rate minus the
        higher of the two genres' own hit rates, in rate points), most common pair first.
    """
    cols = ["a", "b", "titles", "mean_engagement", "hit_rate", "best_single_hit_rate", "lift"]
    rows = [(a, b, s, h) for gs, s, h in zip(df["genres"], df["engagement_score"], df["hit"])
            for a, b in combinations(sorted(set(gs) - {"Unclassified"}), 2)] if len(df) else []
    if not rows:
        return pd.DataFrame(columns=cols)
    pairs = (pd.DataFrame(rows, columns=["a", "b", "score", "hit"]).groupby(["a", "b"], sort=True)
             .agg(titles=("hit", "size"), mean_engagement=("score", "mean"), hit_rate=("hit", "mean"))
             .reset_index())
    single = universe.genre_stats(df).set_index("genre")["hit_rate"]
    best = np.maximum(pairs["a"].map(single).astype("float64"), pairs["b"].map(single).astype("float64"))
    pairs = pairs.assign(best_single_hit_rate=best, lift=pairs["hit_rate"] - best)
    return pairs[cols].sort_values(["titles", "a", "b"], ascending=[False, True, True], ignore_index=True)


def best_pairings(pairs: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Pairs with at least ``MIN_CELL`` titles, best hit rate first."""
    return pairs[pairs["titles"] >= MIN_CELL].sort_values(["hit_rate", "titles"], ascending=False,
                                                          ignore_index=True).head(n)


def genre_network(df: pd.DataFrame, pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge frames of the genre co-occurrence graph, laid out with a seeded spring layout.

    Returns:
        ``nodes`` (``genre, x, y, titles``) and ``edges`` (``a, b, x0, y0, x1, y1, titles, hit_rate,
        mean_engagement``); both empty when fewer than two genres are linked.
    """
    node_cols, edge_cols = ["genre", "x", "y", "titles"], ["a", "b", "x0", "y0", "x1", "y1", "titles",
                                                           "hit_rate", "mean_engagement"]
    if pairs.empty:
        return pd.DataFrame(columns=node_cols), pd.DataFrame(columns=edge_cols)
    graph = nx.Graph()
    sizes = universe.genre_stats(df).set_index("genre")["titles"]
    for r in pairs.itertuples():
        graph.add_edge(r.a, r.b, weight=float(r.titles))
    pos = nx.spring_layout(graph, weight="weight", seed=0)
    nodes = pd.DataFrame([(g, *pos[g], int(sizes.get(g, 0))) for g in sorted(graph.nodes)], columns=node_cols)
    edges = pairs.assign(x0=pairs["a"].map(lambda g: pos[g][0]), y0=pairs["a"].map(lambda g: pos[g][1]),
                         x1=pairs["b"].map(lambda g: pos[g][0]), y1=pairs["b"].map(lambda g: pos[g][1]))
    return nodes, edges[edge_cols]


def network_insights(df: pd.DataFrame, pairs: pd.DataFrame) -> list[str]:
    """Most common pairing, best-performing pairing and the most connected genre."""
    if pairs.empty:
        return []
    multi = (df["genres"].map(lambda g: len(set(g) - {"Unclassified"})) >= 2).mean()
    top = pairs.iloc[0]
    out = [f"{multi:.0%} of titles combine two or more genres; **{top['a']} + {top['b']}** is the most common "
           f"pairing ({int(top['titles']):,} titles)."]
    best = best_pairings(pairs, 1)
    if len(best):
        b = best.iloc[0]
        out.append(f"**{b['a']} + {b['b']}** performs best: {b['hit_rate']:.0%} hits ({b['lift'] * 100:+.0f} "
                   f"points vs the better of the two genres alone).")
    degree = pd.concat([pairs[["a", "titles"]].rename(columns={"a": "g"}),
                        pairs[["b", "titles"]].rename(columns={"b": "g"})]).groupby("g")["titles"].sum()
    out.append(f"**{degree.idxmax()}** is the most connected genre ({int(degree.max()):,} shared titles).")
    return out

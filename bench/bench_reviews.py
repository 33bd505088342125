"""Review-text benchmarks: scorer throughput, and review-burst detection against planted truth.

Usage: ``python bench/bench_reviews.py [--runs 3] [--preset small]``. Generates a synthetic platform of the preset
in a temporary folder, then prints medians of: VADER on the real fine-food reviews (reviews/s, characters/s) and on
the platform's review texts (with identical texts scored once), the burst detector's seconds, and its precision
and recall against the planted review farms. The last line is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(call, runs: int) -> tuple[float, object]:
    seconds, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", default="small")
    args = parser.parse_args()
    import os

    import pandas as pd

    from core.data import platforms
    from core.data import reviews as dr
    from core.integrity import planted as pl
    from core.integrity import reviews as ir
    from core.synth import generate, params
    from models.text_sentiment import TextSentimentModel

    model = TextSentimentModel().fit()
    reference = dr.reference()
    ref_s, _ = _timed(lambda: model.decision_function(reference["text"].to_numpy(dtype=object)), args.runs)
    out = {"reference_reviews": len(reference), "reference_reviews_per_s": round(len(reference) / ref_s),
           "reference_chars_per_s": round(reference["text"].str.len().sum() / ref_s)}
    check = ir.scorer_check(reference, model)
    out.update(reference_auc=round(check["auc"], 3), reference_accuracy=round(check["accuracy"], 3),
               reference_baseline=round(check["baseline"], 3))
    with tempfile.TemporaryDirectory() as home:
        os.environ["MARQUEE_CACHE_DIR"] = home
        generate.generate(Path(home) / "platforms" / "bench", seed=0, sizes=params.PRESETS[args.preset])
        source = "syn:bench"
        texts = pd.read_parquet(platforms.platform_dir(source) / "reviews.parquet")["text"].to_numpy(dtype=object)
        syn_s, _ = _timed(lambda: model.decision_function(texts), args.runs)
        burst_s, found = _timed(lambda: _bursts(source, ir, dr), args.runs)
        windows, near = found
        truth = platforms.truth(source)
        farmed = truth.loc[(truth["entity_type"] == "title") & (truth["label"] == "review_farm"), "entity_id"]
        score = pl.precision_recall(near.loc[near["fake"], "title_id"], farmed, windows["title_id"])
    out.update(platform_reviews=len(texts), platform_unique_texts=len(set(texts)),
               platform_reviews_per_s=round(len(texts) / syn_s), burst_seconds=round(burst_s, 3),
               burst_titles=len(windows), burst_planted=score["planted"], burst_flagged=score["flagged"],
               burst_precision=round(score["precision"], 3), burst_recall=round(score["recall"], 3))
    for name, value in out.items():
        print(f"{name}: {value}")
    print(json.dumps(out))


def _bursts(source, ir, dr):
    windows = ir.burst_windows(dr.daily(source))
    checked = windows[windows["burst"]].head(ir.BURSTS_CHECKED)
    return windows, ir.near_duplicates(checked, dr.of_titles(source, checked["title_id"].tolist()))


if __name__ == "__main__":
    main()

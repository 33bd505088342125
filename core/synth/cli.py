"""``python -m core generate --preset small|large --seed N --out DIR [--check-rows N | --full-check]``.

Writes the synthetic platform (``core.synth.generate``) and prints, as its last stdout line, one JSON object:
out, preset, seed, rows per table, seconds, peak_rss_mb and the self-check per table. Exit 0 on success, 2 with
one sentence on stderr when the arguments or the output directory cannot be used, 1 when the self-check fails.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from core.synth.params import PRESETS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core generate",
                                     description="Generate a SYNTHETIC streaming platform with planted truth.")
    parser.add_argument("--preset", choices=list(PRESETS), default="small")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output directory (created if needed)")
    check = parser.add_mutually_exclusive_group()
    check.add_argument("--check-rows", type=int, default=None,
                       help="rows per table and chunk validated by the data contract (default 400)")
    check.add_argument("--full-check", action="store_true",
                       help="validate every row (slow: about a millisecond a row)")
    return parser


def _writable(out: Path) -> str | None:
    """None when ``out`` can be created and written, else one sentence why not."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out):
            pass
    except OSError as exc:
        return f"Cannot write to the output directory {out}: {exc.strerror or exc}."
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.seed < 0:
        parser.error("--seed must be a non-negative integer")
    if args.check_rows is not None and args.check_rows < 1:
        parser.error("--check-rows must be at least 1")
    out = Path(args.out)
    problem = _writable(out)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from core.synth.generate import GenerationError, generate

    sizes = PRESETS[args.preset]
    if args.full_check or args.check_rows is not None:
        sizes = replace(sizes, check_rows=None if args.full_check else args.check_rows)
    try:
        summary = generate(out, args.preset, args.seed, sizes)
    except GenerationError as exc:
        print(str(exc)[:500], file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Could not write the synthetic platform to {out}: {exc.strerror or exc}.", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0

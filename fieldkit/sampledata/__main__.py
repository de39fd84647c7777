"""``python -m fieldkit.sampledata``: rewrite sample_data/, or fill a big store for benchmarks."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from fieldkit.sampledata.bulk import generate_store
from fieldkit.sampledata.county import DEFAULT_SEED
from fieldkit.sampledata.files import DEMO_PERSONS, DEMO_VISITS, write_sample_data

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m fieldkit.sampledata",
        description="Generate the invented demo county. Without --store, rewrite the demo "
        "files (demo.jsonl, roster.csv, visits.csv) in --out; with --store, fill a new "
        "store file of the given size (for benchmarks). Same arguments, same output.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder of the demo files (default: sample_data/ of this checkout)",
    )
    parser.add_argument("--store", type=Path, default=None, help="fill this NEW store file")
    parser.add_argument("--persons", type=int, default=None, help=f"persons (demo: {DEMO_PERSONS})")
    parser.add_argument("--visits", type=int, default=None, help=f"visits (demo: {DEMO_VISITS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    persons = args.persons if args.persons is not None else DEMO_PERSONS
    visits = args.visits if args.visits is not None else DEMO_VISITS
    if persons < 1 or visits < 0:
        parser.error("--persons must be at least 1 and --visits not negative")
    started = time.perf_counter()
    if args.store is not None:
        if args.store.exists():
            parser.error(f"{args.store} exists; give a new file")
        store = generate_store(
            args.store,
            persons=persons,
            visits=visits,
            seed=args.seed,
            progress=lambda msg: print(msg, file=sys.stderr),
        )
        store.close()
        print(
            f"{persons} persons and {visits} visits written to {args.store} "
            f"in {time.perf_counter() - started:.1f} s"
        )
        return 0
    out = args.out or Path(__file__).resolve().parents[2] / "sample_data"
    counts = write_sample_data(out, persons=persons, visits=visits, seed=args.seed)
    for name, n in counts.items():
        print(f"{out / name}: {n} rows")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

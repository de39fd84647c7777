"""Soak of the fault-injection convergence test: many seeds, then the cost of faults.

Runs ``tests/faults/test_random_cuts.py`` once per seed (three laptops, random edits,
random cuts, refusals and delays through the fault proxy, sync until quiet, then the
convergence and exactly-once checks), each in its own pytest process, and prints per
seed the faults injected, the syncs that failed and the time; then the same scenario
with no faults, and the ratio (how much longer a faulty link makes the whole exchange,
mostly the client's own retry pauses).

    python tests/benchmarks/bench_faults.py [--seeds 10] [--limit 9] [--first 1]

Exit status 1 when any seed fails (its pytest output is printed).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST = "tests/faults/test_random_cuts.py"
LINE = re.compile(r"seed (\d+): (\d+) faults, (\d+) failed syncs")


def run(seed: int, limit: int) -> tuple[bool, int, int, float, str]:
    """One run of the scenario: (passed, faults, failed syncs, seconds, output)."""
    env = dict(os.environ, FIELDKIT_FAULT_SEED=str(seed), FIELDKIT_FAULT_LIMIT=str(limit))
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", TEST, "-q", "-s", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    elapsed = time.perf_counter() - started
    found = LINE.search(proc.stdout)
    faults, failed = (int(found.group(2)), int(found.group(3))) if found else (0, 0)
    return proc.returncode == 0, faults, failed, elapsed, proc.stdout + proc.stderr


def main() -> int:
    """Run the soak and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="how many seeds (default 10)")
    ap.add_argument("--first", type=int, default=1, help="first seed (default 1)")
    ap.add_argument("--limit", type=int, default=9, help="faults per laptop link (default 9)")
    args = ap.parse_args()

    print(f"{'seed':>6} {'result':>6} {'faults':>7} {'failed syncs':>13} {'seconds':>8}")
    failures = 0
    seed_failures = 0
    total_time = 0.0
    total_faults = 0
    for seed in range(args.first, args.first + args.seeds):
        ok, faults, failed, elapsed, output = run(seed, args.limit)
        total_time += elapsed
        total_faults += faults
        print(f"{seed:>6} {'ok' if ok else 'FAIL':>6} {faults:>7} {failed:>13} {elapsed:>8.1f}")
        if not ok:
            failures += 1
            seed_failures += 1
            print(output[-4000:])
    ok, _, _, calm, output = run(args.first, 0)
    if not ok:
        failures += 1
        print(output[-4000:])
    mean = total_time / max(args.seeds, 1)
    print(f"seeds passed: {args.seeds - seed_failures}/{args.seeds}")
    print(f"faults injected: {total_faults} ({total_faults / max(args.seeds, 1):.1f} per run)")
    print(f"mean run with faults: {mean:.1f} s; same scenario without faults: {calm:.1f} s")
    print(f"ratio faulty/calm: {mean / calm:.2f}x")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

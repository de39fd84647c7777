"""Benchmark: the due list of a whole scope of 100,000 persons and 1,000,000 visits.

    python tests/benchmarks/bench_due.py [--store PATH] [--festival-store PATH] [--runs N]

Two stores are made once by the sample-data generator (``fieldkit.sampledata``) and
reused (default: ``$TMPDIR/fieldkit-bench/due-100k.db`` and ``due-100k-spring.db``).
Both hold an invented county of the same size and seed, generated up to the day
before their "today":

- ordinary day: the demo's today (2026-11-01), no festival window open;
- festival window: 2027-01-30, a week before Spring Festival (6 February 2027), when
  nearly everyone owes a festival visit and nobody has had it yet.

For each day it prints the median wall-clock (and CPU) time of ``N`` runs (default 3)
of the whole list (``due_list``), of the whole list then its groups per site (made
when first read), of the first screenful (``due_list_head``, 50 tasks)
and of the first screenful then the whole list's counts per state (``due_listing``,
what a screen's header needs), the ratio festival / ordinary, and each against the
200 ms target; then, from one listing per run, what Today waits for apart: the
first screenful (shown first), the counts after it, and both; then the time to read
every task of the festival list (the tasks are made and sorted as they are read),
and a day in the past of the first store (a festival window with most persons
visited after that day, whose visits as of the day are read from ``visit`` itself).

The store layer of older versions has no ``due_list_head`` nor ``due_listing``; their
columns say "n/a".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import fieldkit.store.due_list as due
from fieldkit.domain.careplan import default_policy
from fieldkit.sampledata import ANCHOR, CountyGenerator, fill_store
from fieldkit.store import Store

TARGET_MS = 200.0
RATIO_TARGET = 1.5
PERSONS = 100_000
VISITS = 1_000_000
SCREENFUL = 50
FESTIVAL_DAY = date(2027, 1, 30)  # Spring Festival 2027 is on 6 February
PAST_FESTIVAL_DAY = date(ANCHOR.year, 9, 25)  # National Day window, before the store's end


def _store(path: Path, anchor: date) -> Store:
    """The store at ``path``, generated first (once) with history up to ``anchor``."""
    if path.exists():
        return Store(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating {PERSONS:,} persons and {VISITS:,} visits up to {anchor} into {path} ...")
    started = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    store = Store(partial)
    fill_store(store, CountyGenerator(persons=PERSONS, visits=VISITS, anchor=anchor))
    store.close()
    partial.rename(path)  # a cut generation leaves no store behind to be reused
    print(f"  generated in {time.perf_counter() - started:.0f} s")
    return Store(path)


class Timing(NamedTuple):
    """Median wall-clock and CPU milliseconds of some runs."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:7.1f} ms (CPU {self.cpu:6.1f})"


def _median(call: Callable[[], Any], runs: int) -> Timing:
    """The median times of ``runs`` calls, after one to warm the page cache. The CPU
    time of the process is less disturbed by other work on the machine."""
    call()
    wall, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return Timing(statistics.median(wall), statistics.median(cpu))


def _whole(store: Store, on: date) -> Callable[[], Any]:
    return lambda: due.due_list(store, on=on, policy=default_policy())


def _whole_and_groups(store: Store, on: date) -> Callable[[], Any]:
    """The whole list, then its groups per site with their counts (made when first
    read: the persons who owe a festival visit counted per site)."""
    return lambda: due.due_list(store, on=on, policy=default_policy()).groups


def _head(store: Store, on: date) -> Callable[[], Any] | None:
    head = getattr(due, "due_list_head", None)
    if head is None:
        return None
    return lambda: head(store, on=on, policy=default_policy(), limit=SCREENFUL)


def _head_and_counts(store: Store, on: date) -> Callable[[], Any] | None:
    listing = getattr(due, "due_listing", None)
    if listing is None:
        return None

    def call() -> None:
        with listing(store, on=on, policy=default_policy()) as it:
            it.head(SCREENFUL)
            it.counts()

    return call


def _split(store: Store, on: date, runs: int) -> tuple[Timing, Timing, Timing] | None:
    """What a Today screen waits for, from one listing per run: the first screenful
    (shown as soon as it is made), then the counts per state (the header), and both:
    median wall-clock and CPU milliseconds of each, after one run to warm the cache."""
    listing = getattr(due, "due_listing", None)
    if listing is None:
        return None
    parts: list[list[tuple[float, float]]] = [[], [], []]
    for run in range(runs + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        with listing(store, on=on, policy=default_policy()) as it:
            it.head(SCREENFUL)
            middle, cpu_middle = time.perf_counter(), time.process_time()
            it.counts()
        ended, cpu_ended = time.perf_counter(), time.process_time()
        if run:
            parts[0].append((middle - started, cpu_middle - cpu_started))
            parts[1].append((ended - middle, cpu_ended - cpu_middle))
            parts[2].append((ended - started, cpu_ended - cpu_started))
    return tuple(  # type: ignore[return-value]
        Timing(
            statistics.median(w for w, _ in part) * 1000,
            statistics.median(c for _, c in part) * 1000,
        )
        for part in parts
    )


def _later_visits(store: Store, on: date) -> int:
    """Persons with a visit after ``on``: their summary is not current, visits are read."""
    with store.read() as s:
        found = s.connection().exec_driver_sql(
            "SELECT count(*) FROM visit_summary WHERE last_at >= ?",
            ((on + timedelta(days=1)).isoformat(),),
        )
        return int(found.scalar_one())


class Ratio(NamedTuple):
    """Festival window over ordinary day, by wall-clock and CPU time."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:.2f}x (CPU {self.cpu:.2f}x)"


def _ratio(timings: Mapping[str, Timing | None]) -> Ratio | None:
    fest, ordinary = timings["festival window"], timings["ordinary day"]
    if fest is None or ordinary is None:
        return None
    return Ratio(fest.wall / ordinary.wall, fest.cpu / ordinary.cpu)


def _verdict(value: float, limit: float) -> str:
    return "meets" if value <= limit else "misses"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    folder = Path(tempfile.gettempdir()) / "fieldkit-bench"
    parser.add_argument("--store", type=Path, default=folder / "due-100k.db")
    parser.add_argument("--festival-store", type=Path, default=folder / "due-100k-spring.db")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    ordinary = _store(args.store, ANCHOR)
    festive = _store(args.festival_store, FESTIVAL_DAY)
    days = [("ordinary day", ordinary, ANCHOR), ("festival window", festive, FESTIVAL_DAY)]
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start;"
        f" median of {args.runs} runs; target {TARGET_MS:.0f} ms,"
        f" festival / ordinary at most {RATIO_TARGET}"
    )
    whole: dict[str, Timing] = {}
    grouped: dict[str, Timing] = {}
    head: dict[str, Timing | None] = {}
    counted: dict[str, Timing | None] = {}
    for label, store, on in days:
        dl = due.due_list(store, on=on)
        counts = ", ".join(f"{state.value} {n:,}" for state, n in dl.counts.items())
        print(f"{label:<16} {on}  {dl.total:>7,} tasks ({counts})")
        whole[label] = _median(_whole(store, on), args.runs)
        grouped[label] = _median(_whole_and_groups(store, on), args.runs)
        call = _head(store, on)
        head[label] = _median(call, args.runs) if call else None
        call = _head_and_counts(store, on)
        counted[label] = _median(call, args.runs) if call else None
    print()
    print(
        f"{'':<18}{'whole list':<28}{f'first {SCREENFUL} tasks':<28}first {SCREENFUL}, then counts"
    )
    for label, *_ in days:
        print(
            f"{label:<18}{whole[label]!s:<28}{head[label] or 'n/a'!s:<28}{counted[label] or 'n/a'}"
        )
    ratios = {"whole list": _ratio(whole), "first screenful": _ratio(head)}
    ratios["first screenful, then counts"] = _ratio(counted)
    print(f"{'festival/ordinary':<18}" + "".join(f"{r or 'n/a'!s:<28}" for r in ratios.values()))
    ratios["whole list, then its groups"] = _ratio(grouped)
    print()
    print(f"{'':<18}whole list, then its groups per site")
    for label, *_ in days:
        print(f"{label:<18}{grouped[label]!s:<28}")
    print(f"{'festival/ordinary':<18}{ratios['whole list, then its groups']!s:<28}")
    print()
    festival = {
        "whole list": whole["festival window"],
        "whole list, then its groups": grouped["festival window"],
        "first screenful": head["festival window"],
        "first screenful, then counts": counted["festival window"],
    }
    for what, took in festival.items():
        ratio = ratios[what]
        if took is None or ratio is None:
            continue
        print(
            f"{what} in a festival window: {took.wall:.1f} ms"
            f" ({_verdict(took.wall, TARGET_MS)} the {TARGET_MS:.0f} ms target),"
            f" {ratio.wall:.2f}x the ordinary day"
            f" ({_verdict(ratio.wall, RATIO_TARGET)} {RATIO_TARGET}x)"
        )
    split = {label: _split(store, on, args.runs) for label, store, on in days}
    ordinary_split, festival_split = split["ordinary day"], split["festival window"]
    if ordinary_split is not None and festival_split is not None:
        print()
        print(
            f"Today, one listing: {'':<4}{f'first {SCREENFUL} tasks (shown)':<28}"
            f"{'then the counts':<28}total"
        )
        for label, parts in split.items():
            assert parts is not None
            print(f"{label:<22}" + "".join(f"{t!s:<28}" for t in parts))
        print(
            f"{'festival/ordinary':<22}"
            + "".join(
                f"{Ratio(f.wall / o.wall, f.cpu / o.cpu)!s:<28}"
                for f, o in zip(festival_split, ordinary_split, strict=True)
            )
        )
        for what, i in (("first screenful shown", 0), ("first screenful then counts", 2)):
            took, base = festival_split[i], ordinary_split[i]
            print(
                f"{what} in a festival window: {took.wall:.1f} ms (CPU {took.cpu:.1f})"
                f" ({_verdict(took.wall, TARGET_MS)} the {TARGET_MS:.0f} ms target),"
                f" {took.wall / base.wall:.2f}x the ordinary day"
                f" ({_verdict(took.wall / base.wall, RATIO_TARGET)} {RATIO_TARGET}x)"
            )
    dl = due.due_list(festive, on=FESTIVAL_DAY)
    started = time.perf_counter()
    read = sum(1 for _ in dl.tasks)
    print(
        f"reading all {read:,} tasks of the festival list after it is made:"
        f" {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    print()
    later = _later_visits(ordinary, PAST_FESTIVAL_DAY)
    past = _median(_whole(ordinary, PAST_FESTIVAL_DAY), args.runs)
    print(
        f"a past festival window, {PAST_FESTIVAL_DAY} on the first store"
        f" ({later:,} persons visited after that day): whole list {past}"
    )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    ordinary.close()
    festive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

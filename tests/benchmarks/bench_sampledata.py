"""Benchmark of the demo-county generator and of import/export (not collected by pytest).

    python tests/benchmarks/bench_sampledata.py                 # 100k persons, 1M visits
    python tests/benchmarks/bench_sampledata.py --persons 20000 --visits 200000

Prints the time to fill a store (split into making rows and writing them), the
ratio of the driver-level executemany the generator uses to plain Core inserts of
dicts, and the time to export the store and to import a roster through the ORM.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from fieldkit.domain.models import Visit
from fieldkit.exporting import export_jsonl
from fieldkit.importing import import_roster
from fieldkit.sampledata import CountyGenerator, generate_store
from fieldkit.sampledata.bulk import insert_plain, insert_rows
from fieldkit.sampledata.files import ROSTER_HEADERS
from fieldkit.store import Store


def _clock() -> float:
    return time.perf_counter()


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--roster", type=int, default=5_000, help="rows of the roster import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = _clock()
        gen = CountyGenerator(persons=args.persons, visits=args.visits)
        n = sum(len(batch) for batch in gen.iter_visits())
        t_rows = _clock() - t0
        t0 = _clock()
        store = generate_store(root / "big.db", persons=args.persons, visits=args.visits)
        t_store = _clock() - t0
        size = (root / "big.db").stat().st_size / 1e6
        print(f"rows only       : {args.persons} persons + {n} visits made in {t_rows:6.1f} s")
        print(
            f"generate_store  : {t_store:6.1f} s  ({size:.0f} MB file; writing ~"
            f"{max(0.0, t_store - t_rows):.1f} s)"
        )

        sample = next(CountyGenerator(persons=20_000, visits=200_000).iter_visits(200_000))
        timings = {}
        for name, insert in (("core dicts", insert_rows), ("driver tuples", insert_plain)):
            target = Store(root / f"{name.replace(' ', '_')}.db")
            with target.engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                assert raw is not None
                raw.execute("PRAGMA foreign_keys=OFF")
                t0 = _clock()
                with conn.begin():
                    insert(conn, Visit, sample)
                timings[name] = _clock() - t0
            target.close()
        ratio = timings["core dicts"] / timings["driver tuples"]
        print(
            f"insert 200k visits: Core dicts {timings['core dicts']:.2f} s, driver tuples "
            f"{timings['driver tuples']:.2f} s, ratio {ratio:.1f}x"
        )

        t0 = _clock()
        export_jsonl(store, root / "big.jsonl")
        t_export = _clock() - t0
        mb = (root / "big.jsonl").stat().st_size / 1e6
        print(f"export          : {t_export:6.1f} s  ({mb:.0f} MB JSON Lines)")
        store.close()

        small = CountyGenerator(persons=args.roster, visits=0)
        names = {s["id"]: s["name"] for s in small.sites}
        path = root / "roster.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(ROSTER_HEADERS)
            for p in small.persons:
                writer.writerow([p["code"], p["name"], "男" if p["sex"] == "male" else "女",
                                 p["birth_date"].isoformat(), p["category"], p["former_unit"],
                                 names[p["site_id"]], p["address"], p["phone"], p["tier"],
                                 "1" if p["lives_alone"] else "0", "1" if p["hardship"] else "0",
                                 "1" if p["party_member"] else "0", p["party_year"] or "",
                                 p["notes"], p["health"], p["family"]])  # fmt: skip
        laptop = Store(root / "laptop.db")
        t0 = _clock()
        first = import_roster(laptop, path)
        t_first = _clock() - t0
        t0 = _clock()
        second = import_roster(laptop, path)
        t_second = _clock() - t0
        laptop.close()
        print(
            f"roster import   : {args.roster} rows new in {t_first:.1f} s "
            f"({args.roster / t_first:.0f} rows/s, outbox included); "
            f"again ({second.unchanged} unchanged) in {t_second:.1f} s; {first.summary()[:20]}"
        )


if __name__ == "__main__":
    main()

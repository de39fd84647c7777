"""Benchmark: printing the service cards of a 2,000-person site as A4 PDF sheets.

    python tests/benchmarks/bench_cards.py [--persons N] [--runs N]

Builds a store whose one site holds N persons (default 2,000; the sample-data
generator fills it, then every person is moved to the first site), publishes a
card key, and times the whole print job (``card_holders`` + ``print_cards``: read
the roster, sign every card, build every QR, draw, compress and write the PDF).
It prints the time per card (median of the runs), the baseline measured in the
same run, ``qrcode`` making each card's symbol on its own (``QRCode(error_correction
=Q)``, ``add_data``, ``make()``, as an application would call it), the ratio of
the two, where a card's time goes, and the PDF size, against the targets: under
5 ms a card and under 20 MB. Wall and CPU time are both shown: on a shared
machine the CPU time and the ratio are the steadier figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_Q

from fieldkit.cards.keys import KeyRing, new_signing_key
from fieldkit.cards.payload import sign_card
from fieldkit.cards.printing import card_faces, print_cards
from fieldkit.cards.qr import card_matrix
from fieldkit.cards.records import card_holders
from fieldkit.sampledata import generate_store
from fieldkit.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for tests.*
from tests.cards.cards_helpers import publish_key

TARGET_MS = 5.0
TARGET_MB = 20.0


def _site_store(path: Path, persons: int) -> tuple[Store, str]:
    store = generate_store(path, persons=persons, visits=0)
    with store.engine.begin() as conn:
        site_id, name = conn.exec_driver_sql("SELECT id, name FROM site ORDER BY name").one()
        conn.exec_driver_sql("UPDATE person SET site_id = ?, status = 'active'", (site_id,))
    return store, str(name)


def _median_ms(times: list[float], cards: int) -> float:
    return statistics.median(times) / cards * 1000


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fk-bench-cards-") as tmp:
        os.environ["FIELDKIT_HOME"] = tmp
        store, site = _site_store(Path(tmp) / "cards.db", args.persons)
        key = new_signing_key("古岚县", KeyRing(), datetime(2026, 11, 22))
        publish_key(store, key.public)
        holders = card_holders(store, site=site)
        n = len(holders)
        print(f"{n} cards for site {site}, {args.runs} runs, load {os.getloadavg()[0]:.2f}")

        job: list[float] = []
        job_cpu: list[float] = []
        baseline: list[float] = []
        baseline_cpu: list[float] = []
        size = 0
        for run in range(args.runs):
            out = Path(tmp) / f"cards-{run}.pdf"
            started, cpu = time.perf_counter(), time.process_time()
            result = print_cards(card_holders(store, site=site), key, out)
            job.append(time.perf_counter() - started)
            job_cpu.append(time.process_time() - cpu)
            size = result.size_bytes
            payloads = [f.payload for f in card_faces(holders, key, "")]
            started, cpu = time.perf_counter(), time.process_time()
            for payload in payloads:
                code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q)
                code.add_data(payload)
                code.make()
            baseline.append(time.perf_counter() - started)
            baseline_cpu.append(time.process_time() - cpu)

        started = time.perf_counter()
        payloads = [sign_card(key, h.person_id, h.card_issue) for h in holders]
        sign_ms = (time.perf_counter() - started) / n * 1000
        started = time.perf_counter()
        for payload in payloads:
            card_matrix(payload)
        matrix_ms = (time.perf_counter() - started) / n * 1000
        store.close()

    per_card = _median_ms(job, n)
    qr_alone = _median_ms(baseline, n)
    per_card_cpu = _median_ms(job_cpu, n)
    qr_alone_cpu = _median_ms(baseline_cpu, n)
    mb = size / 1_000_000
    print(f"print job:        {per_card:6.2f} ms a card wall (median; runs {_runs(job, n)})")
    print(f"                  {per_card_cpu:6.2f} ms a card CPU (median; runs {_runs(job_cpu, n)})")
    print(f"qrcode baseline:  {qr_alone:6.2f} ms a card wall (median; runs {_runs(baseline, n)})")
    print(f"                  {qr_alone_cpu:6.2f} ms a card CPU (median)")
    print(
        f"ratio job/qrcode: {per_card / qr_alone:6.2f} wall, {per_card_cpu / qr_alone_cpu:.2f} CPU"
    )
    print(f"  of which: signing {sign_ms:.3f} ms, QR matrix {matrix_ms:.3f} ms, rest drawing+PDF")
    print(f"PDF:              {mb:6.2f} MB ({size / n / 1024:.1f} KB a card)")
    ok = per_card < TARGET_MS and mb < TARGET_MB
    print(
        f"target: < {TARGET_MS} ms a card (wall {per_card / TARGET_MS:.2f} of it, CPU "
        f"{per_card_cpu / TARGET_MS:.2f}), < {TARGET_MB} MB ({mb / TARGET_MB:.2f} of it): "
        f"{'met' if ok else 'MISSED (wall time; see the load above)'}"
    )
    return 0 if ok else 1


def _runs(times: list[float], cards: int) -> str:
    return ", ".join(f"{t / cards * 1000:.2f}" for t in times)


if __name__ == "__main__":
    sys.exit(main())

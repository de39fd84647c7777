"""Convergence, as a property: 2 to 5 laptops, any edits, any sync order, skewed clocks.

A hypothesis state machine drives real laptop stores (SQLite files) against a real
``fieldkit serve`` (SQLite, and PostgreSQL when FIELDKIT_TEST_DATABASE_URL is
set). Each laptop is a staff member of one or both of two sites and runs on its
own wall clock, anywhere from 5 minutes slow to nearly 5 minutes fast (HQ's
allowance); clocks jump back and forth between steps. Steps: person edits (a
field, or a phone through its status event), status events, visits, new persons,
deletes, and pushes and pulls in any order.

After a final full sync of every laptop:

* every laptop holds exactly HQ's records of its scope, equal field by field on
  every synced table, and its outbox holds nothing pending or rejected;
* for every person field edited, the value standing at HQ is one of the edits,
  and never one that another edit was made after seeing (its author had pulled
  it, or written it, before editing).

``pytest -m stress`` runs many more examples.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from fieldkit.domain.ids import decode_id
from fieldkit.domain.models import Person, Visit
from fieldkit.domain.vocab import EventKind, Tier
from fieldkit.store.records import RecordError, VisitInput, record_status_event, record_visit
from fieldkit.store.records import update_person as update_person_fields
from tests.convergence.convergence_kit import DRIFT_MS, ClockedLaptop
from tests.support.hq_process import Hq
from tests.support.laptop_kit import Laptop, hq_records, integrity, outbox_states, scope_mismatches

FAST_MARGIN_MS = 20_000
"""How far below HQ's allowance the fastest laptop stays (a push takes time to arrive)."""

OFFSETS = st.one_of(
    st.sampled_from((-DRIFT_MS, 0, DRIFT_MS - FAST_MARGIN_MS)),
    st.integers(-DRIFT_MS, DRIFT_MS - FAST_MARGIN_MS),
)
"""Anywhere inside the allowance, the edges often."""
FIELDS = ("address", "phone")
STATUS_EVENTS = (EventKind.HOSPITALISED, EventKind.DISCHARGED) * 3 + (EventKind.DECEASED,)


@dataclass
class World:
    """What the examples of one test share: HQ, the laptop that makes sites, a folder."""

    hq: Hq
    seed: ClockedLaptop
    tmp: Path
    counter: Iterator[int] = field(default_factory=itertools.count)


@dataclass(frozen=True)
class Edit:
    """One edit of a person field: who, what, and the edits its author had seen."""

    laptop: int
    person: str
    field: str
    value: str
    seen: frozenset[int]


class Convergence(RuleBasedStateMachine):
    """Laptops, HQ, and a model of who has seen which edit."""

    world: World

    def __init__(self) -> None:
        super().__init__()
        self.n = next(self.world.counter)
        self.laptops: list[ClockedLaptop] = []
        self.site_of: dict[str, str] = {}
        self.visits: list[str] = []
        self.edits: list[Edit] = []
        self.known: list[set[int]] = []
        self.pending: list[set[int]] = []
        self.at_hq: set[int] = set()
        self.values = itertools.count(1)

    # setup
    @initialize(
        offsets=st.lists(OFFSETS, min_size=2, max_size=5),
        homes=st.lists(st.sampled_from(("both", "both", "east", "west")), min_size=5, max_size=5),
    )
    def enroll_laptops(self, offsets: list[int], homes: list[str]) -> None:
        """Two new sites with a person each, and a staff laptop per offset."""
        w = self.world
        seed = w.seed.laptop
        sites = {name: seed.add_site(f"{name}-{self.n}") for name in ("east", "west")}
        for name, site in sites.items():
            for pid in seed.add_persons(site, f"{name[0].upper()}{self.n}", 1):
                self.site_of[pid] = site
        w.seed.push()
        for i, offset in enumerate(offsets):
            home = [sites["east"], sites["west"]] if homes[i] == "both" else [sites[homes[i]]]
            user = f"cv{self.n}-{i}"
            lap = Laptop.enrolled(
                w.hq, w.tmp / f"{user}.db", user, w.hq.url, role="staff", sites=",".join(home)
            )
            self.laptops.append(ClockedLaptop(lap, offset, home))
            self.known.append(set())
            self.pending.append(set())
            self.pull(i)

    # helpers
    def _pick(self, data: st.DataObject) -> int:
        return data.draw(st.integers(0, len(self.laptops) - 1), label="laptop")

    def _held_persons(self, i: int) -> list[str]:
        conn = sqlite3.connect(self.laptops[i].laptop.path)
        try:
            return sorted(
                decode_id(r[0]) for r in conn.execute("SELECT id FROM person WHERE deleted = 0")
            )
        finally:
            conn.close()

    def _held_visits(self, i: int) -> list[str]:
        conn = sqlite3.connect(self.laptops[i].laptop.path)
        try:
            return sorted(
                decode_id(r[0]) for r in conn.execute("SELECT id FROM visit WHERE deleted = 0")
            )
        finally:
            conn.close()

    def _note_edit(self, i: int, pid: str, name: str, value: str) -> None:
        over = [self.edits[at] for at in self.known[i]]
        if any(e.person == pid and e.field == name and e.laptop != i for e in over):
            event("an edit over another laptop's value it had seen")
        self.edits.append(Edit(i, pid, name, value, frozenset(self.known[i])))
        at = len(self.edits) - 1
        self.known[i].add(at)
        self.pending[i].add(at)

    # steps
    @rule(data=st.data(), name=st.sampled_from(FIELDS))
    def edit_person(self, data: st.DataObject, name: str) -> None:
        """A person's address edited on the file, or a phone changed by event; often
        pulled just before and pushed just after, as a person at the laptop would."""
        i = self._pick(data)
        if data.draw(st.booleans(), label="pull first"):
            self.pull(i)
        held = self._held_persons(i)
        if not held:
            return
        pid = data.draw(st.sampled_from(held), label="person")
        value = f"{name}-{self.n}-{next(self.values)}"
        if name == "phone":
            value = f"13{self.n % 10}{next(self.values):08d}"  # a mobile number
        lap = self.laptops[i]
        try:
            with lap.clock():
                if name == "phone":
                    record_status_event(
                        lap.laptop.store,
                        pid,
                        EventKind.PHONE_CHANGED,
                        date(2026, 11, 2),
                        new_value=value,
                    )
                else:
                    update_person_fields(lap.laptop.store, pid, {name: value})
        except RecordError:  # recorded as deceased on this laptop
            return
        self._note_edit(i, pid, name, value)
        if data.draw(st.booleans(), label="push after"):
            self._push(i)

    @rule(data=st.data(), name=st.sampled_from(FIELDS))
    def edit_person_again(self, data: st.DataObject, name: str) -> None:
        """Edits are the point: they come twice as often as the other steps."""
        self.edit_person(data, name)

    @rule(data=st.data(), kind=st.sampled_from(STATUS_EVENTS))
    def status_event(self, data: st.DataObject, kind: EventKind) -> None:
        """Hospitalised, discharged or deceased: an event row and the person's status."""
        i = self._pick(data)
        held = self._held_persons(i)
        if not held:
            return
        pid = data.draw(st.sampled_from(held), label="person")
        lap = self.laptops[i]
        try:
            with lap.clock():
                record_status_event(lap.laptop.store, pid, kind, date(2026, 11, 3))
        except RecordError:
            return

    @rule(data=st.data())
    def add_visit(self, data: st.DataObject) -> None:
        """A visit to a person the laptop holds."""
        i = self._pick(data)
        held = self._held_persons(i)
        if not held:
            return
        pid = data.draw(st.sampled_from(held), label="person")
        money = data.draw(st.integers(0, 100_000), label="money")
        lap = self.laptops[i]
        with lap.clock():
            visit = record_visit(
                lap.laptop.store,
                VisitInput(
                    person_id=pid,
                    visited_at=datetime(2026, 11, 4, 9, 30),
                    visitors="王芳",
                    money_fen=money,
                ),
            )
        self.visits.append(visit.id)

    @rule(data=st.data())
    def add_person(self, data: st.DataObject) -> None:
        """A new person at one of the laptop's sites."""
        i = self._pick(data)
        lap = self.laptops[i]
        site = data.draw(st.sampled_from(lap.sites), label="site")
        with lap.clock(), lap.laptop.store.write() as s:
            person = Person(
                code=f"N{self.n}-{next(self.values)}",
                name=f"张{next(self.values)}",
                site_id=site,
                birth_date=date(1940, 5, 6),
                tier=Tier.KEY,
            )
            s.add(person)
        self.site_of[person.id] = site

    @rule(data=st.data(), what=st.sampled_from(("person", "visit")))
    def delete(self, data: st.DataObject, what: str) -> None:
        """A person or a visit marked deleted (a tombstone, synced like any field)."""
        i = self._pick(data)
        held = self._held_persons(i) if what == "person" else self._held_visits(i)
        if not held:
            return
        row_id = data.draw(st.sampled_from(held), label=what)
        lap = self.laptops[i]
        with lap.clock(), lap.laptop.store.write() as s:
            row = s.get(Person if what == "person" else Visit, row_id)
            assert row is not None
            row.deleted = True
            s.add(row)

    @rule(data=st.data(), offset=OFFSETS, back=st.integers(1, 2 * DRIFT_MS))
    def clock(self, data: st.DataObject, offset: int, back: int) -> None:
        """The laptop's clock jumps backwards (no further than 5 minutes slow), or is set
        anew anywhere inside the allowance."""
        lap = self.laptops[self._pick(data)]
        if data.draw(st.booleans(), label="back"):
            lap.offset_ms = max(-DRIFT_MS, lap.offset_ms - back)
        else:
            lap.offset_ms = offset

    @rule(data=st.data(), how=st.sampled_from(("push", "pull", "sync", "sync")))
    def exchange(self, data: st.DataObject, how: str) -> None:
        """A push, a pull, or a sync (push then pull)."""
        i = self._pick(data)
        if how != "pull":
            self._push(i)
        if how != "push":
            self.pull(i)

    def _push(self, i: int) -> None:
        self.laptops[i].push()
        self.at_hq |= self.pending[i]
        self.pending[i] = set()

    def pull(self, i: int) -> None:
        """Pull; the laptop has now seen every edit HQ held."""
        self.laptops[i].pull()
        self.known[i] |= self.at_hq

    # the end
    def teardown(self) -> None:
        """A full sync of every laptop, twice round, then the comparisons."""
        try:
            if self.laptops:
                self.final_sync_and_check()
        finally:
            for lap in self.laptops:
                lap.laptop.close()

    def final_sync_and_check(self) -> None:
        """Every laptop equals HQ in its scope; every edit made after seeing another stands
        over it."""
        for i in range(len(self.laptops)):
            self._push(i)
            self.pull(i)
        for i in range(len(self.laptops)):
            self.pull(i)
        hq = self.world.hq
        for lap in self.laptops:
            assert scope_mismatches(hq, lap.laptop) == [], lap.laptop.user
            assert set(outbox_states(lap.laptop.path)) <= {"synced"}
            assert integrity(lap.laptop.path) == "ok"
        held = hq_records(hq.database_url)
        for (pid, name), edits in _by_field(self.edits).items():
            standing = held[("person", pid)][name]
            winners = [at for at, e in edits if e.value == standing]
            assert winners, f"{pid}.{name} = {standing!r}, which no edit wrote"
            (winner,) = winners
            seen_by = [self.edits[at] for at, e in edits if winner in e.seen]
            assert not seen_by, (
                f"{pid}.{name}: {standing!r} stands, though {seen_by[0].value!r} "
                f"was written on laptop {seen_by[0].laptop} after seeing it"
            )


def _by_field(edits: list[Edit]) -> dict[tuple[str, str], list[tuple[int, Edit]]]:
    out: dict[tuple[str, str], list[tuple[int, Edit]]] = {}
    for at, e in enumerate(edits):
        out.setdefault((e.person, e.field), []).append((at, e))
    return out


@pytest.fixture
def world(hq: Hq, tmp_path: Path) -> Iterator[World]:
    """An admin laptop that makes each example's sites, on the module's HQ."""
    seed = Laptop.enrolled(hq, tmp_path / "seed.db", f"seed-{tmp_path.name}", hq.url)
    try:
        yield World(hq, ClockedLaptop(seed, 0, []), tmp_path)
    finally:
        seed.close()


def _run(world: World, examples: int) -> None:
    class Run(Convergence):
        pass

    Run.world = world
    run_state_machine_as_test(
        Run,
        settings=settings(
            max_examples=examples,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            derandomize=False,
        ),
    )


def test_laptops_converge_with_skewed_clocks(world: World) -> None:
    """The default run: a dozen examples (about a minute)."""
    _run(world, 12)


@pytest.mark.stress
def test_laptops_converge_with_skewed_clocks_stress(world: World) -> None:
    """``pytest -m stress``: many more examples."""
    _run(world, 400)

"""Roster search by letters and code digits, page by page, against a plain pass.

The search reads the full pinyin, the initials and the other readings from three
index ranges, each cut at the page's end, and the other readings a few at a
time in their order; whatever the page size, the filters or how many readings a
prefix has, the pages must give exactly what one pass over every person gives.
"""

from __future__ import annotations

import functools

import pytest
from sqlmodel import select

from fieldkit.domain.models import Person
from fieldkit.domain.vocab import Tier
from fieldkit.store import Store
from fieldkit.store.roster import RosterFilter, SearchCancelled, search_roster
from fieldkit.store.search_index import extra_keys

PREFIXES = [
    "z", "zh", "zha", "zhang", "zs", "zsf", "c", "ce", "ceng", "cj", "s", "sh", "shan",
    "d", "dan", "x", "xie", "j", "jie", "jx", "l", "li", "liu", "w", "wang", "wj", "q",
    "014", "0142", "0000",
]  # fmt: skip


@functools.cache
def _people(store: Store) -> list[tuple[str, str, str, str, str, str, str, list[str]]]:
    """Every live person as (id, code, full, initials, site, tier, name, other keys)."""
    with store.read() as s:
        return [
            (p.id, p.code, p.search_full, p.search_initials, p.site_id, p.tier, p.name,
             extra_keys(p.name, p.code))
            for p in s.exec(select(Person)).all()
            if not p.deleted
        ]  # fmt: skip


def _reference(store: Store, flt: RosterFilter) -> list[str]:
    """The ids the search means, in its order, from one pass over every live person."""
    key = flt.text.lower()
    hits = [
        p
        for p in _people(store)
        if (
            (flt.site_id is None or p[4] == flt.site_id)
            and (flt.tier is None or p[5] == flt.tier)
            and (
                (p[2].startswith(key) or p[3].startswith(key))
                if key.isalpha()
                else p[1].startswith(key.upper())
            )
        )
        or (
            (flt.site_id is None or p[4] == flt.site_id)
            and (flt.tier is None or p[5] == flt.tier)
            and any(k.startswith(key) for k in p[7])
        )
    ]
    if key.isalpha():
        return [p[0] for p in sorted(hits, key=lambda p: (p[2], p[0]))]
    return [p[0] for p in sorted(hits, key=lambda p: (p[1], p[0]))]


def _pages(store: Store, flt: RosterFilter, limit: int) -> list[str]:
    out: list[str] = []
    offset = 0
    while True:
        page = search_roster(store, flt, offset=offset, limit=limit, quick=True)
        out.extend(r.id for r in page.rows)
        if not page.more:
            return out
        offset += limit


def _a_site(store: Store) -> str:
    return _people(store)[0][4]


@pytest.mark.parametrize("limit", [50, 7])
def test_letter_and_digit_pages_give_what_a_plain_pass_gives(county: Store, limit: int) -> None:
    site = _a_site(county)
    for text in PREFIXES:
        for flt in (
            RosterFilter(text=text),
            RosterFilter(text=text, site_id=site),
            RosterFilter(text=text, site_id=site, tier=Tier.KEY),
        ):
            expected = _reference(county, flt)
            found = _pages(county, flt, limit)
            assert found == expected, (text, flt.site_id, flt.tier, limit)


def test_the_prefixes_reach_other_readings_and_full_pages(county: Store) -> None:
    """The county really exercises the merge: other readings, and pages they change."""
    people = _people(county)
    for text in ("ce", "cj", "yu"):
        primary = {p[0] for p in people if p[2].startswith(text) or p[3].startswith(text)}
        assert set(_reference(county, RosterFilter(text=text))) - primary, text
    assert len(_reference(county, RosterFilter(text="z"))) > 60


def test_a_search_no_longer_wanted_stops_and_the_next_one_answers(county: Store) -> None:
    asked: list[int] = []

    def cancelled() -> bool:  # a newer search was typed once SQLite has started
        asked.append(1)
        return len(asked) > 1

    wanted: list[int] = []

    def still_wanted() -> bool:
        wanted.append(1)
        return False

    search_roster(county, RosterFilter(text="村"), cancelled=still_wanted)
    assert len(wanted) > 5  # a search long enough to be asked about many times
    with pytest.raises(SearchCancelled):
        search_roster(county, RosterFilter(text="村"), cancelled=cancelled)
    assert len(asked) <= 3  # stopped at the first question after the change, not at the end
    expected = _reference(county, RosterFilter(text="z"))[:50]
    page = search_roster(county, RosterFilter(text="z"), quick=True)
    assert [r.id for r in page.rows] == expected
    page = search_roster(county, RosterFilter(text="z"), quick=True, cancelled=lambda: False)
    assert [r.id for r in page.rows] == expected

"""The roster's first page before the store is opened: plain SQL, the same page.

``Services.open`` of a store that is ready as it is (at the head revision, with its
device id, no bulk load to finish) keeps only its path; a roster page without search
text, the sites and a local setting are then read with the standard library's
sqlite3 (:mod:`fieldkit.store.plain`), and anything else opens the store.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fieldkit.domain.vocab import Category, Status, Tier
from fieldkit.services import RosterFilter, Services
from fieldkit.store import Store, plain
from fieldkit.store.roster import list_sites, search_roster


def _site(store: Store) -> str:
    return list_sites(store)[0][0]


def _filters(store: Store) -> list[RosterFilter]:
    site = _site(store)
    return [
        RosterFilter(),
        RosterFilter(site_id=site),
        RosterFilter(category=Category.RETIRED),
        RosterFilter(tier=Tier.KEY),
        RosterFilter(status=Status.ACTIVE),
        RosterFilter(lives_alone=True),
        RosterFilter(hardship=False),
        RosterFilter(site_id=site, tier=Tier.KEY, lives_alone=False, hardship=True),
    ]


@pytest.mark.parametrize(("offset", "limit"), [(0, 50), (0, 7), (14, 7), (1490, 50)])
def test_the_plain_page_is_the_page_of_the_stores_search(
    county: Store, offset: int, limit: int
) -> None:
    for flt in _filters(county):
        plain_page = plain.roster_page(county.path, flt, offset=offset, limit=limit)
        searched = search_roster(county, flt, offset=offset, limit=limit)
        assert plain_page == searched, flt


def test_the_filters_are_not_all_empty(county: Store) -> None:
    sizes = [len(search_roster(county, f, limit=1500).rows) for f in _filters(county)]
    assert sizes[0] == 1500
    assert all(0 < n < 1500 for n in sizes[1:-1]), sizes


def test_the_plain_sites_and_settings_are_the_stores(county: Store) -> None:
    assert plain.list_sites(county.path) == list_sites(county)
    assert plain.meta(county.path, "device_id") == county.device_id
    assert plain.meta(county.path, "no such key") is None


def test_a_store_is_ready_only_at_the_head_with_its_device_id_and_no_bulk_load(
    store: Store, tmp_path: Path
) -> None:
    assert plain.ready(store.path)
    assert not plain.ready(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()
    store.set_meta("bulk_load", "{}")
    assert not plain.ready(store.path)
    with store.write() as s:
        s.connection().exec_driver_sql("DELETE FROM local_meta WHERE key = 'bulk_load'")
    assert plain.ready(store.path)
    con = sqlite3.connect(store.path)
    with con:
        con.execute("UPDATE alembic_version SET version_num = '0012'")
    con.close()
    assert not plain.ready(store.path)


def test_opening_a_ready_store_waits_until_more_than_the_first_page_is_asked(store: Store) -> None:
    services = Services.open(store.path)
    try:
        assert not services.opened
        first = services.roster.search(RosterFilter())
        assert first == search_roster(store, RosterFilter())
        assert sorted(r.code for r in first.rows) == [f"GL-000{i}" for i in range(1, 9)]
        assert services.roster.sites() == list_sites(store)
        assert services.user_name() == (store.meta("user_name") or "")
        assert not services.opened
        found = services.roster.search(RosterFilter(text="zsf"))
        assert services.opened
        assert [r.code for r in found.rows] == ["GL-0001"]
    finally:
        services.close()


def test_opening_a_new_store_makes_it_at_once(tmp_path: Path) -> None:
    services = Services.open(tmp_path / "new.db")
    try:
        assert services.opened
        assert services.roster.search(RosterFilter()).rows == []
        assert plain.ready(tmp_path / "new.db")
    finally:
        services.close()

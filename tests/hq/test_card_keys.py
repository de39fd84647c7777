"""Card keys are made at HQ and reach every laptop; a reissue reaches every laptop too.

A real ``fieldkit serve`` (SQLite and PostgreSQL) and real laptop stores:

- ``fieldkit admin card-key`` makes the county's key (its key file at HQ, mode
  0600) and publishes the public key; a volunteer's laptop receives it at its
  next sync (``card_key`` is a table every device receives, whatever its sites)
  and a card signed with the key file verifies there, offline;
- a card reissued on one laptop is refused on a second laptop once both synced;
- rotation keeps older cards valid, ``--revoke`` withdraws a key from every laptop
  at its next sync, ``--export`` copies the key file.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from fieldkit.cards.errors import ReplacedCardError, UnknownCardKeyError
from fieldkit.cards.keys import SigningKey, default_key_dir, read_key_file
from fieldkit.cards.payload import sign_card
from fieldkit.cards.records import check_card, load_ring, reissue_card
from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import SiteKind
from fieldkit.store import Store
from fieldkit.syncing import enroll, sync_now
from tests.support.hq_process import Hq, migrated_database

COUNTY = "古岚县"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def hq(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hq]:
    tmp = tmp_path_factory.mktemp("cardhq")
    with migrated_database(request.param, tmp) as url:
        server = Hq(url, log_path=tmp / "serve.log")
        try:
            yield server
        finally:
            server.stop()


def laptop(hq: Hq, tmp: Path, name: str, role: str, sites: str | None = None) -> Store:
    args = ["add-user", name, "--role", role] + (["--sites", sites] if sites else [])
    hq.admin(*args)
    store = Store(tmp / f"{name}.db")
    enroll(store, hq.url, hq.enroll_code(name))
    return store


def synced(store: Store) -> None:
    report = sync_now(store)
    assert report.ok, report.error


def only_key_file() -> SigningKey:
    (path,) = sorted(default_key_dir().glob("card-key-*.json"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return read_key_file(path)


def test_a_key_made_at_hq_verifies_cards_on_a_volunteer_laptop_and_reissues_reach_all(
    hq: Hq, tmp_path: Path
) -> None:
    office = laptop(hq, tmp_path, "县局", "admin")
    with office.write() as s:
        site = Site(name="云溪村", county=COUNTY, kind=SiteKind.VILLAGE)
        s.add(site)
        s.flush()
        person = Person(code="YX-1", name="周老", site_id=site.id, birth_date=date(1938, 2, 1))
        s.add(person)
    synced(office)

    made = hq.admin("card-key", "--lang", "zh")
    assert "古岚县第 1 号密钥已生成" in made
    key = only_key_file()
    assert (key.county, key.key_id) == (COUNTY, 1)

    volunteer = laptop(hq, tmp_path, "志愿者甲", "volunteer", "云溪村")
    staff = laptop(hq, tmp_path, "干部乙", "staff", "云溪村")
    synced(volunteer)
    synced(staff)
    assert [(k.county, k.key_id, k.encoded) for k in load_ring(volunteer)] == [
        (COUNTY, 1, key.public.encoded)
    ]
    card = sign_card(key, person.id, 1)
    assert check_card(volunteer, card).holder.person_id == person.id

    # reissued on the staff laptop: refused on the volunteer's once both synced
    assert reissue_card(staff, "YX-1").card_issue == 2
    synced(staff)
    synced(volunteer)
    with pytest.raises(ReplacedCardError):
        check_card(volunteer, card)
    assert check_card(volunteer, sign_card(key, person.id, 2)).claim.issue == 2

    # rotation: the old card of issue 2 keeps verifying; a revoked key verifies nothing
    assert "古岚县第 2 号密钥已生成" in hq.admin("card-key", "--lang", "zh")
    assert "古岚县第 1 号密钥已作废" in hq.admin("card-key", "--revoke", "1", "--lang", "zh")
    listed = hq.admin("card-key", "--list", "--lang", "zh").splitlines()
    assert [line.split()[:2] + line.split()[-1:] for line in listed] == [
        ["古岚县", "#1", "已作废"],
        ["古岚县", "#2", "使用中"],
    ]
    synced(volunteer)
    assert [k.key_id for k in load_ring(volunteer)] == [2]
    with pytest.raises(UnknownCardKeyError):
        check_card(volunteer, sign_card(key, person.id, 2))

    exported = tmp_path / "for-printing.json"
    hq.admin("card-key", "--export", str(exported))
    assert read_key_file(exported).key_id == 2
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    again = hq.admin("card-key", "--export", str(exported), "--lang", "zh", check=False)
    assert f"{exported} 已存在，请换一个文件名" in again
    assert "exit=1" in again

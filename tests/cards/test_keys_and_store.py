"""Card keys (files, rotation, revocation) and the scan check against a real store."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlmodel import col, select

from fieldkit.cards.errors import (
    CardKeyError,
    CardProblem,
    ReplacedCardError,
    UnknownCardHolderError,
    UnknownCardKeyError,
)
from fieldkit.cards.keys import (
    KeyRing,
    SigningKey,
    default_key_dir,
    key_file_name,
    new_signing_key,
    read_key_file,
    write_key_file,
)
from fieldkit.cards.payload import sign_card, verify_card
from fieldkit.cards.records import check_card, load_ring, reissue_card
from fieldkit.domain.ids import new_id
from fieldkit.domain.models import CardKey, Person
from fieldkit.store import Store
from fieldkit.store.tables import OutboxEntry
from tests.cards.cards_helpers import COUNTY, WHEN, publish_key


def _person(store: Store, code: str) -> Person:
    """A detached copy of the person with ``code``."""
    with store.read() as s:
        return Person.model_validate(s.exec(select(Person).where(Person.code == code)).one())


def test_a_key_file_round_trips_and_only_its_owner_reads_it(tmp_path: Path) -> None:
    key = new_signing_key(COUNTY, KeyRing(), WHEN)
    path = write_key_file(key, tmp_path / key_file_name(key))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = read_key_file(path)
    assert (again.county, again.key_id, again.created_at) == (COUNTY, 1, WHEN)
    assert again.public.encoded == key.public.encoded
    with pytest.raises(FileExistsError):
        write_key_file(key, path)  # a key file is never overwritten


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"format": "other"}, "not a fieldkit card key file"),
        ({"version": 9}, "newer fieldkit"),
        ({"private_key": "AAAA"}, "not a 32-byte key"),
        ({"key_id": 0}, "out of range"),
        ({"county": None}, "county is missing"),
        ({"public_key": "A" * 43 + "="}, "do not match"),
    ],
)
def test_a_damaged_key_file_says_what_is_wrong(
    tmp_path: Path, change: dict[str, object], words: str
) -> None:
    from fieldkit.i18n import set_language

    key = new_signing_key(COUNTY, KeyRing(), WHEN)
    path = write_key_file(key, tmp_path / "k.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.update(change)
    path.write_text(json.dumps(doc), encoding="utf-8")
    set_language("en")
    try:
        with pytest.raises(CardKeyError, match=words):
            read_key_file(path)
    finally:
        set_language("zh")


def test_rotation_keeps_old_cards_valid(hq_key: SigningKey, demo_store: Store) -> None:
    person = _person(demo_store, "GL-0001")
    old_card = sign_card(hq_key, person.id, person.card_issue)
    newer = new_signing_key(COUNTY, load_ring(demo_store), WHEN)
    assert newer.key_id == 2
    publish_key(demo_store, newer.public)
    new_card = sign_card(newer, person.id, person.card_issue)
    assert check_card(demo_store, old_card).claim.key_id == 1
    assert check_card(demo_store, new_card).claim.key_id == 2
    assert check_card(demo_store, new_card).holder.code == "GL-0001"


def test_a_revoked_key_verifies_nothing(hq_key: SigningKey, demo_store: Store) -> None:
    person = _person(demo_store, "GL-0002")
    card = sign_card(hq_key, person.id, 1)
    with demo_store.write() as s:
        row = s.exec(select(CardKey)).one()
        row.deleted = True
        s.add(row)
    with pytest.raises(UnknownCardKeyError):
        check_card(demo_store, card)


def test_a_damaged_key_row_is_left_out_of_the_ring(hq_key: SigningKey, demo_store: Store) -> None:
    with demo_store.write() as s:
        s.add(CardKey(key_id=2, county=COUNTY, public_key="not base64!", created_at=WHEN))
    ring = load_ring(demo_store)
    assert [(k.county, k.key_id) for k in ring] == [(COUNTY, 1)]


def test_a_valid_card_names_its_holder(hq_key: SigningKey, demo_store: Store) -> None:
    person = _person(demo_store, "GL-0042")
    checked = check_card(demo_store, sign_card(hq_key, person.id, 1))
    assert (checked.holder.person_id, checked.holder.name) == (person.id, person.name)
    assert checked.claim.issue == 1


def test_a_reissue_refuses_the_old_card_and_goes_to_the_outbox(
    hq_key: SigningKey, demo_store: Store
) -> None:
    person = _person(demo_store, "GL-0042")
    old_card = sign_card(hq_key, person.id, 1)
    with demo_store.read() as s:
        before = s.exec(select(OutboxEntry.seq)).all()
    holder = reissue_card(demo_store, "GL-0042")
    assert (holder.person_id, holder.card_issue) == (person.id, 2)
    assert _person(demo_store, "GL-0042").card_issue == 2
    with demo_store.read() as s:
        entries = s.exec(select(OutboxEntry).where(col(OutboxEntry.seq).not_in(before))).all()
        changes = [(e.tbl, e.row_id, json.loads(e.data)) for e in entries]
    assert changes == [("person", person.id, {"card_issue": 2})]
    with pytest.raises(ReplacedCardError) as err:
        check_card(demo_store, old_card)
    assert err.value.problem is CardProblem.REPLACED
    assert (err.value.issue, err.value.current) == (1, 2)
    assert person.name in str(err.value)
    assert check_card(demo_store, sign_card(hq_key, person.id, 2)).claim.issue == 2
    # a newer card than the roster knows (HQ reissued; not synced yet) is accepted
    assert check_card(demo_store, sign_card(hq_key, person.id, 3)).claim.issue == 3


def test_a_card_of_someone_not_on_this_laptop_is_refused(
    hq_key: SigningKey, demo_store: Store
) -> None:
    stranger = new_id()
    with pytest.raises(UnknownCardHolderError) as err:
        check_card(demo_store, sign_card(hq_key, stranger, 1))
    assert err.value.person_id == stranger
    person = _person(demo_store, "GL-0007")
    with demo_store.write() as s:
        row = s.exec(select(Person).where(Person.id == person.id)).one()
        row.deleted = True
        s.add(row)
    with pytest.raises(UnknownCardHolderError):
        check_card(demo_store, sign_card(hq_key, person.id, 1))


def test_hq_key_dir_is_in_the_data_dir(hq_key: SigningKey) -> None:
    files = sorted(p.name for p in default_key_dir().iterdir())
    assert files == [key_file_name(hq_key)]
    assert verify_card(sign_card(hq_key, new_id(), 1), KeyRing([hq_key.public])).key_id == 1

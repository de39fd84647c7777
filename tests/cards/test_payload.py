"""The card payload: what it holds, and every way a bad text is refused (and why)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.cards.errors import (
    CardProblem,
    CardRefused,
    ForgedCardError,
    MalformedCardError,
    NotACardError,
    OtherCountyCardError,
    UnknownCardKeyError,
    UnsupportedCardVersionError,
)
from fieldkit.cards.keys import KeyRing, SigningKey, county_tag, new_signing_key
from fieldkit.cards.payload import (
    MARK,
    PAYLOAD_LENGTH,
    looks_like_card,
    read_card,
    sign_card,
    verify_card,
)
from fieldkit.i18n import set_language
from tests.cards.cards_helpers import COUNTY, WHEN

PERSON = "0196c3a4-5b1e-7d2f-8a00-00000000002a"
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return new_signing_key(COUNTY, KeyRing(), WHEN)


@pytest.fixture(scope="module")
def ring(key: SigningKey) -> KeyRing:
    return KeyRing([key.public])


def test_a_card_carries_county_key_person_and_issue(key: SigningKey, ring: KeyRing) -> None:
    text = sign_card(key, PERSON, 3)
    assert text.startswith(MARK)
    assert len(text) == PAYLOAD_LENGTH == 144
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    claim = verify_card(text, ring)
    assert (claim.person_id, claim.issue, claim.key_id) == (PERSON, 3, 1)
    assert claim.county_tag == county_tag(COUNTY)
    assert sign_card(key, PERSON, 3) == text  # the same card prints the same code


def test_scanner_noise_around_a_card_is_accepted(key: SigningKey, ring: KeyRing) -> None:
    text = sign_card(key, PERSON, 1)
    # Enter at the end, and Caps Lock on the scanner turning letters to lower case
    assert verify_card(f"{text}\r\n", ring).person_id == PERSON
    assert verify_card(text.lower(), ring).person_id == PERSON


@pytest.mark.parametrize("text", ["", "GL-0042", "FK-0001", "杨华GL-0290", "fk", "FKA", "F"])
def test_other_texts_are_not_cards(text: str, ring: KeyRing) -> None:
    assert not looks_like_card(text)
    with pytest.raises(NotACardError) as err:
        verify_card(text, ring)
    assert err.value.problem is CardProblem.NOT_A_CARD


@pytest.mark.parametrize("cut", [1, 5, 40, 141])
def test_a_truncated_card_is_malformed(key: SigningKey, ring: KeyRing, cut: int) -> None:
    text = sign_card(key, PERSON, 1)
    assert looks_like_card(text[:-cut])
    with pytest.raises(MalformedCardError) as err:
        verify_card(text[:-cut], ring)
    assert err.value.problem is CardProblem.MALFORMED


def test_two_cards_run_together_are_malformed(key: SigningKey, ring: KeyRing) -> None:
    text = sign_card(key, PERSON, 1)
    with pytest.raises(MalformedCardError):
        verify_card(text + text, ring)


@pytest.mark.parametrize("bad", ["0", "1", "8", "9", "-", "=", "中", " "])
def test_characters_outside_base32_are_malformed(key: SigningKey, ring: KeyRing, bad: str) -> None:
    text = sign_card(key, PERSON, 1)
    with pytest.raises(MalformedCardError):
        verify_card(text[:60] + bad + text[61:], ring)


def test_a_non_canonical_last_character_is_malformed(key: SigningKey, ring: KeyRing) -> None:
    text = sign_card(key, PERSON, 1)
    # the last character carries 4 data bits and 1 unused bit; setting it is refused
    last = _ALPHABET.index(text[-1])
    with pytest.raises(MalformedCardError):
        verify_card(text[:-1] + _ALPHABET[last ^ 1], ring)


def test_a_newer_format_says_so(key: SigningKey, ring: KeyRing) -> None:
    text = sign_card(key, PERSON, 1)
    with pytest.raises(UnsupportedCardVersionError) as err:
        verify_card("FK2" + text[3:], ring)
    assert err.value.problem is CardProblem.MALFORMED
    assert "2" in str(err.value)


def test_every_altered_character_is_refused(key: SigningKey, ring: KeyRing) -> None:
    text = sign_card(key, PERSON, 1)
    issue_chars = range(len(MARK) + 176 // 5, len(MARK) + 191 // 5 + 1)  # bytes 22..23
    for at in range(len(MARK), len(text) - 1):
        swapped = _ALPHABET[(_ALPHABET.index(text[at]) + 1) % 32]
        with pytest.raises(CardRefused) as err:
            verify_card(text[:at] + swapped + text[at + 1 :], ring)
        # bytes 0..5 (county tag, key id) are read before they can be checked
        expected = {
            CardProblem.FORGED,
            CardProblem.OTHER_COUNTY,
            CardProblem.UNKNOWN_KEY,
            CardProblem.MALFORMED,  # key id or issue turned to 0
        }
        assert err.value.problem in expected, at
        if at in issue_chars:  # the issue may turn to 0, which is never signed
            assert err.value.problem in {CardProblem.FORGED, CardProblem.MALFORMED}, at
        elif at >= len(MARK) + 10:  # past the county tag and key id: only the signature tells
            assert err.value.problem is CardProblem.FORGED, at


def _raw(text: str) -> bytearray:
    body = text[len(MARK) :]
    return bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))


def _text(raw: bytes) -> str:
    return MARK + base64.b32encode(raw).decode().rstrip("=")


def test_a_changed_person_or_issue_is_forged(key: SigningKey, ring: KeyRing) -> None:
    raw = _raw(sign_card(key, PERSON, 1))
    other_person = bytearray(raw)
    other_person[21] ^= 0x01
    raised_issue = bytearray(raw)
    raised_issue[23] = 2
    for altered in (other_person, raised_issue):
        with pytest.raises(ForgedCardError) as err:
            verify_card(_text(bytes(altered)), ring)
        assert err.value.problem is CardProblem.FORGED


def test_a_card_re_signed_with_another_key_of_the_same_id_is_forged(ring: KeyRing) -> None:
    impostor = new_signing_key(COUNTY, KeyRing(), WHEN)  # key id 1, not HQ's key
    with pytest.raises(ForgedCardError):
        verify_card(sign_card(impostor, PERSON, 1), ring)


def test_another_countys_card_is_refused_as_such(ring: KeyRing) -> None:
    other = new_signing_key("松岭县", KeyRing(), WHEN)
    with pytest.raises(OtherCountyCardError) as err:
        verify_card(sign_card(other, PERSON, 1), ring)
    assert err.value.problem is CardProblem.OTHER_COUNTY


def test_an_unknown_key_and_an_empty_ring_are_named(key: SigningKey, ring: KeyRing) -> None:
    newer = new_signing_key(COUNTY, ring, WHEN)
    assert newer.key_id == 2
    with pytest.raises(UnknownCardKeyError) as err:
        verify_card(sign_card(newer, PERSON, 1), ring)
    assert err.value.key_id == 2
    with pytest.raises(UnknownCardKeyError) as empty:
        verify_card(sign_card(key, PERSON, 1), KeyRing())
    assert err.value.problem is empty.value.problem is CardProblem.UNKNOWN_KEY
    assert str(empty.value) != str(err.value)


def test_read_card_does_not_check_the_signature(key: SigningKey) -> None:
    impostor = new_signing_key(COUNTY, KeyRing(), WHEN)
    claim = read_card(sign_card(impostor, PERSON, 7))
    assert (claim.person_id, claim.issue) == (PERSON, 7)


def test_messages_follow_the_interface_language(ring: KeyRing) -> None:
    other = new_signing_key("松岭县", KeyRing(), WHEN)
    text = sign_card(other, PERSON, 1)
    try:
        set_language("en")
        with pytest.raises(OtherCountyCardError) as en:
            verify_card(text, ring)
        set_language("zh")
        with pytest.raises(OtherCountyCardError) as zh:
            verify_card(text, ring)
    finally:
        set_language("zh")
    assert str(en.value) == "Card refused: it was issued by another county"
    assert str(zh.value) == "卡无效：这是其他县发的卡"


@given(st.text(max_size=300))
def test_any_text_is_refused_with_a_card_error_only(text: str) -> None:
    ring = KeyRing([new_signing_key(COUNTY, KeyRing(), WHEN).public])
    with pytest.raises(CardRefused):
        verify_card(text, ring)
    with pytest.raises(CardRefused):
        verify_card("FK1" + text, ring)


@given(st.binary(min_size=88, max_size=88))
def test_any_well_formed_body_without_its_signature_is_refused(raw: bytes) -> None:
    key = new_signing_key(COUNTY, KeyRing(), WHEN)
    ring = KeyRing([key.public])
    with pytest.raises(CardRefused):
        verify_card(_text(raw), ring)

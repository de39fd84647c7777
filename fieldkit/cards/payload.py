"""The text in a service card's QR code: who the card is for, signed by HQ.

Version 1, 144 characters, all from the QR alphanumeric set (upper-case letters
and digits, so a handheld scanner types it like a keyboard and the QR stays in
alphanumeric mode)::

    FK1 <141 characters: RFC 4648 base32, no padding, of 88 bytes>

    bytes  0..3   county tag: first 4 bytes of SHA-256 of the county's name (NFC)
    bytes  4..5   key id (big-endian): which of the county's keys signed it
    bytes  6..21  the person's id (a UUID as its 16 bytes)
    bytes 22..23  the card's issue number (big-endian, 1 for a first card)
    bytes 24..87  Ed25519 signature of b"FK1" + bytes 0..23

The signature covers the mark and version too, so a future format can never be
read as this one. Reading is strict: the text must be exactly this long and in
canonical base32 (no unused bits set), or it is refused; letters are read in
either case, because a scanner with Caps Lock on types them in lower case. A
text is refused with exactly one :class:`~fieldkit.cards.errors.CardRefused`:
not a card, malformed (or a newer version), another county's, an unknown key,
or altered/forged. Whether the issue is the person's current one and whether
the person is on this laptop are checked against the store by
:func:`fieldkit.cards.records.check_card`.
"""

from __future__ import annotations

import base64
import binascii
import struct
import uuid
from dataclasses import dataclass

from fieldkit.cards.errors import (
    ForgedCardError,
    MalformedCardError,
    NotACardError,
    OtherCountyCardError,
    UnknownCardKeyError,
    UnsupportedCardVersionError,
)
from fieldkit.cards.keys import MAX_KEY_ID, KeyRing, SigningKey, county_tag

__all__ = [
    "MARK",
    "PAYLOAD_LENGTH",
    "PREFIX",
    "VERSION",
    "CardClaim",
    "looks_like_card",
    "read_card",
    "sign_card",
    "verify_card",
]

PREFIX = "FK"
"""Marks a text as a fieldkit card."""
VERSION = 1
MARK = f"{PREFIX}{VERSION}"
_FIELDS = struct.Struct(">4sH16sH")
_SIGNATURE_BYTES = 64
_BODY_BYTES = _FIELDS.size + _SIGNATURE_BYTES
_BODY_CHARS = (_BODY_BYTES * 8 + 4) // 5
PAYLOAD_LENGTH = len(MARK) + _BODY_CHARS
"""Characters of a version-1 payload (144)."""
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
MAX_ISSUE = 0xFFFF


@dataclass(frozen=True)
class CardClaim:
    """What a card says: the county tag, the key id, the person and the issue number.

    Returned by :func:`verify_card` only once the signature has been checked.
    """

    county_tag: bytes
    key_id: int
    person_id: str
    issue: int


def _signed_part(fields: bytes) -> bytes:
    return MARK.encode("ascii") + fields


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def sign_card(key: SigningKey, person_id: str, issue: int) -> str:
    """The payload of card ``issue`` of person ``person_id``, signed with ``key``."""
    if not 1 <= issue <= MAX_ISSUE:
        raise ValueError(f"card issue {issue} is outside 1..{MAX_ISSUE}")
    if not 1 <= key.key_id <= MAX_KEY_ID:
        raise ValueError(f"key id {key.key_id} is outside 1..{MAX_KEY_ID}")
    fields = _FIELDS.pack(county_tag(key.county), key.key_id, uuid.UUID(person_id).bytes, issue)
    signature = key.sign(_signed_part(fields))
    return MARK + _encode(fields + signature)


def looks_like_card(text: str) -> bool:
    """True if ``text`` starts like a card (the mark and a version digit), valid or not."""
    head = text.strip()[: len(PREFIX) + 1].upper()
    return len(head) == len(PREFIX) + 1 and head.startswith(PREFIX) and head[-1] in "0123456789"


def _body(text: str) -> bytes:
    """The 88 bytes of a version-1 text; :class:`MalformedCardError` if it is not one."""
    if not looks_like_card(text):
        raise NotACardError()
    upper = text.strip().upper()
    if upper[len(PREFIX)] != str(VERSION):
        raise UnsupportedCardVersionError(upper[len(PREFIX)])
    body = upper[len(MARK) :]
    if len(body) != _BODY_CHARS:  # cut short, or run into the next scan
        raise MalformedCardError(f"{len(upper)}/{PAYLOAD_LENGTH}")
    if not _BASE32.issuperset(body):
        raise MalformedCardError("base32")
    padded = body + "=" * (-len(body) % 8)
    try:
        raw = base64.b32decode(padded)
    except (binascii.Error, ValueError):
        raise MalformedCardError("base32") from None
    if len(raw) != _BODY_BYTES or _encode(raw) != body:
        raise MalformedCardError("base32")
    return raw


def _parse(text: str) -> tuple[CardClaim, bytes, bytes]:
    """The claim, the signed fields and the signature of a card text."""
    raw = _body(text)
    fields, signature = raw[: _FIELDS.size], raw[_FIELDS.size :]
    tag, key_id, person, issue = _FIELDS.unpack(fields)
    if key_id == 0 or issue == 0:  # never signed: HQ numbers both from 1
        raise MalformedCardError("0")
    claim = CardClaim(
        county_tag=tag, key_id=key_id, person_id=str(uuid.UUID(bytes=person)), issue=issue
    )
    return claim, fields, signature


def read_card(text: str) -> CardClaim:
    """What a card text claims, unverified (strict about its form, not its signature).

    Raises :class:`NotACardError` or :class:`MalformedCardError`.
    """
    return _parse(text)[0]


def verify_card(text: str, ring: KeyRing) -> CardClaim:
    """The claim of a card whose signature one of ``ring``'s keys verifies.

    Raises, in this order of checks: :class:`NotACardError`,
    :class:`MalformedCardError` (or its :class:`UnsupportedCardVersionError`),
    :class:`UnknownCardKeyError` when the ring is empty,
    :class:`OtherCountyCardError`, :class:`UnknownCardKeyError`,
    :class:`ForgedCardError`. The county and key id are read before they can be
    checked, so a card altered there is refused as another county's or as an
    unknown key: refused either way.
    """
    claim, fields, signature = _parse(text)
    if len(ring) == 0:
        raise UnknownCardKeyError(claim.key_id, ring_empty=True)
    if not ring.knows_county(claim.county_tag):
        raise OtherCountyCardError()
    key = ring.find(claim.county_tag, claim.key_id)
    if key is None:
        raise UnknownCardKeyError(claim.key_id)
    if not key.verifies(signature, _signed_part(fields)):
        raise ForgedCardError()
    return claim

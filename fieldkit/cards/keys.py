"""Card keys: the county's Ed25519 key pairs that sign and verify service cards.

Headquarters makes a key pair (:func:`new_signing_key`), keeps the private half
in a key file in its data dir (:func:`write_key_file`, mode 0600, never in a
synced table) and publishes the public half as a ``card_key`` row
(:func:`public_row`). Every laptop builds a :class:`KeyRing` from the rows it
holds and verifies cards offline. Rotating makes a key with the next
``key_id``; the older keys stay in the ring, so cards already printed keep
verifying until their key row is tombstoned (revoked).

A key file is JSON::

    {"format": "fieldkit-card-key", "version": 1, "county": "古岚县", "key_id": 1,
     "created_at": "2026-11-22T09:30:00", "private_key": "<32 bytes, base64>",
     "public_key": "<32 bytes, base64>"}

Whoever holds it can print valid cards for the county, so it stays at HQ or is
handed, as a file, to whoever prints cards (``fieldkit cards --key FILE``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fieldkit.cards.errors import CardKeyError
from fieldkit.domain.models import CardKey
from fieldkit.i18n import gettext as _
from fieldkit.paths import data_dir

__all__ = [
    "COUNTY_TAG_BYTES",
    "KEY_FILE_FORMAT",
    "KeyRing",
    "PublicCardKey",
    "SigningKey",
    "county_tag",
    "default_key_dir",
    "key_file_name",
    "new_signing_key",
    "public_row",
    "read_key_file",
    "write_key_file",
]

KEY_FILE_FORMAT = "fieldkit-card-key"
_KEY_FILE_VERSION = 1
COUNTY_TAG_BYTES = 4
"""Bytes of the county's tag on a card (the start of the SHA-256 of its name)."""
MAX_KEY_ID = 0xFFFF


def county_tag(county: str) -> bytes:
    """The 4-byte tag a card carries for ``county`` (its NFC name, trimmed, hashed)."""
    name = unicodedata.normalize("NFC", county.strip())
    return hashlib.sha256(name.encode("utf-8")).digest()[:COUNTY_TAG_BYTES]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise CardKeyError(_("Card key: {what} is missing").format(what=what))
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        raise CardKeyError(_("Card key: {what} is not a 32-byte key").format(what=what))
    return raw


@dataclass(frozen=True)
class PublicCardKey:
    """A public key of a county: verifies the cards signed with the same ``key_id``."""

    county: str
    key_id: int
    public_key: Ed25519PublicKey
    created_at: datetime

    @property
    def tag(self) -> bytes:
        """The county tag of the cards this key verifies."""
        return county_tag(self.county)

    @property
    def encoded(self) -> str:
        """The raw public key in base64, as ``card_key.public_key`` stores it."""
        return _b64(self.public_key.public_bytes_raw())

    def verifies(self, signature: bytes, message: bytes) -> bool:
        """True if ``signature`` is this key's signature of ``message``."""
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_row(cls, row: CardKey) -> PublicCardKey:
        """The key of a ``card_key`` row; :class:`CardKeyError` if the row is damaged."""
        raw = _unb64(row.public_key, "public_key")
        if not 1 <= row.key_id <= MAX_KEY_ID:
            raise CardKeyError(
                _("Card key: key id {key_id} is out of range").format(key_id=row.key_id)
            )
        return cls(
            county=row.county,
            key_id=row.key_id,
            public_key=Ed25519PublicKey.from_public_bytes(raw),
            created_at=row.created_at,
        )


def public_row(key: PublicCardKey) -> CardKey:
    """A new ``card_key`` row publishing ``key``."""
    return CardKey(
        key_id=key.key_id, county=key.county, public_key=key.encoded, created_at=key.created_at
    )


class KeyRing:
    """The public keys a laptop holds, found by (county tag, key id)."""

    def __init__(self, keys: Iterable[PublicCardKey] = ()) -> None:
        self._keys: dict[tuple[bytes, int], PublicCardKey] = {}
        for key in keys:
            self._keys[(key.tag, key.key_id)] = key
        self._tags = frozenset(tag for tag, _id in self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[PublicCardKey]:
        return iter(sorted(self._keys.values(), key=lambda k: (k.county, k.key_id)))

    def find(self, tag: bytes, key_id: int) -> PublicCardKey | None:
        """The key that verifies cards of county ``tag`` signed with ``key_id``."""
        return self._keys.get((tag, key_id))

    def knows_county(self, tag: bytes) -> bool:
        """True if the ring holds a key of the county with this tag."""
        return tag in self._tags

    def next_key_id(self, county: str) -> int:
        """The key id a new key of ``county`` takes (1 for the first)."""
        tag = county_tag(county)
        return max((kid for t, kid in self._keys if t == tag), default=0) + 1


@dataclass(frozen=True)
class SigningKey:
    """A private key with its county and key id: signs the cards HQ prints."""

    county: str
    key_id: int
    private_key: Ed25519PrivateKey
    created_at: datetime

    @property
    def public(self) -> PublicCardKey:
        """The public half, to publish in ``card_key``."""
        return PublicCardKey(
            county=self.county,
            key_id=self.key_id,
            public_key=self.private_key.public_key(),
            created_at=self.created_at,
        )

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self.private_key.sign(message)


def new_signing_key(county: str, ring: KeyRing, now: datetime) -> SigningKey:
    """A fresh key pair for ``county`` with the next key id after those in ``ring``.

    Used for the first key and for each rotation: the older keys stay valid.
    """
    if not county.strip():
        raise CardKeyError(_("Card key: the county name is empty"))
    key_id = ring.next_key_id(county)
    if key_id > MAX_KEY_ID:
        raise CardKeyError(_("Card key: this county has used every key id"))
    return SigningKey(
        county=county.strip(),
        key_id=key_id,
        private_key=Ed25519PrivateKey.generate(),
        created_at=now.replace(microsecond=0),
    )


def default_key_dir() -> Path:
    """Where HQ keeps its key files: ``card-keys/`` in the data dir."""
    return data_dir() / "card-keys"


def key_file_name(key: SigningKey) -> str:
    """The file name of a key: its county tag and key id (ASCII, one file per key)."""
    return f"card-key-{key.public.tag.hex()}-{key.key_id}.json"


def write_key_file(key: SigningKey, path: Path) -> Path:
    """Write ``key`` to a new file readable by its owner only; never overwrites one."""
    doc = {
        "format": KEY_FILE_FORMAT,
        "version": _KEY_FILE_VERSION,
        "county": key.county,
        "key_id": key.key_id,
        "created_at": key.created_at.isoformat(),
        "private_key": _b64(key.private_key.private_bytes_raw()),
        "public_key": key.public.encoded,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(doc, out, ensure_ascii=False, indent=2)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    return path


def _field(doc: dict[str, Any], name: str, kind: type) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CardKeyError(_("Card key: {what} is missing").format(what=name))
    return value


def read_key_file(path: Path) -> SigningKey:
    """The signing key in ``path``; :class:`CardKeyError` says what is wrong with the file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CardKeyError(_("Card key file {path} does not exist").format(path=path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CardKeyError(
            _("Card key file {path} cannot be read: {error}").format(path=path, error=err)
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != KEY_FILE_FORMAT:
        raise CardKeyError(
            _("Card key file {path} is not a fieldkit card key file").format(path=path)
        )
    if doc.get("version") != _KEY_FILE_VERSION:
        raise CardKeyError(
            _("Card key file {path} was made by a newer fieldkit; update fieldkit").format(
                path=path
            )
        )
    try:
        created_at = datetime.fromisoformat(_field(doc, "created_at", str))
    except ValueError:
        raise CardKeyError(_("Card key: {what} is missing").format(what="created_at")) from None
    key_id = _field(doc, "key_id", int)
    if not 1 <= key_id <= MAX_KEY_ID:
        raise CardKeyError(_("Card key: key id {key_id} is out of range").format(key_id=key_id))
    private = Ed25519PrivateKey.from_private_bytes(_unb64(doc.get("private_key"), "private_key"))
    key = SigningKey(
        county=_field(doc, "county", str),
        key_id=key_id,
        private_key=private,
        created_at=created_at,
    )
    if key.public.encoded != doc.get("public_key"):
        raise CardKeyError(
            _("Card key file {path} is damaged: its two halves do not match").format(path=path)
        )
    return key

"""The county's card keys at headquarters: made, published, revoked, exported.

Only headquarters writes ``card_key`` rows (the sync schema declares the table
written at HQ only and received by every device, volunteers' included). Making a
key (the first, or a rotation: the next key id) writes its private half to a key
file in HQ's key dir (:func:`fieldkit.cards.keys.write_key_file`, mode 0600) and
then publishes the public half with :func:`sync.server.hq_writes.write_at_hq`:
every laptop receives it at its next sync and verifies cards with it. Revoking
tombstones the row the same way: once synced, the key verifies nothing. The key
file can be exported for whoever prints cards elsewhere.

Each function works inside the caller's HQ transaction (``conn``).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select

from fieldkit.cards.errors import CardKeyError
from fieldkit.cards.keys import (
    KeyRing,
    PublicCardKey,
    SigningKey,
    key_file_name,
    new_signing_key,
    read_key_file,
    write_key_file,
)
from fieldkit.domain.ids import new_id
from fieldkit.domain.models import CardKey, Site
from fieldkit.i18n import gettext as _
from fieldkit.store.wire import to_wire
from fieldkit.sync_schema import sync_schema
from sync.server import tables as t
from sync.server.hq_writes import HqEdit, write_at_hq

__all__ = [
    "HqCardKey",
    "county_at_hq",
    "export_key",
    "hq_card_keys",
    "make_key",
    "revoke_key",
]

_TABLE = str(CardKey.__tablename__)


@dataclass(frozen=True)
class HqCardKey:
    """A published card key as HQ holds it (``revoked``: its row is tombstoned)."""

    row_id: str
    key: PublicCardKey
    revoked: bool


def hq_card_keys(conn: Connection) -> list[HqCardKey]:
    """Every card key HQ published, revoked ones too, by county and key id."""
    r = t.record.c
    found: list[HqCardKey] = []
    for row in conn.execute(select(r.id, r.data, r.deleted).where(r.tbl == _TABLE)):
        data = json.loads(row.data)
        card_key = CardKey(
            id=row.id,
            key_id=data["key_id"],
            county=data["county"],
            public_key=data["public_key"],
            created_at=datetime.fromisoformat(data["created_at"]),
        )
        try:
            key = PublicCardKey.from_row(card_key)
        except CardKeyError:
            continue  # a damaged row verifies nothing and takes no key id
        found.append(HqCardKey(row.id, key, bool(row.deleted)))
    return sorted(found, key=lambda k: (k.key.county, k.key.key_id))


def county_at_hq(conn: Connection) -> str:
    """The county of the sites HQ holds, when they name exactly one."""
    r = t.record.c
    rows = conn.execute(
        select(r.data).where(r.tbl == str(Site.__tablename__), r.deleted.is_(False))
    )
    counties = sorted(
        {str(json.loads(row.data).get("county") or "").strip() for row in rows} - {""}
    )
    if len(counties) != 1:
        raise CardKeyError(
            _(
                "Card key: give the county with --county (the sites at headquarters name: {names})"
            ).format(names=", ".join(counties) or "-")
        )
    return counties[0]


def make_key(
    conn: Connection, county: str, key_dir: Path, now: datetime, *, by: str
) -> tuple[SigningKey, Path]:
    """Make the county's next key: its key file in ``key_dir``, its public row published.

    The key id follows every key HQ ever published for the county, revoked ones
    included, so a key id never comes back.
    """
    ring = KeyRing(k.key for k in hq_card_keys(conn))
    key = new_signing_key(county, ring, now)
    path = write_key_file(key, key_dir / key_file_name(key))
    public = key.public
    row = {
        "key_id": public.key_id,
        "county": public.county,
        "public_key": public.encoded,
        "created_at": to_wire(public.created_at),
        "deleted": False,
    }
    write_at_hq(conn, sync_schema(), [HqEdit(_TABLE, new_id(), row)], user=by)
    return key, path


def _one_key(conn: Connection, key_id: int, county: str | None) -> HqCardKey:
    found = [
        k
        for k in hq_card_keys(conn)
        if k.key.key_id == key_id and (county is None or k.key.county == county)
    ]
    if len(found) != 1:
        raise CardKeyError(
            _(
                "Card key: no single published key {key_id}; see fieldkit admin card-key --list"
            ).format(key_id=key_id)
        )
    return found[0]


def revoke_key(conn: Connection, key_id: int, county: str | None, *, by: str) -> HqCardKey:
    """Tombstone key ``key_id``: once synced, no laptop accepts the cards it signed."""
    found = _one_key(conn, key_id, county)
    write_at_hq(conn, sync_schema(), [HqEdit(_TABLE, found.row_id, {"deleted": True})], user=by)
    return found


def export_key(conn: Connection, key_dir: Path, dest: Path, key_id: int | None = None) -> Path:
    """Copy the key file of key ``key_id`` (default: the newest one not revoked) to ``dest``.

    The copy is readable by its owner only and never replaces a file.
    """
    live = [k for k in hq_card_keys(conn) if not k.revoked]
    if key_id is not None:
        live = [k for k in live if k.key.key_id == key_id]
    for published in sorted(live, key=lambda k: (k.key.key_id, k.key.created_at), reverse=True):
        for path in sorted(key_dir.glob("card-key-*.json")) if key_dir.is_dir() else []:
            try:
                key = read_key_file(path)
            except CardKeyError:
                continue
            if key.public.encoded == published.key.encoded:
                return _copy_private(path, dest)
    raise CardKeyError(
        _("Card key: no key file of a published key in {folder}").format(folder=key_dir)
    )


def _copy_private(source: Path, dest: Path) -> Path:
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CardKeyError(
            _("Card key: {path} exists already; give a new file name").format(path=dest)
        ) from None
    except OSError as err:
        raise CardKeyError(
            _("Card key: cannot write {path}: {error}").format(path=dest, error=err.strerror)
        ) from None
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())
    return dest

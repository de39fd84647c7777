"""A print job: the signing key, one signed face per holder, and the output files.

Cards are signed with the county's private key, which only headquarters holds:
``fieldkit cards`` on a laptop needs the key file HQ keeps in its data dir
(``card-keys/``) or one exported from there and given with ``--key FILE``. The
key must also be one this laptop knows publicly (synced from HQ), otherwise
the cards it prints would be refused by laptops that do not know it either.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from fieldkit.cards.errors import CardKeyError, CardPrintError
from fieldkit.cards.keys import KeyRing, SigningKey, default_key_dir, read_key_file
from fieldkit.cards.payload import sign_card
from fieldkit.cards.records import CardHolder
from fieldkit.cards.render import CardFace
from fieldkit.cards.sheet import Progress, SheetResult, write_pdf, write_pngs
from fieldkit.i18n import gettext as _

__all__ = ["card_faces", "default_bureau", "find_signing_key", "print_cards"]


def _no_key() -> CardPrintError:
    return CardPrintError(
        _(
            "Cards are printed at headquarters, which holds the county's card key. On "
            "another computer, give the key file exported by headquarters: "
            "fieldkit cards --key FILE ..."
        )
    )


def _published(key: SigningKey, ring: KeyRing) -> bool:
    known = ring.find(key.public.tag, key.key_id)
    return known is not None and known.encoded == key.public.encoded


def find_signing_key(ring: KeyRing, key_file: Path | None = None) -> SigningKey:
    """The key to sign with: ``key_file``, else the newest published key in HQ's key dir.

    Raises :class:`CardPrintError` when there is none, or when the key is not one
    this laptop knows (its cards would be refused).
    """
    if key_file is not None:
        try:
            key = read_key_file(key_file)
        except CardKeyError as err:
            raise CardPrintError(str(err)) from None
        if not _published(key, ring):
            raise CardPrintError(
                _(
                    "Cards: key {key_id} of {county} in {path} is not known on this laptop "
                    "(not synced yet, revoked, or another county's); sync with headquarters first"
                ).format(key_id=key.key_id, county=key.county, path=key_file)
            )
        return key
    found: list[SigningKey] = []
    folder = default_key_dir()
    for path in sorted(folder.glob("card-key-*.json")) if folder.is_dir() else []:
        try:
            key = read_key_file(path)
        except CardKeyError:
            continue
        if _published(key, ring):
            found.append(key)
    if not found:
        raise _no_key()
    return max(found, key=lambda k: (k.key_id, k.created_at))


def default_bureau(county: str) -> str:
    """The bureau named on cards when none is given: the county's retired-cadre bureau."""
    return _("Cards: {county} retired cadres bureau").format(county=county)


def card_faces(holders: Sequence[CardHolder], key: SigningKey, bureau: str) -> list[CardFace]:
    """One signed card face per holder, for the holder's current card issue."""
    return [
        CardFace(
            payload=sign_card(key, h.person_id, h.card_issue),
            code=h.code,
            name=h.name,
            site=h.site,
            bureau=bureau,
            contact=h.contact,
            phone=h.phone,
            issue=h.card_issue,
        )
        for h in holders
    ]


def print_cards(
    holders: Sequence[CardHolder],
    key: SigningKey,
    out: str | Path,
    *,
    bureau: str | None = None,
    progress: Progress | None = None,
) -> SheetResult:
    """Write the holders' cards: A4 sheets if ``out`` ends in .pdf, PNG files if a directory.

    A directory is an existing one, or a path written with a trailing slash.
    """
    if not holders:
        raise CardPrintError(_("Cards: nobody to print (no persons selected)"))
    as_dir = Path(out).is_dir() or str(out).endswith(("/", os.sep))
    out = Path(out)
    if not as_dir and out.suffix.lower() != ".pdf":
        raise CardPrintError(
            _("Cards: --out must be a .pdf file or a directory (end it with /): {path}").format(
                path=out
            )
        )
    faces = card_faces(holders, key, bureau or default_bureau(key.county))
    try:
        if as_dir:
            return write_pngs(faces, out, progress)
        return write_pdf(faces, out, progress)
    except OSError as err:
        raise CardPrintError(
            _("Cards: cannot write {path}: {error}").format(path=out, error=err.strerror or err)
        ) from None

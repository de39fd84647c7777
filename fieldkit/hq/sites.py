"""Sites at HQ: listed, added and renamed as synced records, and named for ``add-user``.

A site is a synced record like any other: one added or renamed here gets a
revision and reaches every laptop whose user serves it (admins: all) at its next
sync. Names are matched exactly; a site is also found by its id.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection

from fieldkit.domain.models import Site
from fieldkit.domain.vocab import SiteKind
from fieldkit.hq.errors import HqSetupError
from fieldkit.hq.records import records_of
from fieldkit.hq.writes import HqEdit, wire_row, write_edits
from fieldkit.i18n import N_
from fieldkit.importing.roster import site_kind_for
from fieldkit.reports.compute import collation_key

__all__ = ["HqSite", "SitePick", "add_site", "live_sites", "rename_site", "resolve_sites"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SITE = str(Site.__tablename__)
_ADD_ONE = N_(
    "HQ: add a site with `fieldkit admin add-site NAME`, or load the bureau's roster with "
    "`fieldkit admin import roster FILE`"
)


@dataclass(frozen=True)
class HqSite:
    """A live site at HQ."""

    id: str
    name: str
    kind: str
    county: str


def live_sites(conn: Connection) -> list[HqSite]:
    """The live sites at HQ, in pinyin order of their names."""
    found = [
        HqSite(rec.id, str(rec.data.get("name", "")), str(rec.data.get("kind", "")),
               str(rec.data.get("county", "")))
        for rec in records_of(conn, _SITE)
        if not rec.deleted
    ]  # fmt: skip
    return sorted(found, key=lambda s: (collation_key(s.name), s.id))


def _names(sites: list[HqSite]) -> str:
    return "、".join(s.name for s in sites)


def _clean_name(name: str) -> str:
    text = name.strip()
    if not text:
        raise HqSetupError(N_("HQ: a site needs a name"))
    return text


def _not_taken(sites: list[HqSite], name: str) -> None:
    for site in sites:
        if site.name == name:
            raise HqSetupError(
                N_("HQ: a site named '{name}' already exists ({id})"), name=name, id=site.id
            )


def add_site(
    conn: Connection, name: str, kind: SiteKind | None = None, county: str | None = None
) -> HqSite:
    """Add a site at HQ, written as a synced record; its kind is guessed from its name
    when not given, its county is the one most sites have when not given."""
    text = _clean_name(name)
    sites = live_sites(conn)
    _not_taken(sites, text)
    if county is None:
        counties = Counter(s.county for s in sites if s.county)
        county = counties.most_common(1)[0][0] if counties else ""
    site = Site(name=text, kind=kind or site_kind_for(text), county=county.strip())
    write_edits(conn, [HqEdit(_SITE, site.id, wire_row(site))])
    return HqSite(site.id, site.name, site.kind.value, site.county)


def _find(sites: list[HqSite], wanted: str) -> HqSite:
    """The one live site named (or with the id) ``wanted``; raises :class:`HqSetupError`."""
    found = [s for s in sites if s.id == wanted] or [s for s in sites if s.name == wanted]
    if len(found) > 1:
        raise HqSetupError(
            N_("HQ: several sites are named '{site}'; give the id: {ids}"),
            site=wanted,
            ids=", ".join(s.id for s in found),
        )
    if not found:
        raise _unknown(wanted, sites)
    return found[0]


def _unknown(wanted: str, sites: list[HqSite]) -> HqSetupError:
    if not sites:
        return HqSetupError(
            N_("HQ: unknown site '{site}'; HQ has no sites yet"), hint=_ADD_ONE, site=wanted
        )
    return HqSetupError(
        N_("HQ: unknown site '{site}'; sites at HQ: {names}"), site=wanted, names=_names(sites)
    )


def rename_site(conn: Connection, old: str, new: str) -> HqSite:
    """Rename the live site named (or with the id) ``old`` to ``new``."""
    sites = live_sites(conn)
    site = _find(sites, old.strip())
    text = _clean_name(new)
    if text == site.name:
        return site
    _not_taken(sites, text)
    write_edits(conn, [HqEdit(_SITE, site.id, {"name": text})])
    return HqSite(site.id, text, site.kind, site.county)


@dataclass(frozen=True)
class SitePick:
    """The site ids a user is given, and the ids among them HQ holds no site for yet."""

    ids: list[str]
    not_yet_at_hq: list[str]


def resolve_sites(conn: Connection, given: str) -> SitePick:
    """The site ids of a comma-separated list of site names or ids.

    An id HQ does not hold yet (a site made on an admin laptop not synced yet) is
    kept as given; an unknown name is refused, naming the sites that exist.
    """
    sites = live_sites(conn)
    ids: list[str] = []
    pending: list[str] = []
    for item in (part.strip() for part in given.replace("，", ",").split(",")):
        if not item:
            continue
        if _UUID.match(item) and not any(s.id == item for s in sites):
            pending.append(item)
            ids.append(item)
            continue
        ids.append(_find(sites, item).id)
    if not ids and sites:
        raise HqSetupError(
            N_("HQ: --sites lists no site; sites at HQ: {names}"), names=_names(sites)
        )
    if not ids:
        raise HqSetupError(N_("HQ: --sites lists no site, and HQ has no sites yet"), hint=_ADD_ONE)
    return SitePick(list(dict.fromkeys(ids)), pending)

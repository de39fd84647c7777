"""Roster search and the lists the forms offer (sites, teams, team members)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fieldkit.services.opening import StoreOpener
from fieldkit.store import plain
from fieldkit.store.roster_types import (
    PAGE_SIZE,
    RosterFilter,
    RosterPage,
    RosterRow,
    SearchCancelled,
    needs_scan,
)

if TYPE_CHECKING:
    from fieldkit.store import Store

__all__ = [
    "PAGE_SIZE",
    "WARM_UP_TEXTS",
    "Roster",
    "RosterFilter",
    "RosterPage",
    "RosterRow",
    "SearchCancelled",
]


WARM_UP_TEXTS = ("z", "zs", "ceng", "张", "张三", "秀英", "村", "13", "0142", "GL-1")
"""One search text of each kind the roster's search tells apart (see :meth:`Roster.warm_up`)."""


class Roster:
    """Finding persons: a page of the roster at a time, a card code, the sites and teams.

    Before the store is opened (see :class:`StoreOpener`), a page without search text
    and the sites are read with plain SQL; anything else opens the store.
    """

    def __init__(self, store: Store | StoreOpener) -> None:
        self._opener = store if isinstance(store, StoreOpener) else StoreOpener.of(store)

    def search(
        self,
        flt: RosterFilter,
        *,
        offset: int = 0,
        limit: int = PAGE_SIZE,
        quick: bool = False,
        cancelled: Callable[[], bool] | None = None,
    ) -> RosterPage:
        """One page of persons matching ``flt``, by pinyin (codes: by code).

        Raises :class:`SearchCancelled` when ``cancelled()`` turns true before the
        page is read (the query stops at once).
        """
        if not self._opener.opened and plain.serves(flt):
            return plain.roster_page(self._opener.path, flt, offset=offset, limit=limit)
        from fieldkit.store import roster as queries

        return queries.search_roster(
            self._opener.store(), flt, offset=offset, limit=limit, quick=quick, cancelled=cancelled
        )

    def warm_up(self) -> str | None:
        """Run one search of each kind once (pinyin, initials, other readings, Chinese,
        inside names, digits, code; quick and complete), so the first keystrokes find
        the pinyin dictionaries loaded, their statements compiled and their index pages
        read (the app calls this off the UI thread).

        Returns the id of a person found (to warm the file's queries), None if none.
        """
        from fieldkit.store import roster as queries

        found: str | None = None
        store = self._opener.store()
        for text in WARM_UP_TEXTS:
            # the quick pass of Chinese text loads the pinyin dictionaries
            queries.search_roster(store, RosterFilter(text=text), quick=True)
            page = queries.search_roster(store, RosterFilter(text=text))
            if found is None and page.rows:
                found = page.rows[0].id
        return found

    @staticmethod
    def needs_scan(text: str) -> bool:
        """Whether ``text`` can match inside names, addresses or phones (a second pass)."""
        return needs_scan(text)

    def find_by_code(self, code: str) -> str | None:
        """The id of the live person with this card code (case-insensitive), if any."""
        from fieldkit.store import roster as queries

        return queries.find_by_code(self._opener.store(), code)

    def sites(self) -> list[tuple[str, str]]:
        """Live sites as ``(id, name)``, by name."""
        if not self._opener.opened:
            return plain.list_sites(self._opener.path)
        from fieldkit.store import roster as queries

        return queries.list_sites(self._opener.store())

    def teams(self) -> list[tuple[str, str, str]]:
        """Live volunteer teams as ``(id, name, site_id)``, by name."""
        from fieldkit.store import roster as queries

        return queries.list_teams(self._opener.store())

    def team_members(self, team_id: str) -> list[tuple[str, str]]:
        """A team's live members as ``(id, name)``, by name."""
        from fieldkit.store import roster as queries

        return queries.team_members(self._opener.store(), team_id)

    def site_named(self, wanted: str) -> str | None:
        """The id of the live site whose id or name is ``wanted``, if any."""
        for site_id, name in self.sites():
            if wanted in (site_id, name):
                return site_id
        return None

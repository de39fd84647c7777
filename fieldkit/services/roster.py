"""Roster search and the lists the forms offer (sites, teams, team members)."""

from __future__ import annotations

from collections.abc import Callable

from fieldkit.store import Store
from fieldkit.store import roster as queries
from fieldkit.store.roster import PAGE_SIZE, RosterFilter, RosterPage, RosterRow, SearchCancelled

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
    """Finding persons: a page of the roster at a time, a card code, the sites and teams."""

    def __init__(self, store: Store) -> None:
        self._store = store

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
        return queries.search_roster(
            self._store, flt, offset=offset, limit=limit, quick=quick, cancelled=cancelled
        )

    def warm_up(self) -> str | None:
        """Run one search of each kind once (pinyin, initials, other readings, Chinese,
        inside names, digits, code; quick and complete), so the first keystrokes find
        the pinyin dictionaries loaded, their statements compiled and their index pages
        read (the app calls this off the UI thread).

        Returns the id of a person found (to warm the file's queries), None if none.
        """
        found: str | None = None
        for text in WARM_UP_TEXTS:
            # the quick pass of Chinese text loads the pinyin dictionaries
            queries.search_roster(self._store, RosterFilter(text=text), quick=True)
            page = queries.search_roster(self._store, RosterFilter(text=text))
            if found is None and page.rows:
                found = page.rows[0].id
        return found

    @staticmethod
    def needs_scan(text: str) -> bool:
        """Whether ``text`` can match inside names, addresses or phones (a second pass)."""
        return queries.needs_scan(text)

    def find_by_code(self, code: str) -> str | None:
        """The id of the live person with this card code (case-insensitive), if any."""
        return queries.find_by_code(self._store, code)

    def sites(self) -> list[tuple[str, str]]:
        """Live sites as ``(id, name)``, by name."""
        return queries.list_sites(self._store)

    def teams(self) -> list[tuple[str, str, str]]:
        """Live volunteer teams as ``(id, name, site_id)``, by name."""
        return queries.list_teams(self._store)

    def team_members(self, team_id: str) -> list[tuple[str, str]]:
        """A team's live members as ``(id, name)``, by name."""
        return queries.team_members(self._store, team_id)

    def site_named(self, wanted: str) -> str | None:
        """The id of the live site whose id or name is ``wanted``, if any."""
        for site_id, name in self.sites():
            if wanted in (site_id, name):
                return site_id
        return None

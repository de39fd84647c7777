"""The due list: who must be visited on a day, under the county's care-plan policy."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from fieldkit.domain.careplan import DueList, Policy, PolicyError
from fieldkit.errors import FieldkitError
from fieldkit.i18n import N_
from fieldkit.store import Store
from fieldkit.store.due_list import (
    COUNTY_POLICY_FILE,
    DueListing,
    county_policy,
    due_list,
    due_listing,
)
from fieldkit.store.roster import list_sites

__all__ = ["COUNTY_POLICY_FILE", "DueListing", "DueVisits", "PolicyProblem", "SiteNotFound"]


class PolicyProblem(FieldkitError):
    """The county's policy file cannot be used (wraps the care-plan ``PolicyError``)."""

    @property
    def problem(self) -> str:
        """The policy file's problem: the file, the key and what is wrong."""
        return str(self.params.get("problem", ""))


class SiteNotFound(FieldkitError):
    """A site named on the command line is not on this laptop, or the name is ambiguous."""


class DueVisits:
    """The due list of a day and the policy it follows."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def policy(path: Path | None = None) -> Policy:
        """The policy in force: ``path``, else the config dir's ``policy.toml``, else defaults.

        Raises :class:`PolicyProblem` naming the file, the key and the problem.
        """
        try:
            return county_policy(path)
        except PolicyError as err:
            raise PolicyProblem(
                N_("policy: {problem}"),
                problem=str(err),
            ) from err

    def listing(
        self, on: date, *, site_ids: Collection[str] | None = None, policy: Policy | None = None
    ) -> DueList:
        """Tasks due on ``on`` for ``site_ids`` (every site when None), grouped by site."""
        return due_list(self._store, on=on, site_ids=site_ids, policy=policy)

    @contextmanager
    def in_steps(
        self, on: date, *, site_ids: Collection[str] | None = None, policy: Policy | None = None
    ) -> Iterator[DueListing]:
        """The same list read in steps from one snapshot: the first screenful
        (``head``), then the counts, then the whole list, for a screen that shows
        the first while the rest is made."""
        with due_listing(self._store, on=on, site_ids=site_ids, policy=policy) as listing:
            yield listing

    def resolve_sites(self, wanted: Sequence[str]) -> list[str]:
        """The ids of live sites given by name or id; raises :class:`SiteNotFound`."""
        live = list_sites(self._store)
        out: list[str] = []
        for raw in wanted:
            text = raw.strip()
            found = [sid for sid, _ in live if sid == text] or [
                sid for sid, name in live if name == text
            ]
            if len(found) > 1:
                raise SiteNotFound(
                    N_("{n} sites are named '{name}'; give the id: {ids}"),
                    n=len(found),
                    name=text,
                    ids=", ".join(found),
                )
            if not found:
                raise SiteNotFound(
                    N_("no site named or with id '{name}'; sites here: {names}"),
                    name=text,
                    names=", ".join(name for _, name in live[:20]) or "-",
                )
            out.append(found[0])
        return out

"""The HQ set-up commands (``fieldkit admin sites|add-site|rename-site|import roster|
rebuild-reports|keep-reports``), each a function of the parsed arguments and the database URL.

They print in the interface language and raise :class:`fieldkit.hq.errors.HqSetupError`
(or the roster's ``ImportRejected``) for what the user can fix, which the command line
shows like every ``FieldkitError``; it registers them (:mod:`fieldkit.cli.hq`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from fieldkit.domain.careplan import Policy, PolicyError
from fieldkit.domain.vocab import SiteKind
from fieldkit.hq.database import open_hq
from fieldkit.hq.errors import HqSetupError
from fieldkit.hq.keep_reports import keep_report_rows, kept_quarters, today_at_bureau
from fieldkit.hq.projection import rebuild_projection
from fieldkit.hq.roster import import_roster_at_hq
from fieldkit.hq.sites import add_site, live_sites, rename_site
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _
from fieldkit.reports.quarter import Quarter, QuarterError, parse_quarter
from fieldkit.store.due_list import county_policy
from sync.server.db import write_begin

__all__ = ["STEPS", "Step"]

Step = Callable[[argparse.Namespace, str], int]


def sites(args: argparse.Namespace, url: str) -> int:
    """List the live sites: id, kind, county, name."""
    engine = open_hq(url)
    try:
        with engine.connect() as conn:
            found = live_sites(conn)
    finally:
        engine.dispose()
    if not found:
        print(_("HQ: no sites yet; add one with `fieldkit admin add-site NAME`"))
        return 0
    for site in found:
        print(f"{site.id}  {site.kind:10} {site.county or '-':8} {site.name}")
    return 0


def add(args: argparse.Namespace, url: str) -> int:
    """Add a site."""
    kind = SiteKind(args.kind) if args.kind else None
    engine = open_hq(url)
    try:
        with write_begin(engine) as conn:
            site = add_site(conn, args.name, kind, args.county)
    finally:
        engine.dispose()
    added = _("HQ: site '{name}' added ({kind}, id {id}); laptops receive it at their next sync")
    print(added.format(name=site.name, kind=site.kind, id=site.id))
    return 0


def rename(args: argparse.Namespace, url: str) -> int:
    """Rename a site."""
    engine = open_hq(url)
    try:
        with write_begin(engine) as conn:
            site = rename_site(conn, args.old, args.new)
    finally:
        engine.dispose()
    print(
        _("HQ: site {id} is now named '{name}'; laptops receive it at their next sync").format(
            id=site.id, name=site.name
        )
    )
    return 0


def roster(args: argparse.Namespace, url: str) -> int:
    """Load a roster file into HQ; all or nothing."""
    engine = open_hq(url)
    try:
        with write_begin(engine) as conn:
            report = import_roster_at_hq(conn, args.file)
    finally:
        engine.dispose()
    print(
        _("HQ: roster {file}: {summary}; laptops in scope receive it at their next sync").format(
            file=args.file.name, summary=report.summary()
        )
    )
    return 0


def rebuild(args: argparse.Namespace, url: str) -> int:
    """Rebuild the report projection from the synced records."""
    engine = open_hq(url)
    try:
        with write_begin(engine) as conn:
            counts = rebuild_projection(conn)
    finally:
        engine.dispose()
    detail = ", ".join(f"{tbl} {n}" for tbl, n in counts.items())
    print(_("HQ: report tables rebuilt from the synced records: {detail}").format(detail=detail))
    return 0


def keep_reports(args: argparse.Namespace, url: str) -> int:
    """Bring the kept figures of the quarterly report current (``--quarter``, else the
    previous and the current quarter, as the running server keeps them)."""
    quarters = _quarters(args.quarter)
    policy = _policy(args.policy)
    engine = open_hq(url)
    try:
        for quarter in quarters:
            print(_("HQ: keeping the report figures of {quarter} current...").format(
                quarter=quarter), flush=True)  # fmt: skip
            done = keep_report_rows(engine, quarter, policy)
            print(
                _("HQ: report figures of {quarter} current: {n} persons replayed in {s:.1f} s")
                .format(quarter=quarter, n=done.replayed, s=done.seconds),
                flush=True,
            )  # fmt: skip
    finally:
        engine.dispose()
    return 0


def _quarters(given: str | None) -> tuple[Quarter, ...]:
    if given is None:
        return kept_quarters(today_at_bureau())
    try:
        return (parse_quarter(given),)
    except QuarterError:
        raise HqSetupError(
            N_("HQ: --quarter: '{value}' is not a quarter like 2026Q4"), value=given
        ) from None


def _policy(path: Path | None) -> Policy:
    try:
        return county_policy(path)
    except PolicyError as err:
        raise HqSetupError(N_("HQ: policy: {error}"), error=str(err)) from None


STEPS: dict[str, Step] = {
    "sites": sites,
    "add-site": add,
    "rename-site": rename,
    "import-roster": roster,
    "rebuild-reports": rebuild,
    "keep-reports": keep_reports,
}
"""Each set-up command by the name the command line registers it under."""

"""Laptop commands: ``fieldkit enroll URL CODE`` and ``fieldkit sync``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from fieldkit.cli.errors import CliError
from fieldkit.cli.notices import say_upgrading
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _

__all__ = ["register"]

log = logging.getLogger("fieldkit.cli.device")


def check_enroll_code(code: str) -> str:
    """The enrollment code as HQ printed it; :class:`CliError` when it cannot be one.

    Checked before the store is opened, so a mistyped code leaves nothing behind.
    """
    from sync.protocol import EnrollRequest

    text = code.strip()
    field = EnrollRequest.model_fields["code"]
    shortest = next((m.min_length for m in field.metadata if hasattr(m, "min_length")), 4)
    longest = next((m.max_length for m in field.metadata if hasattr(m, "max_length")), 64)
    if not shortest <= len(text) <= longest:
        raise CliError(
            N_("the enrollment code '{code}' is not right: it has {low} to {high} characters"),
            hint=N_("type the code HQ printed (`fieldkit admin enroll NAME`) again"),
            code=text,
            low=shortest,
            high=longest,
        )
    return text


def run_enroll(args: argparse.Namespace) -> int:
    """Enroll this laptop's store with headquarters."""
    from fieldkit.cli.main import db_path
    from fieldkit.services import Services

    args.code = check_enroll_code(args.code)
    with Services.open(db_path(args), before_upgrade=say_upgrading) as services:
        enrolled = services.sync.enroll(args.url, args.code)
    where = "all sites" if enrolled.sites is None else f"{len(enrolled.sites)} site(s)"
    print(f"enrolled as {enrolled.user} ({enrolled.role}, {where}); device {enrolled.device_id}")
    print("run `fieldkit sync` to send and receive records")
    return 0


def run_sync_cmd(args: argparse.Namespace) -> int:
    """Push then pull; print what moved; exit non-zero while HQ's rejections remain."""
    from fieldkit.cli.main import db_path
    from fieldkit.services import Services
    from fieldkit.services.syncing import REJECTED_HINT, describe_rejection

    path = db_path(args)
    with Services.open(path, before_upgrade=say_upgrading) as services:
        outcome = services.sync.run()
        status = services.outbox.status()
    report = outcome.report
    if report.pushed or report.pulled or report.ok:
        print(outcome.summary())
    if outcome.failure is None and (report.pushed or report.pulled):
        _keep_report_rows(path)
    for change in status.rejected:
        print("  " + describe_rejection(change))
    if outcome.failure is not None:
        raise CliError(
            N_("sync failed: {reason}"),
            hint=outcome.failure.hint,
            reason=outcome.failure.user_message(),
        )
    if status.rejected_count:
        raise CliError(
            N_("headquarters rejected {n} change(s); they are kept on this laptop"),
            hint=REJECTED_HINT,
            n=status.rejected_count,
        )
    return 0


def _keep_report_rows(path: Path) -> None:
    """Bring the report's kept rows current after a sync that moved records, and say so
    in one line (a failure is said too: the rows are a cache, the sync stands)."""
    from fieldkit.services.keeping import keep_store_current

    try:
        kept = keep_store_current(path)
    except Exception as err:  # the rows are a cache: the sync's outcome stands
        log.warning("report keeper: the step failed", exc_info=True)
        print(_("report figures not kept current: {error}").format(error=err), file=sys.stderr)
        return
    print(
        _("report figures kept current for {quarters}: {n} person(s) replayed in {s} s").format(
            quarters=", ".join(str(one.quarter) for one in kept),
            n=sum(one.replayed for one in kept),
            s=f"{sum(one.seconds for one in kept):.1f}",
        )
    )


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``enroll`` and ``sync``."""
    p = sub.add_parser(
        "enroll",
        parents=[common],
        help="enroll this laptop with headquarters using a one-time code",
        description="Trade the one-time code HQ printed (`fieldkit admin enroll NAME`) for "
        "this laptop's device token.",
    )
    p.add_argument("url", help="headquarters address, e.g. http://hq.example:8765")
    p.add_argument("code", help="the one-time enrollment code")
    p.set_defaults(handler=run_enroll)
    p = sub.add_parser(
        "sync",
        parents=[common],
        help="send this laptop's changes to headquarters, then receive others'",
        description="Push the outbox, then pull the records of this laptop's sites. Exits "
        "non-zero with a message when it cannot sync or headquarters rejected a change "
        "(each named with what to do); nothing is lost.",
    )
    p.set_defaults(handler=run_sync_cmd)

"""``fieldkit report``: the quarterly statistics tables (活动情况统计表) of the laptop store,
or at headquarters (``--database-url``) of every synced record.

Messages are in the interface language (gettext, Chinese by default); the tables
themselves are always in Chinese, as the bureau files them.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit.cli.errors import CliError
from fieldkit.cli.notices import say_upgrading
from fieldkit.i18n import gettext as _

if TYPE_CHECKING:
    from fieldkit.domain.careplan import Policy
    from fieldkit.reports import QuarterlyReport
    from fieldkit.reports.quarter import Quarter

__all__ = ["register", "run_report"]

_HELP = """\
Write the quarterly statistics tables (活动情况统计表) of the sites on this laptop:
persons served by category and tier, new, moved and deceased; visits by reason,
persons visited, visits confirmed by card scan; care-plan visits due done on time,
late or missed (the care-plan engine replayed over the quarter); relocation-site
residents not visited in the last twelve months, by name; money (yuan, to the fen)
and goods handed over; consultations by topic; volunteer activities by kind, with
people reached and volunteer hours, per team.

The format follows the suffix of --out: .xlsx (one sheet per section), .csv (UTF-8
with BOM, one block per section) or .pdf (A4, ready to print). Quarters run on
local dates (Asia/Shanghai): 2026Q4 is 2026-10-01 00:00:00 to 2026-12-31 23:59:59.

At headquarters, --database-url URL makes the same tables over every synced record of
the HQ database (PostgreSQL or SQLite), read from its typed report tables."""


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``fieldkit report``."""
    cmd = sub.add_parser(
        "report",
        parents=[common],
        help="the quarterly statistics tables (XLSX, CSV or PDF)",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("--quarter", required=True, metavar="YYYYQN", help="e.g. 2026Q4")
    cmd.add_argument("--site", metavar="SITE", help="one site by name or id (default: every site)")
    cmd.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="FILE.xlsx, FILE.csv or FILE.pdf"
    )
    cmd.add_argument("--bureau", metavar="NAME", help="the bureau named in the title")
    cmd.add_argument("--policy", type=Path, metavar="FILE", help="a county policy file (TOML)")
    cmd.add_argument(
        "--database-url",
        metavar="URL",
        help="at headquarters: report over every synced record of the HQ database at URL "
        "(postgresql+psycopg://… or sqlite:///…) instead of the laptop store",
    )
    cmd.set_defaults(handler=run_report)


def _use_language(args: argparse.Namespace) -> None:
    from fieldkit.config import ConfigError, load_config
    from fieldkit.i18n import resolve_language, set_language

    try:
        configured = load_config().language
    except (ConfigError, OSError):
        configured = None
    set_language(resolve_language(getattr(args, "lang", None), configured))


def _site_id(wanted: str, sites: list[tuple[str, str, bool]]) -> str:
    """The id of the live site named (or with the id) ``wanted``."""
    from fieldkit.reports.compute import collation_key

    text = wanted.strip()
    live = sorted(
        ((sid, name) for sid, name, deleted in sites if not deleted),
        key=lambda site: (collation_key(site[1]), site[0]),
    )
    found = [sid for sid, _name in live if sid == text] or [
        sid for sid, name in live if name == text
    ]
    if len(found) > 1:
        raise CliError(
            _("Report: --site: {n} sites are named '{site}'; give the id: {ids}").format(
                n=len(found), site=text, ids=", ".join(found)
            )
        )
    if not found:
        names = "、".join(name for _sid, name in live[:20])
        raise CliError(
            _("Report: --site: no site named or with id '{site}'; sites here: {names}").format(
                site=text, names=names or "-"
            )
        )
    return found[0]


def run_report(args: argparse.Namespace) -> int:
    """Compute the tables and write the file."""
    from fieldkit.reports import OutputError, QuarterError, parse_quarter, write_report
    from fieldkit.reports.output import report_format
    from fieldkit.services.due import DueVisits, PolicyProblem

    _use_language(args)
    try:
        quarter = parse_quarter(args.quarter)
    except QuarterError:
        raise CliError(
            _("Report: --quarter: '{value}' is not a quarter like 2026Q4").format(
                value=args.quarter
            )
        ) from None
    out: Path = args.out
    try:
        report_format(out)
    except OutputError:
        raise CliError(
            _("Report: --out must end in .xlsx, .csv or .pdf: {path}").format(path=out)
        ) from None
    if not out.parent.is_dir():
        raise CliError(_("Report: no folder {path} to write into").format(path=out.parent))
    try:
        policy = DueVisits.policy(args.policy)
    except PolicyProblem as err:
        raise CliError(_("Report: policy: {error}").format(error=err.problem)) from None
    if args.database_url:
        report, site_name = _hq_report(args, quarter, policy)
    else:
        report, site_name = _laptop_report(args, quarter, policy)
    try:
        write_report(report, out)
    except OSError as err:
        raise CliError(
            _("Report: cannot write {path}: {error}").format(path=out, error=err.strerror or err)
        ) from None
    if site_name is None:
        print(
            _("Report written to {path}: {quarter}, every site").format(path=out, quarter=quarter)
        )
    else:
        print(
            _("Report written to {path}: {quarter}, site {site}").format(
                path=out, quarter=quarter, site=site_name
            )
        )
    return 0


def _chosen(args: argparse.Namespace, rows: list[tuple[str, str, bool]]) -> tuple[str, str] | None:
    """The ``(id, name)`` of the site ``--site`` names among ``rows``, or None for every site."""
    if not args.site:
        return None
    site_id = _site_id(args.site, rows)
    return site_id, next(name for sid, name, _gone in rows if sid == site_id)


def _options(
    args: argparse.Namespace, site: tuple[str, str] | None, policy: Policy
) -> dict[str, Any]:
    """What the report is asked for besides the quarter: the site, policy, bureau and day."""
    return {
        "site_id": site and site[0],
        "policy": policy,
        "bureau": args.bureau,
        "made_on": date.today(),
    }


def _laptop_report(
    args: argparse.Namespace, quarter: Quarter, policy: Policy
) -> tuple[QuarterlyReport, str | None]:
    """The report over the laptop store, and the site's name when one was asked for."""
    from fieldkit.cli.main import db_path
    from fieldkit.services import Services

    path = db_path(args)
    if not path.is_file():
        raise CliError(
            _("Report: no laptop store at {path}; import a roster or load the demo first").format(
                path=path
            )
        )
    with Services.open(path, before_upgrade=say_upgrading) as services:
        reports = services.reports
        site = _chosen(args, reports.sites())
        report = reports.build(quarter, **_options(args, site, policy))
    return report, site and site[1]


def _hq_report(
    args: argparse.Namespace, quarter: Quarter, policy: Policy
) -> tuple[QuarterlyReport, str | None]:
    """The report over every synced record of the HQ database at ``--database-url``."""
    from fieldkit.hq.report_source import hq_source
    from fieldkit.reports import build_report

    with hq_source(args.database_url) as source:
        site = _chosen(args, [(s.id, s.name, s.deleted) for s in source.sites()])
        report = build_report(source, quarter, **_options(args, site, policy))
    return report, site and site[1]

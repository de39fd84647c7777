"""``fieldkit due``: the due list of a day, for route sheets (table, CSV or JSON).

The county's policy is ``policy.toml`` in the config directory when present
(``--policy FILE`` overrides it); otherwise the shipped defaults apply.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit.cli.errors import CliError
from fieldkit.cli.notices import say_upgrading
from fieldkit.domain.cells import neutralise
from fieldkit.i18n import N_

if TYPE_CHECKING:  # the care-plan engine is imported when the command runs, not at start
    from fieldkit.domain.careplan import DueList, Task

__all__ = ["cell_width", "register", "run_due"]

_HELP = """\
Print who is due or overdue for a visit on a day, grouped by site and sorted by
urgency (overdue, due today, due this week, upcoming), each with the reason in
plain words. Rules: the care-plan tier interval (重点关注 30 / 定期关注 90 /
日常跟踪 365 days since the last visit), the five must-visits (festivals,
hospital, milestone birthdays, family misfortune, condolence), the yearly visit
of relocation-site residents, and follow-ups owed.

The policy is the shipped default merged with the county's file: --policy FILE,
else policy.toml in the config directory if it exists."""


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``fieldkit due``."""
    cmd = sub.add_parser(
        "due",
        parents=[common],
        help="who is due or overdue for a visit (route sheets)",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument(
        "--site",
        action="append",
        metavar="SITE",
        help="a site by name or id (repeat for several; default: every site)",
    )
    cmd.add_argument("--date", metavar="YYYY-MM-DD", help="the day of the list (default: today)")
    cmd.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="output format"
    )
    cmd.add_argument("--policy", type=Path, metavar="FILE", help="a county policy file (TOML)")
    cmd.set_defaults(handler=run_due)


def _parse_day(raw: str | None) -> date:
    if raw is None:
        return date.today()
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise CliError(N_("--date: '{raw}' is not a date like 2026-11-21"), raw=raw) from None


def cell_width(text: str) -> int:
    """Width of ``text`` in terminal cells (CJK wide and fullwidth characters take two)."""
    return sum(
        2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 0
        if unicodedata.combining(ch)
        else 1
        for ch in text
    )


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_width(text))


_COLUMNS = {
    "zh": ("状态", "到期日", "编号", "姓名", "事项", "原因", "地址"),
    "en": ("state", "due", "code", "name", "visit", "why", "address"),
}


def _row(task: Task, lang: str) -> list[str]:
    from fieldkit.domain.careplan import kind_label, state_label

    return [
        state_label(task.state, lang),
        task.due.isoformat(),
        task.person_code,
        task.person_name,
        kind_label(task.kind, lang),
        task.why(lang),
        task.address,
    ]


def _counts_line(counts: Any, lang: str) -> str:
    from fieldkit.domain.careplan import TaskState, state_label

    sep = ", " if lang == "en" else "，"
    return sep.join(f"{state_label(s, lang)} {counts[s]}" for s in TaskState)


def render_table(dl: DueList, lang: str) -> str:
    """The list as aligned text, one block per site (widths measured in cells)."""
    out = io.StringIO()
    title = f"走访提醒 {dl.on.isoformat()}" if lang == "zh" else f"Visits due {dl.on.isoformat()}"
    out.write(f"{title}: {_counts_line(dl.counts, lang)}\n")
    if not dl.tasks:
        out.write("没有到期的走访。\n" if lang == "zh" else "No visits due.\n")
        return out.getvalue()
    header = list(_COLUMNS[lang])
    for group in dl.groups:
        rows = [_row(t, lang) for t in group.tasks]
        widths = [max(cell_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        out.write(f"\n== {group.site_name} ({_counts_line(group.counts, lang)})\n")
        for r in [header, *rows]:
            cells = [_pad(c, w) for c, w in zip(r[:-1], widths[:-1], strict=True)] + [r[-1]]
            out.write("  ".join(cells).rstrip() + "\n")
    return out.getvalue()


_CSV_HEADER = {
    "zh": [
        "站点", "状态", "到期日", "起始日", "编号", "姓名", "事项", "原因", "地址",
        "人员ID", "站点ID",
    ],
    "en": [
        "site", "state", "due", "window_start", "code", "name", "visit", "why", "address",
        "person_id", "site_id",
    ],
}  # fmt: skip


def render_csv(dl: DueList, lang: str) -> str:
    """The list as CSV, one task per line, site by site."""
    from fieldkit.domain.careplan import kind_label, state_label

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_HEADER[lang])
    for group in dl.groups:
        for t in group.tasks:
            writer.writerow(
                neutralise(cell)
                for cell in [
                    group.site_name,
                    state_label(t.state, lang),
                    t.due.isoformat(),
                    t.window_start.isoformat(),
                    t.person_code,
                    t.person_name,
                    kind_label(t.kind, lang),
                    t.why(lang),
                    t.address,
                    t.person_id,
                    t.site_id,
                ]
            )
    return out.getvalue()


def render_json(dl: DueList) -> str:
    """The list as JSON: slugs for states and kinds, reasons in both languages."""

    def task(t: Task) -> dict[str, Any]:
        return {
            "person_id": t.person_id,
            "code": t.person_code,
            "name": t.person_name,
            "address": t.address,
            "kind": t.kind.value,
            "reason": t.reason.value,
            "state": t.state.value,
            "window_start": t.window_start.isoformat(),
            "due": t.due.isoformat(),
            "why_zh": t.why_zh,
            "why_en": t.why_en,
        }

    doc = {
        "on": dl.on.isoformat(),
        "counts": {s.value: n for s, n in dl.counts.items()},
        "sites": [
            {
                "site_id": g.site_id,
                "site_name": g.site_name,
                "counts": {s.value: n for s, n in g.counts.items()},
                "tasks": [task(t) for t in g.tasks],
            }
            for g in dl.groups
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _language(args: argparse.Namespace) -> str:
    from fieldkit.config import ConfigError, load_config
    from fieldkit.i18n import resolve_language

    try:
        configured = load_config().language
    except (ConfigError, OSError):
        configured = None
    return resolve_language(getattr(args, "lang", None), configured)


def run_due(args: argparse.Namespace) -> int:
    """Print the due list."""
    from fieldkit.cli.main import db_path
    from fieldkit.services import Services
    from fieldkit.services.due import DueVisits, SiteNotFound

    on = _parse_day(args.date)
    path = db_path(args)
    policy = DueVisits.policy(args.policy)
    if not path.is_file():
        raise CliError(
            N_("no laptop store at {path}; import a roster or load the demo first"), path=path
        )
    with Services.open(path, before_upgrade=say_upgrading) as services:
        site_ids = None
        if args.site:
            try:
                site_ids = services.due.resolve_sites(args.site)
            except SiteNotFound as err:
                raise CliError(
                    N_("--site: {problem}"), hint=err.hint, problem=err.user_message()
                ) from err
        dl = services.due.listing(on, site_ids=site_ids, policy=policy)
    lang = _language(args)
    if args.format == "json":
        text = render_json(dl)
    elif args.format == "csv":
        text = render_csv(dl, lang)
    else:
        text = render_table(dl, lang)
    sys.stdout.write(text)
    return 0

"""``fieldkit import roster|visits FILE`` and ``fieldkit export FILE``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fieldkit.cli.errors import CliError
from fieldkit.cli.notices import say_upgrading
from fieldkit.i18n import N_
from fieldkit.i18n import gettext as _

if TYPE_CHECKING:
    from fieldkit.services.transfer import (
        ImportProgress,
        ProgressCallback,
        RosterReport,
        VisitsReport,
    )

__all__ = ["register", "run_export", "run_import_roster", "run_import_visits"]

_ROSTER_HELP = """\
Import a roster spreadsheet: CSV in UTF-8 (with or without BOM) or Excel .xlsx.
Headers as bureaus keep them: 编号, 姓名, 性别, 出生日期, 类别, 原单位, 站点, 地址,
电话, 关注等级, 独居, 特殊困难, 党员, 入党年份, 备注, and optionally 健康状况,
家庭情况, 特长 (skills), 身份证号 (English headers code, name, sex, birth_date,
category, former_unit, site, address, phone, tier, lives_alone, hardship,
party_member, party_year, notes, health, family, skills, id_number are also
accepted). 编号, 姓名, 性别, 出生日期, 类别 and 站点 are required; a column left out
leaves that field as it is. Title rows above the header are skipped.

Values: 类别 离休/退休/遗孀/居民 (lixiu, retired, widow, resident); 关注等级
重点关注/定期关注/日常跟踪 (key, periodic, routine); yes/no columns 是/否 (yes/no, 1/0);
dates 2026-11-21, 2026/11/21, 2026.11.21 or 20261121. 身份证号 must have its
right check character and the birth date of 出生日期, and no other person may
hold it (in the file or on this laptop); 电话 is a mobile (11 digits starting
with 1) or a landline with its area code (0834-1234567).

Persons are matched by 编号: a known code updates the person, a new one adds a
person; sites not yet on this laptop are created. Every row is checked first: if
any row is wrong, nothing is written and every bad row is listed with its line
number (the header is line 1). Imported changes go to the outbox and reach
headquarters at the next sync. A progress bar shows on a terminal."""

_VISITS_HELP = """\
Import visits written on paper: CSV in UTF-8 or Excel .xlsx with the headers
编号 (person code), 日期, 走访类型, 走访人, 慰问金 (yuan), 问需, 服务内容, 备注
(the first four are required).

走访类型: 节日走访/住院探望/生日走访/变故走访/去世慰问/日常走访/问需走访/帮扶走访
(festival, hospital, birthday, misfortune, condolence, routine, needs, aid).
Dates 2026-11-21, 2026/11/21, 2026.11.21 or 20261121; money in yuan, e.g. 500,
500.00, ¥500 or 500元 (full-width digits accepted; 1e9 or 1_000 are refused).

Every row is checked first (the person must be on this laptop); if any row is
wrong nothing is written and every bad row is listed with its line number. A visit
already in the store (same person, day, type and visitors) is skipped, so a file
can be imported twice safely. Imported visits reach headquarters at the next sync."""

_EXPORT_HELP = """\
Write everything in the store to FILE as JSON Lines: a header line, then one
record per line with its type ({"type": "person", "id": ..., ...}), table by table
(parents first) and by id, tombstones included. The same store always gives the
same file; `fieldkit demo` loads the demo county from a file in this format."""


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``import roster``, ``import visits`` and ``export``."""
    imp = sub.add_parser(
        "import",
        parents=[common],
        help="import a roster or paper visits from CSV (UTF-8) or XLSX",
        description="Import spreadsheets kept by the bureau into the laptop store. "
        "All or nothing: a file with any bad row writes nothing.",
    )
    kinds = imp.add_subparsers(title="what to import", metavar="KIND", required=True)
    roster = kinds.add_parser(
        "roster",
        parents=[common],
        help="persons from a roster (by 编号: new ones added, known ones updated)",
        description=_ROSTER_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    roster.add_argument("file", type=Path, metavar="FILE", help="the roster (.csv or .xlsx)")
    roster.set_defaults(handler=run_import_roster)
    visits = kinds.add_parser(
        "visits",
        parents=[common],
        help="visits written on paper (persons named by 编号)",
        description=_VISITS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    visits.add_argument("file", type=Path, metavar="FILE", help="the visits (.csv or .xlsx)")
    visits.set_defaults(handler=run_import_visits)
    export = sub.add_parser(
        "export",
        parents=[common],
        help="write the whole store as JSON Lines",
        description=_EXPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("file", type=Path, metavar="FILE", help="where to write (.jsonl)")
    export.set_defaults(handler=run_export)


def _run_import(args: argparse.Namespace, kind: str) -> int:
    """Run one importer on ``args.file``: all rows or none, then print what changed.

    A refused file raises :class:`~fieldkit.services.ImportRejected` (every bad row
    listed); ``main`` prints it like every error.
    """
    from fieldkit.cli.main import db_path
    from fieldkit.services import Services

    with Services.open(db_path(args), before_upgrade=say_upgrading) as services:
        transfer = services.transfer
        report: RosterReport | VisitsReport
        if kind == "roster":
            with _progress_bar(args.file.name) as progress:
                report = transfer.import_roster(args.file, progress=progress)
        else:
            report = transfer.import_visits(args.file)
    line = _("roster {file}: {summary}") if kind == "roster" else _("visits {file}: {summary}")
    print(line.format(file=args.file.name, summary=report.summary()))
    return 0


@contextmanager
def _progress_bar(name: str) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr while a roster is read and written; none when not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[counts]}"),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(name, total=1.0, counts="")
    counts = _("{read} rows read, {written} written")

    def show(step: ImportProgress) -> None:
        text = counts.format(read=step.read, written=step.written)
        bar.update(task, completed=step.done, counts=text)

    with bar:
        yield show


def run_import_roster(args: argparse.Namespace) -> int:
    """Import a roster file and print what changed."""
    return _run_import(args, "roster")


def run_import_visits(args: argparse.Namespace) -> int:
    """Import paper visits and print how many were added."""
    return _run_import(args, "visits")


def run_export(args: argparse.Namespace) -> int:
    """Export the store as JSON Lines and print the counts."""
    from fieldkit.cli.main import db_path
    from fieldkit.services import Services

    target: Path = args.file
    if target.is_dir():
        raise CliError(N_("{path} is a folder; give a file name such as export.jsonl"), path=target)
    if not target.parent.is_dir():
        raise CliError(N_("the folder {path} does not exist"), path=target.parent)
    with Services.open(db_path(args), before_upgrade=say_upgrading) as services:
        counts = services.transfer.export(target)
    total = sum(counts.values())
    detail = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    print(f"{total} records written to {target}" + (f" ({detail})" if detail else ""))
    return 0

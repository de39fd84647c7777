"""``fieldkit cards``: print service cards (A4 PDF sheets or PNG files), reissue a card."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fieldkit.cli.errors import CliError
from fieldkit.cli.notices import say_upgrading

__all__ = ["register", "run_cards", "use_language"]

_HELP = """\
Print service cards (一人一卡): each card holds the person's name, site, short
code and a QR code signed with the county's card key, so a scan proves the card
is genuine on every laptop, offline. A4 sheets of ten cards with cut marks
(--out FILE.pdf), or one PNG per card (--out DIR/).

Cards are signed at headquarters: the key is taken from HQ's data dir, or from
the key file HQ exported (--key FILE). Without it nothing is printed.

--reissue CODE gives the person a new card number (a lost card): the old card
is refused on every laptop once it has synced. Print the new card afterwards
with --person CODE."""


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``fieldkit cards``."""
    cmd = sub.add_parser(
        "cards",
        parents=[common],
        help="print service cards with signed QR codes, or reissue a lost card",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = cmd.add_mutually_exclusive_group(required=True)
    which.add_argument("--site", metavar="SITE", help="every person of a site (name or id)")
    which.add_argument("--person", metavar="CODE", help="one person, by short code (GL-0042)")
    which.add_argument("--all", action="store_true", help="every person on this laptop")
    which.add_argument("--reissue", metavar="CODE", help="give a person a new card number")
    cmd.add_argument("--out", metavar="FILE.pdf|DIR/", help="where to write the cards")
    cmd.add_argument("--key", type=Path, metavar="FILE", help="the card key file from HQ")
    cmd.add_argument("--bureau", metavar="NAME", help="bureau name on the cards")
    cmd.set_defaults(handler=run_cards)


def use_language(args: argparse.Namespace) -> None:
    """Speak the language of ``--lang``, else the config's, else the locale's."""
    from fieldkit.config import ConfigError, load_config
    from fieldkit.i18n import resolve_language, set_language

    try:
        configured = load_config().language
    except (ConfigError, OSError):
        configured = None
    set_language(resolve_language(getattr(args, "lang", None), configured))


class _Progress:
    """Progress of a large job on stderr: one updated line on a terminal, else tenths."""

    def __init__(self) -> None:
        self.tenth = 0

    def __call__(self, done: int, total: int) -> None:
        if total < 100:
            return
        if sys.stderr.isatty():
            end = "\n" if done == total else ""
            print(f"\rcards: {done}/{total}", end=end, file=sys.stderr, flush=True)
        elif done * 10 // total > self.tenth:
            self.tenth = done * 10 // total
            print(f"cards: {done}/{total}", file=sys.stderr, flush=True)


def run_cards(args: argparse.Namespace) -> int:
    """Print the selected cards, or reissue one."""
    from fieldkit.cards.errors import CardError
    from fieldkit.cli.main import db_path
    from fieldkit.i18n import gettext as _
    from fieldkit.services import Services

    use_language(args)
    path = db_path(args)
    if not path.is_file():
        raise CliError(f"no laptop store at {path}; import a roster or load the demo first")
    if args.reissue is None and args.out is None:
        raise CliError("--out FILE.pdf or --out DIR/ is needed to print cards", exit_code=2)
    services = Services.open(path, before_upgrade=say_upgrading)
    try:
        if args.reissue is not None:
            holder = services.cards.reissue(args.reissue)
            print(
                _(
                    "Cards: {name} ({code}) now has card no. {issue}; the older card is "
                    "refused on each laptop once it has synced. Print the new card with "
                    "--person {code}."
                ).format(name=holder.name, code=holder.code, issue=holder.card_issue)
            )
            return 0
        result = services.cards.print(
            args.out,
            site=args.site,
            code=args.person,
            key_file=args.key,
            bureau=args.bureau,
            progress=_Progress(),
        )
    except CardError as err:
        raise CliError(str(err)) from None
    finally:
        services.close()
    print(
        _("Cards: wrote {cards} cards to {path} ({size} KB)").format(
            cards=result.cards, path=args.out, size=(result.size_bytes + 1023) // 1024
        )
    )
    return 0

"""``fieldkit admin card-key``: the county's card keys at headquarters.

Without an option it makes the county's next key (the first one, or a rotation:
cards already printed keep verifying), keeps its key file in HQ's ``card-keys/``
and publishes the public key: every laptop receives it at its next sync.
``--list`` shows the published keys, ``--export FILE`` copies a key file for
whoever prints cards elsewhere, ``--revoke KEY_ID`` withdraws a key.
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path

from fieldkit.cli.errors import CliError

__all__ = ["register_card_key", "run_card_key"]


def _key_dir(args: argparse.Namespace) -> Path:
    from fieldkit.cards.keys import default_key_dir

    given: Path | None = args.key_dir
    return given if given is not None else default_key_dir()


def _list(conn: object) -> None:
    from fieldkit.cards.hq_keys import hq_card_keys
    from fieldkit.i18n import gettext as _

    keys = hq_card_keys(conn)  # type: ignore[arg-type]
    if not keys:
        print(_("Card key: none published yet; make one with fieldkit admin card-key"))
    for k in keys:
        state = _("key revoked") if k.revoked else _("key in use")
        print(f"{k.key.county} #{k.key.key_id}  {k.key.created_at:%Y-%m-%d %H:%M}  {state}")


def run_card_key(args: argparse.Namespace) -> int:
    """Make, list, export or revoke a card key."""
    from fieldkit.cards.errors import CardError
    from fieldkit.cards.hq_keys import county_at_hq, export_key, make_key, revoke_key
    from fieldkit.cli.cards import use_language
    from fieldkit.cli.hq import open_engine
    from fieldkit.i18n import gettext as _
    from sync.server.db import write_begin

    use_language(args)
    chosen = [args.list, args.export is not None, args.revoke is not None]
    if sum(chosen) > 1:
        raise CliError(_("Card key: give one of --list, --export and --revoke"), exit_code=2)
    by = os.environ.get("USER", "admin")
    engine = open_engine(args)
    try:
        with write_begin(engine) as conn:
            if args.list:
                _list(conn)
            elif args.export is not None:
                path = export_key(conn, _key_dir(args), args.export, args.key_id)
                print(_("Card key: key file written to {path}; keep it safe").format(path=path))
            elif args.revoke is not None:
                gone = revoke_key(conn, args.revoke, args.county, by=by)
                print(
                    _(
                        "Card key: key {key_id} of {county} revoked; laptops refuse its cards "
                        "once they have synced"
                    ).format(key_id=gone.key.key_id, county=gone.key.county)
                )
            else:
                county = args.county or county_at_hq(conn)
                key, path = make_key(conn, county, _key_dir(args), datetime.now(), by=by)
                print(
                    _(
                        "Card key: key {key_id} of {county} made; its key file is {path}; "
                        "laptops receive the public key at their next sync"
                    ).format(key_id=key.key_id, county=key.county, path=path)
                )
    except CardError as err:
        raise CliError(str(err)) from None
    finally:
        engine.dispose()
    return 0


def register_card_key(
    asub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    db: argparse.ArgumentParser,
) -> None:
    """Add ``fieldkit admin card-key``."""
    p = asub.add_parser(
        "card-key",
        parents=[common, db],
        help="make (or rotate), list, export or revoke the county's service-card keys",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--county", default=None, help="the county (default: the one HQ's sites name)")
    p.add_argument("--list", action="store_true", help="list the published keys")
    p.add_argument("--export", type=Path, default=None, metavar="FILE", help="copy a key file")
    p.add_argument("--key-id", type=int, default=None, metavar="N", help="with --export: which key")
    p.add_argument("--revoke", type=int, default=None, metavar="KEY_ID", help="revoke a key")
    p.add_argument(
        "--key-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where HQ keeps key files (default: card-keys/ in the data dir)",
    )
    p.set_defaults(handler=run_card_key)

"""The domain's money messages an import shows, marked for the catalogs.

:mod:`fieldkit.domain.money` sits below the interface language, so its errors
carry English msgids (``%(raw)s`` fields) without marking them (the ID-number and
phone checks of :mod:`fieldkit.domain.identity` mark their own); the imports name
them in a problem, translated when shown.
This list puts them in the catalogs; a test checks that every msgid
the two modules raise is here (``tests/io/test_io_import_checks.py``).
"""

from __future__ import annotations

from fieldkit.i18n import N_

__all__ = ["DOMAIN_MSGIDS"]

DOMAIN_MSGIDS = (
    N_("'%(raw)s' has more than two decimals; give yuan to the fen (0.01)"),
    N_("'%(raw)s' is negative; money handed over cannot be below 0"),
    N_("'%(raw)s' is not an amount in yuan (e.g. 500 or 500.00)"),
    N_(
        "'%(raw)s' is above the most one hand-over may carry (%(limit)s yuan); "
        "check the amount or split it"
    ),
)

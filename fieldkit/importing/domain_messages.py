"""The domain's check messages an import shows, marked for the catalogs.

:mod:`fieldkit.domain.identity` and :mod:`fieldkit.domain.money` sit below the
interface language, so their errors carry English msgids (``%(raw)s`` fields)
without marking them; the imports name them in a problem, translated when shown.
This list puts them in the catalogs; a test checks that every msgid
the two modules raise is here (``tests/io/test_io_import_checks.py``).
"""

from __future__ import annotations

from fieldkit.i18n import N_

__all__ = ["DOMAIN_MSGIDS"]

DOMAIN_MSGIDS = (
    N_("ID number '%(raw)s' must be 18 characters: 17 digits and a last digit or X"),
    N_("ID number '%(raw)s' has a wrong check character (a digit is mistyped)"),
    N_("ID number '%(raw)s' does not hold a real birth date"),
    N_(
        "ID number '%(raw)s' gives the birth date %(id_date)s, "
        "but the person's birth date is %(birth)s"
    ),
    N_("Phone '%(raw)s' is not a mobile number: 11 digits starting with 13-19"),
    N_(
        "Phone '%(raw)s' is neither a mobile (11 digits starting with 1) "
        "nor a landline with its area code (e.g. 0834-1234567)"
    ),
    N_("'%(raw)s' has more than two decimals; give yuan to the fen (0.01)"),
    N_("'%(raw)s' is negative; money handed over cannot be below 0"),
    N_("'%(raw)s' is not an amount in yuan (e.g. 500 or 500.00)"),
    N_(
        "'%(raw)s' is above the most one hand-over may carry (%(limit)s yuan); "
        "check the amount or split it"
    ),
)

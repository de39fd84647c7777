"""The outcome columns of the report figures kept per person and quarter, as migration
0009 made them in the laptop store (HQ's migration h0002 makes the same columns).

Frozen: a new care-plan task kind or outcome needs a migration adding its columns
(``tests/reports/test_report_kept.py`` compares these with the ones the reports fill,
:data:`fieldkit.reports.kept.OUTCOME_COLUMNS`).
"""

from __future__ import annotations

__all__ = ["MIGRATED_OUTCOME_COLUMNS"]

MIGRATED_OUTCOME_COLUMNS: tuple[str, ...] = tuple(
    f"{kind}_{outcome}"
    for kind in (
        "condolence", "hospital", "misfortune", "follow_up", "birthday", "festival", "tier",
        "relocation_yearly",
    )
    for outcome in ("on_time", "late", "missed")
)  # fmt: skip
"""``<task kind>_<outcome>``: how many of a person's due visits of that kind ended so."""

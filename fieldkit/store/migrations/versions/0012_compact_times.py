"""store times without a fraction of zero (local storage form only)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

The synced tables' datetimes are now stored as ``2026-01-01 08:30:00`` instead of
SQLAlchemy's ``2026-01-01 08:30:00.000000`` (``fieldkit.domain.models.StoreDateTime``;
a non-zero fraction is kept). Each value is 7 bytes shorter, in the row and in every
index that holds it (``ix_visit_person_time``, the visit summary's three indexes).
Existing values are rewritten here, and the visit summary's copies of them (its rows
are derived from the visits, so rewriting both gives what a rebuild would). The
triggers on the rewritten tables are set aside during the rewrite: the values keep
their meaning, so nothing derived from them changes (the persons' report versions
stay). The wire form does not change (whole seconds, ``2026-01-01T08:30:00``).
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_COLUMNS = {
    "visit": ("visited_at", "card_scanned_at"),
    "record_amendment": ("at",),
    "card_key": ("created_at",),
    "visit_summary": (
        "last_at", "festival_at", "hospital_at", "birthday_at", "misfortune_at", "condolence_at"
    ),
}  # fmt: skip

_LONG = "'____-__-__ __:__:__.000000'"
_SHORT = "'____-__-__ __:__:__'"


def _rewrite(set_value: str, pattern: str) -> None:
    bind = op.get_bind()
    names = ", ".join(f"'{t}'" for t in _COLUMNS)
    triggers = bind.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})"
        " ORDER BY name"
    ).all()
    for name, _ in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    for table, columns in _COLUMNS.items():
        if bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).scalar() is None:
            continue
        for column in columns:
            op.execute(
                f"UPDATE {table} SET {column} = {set_value.format(column)}"
                f" WHERE {column} LIKE {pattern}"
            )
    for _, sql in triggers:
        op.execute(sql)


def upgrade() -> None:
    _rewrite("substr({0}, 1, 19)", _LONG)


def downgrade() -> None:
    _rewrite("{0} || '.000000'", _SHORT)

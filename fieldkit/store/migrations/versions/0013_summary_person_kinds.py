"""copy the person's category and liveness into the visit summary (local only)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

``visit_summary`` gains two small integers copied from ``person``, so that the due
list's festival statements (who owes the festival visit, how many per site) read the
summary alone, without a join to ``person``:

- ``category``: the person's category as its position in
  ``fieldkit.domain.vocab.Category`` (lixiu 0, retired 1, widow 2, resident 3);
- ``live``: 1 when the person is not removed and neither moved away nor deceased,
  else 0 (NULL for a summary row whose person is not there yet).

They are kept like ``tier`` and ``site_id``: by the triggers that make a summary row
(a new person, a visit arriving first) and by the trigger on a person's update, now
also of ``category``, ``status`` and ``deleted``. Existing rows are filled here.
Values 0 and 1 take no bytes in a SQLite record beyond their header byte.
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_CATEGORIES = ("lixiu", "retired", "widow", "resident")


def _category(row: str) -> str:
    whens = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(_CATEGORIES))
    return f"CASE {row}.category {whens} END"


def _live(row: str) -> str:
    return f"({row}.deleted = 0 AND {row}.status NOT IN ('moved', 'deceased'))"


# the summary row's first insert, in the triggers of migration 0003
_ENSURE_OLD = (
    "INSERT INTO visit_summary (person_id, tier, site_id)"
    " SELECT NEW.person_id, p.tier, p.site_id FROM (SELECT 1)"
)
_ENSURE_NEW = (
    "INSERT INTO visit_summary (person_id, tier, site_id, category, live)"
    f" SELECT NEW.person_id, p.tier, p.site_id, {_category('p')}, {_live('p')} FROM (SELECT 1)"
)
_PERSON_OLD = (
    "INSERT INTO visit_summary (person_id, tier, site_id) VALUES (NEW.id, NEW.tier, NEW.site_id)"
    " ON CONFLICT (person_id) DO UPDATE SET tier = excluded.tier, site_id = excluded.site_id;"
)
_PERSON_NEW = (
    "INSERT INTO visit_summary (person_id, tier, site_id, category, live)"
    f" VALUES (NEW.id, NEW.tier, NEW.site_id, {_category('NEW')}, {_live('NEW')})"
    " ON CONFLICT (person_id) DO UPDATE SET tier = excluded.tier, site_id = excluded.site_id,"
    " category = excluded.category, live = excluded.live;"
)
_EDITS = {
    "trg_visit_summary_visit_insert": ((_ENSURE_OLD, _ENSURE_NEW),),
    "trg_visit_summary_visit_update": ((_ENSURE_OLD, _ENSURE_NEW),),
    "trg_visit_summary_person_insert": ((_PERSON_OLD, _PERSON_NEW),),
}
_UPDATE_OLD = (
    "CREATE TRIGGER trg_visit_summary_person_update AFTER UPDATE OF tier, site_id ON person BEGIN\n"
    "UPDATE visit_summary SET tier = NEW.tier, site_id = NEW.site_id"
    " WHERE person_id = NEW.id;\nEND"
)
_UPDATE_NEW = (
    "CREATE TRIGGER trg_visit_summary_person_update"
    " AFTER UPDATE OF tier, site_id, category, status, deleted ON person BEGIN\n"
    "UPDATE visit_summary SET tier = NEW.tier, site_id = NEW.site_id,"
    f" category = {_category('NEW')}, live = {_live('NEW')}"
    " WHERE person_id = NEW.id;\nEND"
)


def _swap(forward: bool) -> None:
    bind = op.get_bind()
    for name, edits in {**_EDITS, "trg_visit_summary_person_update": ()}.items():
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).scalar()
        if sql is None:
            continue
        if not edits:
            sql = _UPDATE_NEW if forward else _UPDATE_OLD
        for old, new in edits:
            find, put = (old, new) if forward else (new, old)
            if find not in sql:
                raise RuntimeError(f"{name}: unexpected trigger text")
            sql = sql.replace(find, put)
        op.execute(f'DROP TRIGGER "{name}"')
        op.execute(sql)


def upgrade() -> None:
    op.execute("ALTER TABLE visit_summary ADD COLUMN category INTEGER")
    op.execute("ALTER TABLE visit_summary ADD COLUMN live INTEGER")
    op.execute(
        f"UPDATE visit_summary SET (category, live) = (SELECT {_category('p')}, {_live('p')}"
        " FROM person p WHERE p.id = visit_summary.person_id)"
    )
    _swap(forward=True)


def downgrade() -> None:
    _swap(forward=False)
    op.execute("ALTER TABLE visit_summary DROP COLUMN live")
    op.execute("ALTER TABLE visit_summary DROP COLUMN category")

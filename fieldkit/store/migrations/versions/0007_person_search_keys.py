"""roster search keys: every reading of a name and a code's digits (local only)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-03

``person_search_key`` holds ``(key, sort, person rowid)`` for every reading of a
person's name beyond the primary one (曾建建: ``cengjianjian``, ``cjj``; the
primary ``zengjianjian``/``zjj`` stays in ``person.search_full``/``search_initials``)
and the digits of the short code (``0142`` for GL-0142); ``sort`` is the primary
full pinyin, the roster's order. Derived data: never
synced, never in the outbox, kept current by triggers on ``person`` that call the
SQL function the store registers on each connection
(:mod:`fieldkit.store.search_index`). The primary reading of some surnames changed
(曾 zeng, 单 shan, 解 xie), so the primary keys are written again here and the
table is filled.
"""
from alembic import op

from fieldkit.store.search_index import TRIGGERS, rebuild, register_functions


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    register_functions(bind.connection.driver_connection)
    op.execute(
        "CREATE TABLE person_search_key (key TEXT NOT NULL, sort TEXT NOT NULL,"
        " person INTEGER NOT NULL, PRIMARY KEY (key, sort, person)) WITHOUT ROWID"
    )
    op.execute("CREATE INDEX ix_person_search_key_person ON person_search_key (person)")
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    rebuild(bind)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS person_search_key")

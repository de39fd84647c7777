"""service cards: card keys, the person's card issue, the card scanned on a visit

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

``card_key`` holds the county's public keys that verify service cards (the
private key never enters a table). ``person.card_issue`` is the issue number of
the person's current card (1 for every existing person); a visit confirmed by a
scanned card keeps when it was scanned and the card's issue number. Columns are
added in place (``ALTER TABLE ... ADD COLUMN``), so the triggers of 0003 and 0004
on ``person`` and ``visit`` stay as they are.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'card_key',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=False),
        sa.Column('county', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('deleted', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('county', 'key_id', name='uq_card_key_county_key_id'),
    )
    op.add_column(
        'person', sa.Column('card_issue', sa.Integer(), nullable=False, server_default='1')
    )
    op.add_column('visit', sa.Column('card_scanned_at', sa.DateTime(), nullable=True))
    op.add_column('visit', sa.Column('card_issue', sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite's own DROP COLUMN (3.35+), not a batch copy: the tables keep their triggers.
    op.drop_column('visit', 'card_issue')
    op.drop_column('visit', 'card_scanned_at')
    op.drop_column('person', 'card_issue')
    op.drop_table('card_key')

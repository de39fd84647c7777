"""sync conflict markers pulled from headquarters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sync_conflict_marker',
        sa.Column('id', sa.Integer(), nullable=False, autoincrement=False),
        sa.Column('tbl', sa.String(), nullable=False),
        sa.Column('row_id', sa.String(), nullable=False),
        sa.Column('field', sa.String(), nullable=False),
        sa.Column('winner_value', sa.Text(), nullable=False),
        sa.Column('winner_device', sa.String(), nullable=False),
        sa.Column('loser_value', sa.Text(), nullable=False),
        sa.Column('loser_device', sa.String(), nullable=False),
        sa.Column('created_at', sa.String(), nullable=False),
        sa.Column('resolved', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('sync_conflict_marker', schema=None) as batch_op:
        batch_op.create_index('ix_sync_conflict_marker_row', ['row_id', 'resolved'], unique=False)


def downgrade() -> None:
    op.drop_table('sync_conflict_marker')

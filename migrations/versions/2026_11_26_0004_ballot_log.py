"""ballot log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 00:22:34.814056
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import governance.db

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ballot_log_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('leaf_hash', sa.String(length=64), nullable=False),
    sa.Column('leaf', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_ballot_log_entries_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_log_entries')),
    sa.UniqueConstraint('proposal_id', 'position', name=op.f('uq_ballot_log_entries_proposal_id'))
    )
    op.create_table('ballot_log_heads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('result_digest', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.Text(), nullable=True),
    sa.Column('key_id', sa.String(length=2048), nullable=True),
    sa.Column('public_key_multibase', sa.String(length=128), nullable=True),
    sa.Column('sealed_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_ballot_log_heads_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_log_heads')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_ballot_log_heads_proposal_id'))
    )


def downgrade() -> None:
    op.drop_table('ballot_log_heads')
    op.drop_table('ballot_log_entries')

"""ballot log lookup columns: a leaf's receipt digest and owner (voter or slot), indexed

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 02:35:06.125143
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

entries = sa.table(
    'ballot_log_entries',
    sa.column('id', sa.Integer()),
    sa.column('leaf', sa.JSON()),
    sa.column('receipt_digest', sa.String(64)),
    sa.column('owner', sa.String(80)),
)


def _owner(leaf: dict) -> str:
    # governance.ballot.log.leaf_key as of this revision
    if leaf.get('kind') == 'secret':
        return f"slot:{leaf.get('slot')}"
    return f"voter:{leaf.get('voter')}"


def upgrade() -> None:
    with op.batch_alter_table('ballot_log_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('owner', sa.String(length=80), nullable=True))
    # Fill the copies for the leaves already logged.
    bind = op.get_bind()
    for row_id, leaf in bind.execute(sa.select(entries.c.id, entries.c.leaf)).all():
        bind.execute(
            entries.update()
            .where(entries.c.id == row_id)
            .values(receipt_digest=leaf.get('receipt'), owner=_owner(leaf))
        )
    with op.batch_alter_table('ballot_log_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ballot_log_entries_owner', ['proposal_id', 'owner', 'position'], unique=False)
        batch_op.create_index('ix_ballot_log_entries_receipt', ['proposal_id', 'receipt_digest'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ballot_log_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ballot_log_entries_receipt')
        batch_op.drop_index('ix_ballot_log_entries_owner')
        batch_op.drop_column('owner')
        batch_op.drop_column('receipt_digest')

"""ledger: commodities, accounts, append-only transactions and postings, log head and
signed checkpoints, share register

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 01:06:16.162664
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import governance.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ledger_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('signed_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signature', sa.Text(), nullable=True),
    sa.Column('key_id', sa.String(length=2048), nullable=True),
    sa.Column('public_key_multibase', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_checkpoints'))
    )
    with op.batch_alter_table('ledger_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_checkpoints_size'), ['size'], unique=False)

    op.create_table('ledger_commodities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('precision', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('declared_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_commodities')),
    sa.UniqueConstraint('code', name=op.f('uq_ledger_commodities_code'))
    )
    op.create_table('ledger_heads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_heads'))
    )
    op.create_table('ledger_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.Enum('Assets', 'Liabilities', 'Equity', 'Income', 'Expenses', name='accounttype', native_enum=False, length=16), nullable=False),
    sa.Column('purpose', sa.Enum('group', 'bank', 'receivable', 'payable', 'share_capital', 'capital_account', 'share_holdings', 'shares_issued', 'legal_reserve', 'indivisible_reserve', 'retained', 'opening', 'revenue', 'expense', 'other', name='purpose', native_enum=False, length=24), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('partner', sa.String(length=200), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('opened_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_ledger_accounts_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['parent_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_accounts_parent_id_ledger_accounts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_accounts')),
    sa.UniqueConstraint('name', name=op.f('uq_ledger_accounts_name'))
    )
    with op.batch_alter_table('ledger_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_accounts_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_accounts_parent_id'), ['parent_id'], unique=False)

    op.create_table('ledger_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('entry', 'reversal', 'share_subscription', 'share_transfer', 'share_redemption', 'period_close', 'allocation', name='txkind', native_enum=False, length=24), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('recorded_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('leaf_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['members.id'], name=op.f('fk_ledger_transactions_recorded_by_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_transactions_reverses_id_ledger_transactions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_transactions_reverses_id')),
    sa.UniqueConstraint('seq', name=op.f('uq_ledger_transactions_seq'))
    )
    op.create_table('ledger_postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('commodity', sa.String(length=24), nullable=False),
    sa.Column('amount', governance.db.ExactDecimal(precision=38, scale=18), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_postings_account_id_ledger_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['commodity'], ['ledger_commodities.code'], name=op.f('fk_ledger_postings_commodity_ledger_commodities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_postings_transaction_id_ledger_transactions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_postings')),
    sa.UniqueConstraint('transaction_id', 'position', name=op.f('uq_ledger_postings_transaction_id'))
    )
    with op.batch_alter_table('ledger_postings', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_postings_account_commodity', ['account_id', 'commodity'], unique=False)

    op.create_table('ledger_share_operations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('subscribe', 'transfer', 'redeem', name='shareopkind', native_enum=False, length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('counterparty_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', governance.db.ExactDecimal(precision=38, scale=18), nullable=False),
    sa.Column('currency', sa.String(length=24), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['counterparty_id'], ['members.id'], name=op.f('fk_ledger_share_operations_counterparty_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_ledger_share_operations_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_share_operations_transaction_id_ledger_transactions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_share_operations')),
    sa.UniqueConstraint('number', name=op.f('uq_ledger_share_operations_number')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_ledger_share_operations_transaction_id'))
    )
    with op.batch_alter_table('ledger_share_operations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_share_operations_member_id'), ['member_id'], unique=False)

    # The one row every ledger write locks first (recreated on demand if ever missing).
    op.bulk_insert(sa.table('ledger_heads', sa.column('id'), sa.column('size')), [{'id': 1, 'size': 0}])


def downgrade() -> None:
    with op.batch_alter_table('ledger_share_operations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_share_operations_member_id'))

    op.drop_table('ledger_share_operations')
    with op.batch_alter_table('ledger_postings', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_postings_account_commodity')

    op.drop_table('ledger_postings')
    op.drop_table('ledger_transactions')
    with op.batch_alter_table('ledger_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_accounts_parent_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_accounts_member_id'))

    op.drop_table('ledger_accounts')
    op.drop_table('ledger_heads')
    op.drop_table('ledger_commodities')
    with op.batch_alter_table('ledger_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_checkpoints_size'))

    op.drop_table('ledger_checkpoints')

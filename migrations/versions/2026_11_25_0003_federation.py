"""federation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 22:54:48.915101
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import governance.db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('federation_config',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('open', 'allowlist', name='federationmode', native_enum=False, length=16), nullable=False),
    sa.Column('require_signed_fetch', sa.Boolean(), nullable=False),
    sa.Column('updated_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_config'))
    )
    op.create_table('inbox_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.String(length=2048), nullable=False),
    sa.Column('activity_type', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=2048), nullable=False),
    sa.Column('recipient', sa.String(length=255), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('key_id', sa.String(length=2048), nullable=False),
    sa.Column('signature_scheme', sa.String(length=16), nullable=False),
    sa.Column('received_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'done', 'failed', name='inboxstatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('processed_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_items')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_inbox_items_activity_id'))
    )
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_items_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_items_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_items_status'), ['status'], unique=False)

    op.create_table('outbox_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.String(length=2048), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('activity_type', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_activities')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_outbox_activities_activity_id'))
    )
    with op.batch_alter_table('outbox_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_activities_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_activities_created_at'), ['created_at'], unique=False)

    op.create_table('remote_actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=2048), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('actor_type', sa.String(length=32), nullable=False),
    sa.Column('preferred_username', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('inbox', sa.String(length=2048), nullable=False),
    sa.Column('shared_inbox', sa.String(length=2048), nullable=True),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('fetched_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_actors')),
    sa.UniqueConstraint('uri', name=op.f('uq_remote_actors_uri'))
    )
    with op.batch_alter_table('remote_actors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remote_actors_host'), ['host'], unique=False)

    op.create_table('remote_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=2048), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=2048), nullable=False),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('fetched_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['remote_actors.id'], name=op.f('fk_remote_keys_actor_id_remote_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_keys')),
    sa.UniqueConstraint('key_id', name=op.f('uq_remote_keys_key_id'))
    )
    with op.batch_alter_table('remote_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remote_keys_actor_id'), ['actor_id'], unique=False)

    op.create_table('host_policies',
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('rule', sa.Enum('block', 'allow', name='hostrule', native_enum=False, length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['members.id'], name=op.f('fk_host_policies_created_by_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('host', name=op.f('pk_host_policies'))
    )


def downgrade() -> None:
    op.drop_table('host_policies')
    with op.batch_alter_table('remote_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remote_keys_actor_id'))

    op.drop_table('remote_keys')
    with op.batch_alter_table('remote_actors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remote_actors_host'))

    op.drop_table('remote_actors')
    with op.batch_alter_table('outbox_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_activities_created_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_activities_actor'))

    op.drop_table('outbox_activities')
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_items_status'))
        batch_op.drop_index(batch_op.f('ix_inbox_items_received_at'))
        batch_op.drop_index(batch_op.f('ix_inbox_items_actor'))

    op.drop_table('inbox_items')
    op.drop_table('federation_config')

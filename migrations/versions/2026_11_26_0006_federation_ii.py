"""federation II: deliveries, delivery hosts, followers, following, remote objects

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 01:03:38.581184
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import governance.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('delivery_hosts',
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('paused_until', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_failure_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signature_scheme', sa.Enum('rfc9421', 'cavage', name='signaturescheme', native_enum=False, length=16), nullable=True),
    sa.PrimaryKeyConstraint('host', name=op.f('pk_delivery_hosts'))
    )
    op.create_table('followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('local_actor', sa.String(length=64), nullable=False),
    sa.Column('actor_uri', sa.String(length=2048), nullable=False),
    sa.Column('inbox_url', sa.String(length=2048), nullable=False),
    sa.Column('shared_inbox_url', sa.String(length=2048), nullable=True),
    sa.Column('follow_activity_id', sa.String(length=2048), nullable=False),
    sa.Column('state', sa.Enum('pending', 'accepted', 'rejected', name='followstate', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followers')),
    sa.UniqueConstraint('local_actor', 'actor_uri', name=op.f('uq_followers_local_actor'))
    )
    with op.batch_alter_table('followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followers_inbox_url'), ['inbox_url'], unique=False)

    op.create_table('following',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('local_actor', sa.String(length=64), nullable=False),
    sa.Column('actor_uri', sa.String(length=2048), nullable=False),
    sa.Column('handle', sa.String(length=500), nullable=True),
    sa.Column('follow_activity_id', sa.String(length=2048), nullable=False),
    sa.Column('state', sa.Enum('pending', 'accepted', 'rejected', name='followstate', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_following')),
    sa.UniqueConstraint('follow_activity_id', name=op.f('uq_following_follow_activity_id')),
    sa.UniqueConstraint('local_actor', 'actor_uri', name=op.f('uq_following_local_actor'))
    )
    op.create_table('remote_objects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_uri', sa.String(length=2048), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('actor_uri', sa.String(length=2048), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('published_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_objects')),
    sa.UniqueConstraint('object_uri', name=op.f('uq_remote_objects_object_uri'))
    )
    with op.batch_alter_table('remote_objects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remote_objects_actor_uri'), ['actor_uri'], unique=False)
        batch_op.create_index(batch_op.f('ix_remote_objects_published_at'), ['published_at'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('inbox_url', sa.String(length=2048), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('pending', 'delivered', 'failed', 'cancelled', name='deliverystatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_activities.id'], name=op.f('fk_deliveries_outbox_id_outbox_activities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('outbox_id', 'inbox_url', name=op.f('uq_deliveries_outbox_id'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_host'), ['host'], unique=False)
        batch_op.create_index('ix_deliveries_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
    with op.batch_alter_table('federation_config', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_accept_follows', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('federation_config', schema=None) as batch_op:
        batch_op.drop_column('auto_accept_follows')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_deliveries_host'))

    op.drop_table('deliveries')
    with op.batch_alter_table('remote_objects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remote_objects_published_at'))
        batch_op.drop_index(batch_op.f('ix_remote_objects_actor_uri'))

    op.drop_table('remote_objects')
    op.drop_table('following')
    with op.batch_alter_table('followers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followers_inbox_url'))

    op.drop_table('followers')
    op.drop_table('delivery_hosts')

"""foundation: members, classes, invitations, sessions, tokens, audit, keys

Revision ID: 0001
Revises:
Create Date: 2026-11-25 22:23:57.056190
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import governance.db

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('actor_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('key_type', sa.Enum('rsa-2048', 'ed25519', name='keytype', native_enum=False, length=16), nullable=False),
    sa.Column('private_pem', sa.Text(), nullable=False),
    sa.Column('public_pem', sa.Text(), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_keys'))
    )
    with op.batch_alter_table('actor_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_keys_actor'), ['actor'], unique=False)

    op.create_table('instance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('default_language', sa.String(length=8), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('setup_token_digest', sa.String(length=64), nullable=True),
    sa.Column('setup_token_expires_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('setup_completed_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instance'))
    )
    op.create_table('membership_classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('vote_weight', governance.db.ExactDecimal(precision=38, scale=18), nullable=False),
    sa.Column('weight_cap', governance.db.ExactDecimal(precision=38, scale=18), nullable=True),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_classes')),
    sa.UniqueConstraint('slug', name=op.f('uq_membership_classes_slug'))
    )
    op.create_table('sign_in_throttle',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failure_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('email', name=op.f('pk_sign_in_throttle'))
    )
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('username', sa.String(length=30), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.Enum('member', 'admin', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('invited', 'applicant', 'member', 'suspended', 'left', name='status', native_enum=False, length=16), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('admitted_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['membership_classes.id'], name=op.f('fk_members_class_id_membership_classes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('email', name=op.f('uq_members_email')),
    sa.UniqueConstraint('username', name=op.f('uq_members_username'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_class_id'), ['class_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_api_tokens_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_api_tokens_token_digest'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_member_id'), ['member_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=255), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['members.id'], name=op.f('fk_audit_events_actor_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['members.id'], name=op.f('fk_invitations_created_by_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_invitations_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_invitations_token_digest'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_member_id'), ['member_id'], unique=False)

    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['members.id'], name=op.f('fk_password_resets_created_by_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_password_resets_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_password_resets_token_digest'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_member_id'), ['member_id'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_web_sessions_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_member_id'), ['member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_member_id'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_expires_at'))

    op.drop_table('web_sessions')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_member_id'))

    op.drop_table('password_resets')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_member_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_member_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_class_id'))

    op.drop_table('members')
    op.drop_table('sign_in_throttle')
    op.drop_table('membership_classes')
    op.drop_table('instance')
    with op.batch_alter_table('actor_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actor_keys_actor'))

    op.drop_table('actor_keys')

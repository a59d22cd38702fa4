"""governance

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 22:38:29.594936
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import governance.db

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'open', 'closed', 'passed', 'rejected', 'no_quorum', 'withdrawn', name='proposalstatus', native_enum=False, length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opens_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('bylaws_version', sa.Integer(), nullable=True),
    sa.Column('subject_member_id', sa.Integer(), nullable=True),
    sa.Column('proposed_bylaws', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('outcome_statement', sa.Text(), nullable=False),
    sa.Column('outcome_html', sa.Text(), nullable=False),
    sa.Column('closing_reminder_sent', sa.Boolean(), nullable=False),
    sa.Column('slot_key', sa.String(length=64), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_proposals_author_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_member_id'], ['members.id'], name=op.f('fk_proposals_subject_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_closes_at'), ['closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_opens_at'), ['opens_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_status'), ['status'], unique=False)

    op.create_table('bylaws_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('adopted_by_proposal_id', sa.Integer(), nullable=True),
    sa.Column('installed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['adopted_by_proposal_id'], ['proposals.id'], name=op.f('fk_bylaws_versions_adopted_by_proposal_id_proposals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['installed_by_id'], ['members.id'], name=op.f('fk_bylaws_versions_installed_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bylaws_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_bylaws_versions_version'))
    )
    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('cast_by_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('receipt_digest', sa.String(length=64), nullable=False),
    sa.Column('cast_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cast_by_id'], ['members.id'], name=op.f('fk_ballots_cast_by_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_ballots_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['members.id'], name=op.f('fk_ballots_voter_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('proposal_id', 'voter_id', name=op.f('uq_ballots_proposal_id'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballots_receipt_digest'), ['receipt_digest'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_comments_author_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_comments_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('proposal_opened', 'closing_soon', 'result_published', name='notificationkind', native_enum=False, length=24), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notifications_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_notifications_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_member_id'), ['member_id'], unique=False)

    op.create_table('proposal_electorate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('class_key', sa.String(length=40), nullable=False),
    sa.Column('weight', governance.db.ExactDecimal(precision=38, scale=18), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_proposal_electorate_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_electorate_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_electorate')),
    sa.UniqueConstraint('proposal_id', 'member_id', name=op.f('uq_proposal_electorate_proposal_id'))
    )
    with op.batch_alter_table('proposal_electorate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_electorate_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_options_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_options')),
    sa.UniqueConstraint('proposal_id', 'key', name=op.f('uq_proposal_options_proposal_id'))
    )
    with op.batch_alter_table('proposal_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_options_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proxies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('created_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', governance.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['giver_id'], ['members.id'], name=op.f('fk_proxies_giver_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['holder_id'], ['members.id'], name=op.f('fk_proxies_holder_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proxies_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxies'))
    )
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxies_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxies_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxies_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('secret_ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=64), nullable=False),
    sa.Column('class_key', sa.String(length=40), nullable=False),
    sa.Column('weight', governance.db.ExactDecimal(precision=38, scale=18), nullable=False),
    sa.Column('choice', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('receipt_digest', sa.String(length=64), nullable=False),
    sa.Column('via_proxy', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_secret_ballots_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secret_ballots')),
    sa.UniqueConstraint('proposal_id', 'slot', name=op.f('uq_secret_ballots_proposal_id'))
    )
    with op.batch_alter_table('secret_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secret_ballots_receipt_digest'), ['receipt_digest'], unique=False)

    op.create_table('voter_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('cast_by_id', sa.Integer(), nullable=False),
    sa.Column('cast_at', governance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cast_by_id'], ['members.id'], name=op.f('fk_voter_records_cast_by_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_voter_records_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['members.id'], name=op.f('fk_voter_records_voter_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voter_records')),
    sa.UniqueConstraint('proposal_id', 'voter_id', name=op.f('uq_voter_records_proposal_id'))
    )


def downgrade() -> None:
    op.drop_table('voter_records')
    with op.batch_alter_table('secret_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secret_ballots_receipt_digest'))

    op.drop_table('secret_ballots')
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proxies_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_proxies_holder_id'))
        batch_op.drop_index(batch_op.f('ix_proxies_giver_id'))

    op.drop_table('proxies')
    with op.batch_alter_table('proposal_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_options_proposal_id'))

    op.drop_table('proposal_options')
    with op.batch_alter_table('proposal_electorate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_electorate_proposal_id'))

    op.drop_table('proposal_electorate')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_member_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_proposal_id'))

    op.drop_table('comments')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballots_receipt_digest'))

    op.drop_table('ballots')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_status'))
        batch_op.drop_index(batch_op.f('ix_proposals_opens_at'))
        batch_op.drop_index(batch_op.f('ix_proposals_closes_at'))

    op.drop_table('proposals')
    op.drop_table('bylaws_versions')

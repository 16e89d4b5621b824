"""verification_events: one-time codes sent and wrong codes tried, counted per channel identity and per mobile

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'verification_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.String(length=128), nullable=False),
        sa.Column('mobile_hash', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_verification_events_identity', 'verification_events', ['channel', 'user_id', 'at'])
    op.create_index('ix_verification_events_mobile', 'verification_events', ['mobile_hash', 'at'])


def downgrade() -> None:
    op.drop_index('ix_verification_events_mobile', table_name='verification_events')
    op.drop_index('ix_verification_events_identity', table_name='verification_events')
    op.drop_table('verification_events')

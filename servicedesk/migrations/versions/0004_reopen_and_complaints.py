"""tickets: the related ticket (a reopened fault's old ticket, a complaint's ticket) and what a complaint is about

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('related_number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('about', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('about_whom', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('about_whom')
        batch_op.drop_column('about')
        batch_op.drop_column('related_number')

"""service desk: routing, SLA clocks, problems, notices, outbox, surveys, verification

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('number_counters',
    sa.Column('key', sa.String(length=24), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('scope_regions', sa.JSON(), nullable=False),
    sa.Column('scope_service_types', sa.JSON(), nullable=False),
    sa.Column('scope_circuit_ids', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problems_status'), ['status'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('scope_regions', sa.JSON(), nullable=False),
    sa.Column('scope_service_types', sa.JSON(), nullable=False),
    sa.Column('scope_circuit_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_status_ends', ['status', 'ends_at'], unique=False)

    op.create_table('verification_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'user_id')
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_due', ['channel', 'state', 'next_attempt_at'], unique=False)

    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('reporter_channel', sa.String(length=16), nullable=False),
    sa.Column('reporter_user_id', sa.String(length=128), nullable=False),
    sa.Column('group_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index('ix_surveys_reporter', ['reporter_channel', 'reporter_user_id', 'status'], unique=False)

    op.execute("INSERT INTO number_counters (key, last) SELECT 'GD' || day, last FROM ticket_counters")
    op.drop_table('ticket_counters')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('city', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('county', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('service_plan', sa.String(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('assigned_group', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('owner_group', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('resolved_group', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('problem_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notice_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('resolution_target_s', sa.Float(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sla_consumed_s', sa.Float(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sla_running_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('response_breached_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution_warned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution_breached_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('next_check_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('resolution_due_at',
               existing_type=sa.DateTime(),
               nullable=True)
        batch_op.create_index('ix_tickets_customer_circuit_status', ['customer_id', 'circuit_id', 'status'], unique=False)
        batch_op.create_index('ix_tickets_next_check', ['next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_problem_id'), ['problem_id'], unique=False)
        batch_op.create_foreign_key('fk_tickets_notice_id', 'notices', ['notice_id'], ['id'])
        batch_op.create_foreign_key('fk_tickets_problem_id', 'problems', ['problem_id'], ['id'])
    _backfill_open_tickets()


def _backfill_open_tickets() -> None:
    """Tickets opened before this revision get a running resolution clock, checked by the next SLA job run."""
    op.execute(
        "UPDATE tickets SET owner_group = 'frontdoor', "
        "sla_running_since = created_at, next_check_at = created_at WHERE status NOT IN ('resolved', 'closed')"
    )
    tickets = sa.table("tickets", sa.column("id"), sa.column("created_at", sa.DateTime()),
                       sa.column("resolution_due_at", sa.DateTime()), sa.column("resolution_target_s", sa.Float()))
    connection = op.get_bind()
    for row in connection.execute(sa.select(tickets.c.id, tickets.c.created_at, tickets.c.resolution_due_at)):
        target = (row.resolution_due_at - row.created_at).total_seconds()
        connection.execute(tickets.update().where(tickets.c.id == row.id).values(resolution_target_s=target))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tickets_notice_id', type_='foreignkey')
        batch_op.drop_constraint('fk_tickets_problem_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tickets_problem_id'))
        batch_op.drop_index('ix_tickets_next_check')
        batch_op.drop_index('ix_tickets_customer_circuit_status')
        batch_op.alter_column('resolution_due_at',
               existing_type=sa.DateTime(),
               nullable=False)
        batch_op.drop_column('next_check_at')
        batch_op.drop_column('resolution_breached_at')
        batch_op.drop_column('resolution_warned_at')
        batch_op.drop_column('response_breached_at')
        batch_op.drop_column('sla_running_since')
        batch_op.drop_column('sla_consumed_s')
        batch_op.drop_column('resolution_target_s')
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('notice_id')
        batch_op.drop_column('problem_id')
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('resolved_group')
        batch_op.drop_column('owner_group')
        batch_op.drop_column('assigned_group')
        batch_op.drop_column('service_plan')
        batch_op.drop_column('county')
        batch_op.drop_column('city')
        batch_op.drop_column('province')

    op.create_table('ticket_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.execute("INSERT INTO ticket_counters (day, last) SELECT substr(key, 3, 8), last FROM number_counters "
               "WHERE key LIKE 'GD%'")
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index('ix_surveys_reporter')

    op.drop_table('surveys')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_due')

    op.drop_table('notifications')
    op.drop_table('verification_codes')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_status_ends')

    op.drop_table('notices')
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problems_status'))

    op.drop_table('problems')
    op.drop_table('number_counters')

"""SQLAlchemy 2 tables of the local service desk (SQLite by default, PostgreSQL in production)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC without a zone (SQLite has none) and always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Declarative base; Alembic reads its metadata."""


class Customer(Base):
    """An enterprise account (industry = key account, cluster = served by the county first)."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(16))
    province: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(32))
    county: Mapped[str] = mapped_column(String(32))
    service_plan: Mapped[str] = mapped_column(String(16))
    account_manager: Mapped[str | None] = mapped_column(String(64))
    contacts: Mapped[list["Contact"]] = relationship(back_populates="customer")


class Contact(Base):
    """A person allowed to act for an account."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    mobile: Mapped[str] = mapped_column(String(20), index=True)
    customer: Mapped[Customer] = relationship(back_populates="contacts")


class Circuit(Base):
    """A contracted service instance (a line, a cloud host…) with its id and address."""

    __tablename__ = "circuits"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    circuit_id: Mapped[str] = mapped_column(String(32), unique=True)
    service_type: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200))
    customer: Mapped[Customer] = relationship()


class ChannelIdentity(Base):
    """A WeChat openid, app user or caller number verified as a contact."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime())
    contact: Mapped[Contact] = relationship()


class TicketRow(Base):
    """A ticket with its routing, SLA clock state and links; `version` guards concurrent updates."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_customer_created", "customer_id", "created_at"),
        Index("ix_tickets_reporter_created", "reporter_channel", "reporter_user_id", "created_at"),
        Index("ix_tickets_customer_circuit_status", "customer_id", "circuit_id", "status"),
        Index("ix_tickets_next_check", "next_check_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str] = mapped_column(String(4))
    impact: Mapped[str] = mapped_column(String(8))
    urgency: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    reporter_channel: Mapped[str] = mapped_column(String(16))
    reporter_user_id: Mapped[str] = mapped_column(String(128))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    service_type: Mapped[str | None] = mapped_column(String(32))
    circuit_id: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(32), default="", server_default="")
    city: Mapped[str] = mapped_column(String(32), default="", server_default="")
    county: Mapped[str] = mapped_column(String(32), default="", server_default="")
    service_plan: Mapped[str] = mapped_column(String(16), default="", server_default="")
    assigned_tier: Mapped[str] = mapped_column(String(16))
    assigned_group: Mapped[str] = mapped_column(String(32), default="", server_default="")
    owner_group: Mapped[str] = mapped_column(String(32), default="", server_default="")
    resolved_group: Mapped[str | None] = mapped_column(String(32))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    related_number: Mapped[str | None] = mapped_column(String(20))  # reopened fault's old ticket, complained-about ticket
    about: Mapped[str | None] = mapped_column(String(16))  # complaints: ticket, visit, bill, service
    about_whom: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    response_due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution_target_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    sla_consumed_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    sla_running_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    response_breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution_breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_check_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class TicketEvent(Base):
    """Append-only history of a ticket: who did what, when, from which channel."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class NumberCounter(Base):
    """Last sequence number used per prefix and day, for human-friendly record numbers."""

    __tablename__ = "number_counters"
    key: Mapped[str] = mapped_column(String(24), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class ScopeColumns:
    """Regions, service types and circuit ids a problem or notice applies to (empty = any)."""

    scope_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_circuit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class ProblemRow(ScopeColumns, Base):
    """A problem: one cause behind many incidents."""

    __tablename__ = "problems"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    cause: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution_note: Mapped[str | None] = mapped_column(Text)


class NoticeRow(ScopeColumns, Base):
    """A planned work or known outage notice."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_status_ends", "status", "ends_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class NotificationRow(Base):
    """The outbox: a message for a customer (or a support group) that a channel will deliver."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "channel", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SurveyRow(Base):
    """A satisfaction survey for a resolved ticket, kept against the group that resolved it."""

    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_reporter", "reporter_channel", "reporter_user_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    reporter_channel: Mapped[str] = mapped_column(String(16))
    reporter_user_id: Mapped[str] = mapped_column(String(128))
    group_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class VerificationCode(Base):
    """A one-time code sent to a contact's registered mobile, stored only as a salted hash."""

    __tablename__ = "verification_codes"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class VerificationEvent(Base):
    """A code sent or a wrong code tried: one-time-code limits count these, so restarting the flow resets nothing."""

    __tablename__ = "verification_events"
    __table_args__ = (Index("ix_verification_events_identity", "channel", "user_id", "at"),
                      Index("ix_verification_events_mobile", "mobile_hash", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # sent | failed | unbound
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    mobile_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class KbArticleRow(Base):
    """A knowledge article (the fields of `backend_client.kb.Article`) at its current version."""

    __tablename__ = "kb_articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    short_answer: Mapped[str] = mapped_column(Text)
    voice_answer: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    tiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    owner: Mapped[str] = mapped_column(String(64), default="")
    review_date: Mapped[str] = mapped_column(String(10), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(128))


class KbArticleVersion(Base):
    """One saved version of an article (its fields as exported), appended on every change."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by: Mapped[str] = mapped_column(String(128))


class KbFeedback(Base):
    """A customer's "解决了/没解决" on an article shown for a query."""

    __tablename__ = "kb_feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    article_key: Mapped[str] = mapped_column(String(80), index=True)
    query: Mapped[str] = mapped_column(String(200))
    solved: Mapped[bool]
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class KbGapQuery(Base):
    """A query the knowledge base could not answer (nothing found, or marked unsolved)."""

    __tablename__ = "kb_gap_queries"
    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class AgentRow(Base):
    """An agent-desk account: login, group, role and an argon2 password hash (never the password)."""

    __tablename__ = "agents"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    group_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16), default="agent")
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

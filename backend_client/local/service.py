"""The service desk in-process, on SQLAlchemy 2 async (SQLite or PostgreSQL): all parts in one class."""
from __future__ import annotations

from backend_client.local.identities import Identities
from backend_client.local.knowledge import KnowledgeBase
from backend_client.local.notices import Notices
from backend_client.local.outbox import Outbox
from backend_client.local.problems import Problems
from backend_client.local.sla_job import SlaJob
from backend_client.local.surveys import Surveys
from backend_client.local.ticket_queries import TicketQueries
from backend_client.local.tickets import TicketOpening


class SqlServiceDesk(TicketOpening, TicketQueries, Problems, SlaJob, Notices, Surveys, Outbox, Identities,
                    KnowledgeBase):
    """ServiceDesk on a relational database; every call is one transaction."""

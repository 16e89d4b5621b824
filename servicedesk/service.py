"""The service desk in-process, on SQLAlchemy 2 async (SQLite or PostgreSQL): all parts in one class."""
from __future__ import annotations

from servicedesk.identities import Identities
from servicedesk.knowledge import KnowledgeBase
from servicedesk.notices import Notices
from servicedesk.outbox import Outbox
from servicedesk.problems import Problems
from servicedesk.sla_job import SlaJob
from servicedesk.surveys import Surveys
from servicedesk.ticket_queries import TicketQueries
from servicedesk.tickets import TicketOpening


class SqlServiceDesk(TicketOpening, TicketQueries, Problems, SlaJob, Notices, Surveys, Outbox, Identities,
                    KnowledgeBase):
    """ServiceDesk on a relational database; every call is one transaction."""

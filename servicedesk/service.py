"""The service desk in-process, on SQLAlchemy 2 async (SQLite or PostgreSQL): all parts in one class."""
from __future__ import annotations

import asyncio

from servicedesk.agents import Agents
from servicedesk.complaints import Complaints
from servicedesk.desk_trail import DeskTrail
from servicedesk.identities import Identities
from servicedesk.knowledge import KnowledgeBase
from servicedesk.notices import Notices
from servicedesk.outbox import Outbox
from servicedesk.problems import Problems
from servicedesk.reopening import Reopening
from servicedesk.sla_job import SlaJob
from servicedesk.surveys import Surveys
from servicedesk.ticket_queries import TicketQueries
from servicedesk.urges import TicketUrges


class SqlServiceDesk(Reopening, Complaints, TicketQueries, TicketUrges, Problems, SlaJob, Notices, Surveys, Outbox,
                     Identities, KnowledgeBase, Agents, DeskTrail):
    """ServiceDesk on a relational database; every call is one transaction."""

    async def warm_up(self) -> None:
        """Load what turns read from memory (who is bound, the KB index) before the first customer writes."""
        await asyncio.gather(self.warm_bindings(), self.warm_kb_index())

    async def close(self) -> None:
        """Write what the desk buffered (gap records), stop its background work, close the counters' pool."""
        await self.close_kb()
        await self._numbers.close()

"""Which status changes a ticket allows, and the rule a refused change breaks."""
from __future__ import annotations

from backend_client.errors import Conflict
from backend_client.types import TicketStatus as S

ALLOWED: dict[S, frozenset[S]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_PROBLEM, S.RESOLVED}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.PENDING_CUSTOMER, S.WAITING_PROBLEM, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.PENDING_CUSTOMER, S.WAITING_PROBLEM, S.RESOLVED}),
    S.PENDING_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.WAITING_PROBLEM: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.PENDING_CUSTOMER, S.WAITING_PROBLEM, S.RESOLVED}),
    S.CLOSED: frozenset(),
}
CUSTOMER_MAY_SET = frozenset({S.CLOSED, S.REOPENED, S.IN_PROGRESS})
"""A customer confirms (closes), says it is not fixed (reopens), or answers a pending question."""
PAUSED = frozenset({S.PENDING_CUSTOMER, S.WAITING_PROBLEM})
"""States in which the resolution clock does not run."""


def check(current: S, target: S) -> None:
    """Raise Conflict with the rule's code when ``current`` → ``target`` is not allowed."""
    if target in ALLOWED[current]:
        return
    if current is S.CLOSED:
        raise Conflict("transition.closed_is_final", "a closed ticket cannot change; open a new one")
    if current is target:
        raise Conflict("transition.already_in_state", f"the ticket is already {current.value}")
    if target is S.CLOSED:
        raise Conflict("transition.close_requires_resolved", f"only a resolved ticket can be closed, not {current.value}")
    raise Conflict("transition.not_allowed", f"{current.value} cannot move to {target.value}")

"""The desk contract by role: each role small, together exactly the whole desk, both implementations complete."""
from __future__ import annotations

import inspect

from backend_client import CommonDesk, CustomerDesk, JobsDesk, Reachable, ServiceDesk, StaffDesk
from backend_client.http import HttpServiceDesk
from servicedesk.service import SqlServiceDesk


def _own(protocol: type) -> set[str]:
    return {name for name, value in vars(protocol).items() if inspect.iscoroutinefunction(value)}


def _all(protocol: type) -> set[str]:
    return {name for cls in protocol.__mro__ if cls is not object for name in _own(cls)}


def test_roles_split_the_desk_without_overlap():
    roles = [Reachable, CommonDesk, CustomerDesk, StaffDesk, JobsDesk]
    owned = [name for role in roles for name in _own(role)]
    assert len(owned) == len(set(owned))
    assert set(owned) == _all(ServiceDesk)


def test_the_customer_side_cannot_work_tickets_or_run_jobs():
    customer = _all(CustomerDesk)
    assert {"open_ticket", "find_binding", "search_kb", "ping"} <= customer
    assert not customer & {"transition", "reassign", "publish_notice", "run_sla_job", "claim_notifications"}


def test_both_implementations_provide_every_call_of_the_union():
    for implementation in (SqlServiceDesk, HttpServiceDesk):
        missing = {name for name in _all(ServiceDesk)
                   if not inspect.iscoroutinefunction(getattr(implementation, name, None))}
        assert not missing, (implementation.__name__, missing)

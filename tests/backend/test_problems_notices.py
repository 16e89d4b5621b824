"""Problems and notices: linking instead of re-opening, resolving many at once, pushing to affected contacts."""
from __future__ import annotations

from datetime import timedelta

import pytest

from backend_client import Conflict, Forbidden, NewNotice, NotFound, OpenOutcome, Scope, TicketKind, TicketStatus as S
from tests.backend.helpers import STAFF, SettableClock, customer, incident
from tests.conftest import seeded_desk


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def desk(database_url, clock):  # type: ignore[no-untyped-def]
    async with seeded_desk(database_url, clock=clock) as local:
        yield local


async def test_problem_links_incidents_and_resolving_it_resolves_and_notifies_them(desk, clock):
    school = await desk.find_binding("app", "demo-bound")
    problem = await desk.create_problem("天河区主干光缆被挖断", Scope(regions=("天河区",)), STAFF, cause="市政施工")
    first = (await desk.open_ticket(incident("a", customer_id=school.customer_id, user="demo-bound"))).ticket
    assert first.status is S.WAITING_PROBLEM and first.problem == problem.number  # in scope: linked at once
    other = (await desk.open_ticket(incident("b", circuit_id=None, user="walk-in"))).ticket
    assert other.problem is None  # unbound caller with no region: not in scope
    linked = await desk.link_incident(problem.number, other.number, STAFF)
    assert linked.status is S.WAITING_PROBLEM and linked.resolution_due_at is None
    clock.advance(hours=3)
    resolved = await desk.resolve_problem(problem.number, "光缆已重新熔接，业务恢复", STAFF)
    assert resolved.status == "resolved" and set(resolved.incidents) == {first.number, other.number}
    for number in resolved.incidents:
        ticket = await desk.get_ticket(number, STAFF)
        assert ticket.status is S.RESOLVED and ticket.resolution_note == "光缆已重新熔接，业务恢复"
    notes = await desk.claim_notifications("app")
    assert sorted(n.user_id for n in notes if n.kind == "ticket_resolved") == ["demo-bound", "walk-in"]
    with pytest.raises(Conflict):
        await desk.resolve_problem(problem.number, "again", STAFF)


async def test_outage_notice_links_new_reports_and_tells_the_customer(desk, clock):
    notice = await desk.create_notice(NewNotice(
        "outage", "天河区专线中断", "天河北路光缆故障，正在抢修。", Scope(regions=("广州市",), service_types=("专线",)),
        clock.now - timedelta(hours=1), clock.now + timedelta(hours=4)), STAFF)
    assert await desk.notices_affecting(region="广州市") == []  # still a draft
    queued = await desk.publish_notice(notice.number, STAFF)
    assert queued == 1  # one bound contact (demo-bound) in 广州市 with a 专线
    binding = await desk.find_binding("app", "demo-bound")
    [affecting] = await desk.notices_affecting(customer_id=binding.customer_id)
    assert affecting.number == notice.number and affecting.status == "published"
    assert await desk.notices_affecting(region="佛山市") == []
    opened = await desk.open_ticket(incident("n", customer_id=binding.customer_id))
    assert opened.outcome is OpenOutcome.LINKED_NOTICE and opened.notice.title == "天河区专线中断"
    assert opened.ticket.notice == notice.number
    [pushed] = [n for n in await desk.claim_notifications("app") if n.kind == "notice"]
    assert pushed.user_id == "demo-bound" and pushed.payload["notice"] == notice.number
    assert await desk.notices_affecting(customer_id=binding.customer_id, at=clock.now + timedelta(hours=5)) == []


async def test_notice_rules(desk, clock):
    contact = customer("demo-bound", await desk.find_binding("app", "demo-bound"))
    draft = NewNotice("planned", "割接", "夜间割接", Scope(), clock.now, clock.now + timedelta(hours=2))
    with pytest.raises(Forbidden):
        await desk.create_notice(draft, contact)
    notice = await desk.create_notice(draft, STAFF)
    await desk.publish_notice(notice.number, STAFF)
    with pytest.raises(Conflict):
        await desk.publish_notice(notice.number, STAFF)
    with pytest.raises(NotFound):
        await desk.publish_notice("GG209901010001", STAFF)


async def test_only_open_incidents_link_to_open_problems(desk):
    problem = await desk.create_problem("x", Scope(circuit_ids=("ZZ-ETN-0001",)), STAFF)
    request = (await desk.open_ticket(incident("r", kind=TicketKind.SERVICE_REQUEST))).ticket
    with pytest.raises(Conflict) as refused:
        await desk.link_incident(problem.number, request.number, STAFF)
    assert refused.value.code == "problem.incidents_only"


async def _published(desk, clock, title: str, scope: Scope) -> str:  # type: ignore[no-untyped-def]
    notice = await desk.create_notice(NewNotice("outage", title, "正在抢修。", scope, clock.now - timedelta(hours=1),
                                                clock.now + timedelta(hours=4)), STAFF)
    await desk.publish_notice(notice.number, STAFF)
    return notice.number


async def test_a_known_circuit_matches_notices_for_its_account_region_and_service(desk, clock):
    tianhe_line = await _published(desk, clock, "天河区专线中断", Scope(regions=("天河区",), service_types=("专线",)))
    named = await _published(desk, clock, "佛山电路割接", Scope(circuit_ids=("FS-ETN-0045678", "GZ-MSTP-999999")))
    await _published(desk, clock, "广州宽带割接", Scope(regions=("广州市",), service_types=("宽带",)))

    async def numbers(circuit: str) -> set[str]:
        return {n.number for n in await desk.notices_affecting(circuit_id=circuit)}

    assert await numbers("GZ-MSTP-000123") == {tianhe_line}  # a 专线 of the 天河区 account: not the 宽带 works
    assert await numbers("GZ-IPRAN-0204561") == set()  # same account, but 互联网专线
    assert await numbers("FS-ETN-0045678") == {named}  # named outright; its account is in 南海区
    assert await numbers("GZ-MSTP-999999") == {named}  # unknown to the desk: only notices naming it
    assert await numbers("GZ-MSTP-888888") == set()


async def test_a_region_question_covers_the_places_above_and_below_it_and_any_service(desk, clock):
    city = await _published(desk, clock, "广州专线中断", Scope(regions=("广州市",), service_types=("专线",)))
    district = await _published(desk, clock, "天河区宽带割接", Scope(regions=("天河区",), service_types=("宽带",)))

    async def numbers(region: str, service_type: str | None = None) -> set[str]:
        return {n.number for n in await desk.notices_affecting(region=region, service_type=service_type)}

    assert await numbers("天河区") == {city, district}  # the configured groups put 天河区 in 广州市
    assert await numbers("广州市") == {city, district}
    assert await numbers("广东省") == {city, district}
    assert await numbers("天河区", "专线") == {city}
    assert await numbers("南海区") == set()

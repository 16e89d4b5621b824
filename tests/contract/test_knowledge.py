"""The knowledge base under contract: the local desk and the HTTP client (REST API) give the same answers and errors.

Each test runs on SqlServiceDesk and HttpServiceDesk, on SQLite and PostgreSQL (see conftest); articles are
imported by the test itself so the assertions do not depend on the wording of the shipped starter articles.
"""
from __future__ import annotations

import dataclasses

import pytest

from backend_client import Actor, Conflict, Forbidden, Invalid, NotFound, Reporter, ServiceDesk, TicketStatus
from backend_client.kb import Article, Decision
from tests.contract.test_service_desk import ADMIN, AGENT, key_account, open_as

PBX = Article(key="pbx-fault-selfcheck", title="程控交换机PBX分机全部无拨号音怎么办",
              short_answer="请先检查PBX主机电源和中继板指示灯，再重启交换机。",
              body="1. 检查 PBX 主机电源；\n2. 查看中继板 <b>指示灯</b>；\n3. 重启交换机。",
              questions=("PBX分机没有拨号音", "交换机分机全部打不出去"), tags=("PBX",), status="published",
              voice_answer="请检查交换机电源和中继板，然后重启。")
CLUSTER_ONLY = Article(key="county-hall-hours", title="县分公司政企营业厅营业时间",
                       short_answer="县分公司政企营业厅周一至周六九点到十八点营业。", body="周日休息。",
                       questions=("县里营业厅几点开门",), tiers=("cluster",), status="published")


def stranger() -> Actor:
    """A WeChat follower who has not bound an account."""
    return Actor.customer(Reporter("wechat", "o-stranger"), None)


async def test_search_answers_within_the_customers_scope(desk: ServiceDesk, bind):
    await desk.import_articles([PBX, CLUSTER_ONLY], ADMIN)
    contact = await key_account(desk)  # an industry account: cluster-only articles are not theirs
    found = await desk.search_kb("PBX分机全部没有拨号音了", contact)
    assert found.decision is Decision.ANSWER and found.keys[0] == PBX.key
    assert found.top is not None and found.top.article.voice_answer == PBX.voice_answer
    assert "<b>指示灯</b>" in found.top.article.body  # stored and sent as plain text; renderers escape it
    county = await bind("o-teacher", "KH44060002", "13900139002")  # a cluster account in 南海区
    assert (await desk.search_kb("县里的营业厅几点开门", county)).keys[0] == CLUSTER_ONLY.key
    hidden = await desk.search_kb("县里的营业厅几点开门", contact)
    assert CLUSTER_ONLY.key not in hidden.keys
    assert CLUSTER_ONLY.key not in (await desk.search_kb("县里的营业厅几点开门", stranger())).keys
    assert (await desk.kb_article(PBX.key)).title == PBX.title


async def test_abstentions_and_unsolved_answers_become_gaps_only_staff_read(desk: ServiceDesk):
    await desk.import_articles([PBX], ADMIN)
    nothing = await desk.search_kb("食堂今天中午吃什么菜", stranger())
    assert nothing.decision is Decision.ABSTAIN
    await desk.kb_feedback(PBX.key, "PBX分机没声音", False, stranger())
    await desk.kb_feedback(PBX.key, "PBX分机没有拨号音", True, stranger())
    queries = {gap.query for gap in await desk.kb_gaps(AGENT)}
    assert {"食堂今天中午吃什么菜", "pbx分机没声音"} <= queries and "pbx分机没有拨号音" not in queries
    with pytest.raises(Forbidden):
        await desk.kb_gaps(stranger())


async def test_import_is_idempotent_by_key_and_keeps_every_version(desk: ServiceDesk):
    draft = dataclasses.replace(PBX, status="draft")
    first = await desk.import_articles([draft], AGENT)
    again = await desk.import_articles([draft], AGENT)
    changed = await desk.import_articles([dataclasses.replace(draft, short_answer="请重启交换机。")], ADMIN)
    assert (first.added, again.unchanged, changed.updated) == (1, 1, 1)
    versions = await desk.article_versions(PBX.key, AGENT)
    assert [(v.version, v.by) for v in versions] == [(1, AGENT.id), (2, ADMIN.id)]
    assert versions[0].article.short_answer == PBX.short_answer
    drafts = await desk.export_articles(AGENT, "draft")
    assert PBX.key in {a.key for a in drafts} and {a.status for a in drafts} == {"draft"}
    with pytest.raises(NotFound):
        await desk.kb_article(PBX.key)  # a draft is not for customers
    with pytest.raises(Forbidden):
        await desk.import_articles([PBX], await key_account(desk))
    with pytest.raises(NotFound):
        await desk.article_versions("no-such-article", AGENT)


async def test_a_resolved_ticket_becomes_a_draft_the_bot_uses_once_published(desk: ServiceDesk):
    contact = await key_account(desk)
    ticket = await open_as(desk, contact, summary="视频会议终端无法入会")
    with pytest.raises(Conflict) as unresolved:
        await desk.draft_from_ticket(ticket.number, AGENT)
    assert unresolved.value.code == "kb.ticket_unresolved"
    await desk.transition(ticket.number, TicketStatus.RESOLVED, AGENT, note="终端时间不同步导致证书校验失败，校时后恢复。")
    draft = await desk.draft_from_ticket(ticket.number, AGENT)
    assert draft.status == "draft" and draft.short_answer.startswith("终端时间不同步")
    assert draft.key not in (await desk.search_kb("视频会议终端无法入会", contact)).keys
    with pytest.raises(Forbidden):
        await desk.publish_article(draft.key, contact)
    assert (await desk.publish_article(draft.key, ADMIN)).status == "published"
    assert (await desk.search_kb("视频会议终端无法入会", contact)).keys[0] == draft.key
    with pytest.raises(Conflict) as twice:
        await desk.draft_from_ticket(ticket.number, AGENT)
    assert twice.value.code == "kb.exists"


async def test_feedback_on_an_unknown_article_is_refused_and_stores_nothing(desk: ServiceDesk):
    for key in ("no-such-article", "k" * 300):
        with pytest.raises(NotFound):
            await desk.kb_feedback(key, "光猫红灯", False, stranger())
    assert "光猫红灯" not in {gap.query for gap in await desk.kb_gaps(AGENT)}


async def test_an_import_that_is_the_whole_knowledge_base_retires_what_it_leaves_out(desk: ServiceDesk):
    await desk.import_articles([PBX, CLUSTER_ONLY], ADMIN)
    live = {a.key for a in await desk.export_articles(AGENT) if a.status != "retired"}
    report = await desk.import_articles([PBX], ADMIN, retire_missing=True)
    assert (report.unchanged, report.retired) == (1, len(live) - 1)
    assert [a.key for a in await desk.export_articles(AGENT, "published")] == [PBX.key]
    with pytest.raises(NotFound):
        await desk.kb_article(CLUSTER_ONLY.key)
    assert (await desk.article_versions(CLUSTER_ONLY.key, AGENT))[-1].article.status == "retired"
    with pytest.raises(Invalid):
        await desk.import_articles([], AGENT, retire_missing=True)
    assert (await desk.import_articles([PBX], ADMIN, retire_missing=True)).retired == 0

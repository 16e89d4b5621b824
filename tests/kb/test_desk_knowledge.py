"""The knowledge base through the local desk: upsert with history, one transaction, cached search, gaps, drafts."""
from __future__ import annotations

import dataclasses
import random
from typing import AsyncIterator

import pytest

from backend_client import Actor, Conflict, Forbidden, Invalid, Role, TicketStatus
from backend_client.kb import Article, Decision, KbGap
from servicedesk.kb import KbFormatError
from servicedesk.kb.gaps import group_similar
from nlu.text.retrieval import char_ngrams
from servicedesk.knowledge import seed_articles
from servicedesk.service import SqlServiceDesk
from tests.backend.helpers import SettableClock, customer, incident
from tests.conftest import seeded_desk

AGENT = Actor(Role.AGENT, "agent-7", "desk")
ADMIN = Actor(Role.ADMIN, "admin-1", "desk")
"""Only admins publish: imports of published articles run as an admin."""
LOS = Article(key="ont-los", title="光猫LOS灯红色闪烁怎么办", short_answer="LOS红灯表示光信号中断，请检查尾纤。",
              body="检查尾纤是否弯折。", questions=("光猫红灯闪", "LOS灯亮红色"), status="published")


@pytest.fixture
async def desk(database_url: str) -> AsyncIterator[SqlServiceDesk]:
    async with seeded_desk(database_url) as local:
        yield local


async def test_reimport_updates_by_key_and_keeps_history(desk):
    first = await desk.import_articles([LOS], ADMIN)
    second = await desk.import_articles([dataclasses.replace(LOS, short_answer="请先检查尾纤和光功率。")], ADMIN)
    again = await desk.import_articles([dataclasses.replace(LOS, short_answer="请先检查尾纤和光功率。")], ADMIN)
    assert (first.added, second.updated, again.unchanged) == (1, 1, 1)
    assert [a.key for a in await desk.export_articles(AGENT)] == ["ont-los"]
    versions = await desk.article_versions("ont-los", AGENT)
    assert [v.version for v in versions] == [1, 2] and versions[0].article.short_answer.startswith("LOS")
    assert versions[1].by == ADMIN.id and versions[1].article.short_answer == "请先检查尾纤和光功率。"


async def test_a_failing_import_leaves_nothing_half_imported(desk):
    def articles():
        yield dataclasses.replace(LOS, key="fine-one")
        yield LOS
        raise KbFormatError("bad.yml", 7, "broken")

    with pytest.raises(KbFormatError):
        await desk.import_articles(articles(), AGENT)
    assert await desk.export_articles(AGENT) == []


async def test_articles_built_in_code_meet_the_import_rules_too(desk):
    cases = [([LOS, dataclasses.replace(LOS, key="Bad Key")], "[1].key"),
             ([dataclasses.replace(LOS, short_answer="长" * 201)], "[0].short_answer"),
             ([LOS, LOS], "[1].key")]
    for articles, field in cases:
        with pytest.raises(Invalid) as refused:
            await desk.import_articles(articles, AGENT)
        assert field in refused.value.message
    assert await desk.export_articles(AGENT) == []


async def test_customers_cannot_change_articles(desk):
    with pytest.raises(Forbidden):
        await desk.import_articles([LOS], customer("u1"))


async def test_search_sees_new_and_published_articles_without_restart(desk):
    assert (await desk.search_kb("光猫红灯一直闪", customer("u1"))).decision is Decision.ABSTAIN
    await desk.import_articles([LOS], ADMIN)
    result = await desk.search_kb("光猫LOS红灯闪烁", customer("u1"))
    assert result.keys[0] == "ont-los" and result.decision is Decision.ANSWER
    await desk.import_articles([dataclasses.replace(LOS, status="retired")], AGENT)
    assert (await desk.search_kb("光猫LOS红灯闪烁", customer("u1"))).hits == ()


async def test_shipped_articles_are_seeded_once(desk):
    added = await seed_articles(desk._engine)
    assert added >= 60 and await seed_articles(desk._engine) == 0
    result = await desk.search_kb("发票怎么开", customer("u1"))
    assert result.decision is not Decision.ABSTAIN and "invoice" in result.keys[0]


async def test_unanswered_and_unsolved_queries_become_grouped_gaps(desk):
    await desk.import_articles([LOS], ADMIN)
    for text in ("机房空调坏了找谁", "机房空调坏了找谁修", "食堂几点开饭"):
        await desk.search_kb(text, customer("u1"))
    await desk.kb_feedback("ont-los", "光猫红灯闪", False, customer("u1"))
    await desk.kb_feedback("ont-los", "LOS灯亮红色", True, customer("u1"))
    gaps = await desk.kb_gaps(AGENT)
    assert gaps[0].count == 2 and "机房空调" in gaps[0].query
    assert sorted(g.query for g in gaps[1:]) == ["光猫红灯闪", "食堂几点开饭"]


def test_similar_questions_group_and_the_most_frequent_comes_first():
    gaps = group_similar([("发票抬头怎么改", 2), ("怎么改发票抬头", 1), ("停车场在哪", 1)])
    assert [(g.count, g.query) for g in gaps] == [(3, "发票抬头怎么改"), (1, "停车场在哪")]
    assert gaps[0].examples == ("发票抬头怎么改", "怎么改发票抬头")


def test_grouping_with_prefix_filtering_finds_the_groups_a_full_comparison_finds():
    random.seed(7)
    words = "光猫 红灯 专线 断了 发票 怎么 开 宽带 慢 测速 过户 移机 扩容 云主机 登录 不上 机房 赔付 停车 食堂".split()
    counted = [("".join(random.sample(words, random.randint(2, 5))), random.randint(1, 3)) for _ in range(600)]
    assert group_similar(counted) == _full_comparison(counted)


def _full_comparison(counted, threshold=0.5):
    """The obvious quadratic grouping the fast one must agree with."""
    heads, members = [], []
    for query, times in counted:
        grams = set(char_ngrams(query))
        found = next((i for i, head in enumerate(heads) if len(grams & head) / len(grams | head) >= threshold), None)
        if found is None:
            heads.append(grams)
            members.append([])
            found = len(heads) - 1
        members[found].append((query, times))
    ranked = [sorted(m, key=lambda x: -x[1]) for m in members]
    gaps = [KbGap(r[0][0], sum(t for _, t in r), tuple(q for q, _ in r)[:5]) for r in ranked]
    return sorted(gaps, key=lambda g: -g.count)


async def test_the_gap_list_covers_the_last_days_asked_for(sqlite_url):
    clock = SettableClock()
    async with seeded_desk(sqlite_url, clock=clock) as desk:
        await desk.search_kb("机房空调漏水怎么办", customer("u1"))
        clock.advance(days=40)
        await desk.search_kb("食堂几点开饭", customer("u1"))
        assert [g.query for g in await desk.kb_gaps(AGENT)] == ["食堂几点开饭"]
        assert {g.query for g in await desk.kb_gaps(AGENT, days=60)} == {"食堂几点开饭", "机房空调漏水怎么办"}


async def test_a_resolved_ticket_becomes_a_draft_the_bot_uses_only_once_published(desk):
    number = (await desk.open_ticket(incident("kb-draft", circuit_id=None))).ticket.number
    with pytest.raises(Conflict):
        await desk.draft_from_ticket(number, AGENT)
    await desk.transition(number, TicketStatus.IN_PROGRESS, AGENT)
    await desk.transition(number, TicketStatus.RESOLVED, AGENT, note="更换了光模块，专线恢复正常。")
    draft = await desk.draft_from_ticket(number, AGENT)
    assert draft.status == "draft" and "光模块" in draft.short_answer
    with pytest.raises(Forbidden):
        await desk.publish_article(draft.key, customer("u1"))
    assert draft.key not in (await desk.search_kb(draft.title, customer("u1"))).keys
    with pytest.raises(Forbidden):
        await desk.publish_article(draft.key, AGENT)
    await desk.publish_article(draft.key, ADMIN)
    assert (await desk.kb_article(draft.key)).status == "published"
    assert draft.key in (await desk.search_kb(draft.title, customer("u1"))).keys

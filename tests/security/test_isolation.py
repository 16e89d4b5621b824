"""Least privilege over the API: each token and each customer reaches only what is theirs (issue 12)."""
from __future__ import annotations

from sqlalchemy import select

from bot.keys import COMPONENTS
from servicedesk.models import TicketRow
from tests.api.conftest import as_agent, as_bot, auth

STRANGER = {"X-On-Behalf-Of-Channel": "wechat", "X-On-Behalf-Of-User": "o-somebody-else"}
FAULT = {"kind": "incident", "summary": "专线断了", "description": "公司专线从早上开始一直不通", "urgency": "high"}
INDUSTRY_ONLY = {"key": "vip-line-backup", "title": "重点客户专线备份链路切换", "short_answer": "客户经理会为您切换到备份链路。",
                 "body": "行业客户的专线中断时，可申请切换备份链路。", "questions": ["专线断了能不能切到备份线路"],
                 "tiers": ["industry"], "status": "published"}


def as_admin() -> dict[str, str]:
    return auth("admin", **{"X-Actor-Id": "admin-1"})


async def test_someone_elses_idempotency_key_opens_their_own_ticket_never_the_owners(api):
    key = {"Idempotency-Key": "wx-msg-20261204-0001"}
    owner = await api.post("/api/v1/tickets", json=FAULT, headers=as_bot(**key))
    assert owner.status == 201
    theirs = (await owner.json())["ticket"]
    intruder = await api.post("/api/v1/tickets", json={**FAULT, "summary": "我也断了"},
                              headers=auth("bot", **STRANGER, **key))
    staff = await api.post("/api/v1/tickets", json={**FAULT, "reporter": {"channel": "api", "user_id": "agent-7"}},
                           headers=as_agent(**key))
    for response in (intruder, staff):
        assert response.status == 201, await response.text()
        assert (await response.json())["ticket"]["number"] != theirs["number"]
    again = await api.post("/api/v1/tickets", json=FAULT, headers=as_bot(**key))
    assert (await again.json())["ticket"]["number"] == theirs["number"]
    visible = await (await api.get("/api/v1/tickets", headers=auth("bot", **STRANGER))).json()
    assert theirs["number"] not in {t["number"] for t in visible["items"]}


async def test_an_article_for_key_accounts_is_not_readable_by_others_even_by_its_key(api):
    assert (await api.post("/api/v1/kb/articles", json={"articles": [INDUSTRY_ONLY]}, headers=as_admin())).status == 200
    path = f"/api/v1/kb/articles/{INDUSTRY_ONLY['key']}"
    key_account = await api.get(path, headers=as_bot())
    assert key_account.status == 200 and (await key_account.json())["tiers"] == ["industry"]
    outsider = await api.get(path, headers=auth("bot", **STRANGER))
    assert outsider.status == 404
    found = await (await api.post("/api/v1/kb/search", json={"query": "专线断了能不能切到备份线路"},
                                  headers=auth("bot", **STRANGER))).json()
    assert INDUSTRY_ONLY["key"] not in {hit["article"]["key"] for hit in found["hits"]}
    assert (await api.get(path, headers=as_agent())).status == 200


async def test_an_agent_cannot_publish_by_importing_a_published_article(api):
    sneaky = {**INDUSTRY_ONLY, "key": "agent-sneaks-it-in", "tiers": []}
    refused = await api.post("/api/v1/kb/articles", json={"articles": [sneaky]}, headers=as_agent())
    assert refused.status == 403 and (await refused.json())["error"] == "forbidden"
    listed = await (await api.get("/api/v1/kb/articles", headers=as_agent())).json()
    assert sneaky["key"] not in {a["key"] for a in listed["items"]}
    draft = await api.post("/api/v1/kb/articles", json={"articles": [{**sneaky, "status": "draft"}]},
                           headers=as_agent())
    assert draft.status == 200
    edited = {**sneaky, "short_answer": "改过的回答"}
    assert (await api.post("/api/v1/kb/articles", json={"articles": [edited]}, headers=as_agent())).status == 403
    assert (await api.get(f"/api/v1/kb/articles/{sneaky['key']}", headers=as_bot())).status == 404
    assert (await api.post(f"/api/v1/kb/articles/{sneaky['key']}/publish", headers=as_agent())).status == 403
    assert (await api.post(f"/api/v1/kb/articles/{sneaky['key']}/publish", headers=as_admin())).status == 200


async def test_the_bot_sees_mobiles_masked_and_staff_see_them_whole(api):
    bot_view = await (await api.get("/api/v1/bindings/app/demo-bound", headers=auth("bot"))).json()
    staff_view = await (await api.get("/api/v1/bindings/app/demo-bound", headers=as_agent())).json()
    assert staff_view["mobile"] == "13800138001"
    assert bot_view["mobile"] == "138****8001" and bot_view["contact_id"] == staff_view["contact_id"]
    opened = await api.post("/api/v1/tickets", json={**FAULT, "contact_phone": bot_view["mobile"]},
                            headers=as_bot(**{"Idempotency-Key": "callback-1"}))
    assert opened.status == 201
    number = (await opened.json())["ticket"]["number"]
    async with api.server.app[COMPONENTS].db.connect() as conn:
        stored = (await conn.execute(select(TicketRow.contact_phone).where(TicketRow.number == number))).scalar()
    assert stored == "13800138001"  # the masked number sent back stands for the registered one


async def test_only_a_delivery_token_claims_notifications(api):
    claim = {"channel": "wechat", "limit": 10, "lease_s": 30}
    bot = await api.post("/api/v1/outbox/claim", json=claim, headers=as_bot())
    assert bot.status == 403 and (await bot.json())["error"] == "insufficient_scope"
    assert (await api.post("/api/v1/outbox/1/delivered", json={"detail": "x"}, headers=auth("bot"))).status == 403
    delivery = await api.post("/api/v1/outbox/claim", json=claim, headers=auth("delivery"))
    assert delivery.status == 200 and "items" in await delivery.json()

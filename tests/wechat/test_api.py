"""The async API client, the shared token, the window/quota tracker and `push`, against the fake WeChat API."""
from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest
from redis.asyncio import Redis

from channels.wechat.api import WeChatApiClient
from channels.wechat.errors import WeChatApiError
from channels.wechat.inbound import Window
from channels.wechat.menu import menu_payload
from channels.wechat.push import Pusher, PushStatus
from channels.wechat.settings import MenuButton
from channels.wechat.tokens import InMemoryTokenCache, RedisTokenCache
from channels.wechat.window import InMemoryWindowTracker, RedisWindowTracker, Slot
from dialogue.types import Button, Reply
from tests.support import require_redis
from tests.wechat.conftest import REDIS_URL
from tests.wechat.server import APP_ID, APP_SECRET

OPENID = "oApi_user_1"


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest.fixture
async def redis():
    require_redis()
    client = Redis.from_url(REDIS_URL)
    prefix = f"fdtest:{uuid.uuid4().hex[:8]}:"
    yield client, prefix
    keys = [key async for key in client.scan_iter(f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def client_for(fake, session, cache=None, secret=APP_SECRET) -> WeChatApiClient:
    return WeChatApiClient(session, fake.base_url, APP_ID, secret, cache or InMemoryTokenCache(), backoff_s=0)


async def test_token_is_fetched_once_and_reused(fake_api, session):
    api = client_for(fake_api, session)
    for _ in range(3):
        await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "您好"}})
    assert fake_api.token_requests == 1 and len(fake_api.custom) == 3


@pytest.mark.parametrize("code", [40001, 42001])
async def test_stale_token_is_refreshed_once_and_the_call_retried(fake_api, session, code):
    api = client_for(fake_api, session)
    await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "一"}})
    fake_api.expire_tokens(code)
    await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "二"}})
    assert fake_api.token_requests == 2 and len(fake_api.custom) == 2


async def test_a_token_error_after_the_refresh_is_raised_not_looped(fake_api, session):
    api = client_for(fake_api, session)
    fake_api.fail("custom", 40001, times=5)
    with pytest.raises(WeChatApiError) as caught:
        await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "一"}})
    assert caught.value.code == 40001 and fake_api.token_requests == 2


@pytest.mark.parametrize("code", [-1, 45009, 45011])
async def test_busy_and_rate_limits_are_retried_a_bounded_number_of_times(fake_api, session, code):
    api = client_for(fake_api, session)
    fake_api.fail("custom", code, times=2)
    await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "一"}})
    fake_api.fail("custom", code, times=3)
    with pytest.raises(WeChatApiError) as caught:
        await api.send_custom({"touser": OPENID, "msgtype": "text", "text": {"content": "二"}})
    assert caught.value.code == code and len(fake_api.custom) == 1


async def test_wrong_secret_raises_the_platform_code(fake_api, session):
    with pytest.raises(WeChatApiError) as caught:
        await client_for(fake_api, session, secret="wrong").send_custom({"touser": OPENID})
    assert caught.value.code == 40125


async def test_unreachable_api_is_a_transport_error(session):
    api = WeChatApiClient(session, "http://127.0.0.1:9", APP_ID, APP_SECRET, InMemoryTokenCache(), backoff_s=0)
    with pytest.raises(WeChatApiError) as caught:
        await api.send_custom({"touser": OPENID})
    assert caught.value.code == -2


async def test_stalled_api_times_out(fake_api, session):
    fake_api.stall("token", 5)
    api = WeChatApiClient(session, fake_api.base_url, APP_ID, APP_SECRET, InMemoryTokenCache(), timeout_s=0.05,
                          retries=0)
    with pytest.raises(WeChatApiError) as caught:
        await api.send_custom({"touser": OPENID})
    assert caught.value.code == -2


async def test_template_message_shortens_fields_to_20_characters(fake_api, session):
    msgid = await client_for(fake_api, session).send_template(
        OPENID, "TPL_TICKET_UPDATE", {"number": "GD202611230001", "status": "已解决，请您确认故障是否已经完全恢复正常，谢谢"})
    body = fake_api.templates[0]
    assert msgid > 0 and body["template_id"] == "TPL_TICKET_UPDATE"
    assert body["data"]["number"] == {"value": "GD202611230001"}
    assert len(body["data"]["status"]["value"]) == 20 and body["data"]["status"]["value"].endswith("…")


async def test_menu_from_config_is_accepted(fake_api, session):
    menu = (MenuButton("故障申报", key="REPORT_FAULT", intent="report_fault"),
            MenuButton("更多服务", sub_buttons=(MenuButton("转人工", key="REQUEST_HUMAN", intent="request_human"),
                                                MenuButton("官网", url="https://www.example-telecom.cn/"))))
    await client_for(fake_api, session).create_menu(menu_payload(menu))
    assert fake_api.menus[0]["button"][1]["sub_button"][1] == {"type": "view", "name": "官网",
                                                                "url": "https://www.example-telecom.cn/"}


async def test_menu_the_platform_refuses_raises_its_code(fake_api, session):
    with pytest.raises(WeChatApiError) as caught:
        await client_for(fake_api, session).create_menu({"button": []})
    assert caught.value.code == 40016


async def test_processes_sharing_redis_refresh_the_token_once(fake_api, session, redis):
    client, prefix = redis
    apis = [client_for(fake_api, session, RedisTokenCache(client, prefix, APP_ID)) for _ in range(4)]
    tokens = await asyncio.gather(*(api.tokens.token() for api in apis))
    assert len(set(tokens)) == 1 and fake_api.token_requests == 1
    fake_api.expire_tokens(42001)
    body = {"touser": OPENID, "msgtype": "text", "text": {"content": "您好"}}
    await asyncio.gather(*(api.send_custom(body) for api in apis))
    assert fake_api.token_requests == 2 and len(fake_api.custom) == 4


@pytest.fixture(params=["memory", "redis"])
def windows(request):
    if request.param == "memory":
        return InMemoryWindowTracker()
    return RedisWindowTracker(*request.getfixturevalue("redis"))


async def test_no_window_until_the_user_writes(windows):
    assert await windows.reserve(OPENID) == Slot.CLOSED


async def test_message_window_allows_five(windows):
    await windows.open(OPENID, Window.MESSAGE)
    assert [await windows.reserve(OPENID) for _ in range(6)] == [Slot.OK_MESSAGE] * 5 + [Slot.EXHAUSTED]


async def test_event_window_allows_three_before_the_message_quota(windows):
    await windows.open(OPENID, Window.MESSAGE)
    await windows.open(OPENID, Window.EVENT)
    slots = [await windows.reserve(OPENID) for _ in range(9)]
    assert slots == [Slot.OK_EVENT] * 3 + [Slot.OK_MESSAGE] * 5 + [Slot.EXHAUSTED]


async def test_refund_and_close(windows):
    await windows.open(OPENID, Window.MESSAGE)
    slot = await windows.reserve(OPENID)
    await windows.refund(OPENID, slot)
    assert [await windows.reserve(OPENID) for _ in range(5)] == [Slot.OK_MESSAGE] * 5
    await windows.open(OPENID, Window.EVENT)
    await windows.close(OPENID, Slot.OK_EVENT)
    assert await windows.reserve(OPENID) == Slot.EXHAUSTED
    await windows.close(OPENID, Slot.CLOSED)
    assert await windows.reserve(OPENID) == Slot.CLOSED


async def test_push_sends_within_the_window_with_msgmenu(fake_api, session):
    windows = InMemoryWindowTracker()
    await windows.open(OPENID, Window.MESSAGE)
    reply = Reply("请选择：", (Button("故障申报", "/report_fault"), Button("工单查询", "/query_ticket")))
    result = await Pusher(client_for(fake_api, session), windows).push(OPENID, [Reply("您好"), reply])
    assert (result.status, result.sent) == (PushStatus.SENT, 2)
    assert fake_api.custom[1]["msgmenu"]["list"] == [{"id": "1", "content": "故障申报"}, {"id": "2", "content": "工单查询"}]


async def test_push_outside_the_window_sends_nothing(fake_api, session):
    result = await Pusher(client_for(fake_api, session), InMemoryWindowTracker()).push(OPENID, [Reply("您好")])
    assert (result.status, result.sent, fake_api.custom) == (PushStatus.OUTSIDE_WINDOW, 0, [])


async def test_push_stops_when_the_quota_is_spent(fake_api, session):
    windows = InMemoryWindowTracker()
    await windows.open(OPENID, Window.EVENT)
    result = await Pusher(client_for(fake_api, session), windows).push(OPENID, [Reply(str(i)) for i in range(5)])
    assert (result.status, result.sent) == (PushStatus.QUOTA_EXHAUSTED, 3)


@pytest.mark.parametrize("code, status", [(45015, PushStatus.OUTSIDE_WINDOW), (45047, PushStatus.QUOTA_EXHAUSTED),
                                          (40003, PushStatus.FAILED)])
async def test_push_believes_the_platform(fake_api, session, code, status):
    windows = InMemoryWindowTracker()
    await windows.open(OPENID, Window.MESSAGE)
    fake_api.fail("custom", code)
    pusher = Pusher(client_for(fake_api, session), windows)
    result = await pusher.push(OPENID, [Reply("您好")])
    assert (result.status, result.code, result.sent) == (status, code, 0)
    after = await pusher.push(OPENID, [Reply("您好")])
    assert after.status == (PushStatus.SENT if status == PushStatus.FAILED else status)

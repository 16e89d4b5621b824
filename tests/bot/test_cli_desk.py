"""`frontdoor desk` speaks the operator's local time: times without an offset are local, listings print local time."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from bot.cli import main
from tests.backend.helpers import SettableClock, incident
from tests.conftest import seeded_desk
from tests.support import ROOT


@pytest.fixture
async def desk_file(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A seeded SQLite desk holding one ticket opened at 10:00 Guangzhou time, and the CLI pointed at it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    async with seeded_desk(url, clock=SettableClock()) as desk:
        number = (await desk.open_ticket(incident("cli-1"))).ticket.number
    monkeypatch.setenv("FRONTDOOR_STORAGE__URL", url)
    monkeypatch.setenv("FRONTDOOR_STORAGE__SEED_DEMO", "false")
    monkeypatch.setenv("FRONTDOOR_LOGGING__LEVEL", "WARNING")
    return url, number


def desk_cli(*args: str) -> int:
    return main(["--config", str(ROOT / "config.yaml"), "desk", *args])


def test_listing_and_history_print_guangzhou_time_not_utc(desk_file, capsys):
    _, number = desk_file
    assert desk_cli("tickets") == 0
    assert f"{number}" in (listing := capsys.readouterr().out) and "2026-11-23 10:00" in listing
    assert desk_cli("show", number) == 0
    shown = capsys.readouterr().out
    assert "2026-11-23 10:00:00  created" in shown and "02:00:00" not in shown


async def test_a_notice_for_eight_tonight_without_an_offset_means_eight_in_guangzhou(desk_file, capsys):
    url, _ = desk_file
    code = await asyncio.to_thread(desk_cli, "notice", "create", "--title", "核心网割接", "--text", "今晚八点到次日两点割接",
                            "--regions", "广州市", "--starts", "2026-12-04T20:00", "--ends", "2026-12-05T02:00",
                            "--publish")
    assert code == 0 and "已发布" in capsys.readouterr().out
    async with seeded_desk(url) as desk:
        at = datetime(2026, 12, 4, 12, 30, tzinfo=timezone.utc)  # 20:30 in Guangzhou
        assert [n.title for n in await desk.notices_affecting(region="广州市", at=at)] == ["核心网割接"]
        assert await desk.notices_affecting(region="广州市", at=at.replace(hour=11)) == []  # 19:30: not yet


@pytest.mark.parametrize("starts", ["明晚八点", "2026-13-40T20:00"])
def test_a_time_the_operator_mistyped_is_named_not_a_traceback(desk_file, capsys, starts):
    code = desk_cli("notice", "create", "--title", "割接", "--text", "割接", "--starts", starts,
                    "--ends", "2026-12-05T02:00")
    err = capsys.readouterr().err
    assert code == 1 and "--starts" in err and "Traceback" not in err


def test_a_notice_without_start_says_which_flag_is_missing(desk_file, capsys):
    assert desk_cli("notice", "create", "--title", "割接", "--text", "割接", "--ends", "2026-12-05T02:00") == 1
    assert "--starts is required" in capsys.readouterr().err



async def test_an_operator_unbinds_a_contact_who_left_and_the_identity_is_a_stranger_at_once(desk_file, capsys):
    url, _ = desk_file
    assert await asyncio.to_thread(desk_cli, "unbind", "app", "demo-bound") == 0
    assert "广州珠江智造科技有限公司" in capsys.readouterr().out
    async with seeded_desk(url) as desk:
        assert await desk.find_binding("app", "demo-bound") is None
    assert await asyncio.to_thread(desk_cli, "unbind", "app", "demo-bound") == 0
    assert "没有绑定" in capsys.readouterr().out

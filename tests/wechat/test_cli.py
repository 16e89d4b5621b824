"""`frontdoor wechat menu` against the fake API served by `python -m channels.wechat.fake_api`."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from bot.cli import main
from tests.support import ROOT
from tests.wechat.server import APP_ID, APP_SECRET, TOKEN


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def fake_api_process():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "channels.wechat.fake_api", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


@pytest.fixture
def wechat_env(monkeypatch, tmp_path, fake_api_process):
    env = {"FRONTDOOR_CHANNELS__WECHAT__TOKEN": TOKEN, "FRONTDOOR_CHANNELS__WECHAT__APP_ID": APP_ID,
           "FRONTDOOR_CHANNELS__WECHAT__APP_SECRET": APP_SECRET,
           "FRONTDOOR_CHANNELS__WECHAT__API_BASE_URL": fake_api_process,
           "FRONTDOOR_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_menu_dry_run_prints_the_menu_from_config(wechat_env, capsys):
    assert main(["--config", str(ROOT / "config.yaml"), "wechat", "menu", "--dry-run"]) == 0
    menu = json.loads(capsys.readouterr().out)
    assert menu["button"][0] == {"type": "click", "name": "故障申报", "key": "REPORT_FAULT"}
    assert len(menu["button"]) <= 3


def test_menu_is_pushed(wechat_env, capsys):
    assert main(["--config", str(ROOT / "config.yaml"), "wechat", "menu"]) == 0
    assert "菜单已更新" in capsys.readouterr().out


def test_menu_refused_by_the_platform_exits_1_with_the_code(wechat_env, monkeypatch, capsys):
    monkeypatch.setenv("FRONTDOOR_CHANNELS__WECHAT__APP_SECRET", "wrong-secret")
    assert main(["--config", str(ROOT / "config.yaml"), "wechat", "menu"]) == 1
    assert "40125" in capsys.readouterr().err

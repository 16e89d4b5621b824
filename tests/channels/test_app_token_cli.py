"""`frontdoor app token USER` as an operator runs it (a real process): the token it prints is one the app channel
accepts for USER; without a secret it explains what is missing and exits 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from channels.app.auth import AppAuth, AuthSettings
from tests.support import ROOT

SECRET = "a-development-secret-for-the-app-channel-2026"


def app_token(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {"PATH": "/usr/bin:/bin", "FRONTDOOR_LOGGING__LEVEL": "WARNING",
               "FRONTDOOR_STORAGE__URL": f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", **env}
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"), "app", "token", *args],
                          capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=60)


def test_the_printed_token_speaks_for_the_user_on_the_app_channel(tmp_path):
    result = app_token(["demo-bound", "--ttl", "120"], tmp_path, FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET=SECRET)
    assert result.returncode == 0, result.stderr
    auth = AppAuth(AuthSettings(jwt_secret=SECRET, audience="frontdoor"))
    identity = auth.identify({"Authorization": f"Bearer {result.stdout.strip()}"}, "GET", "/app/ws", b"", None)
    assert identity is not None and identity.user_id == "demo-bound" and identity.verified


def test_without_a_secret_or_for_an_anonymous_id_nothing_is_printed_and_the_exit_code_is_2(tmp_path):
    missing = app_token(["demo-bound"], tmp_path)
    assert missing.returncode == 2 and missing.stdout == "" and "JWT_SECRET" in missing.stderr
    reserved = app_token(["anon:someone"], tmp_path, FRONTDOOR_CHANNELS__APP__AUTH__JWT_SECRET=SECRET)
    assert reserved.returncode == 2 and reserved.stdout == ""

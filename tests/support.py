"""Helpers for tests: service reachability (required in CI) and the shipped configuration."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from servicedesk.policy import DeskPolicy
from bot.desk_policy import desk_policy
from bot.config import Config, load_config

ROOT = Path(__file__).resolve().parents[1]


def reachable(host: str, port: int) -> bool:
    """Whether a TCP service answers; in CI a missing service fails instead of skipping."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        if os.environ.get("CI"):
            pytest.fail(f"{host}:{port} is required in CI but does not answer")
        return False


def require_postgres() -> None:
    """Skip (or fail in CI) when PostgreSQL is not running."""
    if not reachable("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")


def require_redis() -> None:
    """Skip (or fail in CI) when Redis is not running."""
    if not reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def shipped_config(**environ: str) -> Config:
    """The repository's config.yaml, with FRONTDOOR_* overrides given as keyword arguments."""
    return load_config(ROOT / "config.yaml", environ)


def demo_policy() -> DeskPolicy:
    """The desk policy of the shipped config."""
    return desk_policy(shipped_config())

"""Errors of the composition root; only the CLI turns them into an exit code."""
from backend_client.errors import FrontDoorError


class ConfigError(FrontDoorError):
    """The configuration is unreadable or invalid; the message names the key."""


__all__ = ["ConfigError", "FrontDoorError"]

"""Errors of the composition root; only the CLI turns them into an exit code."""


class FrontDoorError(Exception):
    """Base of the front door's own errors."""


class ConfigError(FrontDoorError):
    """The configuration is unreadable or invalid; the message names the key."""

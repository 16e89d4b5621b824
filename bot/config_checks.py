"""What a valid config still needs from this machine (files it names, the database driver), checked before serving."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.config import Config
from bot.errors import ConfigError


def _database_problem(url: str) -> str | None:
    """Why the async driver of ``url`` cannot be used here, if it cannot."""
    try:
        dialect = make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        return f"storage.url: not a database URL SQLAlchemy knows ({type(exc).__name__})"
    if not getattr(dialect, "is_async", False):
        return f"storage.url: driver {dialect.driver!r} is not asynchronous (use sqlite+aiosqlite or postgresql+asyncpg)"
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        return f"storage.url: the database driver {dialect.driver!r} is not installed ({exc.name or exc})"
    return None


def _paths(config: Config) -> list[tuple[str, Path | None, bool]]:
    """The files and folders the config names that must already exist: (key, path, is a folder)."""
    return [
        ("nlu.data_dir", config.nlu.data_dir if config.nlu.backend == "builtin" else None, True),
        ("kb.user_dict", config.kb.user_dict, False),
        ("kb.articles_dir", config.kb.articles_dir, True),
        ("dialogue.templates", config.dialogue.templates, False),
    ]


def environment_problems(config: Config) -> list[str]:
    """Everything that would stop `serve` on this machine, one line each (empty when all is in place)."""
    problems = []
    if config.servicedesk.backend == "local" and (db := _database_problem(config.storage.url)):
        problems.append(db)
    for key, path, folder in _paths(config):
        if path is not None and not (path.is_dir() if folder else path.is_file()):
            problems.append(f"{key}: {'folder' if folder else 'file'} {path} does not exist")
    return problems


def check_environment(config: Config, source: str) -> None:
    """ConfigError naming every problem, so `serve` stops with a message instead of a traceback."""
    if problems := environment_problems(config):
        raise ConfigError("\n".join([f"{source}: the configuration cannot run here", *(f"  {p}" for p in problems)]))

"""The base of every config section, shared by the config modules."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationInfo


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, so typos fail fast."""

    model_config = ConfigDict(extra="forbid")


def resolve_path(value: Path, info: ValidationInfo) -> Path:
    """A relative path from the config file, against the file's folder."""
    base = (info.context or {}).get("base_dir")
    return value if value.is_absolute() or base is None else (Path(base) / value).resolve()

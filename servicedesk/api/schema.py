"""JSON Schema (OpenAPI 3.1) of the contract types, derived from the same type hints the codec follows."""
from __future__ import annotations

import types
from dataclasses import is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin

from backend_client.codec import field_types

SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


class Schemas:
    """Component schemas, collected as routes are described; each dataclass once, referenced by name."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}

    def of(self, hint: Any) -> dict[str, Any]:
        """The schema of a type hint; dataclasses become ``$ref``s to components."""
        origin, args = get_origin(hint), get_args(hint)
        if origin in (Union, types.UnionType):
            options = [self.of(arg) for arg in args if arg is not type(None)]
            return {"anyOf": [*options, {"type": "null"}]} if type(None) in args else {"anyOf": options}
        if origin in (list, tuple):
            return {"type": "array", "items": self.of(args[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.of(args[1])}
        if is_dataclass(origin or hint):
            return self._ref(hint)
        return _scalar(hint)

    def _ref(self, hint: Any) -> dict[str, Any]:
        cls = get_origin(hint) or hint
        name = "".join(arg.__name__ for arg in get_args(hint)) + cls.__name__
        if name not in self.components:
            self.components[name] = {}
            specs = field_types(hint)
            self.components[name].update({
                "type": "object",
                "description": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else name,
                "properties": {field: self.of(field_hint) for field, field_hint, _ in specs},
                "required": [field for field, _, required in specs if required],
            })
        return {"$ref": f"#/components/schemas/{name}"}


def _scalar(hint: Any) -> dict[str, Any]:
    if hint is Any:
        return {}
    if hint is datetime:
        return {"type": "string", "format": "date-time"}
    if hint is date:
        return {"type": "string", "format": "date"}
    if isinstance(hint, type) and issubclass(hint, Enum):
        return {"type": "string", "enum": [member.value for member in hint]}
    if hint in SCALARS:
        return {"type": SCALARS[hint]}
    raise TypeError(f"no schema for {hint!r}")

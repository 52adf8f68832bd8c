"""Reading the platform's OpenAPI document in the sweeps: every route it lists, a body that
passes each route's schema, and where in that body each value sits, so that a sweep covers
routes added later without a line of its own."""

from __future__ import annotations

from typing import Any

Pointer = tuple[str | int, ...]
SOME_TIME = "2026-12-01T09:00:00+07:00"


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The schema itself, through ``$ref`` and the not-null branch of a ``oneOf``."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "oneOf" in schema:
        options = [o for o in schema["oneOf"] if o.get("type") != "null"]
        return resolve(options[0], document)
    return schema


def is_time(schema: dict[str, Any], document: dict[str, Any]) -> bool:
    return resolve(schema, document).get("format") == "date-time"


def kind_of(schema: dict[str, Any], document: dict[str, Any]) -> str:
    """``time``, ``enum``, or the JSON type of what the schema takes."""
    schema = resolve(schema, document)
    if schema.get("format") == "date-time":
        return "time"
    if "enum" in schema:
        return "enum"
    return str(schema.get("type", "string"))


class Example:
    """A body that passes a route's schema, from the schema and values known by name; it
    remembers where each value sits (``places``: pointer and kind) and each time (``times``)."""

    def __init__(
        self, document: dict[str, Any], known: dict[str, Any], time: str = SOME_TIME
    ) -> None:
        self.document, self.known, self.time = document, known, time
        self.times: list[Pointer] = []
        self.places: list[tuple[Pointer, str]] = []

    def of(self, schema: dict[str, Any], at: Pointer = ()) -> Any:
        schema = resolve(schema, self.document)
        self.places.append((at, kind_of(schema, self.document)))
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if schema.get("format") == "date-time":
            self.times.append(at)
            return self.time
        if kind == "object":
            wanted = set(schema.get("required", []))
            return {
                name: self.known[name] if name in self.known else self.of(prop, (*at, name))
                for name, prop in schema.get("properties", {}).items()
                if name in wanted or is_time(prop, self.document)
            }
        if kind == "array":
            return [self.of(schema["items"], (*at, 0))]
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return False
        return "x" * max(1, int(schema.get("minLength", 1)))


class AnyName(dict[str, str]):
    """Path parameters a sweep knows nothing of are filled with a word."""

    def __missing__(self, key: str) -> str:
        return "x"


def with_value(body: Any, pointer: Pointer, value: Any) -> Any:
    """``body`` with the value at ``pointer`` replaced (the body itself when it is empty)."""
    if not pointer:
        return value
    head, *rest = pointer
    if isinstance(body, list):
        return [with_value(b, tuple(rest), value) if i == head else b for i, b in enumerate(body)]
    return {**body, str(head): with_value(body.get(head), tuple(rest), value)}

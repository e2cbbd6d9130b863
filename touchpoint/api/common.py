"""What every operation of `/api/v1` shares: strict JSON bodies, bounded pages, enums named
once in the schema, and the error answers the schema lists for each operation."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Schema
from ninja.parser import Parser
from pydantic import ConfigDict, Field, Strict, WithJsonSchema

from touchpoint.lib.inputs import MAX_DEPTH, nul_field, nul_pair, too_deep

# The last page any list serves: page times per_page stays far inside the integers a database
# takes as an OFFSET (a larger page is a 422 naming `page`, never an overflow).
MAX_PAGE = 100_000


def page_field() -> Any:
    return Field(1, ge=1, le=MAX_PAGE, description=f"1 to {MAX_PAGE:,}.")


class StrictIn(Schema):
    """A request body taken as its schema says: no unknown fields, and no type coerced (a
    `0` is not `false`, a `"5"` is not 5)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def choice(enum: type[Enum]) -> Any:
    """An enum field whose values are written into the schema where it is used (Django's
    choices share class names, `Unit.Kind`, `Touchpoint.Kind`, `Endpoint.Kind`, and the
    schema's components are named by class), read from its value even in a strict body."""
    schema: dict[str, Any] = {"type": "string", "enum": [m.value for m in enum]}
    return Annotated[enum, Strict(False), WithJsonSchema(schema)]


DEEP = f"must not nest lists and objects more than {MAX_DEPTH} levels deep"


class BodyRefused(ValueError):
    """A JSON body that cannot be taken: not an object, nested too deeply, or holding a
    NUL."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StrictJsonParser(Parser):
    """Bodies are JSON objects. Anything else (`false`, `null`, a list) would otherwise be
    read by attribute and pass as an empty change."""

    def parse_body(self, request: HttpRequest) -> dict:
        data = load_json(request.body)
        if not isinstance(data, dict):
            raise BodyRefused("body", "must be a JSON object")
        return data


def load_json(raw: bytes) -> object:
    """Decoded JSON that is safe to walk: JSONDecodeError when it is not JSON, BodyRefused
    when it nests too deeply or holds a NUL character (naming where)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BodyRefused("body", DEEP) from None
    if too_deep(data):
        raise BodyRefused("body", DEEP)
    # Decoded JSON holds a NUL only where the text has the escape `\u0000` (the decoder
    # refuses a raw one in a string); text without either is not walked again. A UTF-16
    # or UTF-32 body is full of zero bytes: walked.
    if b"\\u0000" in raw or b"\x00" in raw:
        field = nul_field(data)
        if field:
            raise BodyRefused(field, "must not contain the NUL character")
    return data


def nul_in_request(request: HttpRequest) -> str | None:
    """The path or query parameter that holds a NUL character, if any."""
    match = request.resolver_match
    for name, value in (match.kwargs if match else {}).items():
        if isinstance(value, str) and "\x00" in value:
            return name
    return nul_pair((k, v) for k, values in request.GET.lists() for v in values)


_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
_COMMON = {
    400: "The body is not JSON.",
    401: "No valid API key: `Authorization: Bearer tpk_…`.",
    422: "A parameter or a field of the body is invalid; each error names it.",
}


def add_common_responses(schema: dict) -> dict:
    """Every operation lists what any operation can answer: 401 without a valid key, 400 for
    a body that is not JSON, 422 for an invalid parameter (a NUL in the query string, for
    one) or body."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = [422]  # any request may carry an unreadable parameter
            if operation.get("security"):
                codes.append(401)
            if "requestBody" in operation:
                codes.append(400)
            for code in codes:
                responses.setdefault(code, {"description": _COMMON[code], "content": _ERROR})
    return schema

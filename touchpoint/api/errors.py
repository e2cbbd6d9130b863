"""The one error shape of the API: `{"error": code, "detail": [{"field", "message"}]}`."""

from __future__ import annotations

from ninja import Schema


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    error: str
    detail: list[FieldError] | str

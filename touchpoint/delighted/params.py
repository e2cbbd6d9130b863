"""Reading Delighted-style requests: `k[]=` arrays and `k[sub]=` maps in query strings and forms,
JSON bodies, Unix-second timestamps. Pure helpers."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable

from django.http import HttpRequest, QueryDict

from touchpoint.lib.inputs import JSON_ERRORS, NUL, nul_field, too_deep

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class ParamError(ValueError):
    """A parameter that cannot be read; `field` names it for the 422 answer."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def nest(pairs: Iterable[tuple[str, str]]) -> dict:
    """[("expand[]", "person"), ("properties[plan]", "pro"), ("a", "1")] ->
    {"expand": ["person"], "properties": {"plan": "pro"}, "a": "1"}."""
    out: dict = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            out[key] = value
            continue
        name, brackets = match.groups()
        if not brackets and name in out:  # a plain key repeated (Node: expand=a&expand=b)
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            continue
        parts = re.findall(r"\[([^\[\]]*)\]", brackets)
        target = out
        path = [name, *parts]
        for i, part in enumerate(path):
            last = i == len(path) - 1
            following = None if last else path[i + 1]
            if last:
                if isinstance(target, list):
                    target.append(value)
                else:
                    target[part] = value
                break
            container: dict | list = [] if following == "" else {}
            if isinstance(target, list):
                target.append(container)
                target = container
                continue
            existing = target.get(part)
            if not isinstance(existing, type(container)):
                target[part] = container
                existing = container
            target = existing
    return out


def query(request: HttpRequest) -> dict:
    return _safe("query", nest(_pairs(request.GET)))


def _safe(where: str, data: dict) -> dict:
    """Bracketed keys can nest without end (`a[b][c][d]…`): a value nested deeper than any
    Delighted request needs is refused before it is stored or encoded again. So is a NUL
    character, which PostgreSQL can neither store nor compare (it names the field)."""
    if too_deep(data):
        raise ParamError(where, "is nested too deeply")
    field = nul_field(data)
    if field:
        raise ParamError(field, "must not contain the NUL character")
    return data


def path_values(kwargs: dict) -> None:
    """The ids and emails a path carries are checked like parameters: no NUL character."""
    for name, value in kwargs.items():
        if isinstance(value, str) and NUL in value:
            raise ParamError(name, "must not contain the NUL character")


def body(request: HttpRequest) -> dict:
    """A JSON object body, or a form body with bracketed keys; {} when empty."""
    raw = request.body or b""
    content_type = request.content_type or ""
    if not raw.strip():
        return {}
    if content_type == "application/x-www-form-urlencoded":
        return _safe("body", nest(_pairs(QueryDict(raw, encoding="utf-8"))))
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ParamError("body", "is nested too deeply") from None
    except JSON_ERRORS as error:
        raise ParamError("body", f"is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ParamError("body", "must be a JSON object")
    return _safe("body", data)


# The largest id a database column holds (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def record_id(raw: str) -> int | None:
    """An id from a path or a parameter, or None when it cannot be one: only ASCII digits
    (`"²".isdigit()` is true, yet no int), and no larger than the column holds (a larger
    one overflows the database's integer instead of matching nothing)."""
    if not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def _pairs(data: QueryDict) -> list[tuple[str, str]]:
    return [(key, value) for key, values in data.lists() for value in values]


def unix(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def timestamp(params: dict, name: str) -> dt.datetime | None:
    """An optional Unix-second timestamp parameter as an aware datetime."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        seconds = int(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or not 0 <= seconds < 32503680000:
        raise ParamError(name, "must be a Unix timestamp in seconds, e.g. 1713497396")
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def integer(params: dict, name: str, *, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ParamError(name, "must be a whole number") from None
    if isinstance(raw, bool) or not low <= value <= high:
        raise ParamError(name, f"must be between {low} and {high}")
    return value


def boolean(params: dict, name: str, *, default: bool) -> bool:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ParamError(name, "must be true or false")


def text(params: dict, name: str) -> str:
    raw = params.get(name)
    if raw is None:
        return ""
    if isinstance(raw, dict | list):
        raise ParamError(name, "must be a string")
    return str(raw).strip()


def as_list(params: dict, name: str) -> list[str]:
    raw = params.get(name)
    if raw is None:
        return []
    if isinstance(raw, list):
        return [str(v) for v in raw]
    return [str(raw)]


def mapping(params: dict, name: str) -> dict:
    raw = params.get(name)
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        raise ParamError(name, "must be a map, e.g. properties[plan]=pro")
    return raw

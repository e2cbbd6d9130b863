"""What `/api/v1` does with input no schema example would send: a body that is JSON but no
object, a NUL character, nesting without end, a page past the last, an id no column holds.
Each is a 4xx naming the field, and nothing changes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_tickets import respond
from touchpoint.api.common import MAX_PAGE
from touchpoint.lib.inputs import MAX_DEPTH, too_deep
from touchpoint.surveys.models import Interaction
from touchpoint.tickets.models import Ticket

pytestmark = pytest.mark.django_db
DEEP = "must not nest lists and objects more than 32 levels deep"


@pytest.fixture
def ticket(brand) -> Ticket:
    return Ticket.objects.get(response=respond(brand, 2, "The screen was cracked"))


def fields(answer) -> list[str]:
    return [error["field"] for error in answer.json()["detail"]]


@pytest.mark.parametrize("raw", ["false", "null", "[]", '"resolved"', "0"])
def test_a_json_body_that_is_no_object_is_refused_and_changes_nothing(api, ticket, raw):
    answer = api.patch(f"/api/v1/tickets/{ticket.pk}", raw, content_type="application/json")

    assert answer.status_code == 422
    assert fields(answer) == ["body"]
    assert answer.json()["detail"][0]["message"] == "must be a JSON object"
    ticket.refresh_from_db()
    assert ticket.state == "new"


def test_a_body_that_is_not_json_is_a_400(api, ticket):
    answer = api.patch(f"/api/v1/tickets/{ticket.pk}", "{", content_type="application/json")

    assert answer.status_code == 400
    assert answer.json()["error"] == "malformed_json"


def test_a_nul_character_is_refused_naming_where_it_is(api, ticket):
    patched = api.patch(
        f"/api/v1/tickets/{ticket.pk}",
        json.dumps({"note": "call back\x00"}),
        content_type="application/json",
    )
    listed = api.get("/api/v1/tickets", {"touchpoint": "store\x00purchase"})

    assert (patched.status_code, fields(patched)) == (422, ["note"])
    assert (listed.status_code, fields(listed)) == (422, ["touchpoint"])
    assert not ticket.events.filter(kind="note").exists()


def test_bodies_nested_deeper_than_any_request_needs_are_refused(api, brand, ticket):
    deep = {"a": 1}
    for _ in range(MAX_DEPTH):
        deep = {"a": deep}
    before = Interaction.objects.count()
    bottomless = b'{"note": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    interaction = {
        "touchpoint": "store-purchase",
        "unit": "store-012",
        "occurred_at": "2026-11-20T10:00:00Z",
        "contact": {"email": "ana@example.com"},
        "properties": deep,
    }

    posted = api.post("/api/v1/interactions", json.dumps(interaction), "application/json")
    patched = api.patch(f"/api/v1/tickets/{ticket.pk}", bottomless, "application/json")
    posted_bottomless = api.post("/api/v1/interactions", bottomless, "application/json")

    for answer in (posted, patched, posted_bottomless):
        assert answer.status_code == 422
        assert answer.json()["detail"] == [{"field": "body", "message": DEEP}]
    assert Interaction.objects.count() == before


def test_a_page_past_the_last_one_served_is_refused_naming_page(api, ticket):
    last = api.get("/api/v1/tickets", {"page": MAX_PAGE})
    past = api.get("/api/v1/tickets", {"page": MAX_PAGE + 1})
    huge = api.get("/api/v1/tickets", {"page": 10**30})

    assert (last.status_code, last.json()["tickets"]) == (200, [])
    assert (past.status_code, fields(past)) == (422, ["page"])
    assert (huge.status_code, fields(huge)) == (422, ["page"])


def test_an_id_larger_than_any_column_holds_is_not_found(api, ticket):
    assert api.get(f"/api/v1/tickets/{2**70}").status_code == 404
    assert api.get("/api/v1/tickets/abc").status_code == 422


def _depth(value) -> int:
    """Levels of lists and maps, by the definition: 0 for a scalar."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def test_too_deep_counts_levels_of_lists_and_maps_wherever_the_deepest_branch_is():
    def nest(levels: int) -> object:
        value: object = "leaf"
        for n in range(levels):
            value = {"k": value, "n": 1} if n % 2 else [0, value, "two", None]
        return value

    for levels in (1, 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 5):
        value = {"wide": [{"a": i} for i in range(50)], "deep": [nest(levels)]}
        assert _depth(value) == levels + 2
        assert too_deep(value) is (levels + 2 > MAX_DEPTH), levels
        assert too_deep(nest(levels)) is (levels > MAX_DEPTH), levels
    assert not too_deep("text") and not too_deep(None) and not too_deep([])
    assert too_deep([[]], limit=1) and not too_deep([[]], limit=2)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=3),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner),
        max_leaves=40,
    ),
    st.integers(min_value=1, max_value=8),
)
def test_too_deep_agrees_with_the_definition(value, limit):
    assert too_deep(value, limit) is (_depth(value) > limit)

"""A scripted fuzz of `/delighted/v1` (it has no OpenAPI schema to generate from): every
endpoint with every method, malformed and wrong-typed JSON, form and query bodies, oversized
fields, NUL characters and unknown ids, with an account-wide key and a key limited to one
store. No request may answer 5xx; each answer is JSON in Delighted's shapes."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, urlencode

import pytest
from django.test import Client

from tests.test_tickets import respond
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.contacts.models import Contact
from touchpoint.responses.actions import MAX_COMMENT
from touchpoint.responses.models import Response

pytestmark = pytest.mark.django_db
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
LONG = "x" * 20_000
# Values of the wrong type, at the edges, too long, or holding what PostgreSQL refuses.
VALUES = [
    None,
    True,
    -1,
    0,
    10**30,
    1.5,
    "",
    "abc",
    "\x00",
    "a\x00b@example.com",
    LONG,
    LONG + "@example.com",
    "9" * 40,
    "²",
    [],
    ["a", {"b": 1}],
    {},
    {"a": {"b": [1]}},
]
# Each endpoint, the methods it serves and the fields each reads (query for GET, else body).
ENDPOINTS = {
    "people": {
        "GET": ["email", "phone_number", "since", "until", "per_page", "page_info"],
        "POST": [
            "email",
            "phone_number",
            "name",
            "channel",
            "delay",
            "send",
            "last_sent_at",
            "email_update",
            "phone_number_update",
            "properties",
        ],
    },
    "people/{person}": {"DELETE": []},
    "people/{email}/survey_requests/pending": {"DELETE": []},
    "survey_responses": {
        "GET": [
            "per_page",
            "page",
            "since",
            "updated_until",
            "trend",
            "person_id",
            "person_email",
            "order",
            "expand",
        ],
        "POST": ["person", "score", "comment", "created_at", "person_properties"],
    },
    "survey_responses/{response}": {
        "GET": ["expand"],
        "PUT": ["score", "comment", "person_properties", "tags", "expand"],
    },
    "metrics": {"GET": ["since", "until", "trend"]},
    "unsubscribes": {"GET": ["per_page", "page", "since"], "POST": ["person_email"]},
    "bounces": {"GET": ["per_page", "page", "until"]},
    "autopilot/{platform}": {"GET": []},
    "autopilot/{platform}/memberships": {
        "GET": ["person_id", "person_email", "person_phone_number", "per_page", "page_info"],
        "POST": ["person_id", "person_email", "person_phone_number", "properties"],
        "DELETE": ["person_id", "person_email", "person_phone_number"],
    },
}
# What stands in a path for an id: unknown, huge, malformed, or out of the key's scope.
IDS = ["0", "999999999999999999999999", "-1", "abc", "%00", "email:%00", "email:" + "x" * 300]
IDS += ["phone_number:%00", "phone_number:+1", "email:", quote(LONG), "nope.json"]
# Digits Python reads as digits yet no int takes ("²"), or that no id column holds.
IDS += [quote("²"), quote("١٢"), str(2**63), "email:" + quote("²")]
RAW_BODIES = [
    b"{",
    b"\x00",
    b'{"a": "\\u0000"}',
    b"false",
    b"null",
    b"[]",
    b'"text"',
    b"1e999",
    b"\xff\xfe",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"properties": ' + b"[" * 40 + b"]" * 40 + b"}",
    b'{"properties": ' + b'{"a": ' * 900 + b"1" + b"}" * 901,
]
FORMS = ["a[", "[]=1", "a[b][c][]=1&a[b]=2", "expand[]=person&expand=x", "properties[]=1"]
FORMS += ["properties[a][b]=1", "%00=%00", "email=%00", "tags[]=" + "y" * 200]
FORMS += ["properties" + "[a]" * 2_000 + "=1", "expand" + "[]" * 2_000 + "=1"]


@pytest.fixture
def world(brand, settings):
    """Two answers, one at the store and one elsewhere; rate limits out of the way."""
    settings.DELIGHTED_RATE_LIMIT = 1_000_000
    here = respond(brand, 9, "Great", n=1)
    elsewhere = respond(brand, 2, "Bad", unit_code="store-040", n=2)
    store_key = do_create_api_key(account=brand.account, name="store", unit=brand.store)
    return {
        "account": brand.api_key,
        "store": store_key.secret,
        "here": here,
        "elsewhere": elsewhere,
    }


def client(secret: str) -> Client:
    token = base64.b64encode(f"{secret}:".encode()).decode()
    return Client(
        headers={"Authorization": f"Basic {token}", "Accept": "application/json"},
        raise_request_exception=False,
    )


def known_ids(world, template: str) -> list[str]:
    if "{response}" in template:
        return [str(world["here"].pk), str(world["elsewhere"].pk)]
    if "{person}" in template:
        return [str(world["here"].contact_id), str(world["elsewhere"].contact_id)]
    if "{email}" in template:
        return ["customer1@example.com", "customer2@example.com"]
    if "{platform}" in template:
        return ["email", "sms"]
    return []


def concrete(template: str, value: str) -> str:
    for name in ("{response}", "{person}", "{email}", "{platform}"):
        template = template.replace(name, value)
    return f"/delighted/v1/{template}"


def requests_for(world):
    """(method, path, body, content type): each endpoint with every method and each raw
    body, form and query; each id-bearing path with odd ids; each field it reads with each
    value, as JSON and as a form (as a query for GET)."""
    yield "GET", "/delighted/v1/nothing-here", b"", ""
    yield "GET", "/delighted/v1/", b"", ""
    for template, methods in ENDPOINTS.items():
        ids = known_ids(world, template)
        path = concrete(template, ids[0]) if ids else concrete(template, "")
        for method in METHODS:
            yield method, path, b"", ""
            if method not in methods:
                continue
            for raw in RAW_BODIES:
                yield method, path, raw, "application/json"
            for form in FORMS:
                yield method, path, form.encode(), "application/x-www-form-urlencoded"
                yield method, f"{path}?{form}", b"", ""
            if ids:
                for odd in [*ids[1:], *IDS]:
                    yield method, concrete(template, odd), b"", ""
            for name in methods[method]:
                for value in VALUES:
                    form = urlencode(_form_pairs(name, value))
                    if method == "GET":
                        yield method, f"{path}?{form}", b"", ""
                    else:
                        body = json.dumps({name: value}).encode()
                        yield method, path, body, "application/json"
                        yield method, path, form.encode(), "application/x-www-form-urlencoded"


def _form_pairs(name: str, value) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [(f"{name}[{k}]", json.dumps(v)) for k, v in value.items()] or [(f"{name}[]", "")]
    if isinstance(value, list):
        return [(f"{name}[]", json.dumps(v)) for v in value] or [(f"{name}[]", "")]
    return [(name, "" if value is None else str(value))]


def send(http: Client, method: str, path: str, body: bytes, content_type: str):
    kwargs = {"content_type": content_type} if content_type else {}
    return http.generic(method, path, body, **kwargs)


@pytest.mark.parametrize("key", ["account", "store"])
def test_no_request_to_the_delighted_api_gets_a_server_error(world, key):
    http = client(world[key])
    failures, seen = [], 0
    for method, path, body, content_type in requests_for(world):
        answer = send(http, method, path, body, content_type)
        seen += 1
        if answer.status_code >= 500 or answer["Content-Type"] != "application/json":
            failures.append(f"{answer.status_code} {method} {path[:120]} {body[:60]!r}")
        else:
            shape = answer.json()
            if answer.status_code >= 400:
                assert shape["status"] == answer.status_code, (method, path, body[:80])
    assert seen > 1500
    assert not failures, "\n".join(failures)


def test_a_comment_over_the_one_limit_is_refused_when_posted_or_put(world, brand):
    http = client(world["account"])
    too_long = "x" * (MAX_COMMENT + 1)
    person = str(world["here"].contact_id)
    before = Response.objects.count()

    posted = http.post(
        "/delighted/v1/survey_responses.json",
        {"person": person, "score": 7, "comment": too_long},
        content_type="application/json",
    )
    put = http.put(
        f"/delighted/v1/survey_responses/{world['here'].pk}.json",
        json.dumps({"comment": "y" * 20_000}),
        content_type="application/json",
    )

    assert posted.status_code == 422
    message = "Please keep your comment under 10,000 characters."
    assert posted.json()["errors"] == {"comment": [message]}
    assert put.status_code == 422
    assert list(put.json()["errors"]) == ["comment"]
    assert Response.objects.count() == before
    world["here"].refresh_from_db()
    assert world["here"].comment == "Great"


def test_tags_that_are_not_a_list_are_refused(world):
    http = client(world["account"])
    for tags in ("notalist", {"a": "b"}, [["nested"]], ["x" * 101]):
        answer = http.put(
            f"/delighted/v1/survey_responses/{world['here'].pk}.json",
            json.dumps({"tags": tags}),
            content_type="application/json",
        )
        assert answer.status_code == 422, tags
        assert list(answer.json()["errors"]) == ["tags"]


def test_a_body_that_is_not_a_json_object_is_refused_naming_the_body(world):
    http = client(world["account"])
    for raw in (b"false", b"null", b"[]", b"{"):
        answer = http.post("/delighted/v1/people.json", raw, content_type="application/json")
        assert answer.status_code == 422, raw
        assert list(answer.json()["errors"]) == ["body"]


def test_nul_characters_are_refused_naming_the_field(world):
    http = client(world["account"])
    posted = http.post(
        "/delighted/v1/people.json",
        json.dumps({"email": "ana@example.com", "name": "A\x00na"}),
        content_type="application/json",
    )
    listed = http.get("/delighted/v1/people.json", {"email": "a\x00@example.com"})
    deleted = http.delete("/delighted/v1/people/email:a%00@example.com.json")

    assert posted.status_code == 422
    assert posted.json()["errors"] == {"name": ["must not contain the NUL character"]}
    assert listed.status_code == 422
    assert list(listed.json()["errors"]) == ["email"]
    assert deleted.status_code == 422
    assert list(deleted.json()["errors"]) == ["identifier"]


def test_an_email_longer_than_254_characters_is_invalid(world):
    http = client(world["account"])
    answer = http.post(
        "/delighted/v1/people.json",
        json.dumps({"email": "a" * 250 + "@example.com"}),
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"email": ["is invalid"]}


def test_values_nested_without_end_are_refused_naming_the_body(world):
    http = client(world["account"])
    bottomless = b'{"email": "ana@example.com", "properties": ' + b"[" * 50_000
    bottomless += b"]" * 50_000 + b"}"
    brackets = "email=ana%40example.com&properties" + "[a]" * 2_000 + "=1"

    as_json = http.post("/delighted/v1/people.json", bottomless, "application/json")
    as_form = http.post("/delighted/v1/people.json", brackets, "application/x-www-form-urlencoded")
    in_query = http.get("/delighted/v1/people.json?email" + "[]" * 2_000 + "=1")

    for answer, field in ((as_json, "body"), (as_form, "body"), (in_query, "query")):
        assert answer.status_code == 422
        assert answer.json()["errors"] == {field: ["is nested too deeply"]}
    assert not Contact.objects.filter(email="ana@example.com").exists()


def test_digits_no_integer_takes_and_ids_no_column_holds_are_refused_or_not_found(world):
    http = client(world["account"])
    answer = world["here"]

    superscript = http.put(
        f"/delighted/v1/survey_responses/{answer.pk}.json",
        json.dumps({"score": "²"}),
        content_type="application/json",
    )
    too_large = http.get(f"/delighted/v1/survey_responses/{2**63}.json")
    by_person = http.get("/delighted/v1/survey_responses.json", {"person_id": str(10**30)})
    posted = http.post(
        "/delighted/v1/survey_responses.json",
        json.dumps({"person": "²", "score": 7}),
        content_type="application/json",
    )

    assert superscript.status_code == 422
    assert list(superscript.json()["errors"]) == ["score"]
    assert too_large.status_code == 404
    assert (by_person.status_code, by_person.json()) == (200, [])
    assert posted.status_code == 422
    assert posted.json()["errors"] == {"person": ["does not exist"]}
    answer.refresh_from_db()
    assert answer.score == 9

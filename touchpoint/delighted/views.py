"""Delighted's v1 API over HTTP: authenticate, check the format and the rate, call an action,
shape the answer exactly as Delighted did (Unix-second timestamps, string ids)."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from touchpoint.accounts.actions import access_api_key
from touchpoint.delighted import actions, answers, autopilots
from touchpoint.delighted.actions import DelightedError
from touchpoint.delighted.params import (
    ParamError,
    as_list,
    body,
    integer,
    path_values,
    query,
    record_id,
    text,
    timestamp,
    unix,
)
from touchpoint.delighted.shapes import person_out, response_out, scheduled_at

MAX_PER_PAGE = 100


def _json(data, status: int = 200, headers: dict | None = None) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, headers=headers)


def _api_key(request: HttpRequest):
    """The key from HTTP Basic auth: the key is the user name, the password is ignored
    (`key:`, `key:x` and a bare `key` all work)."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return access_api_key(decoded.split(":", 1)[0])


def _accepts_json(request: HttpRequest) -> bool:
    if request.path.endswith(".json"):
        return True
    accept = request.headers.get("Accept", "")
    if not accept.strip():
        return True
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return any(t in ("application/json", "*/*", "application/*") for t in types)


def endpoint(*methods: str):
    """Auth (401, nothing else), format (406), rate (429 + Retry-After), method (405), and
    Delighted-shaped errors for everything the view raises."""

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def handle(request: HttpRequest, *args, **kwargs):
            try:
                api_key = _api_key(request)
                if api_key is None:
                    raise DelightedError(401)
                if not _accepts_json(request):
                    raise DelightedError(406)
                wait = actions.check_rate(api_key)
                if wait is not None:
                    response = _json(DelightedError(429).body(), 429)
                    response["Retry-After"] = str(wait)
                    return response
                if request.method not in methods:
                    return _json({"status": 405, "message": "Method Not Allowed"}, 405)
                request.api_key = api_key
                path_values(kwargs)
                return view(request, api_key, *args, **kwargs)
            except ParamError as error:
                return _json(DelightedError.invalid(error.field, str(error)).body(), 422)
            except DelightedError as error:
                response = _json(error.body(), error.status)
                if error.status == 401:
                    response["WWW-Authenticate"] = 'Basic realm="Delighted API"'
                return response

        return handle

    return wrap


def _link_next(request: HttpRequest, params: dict) -> str:
    url = request.build_absolute_uri(request.path)
    return f'<{url}?{urlencode(params)}>; rel="next"'


def _cursor_page(request: HttpRequest, queryset, params: dict, keep: tuple[str, ...]):
    """Cursor paging by id: at most per_page rows after the cursor, and the Link to the next."""
    per_page = integer(params, "per_page", default=20, low=1, high=MAX_PER_PAGE)
    cursor = text(params, "page_info")
    if cursor:
        try:
            after = record_id(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
        except (ValueError, binascii.Error, UnicodeDecodeError):
            after = None
        if after is None:
            raise ParamError("page_info", "is not a cursor this API gave")
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("pk")[: per_page + 1])
    headers = {}
    if len(rows) > per_page:
        rows = rows[:per_page]
        next_params = {k: params[k] for k in keep if text(params, k)}
        next_params["per_page"] = per_page
        next_params["page_info"] = (
            base64.urlsafe_b64encode(str(rows[-1].pk).encode()).decode().rstrip("=")
        )
        headers["Link"] = _link_next(request, next_params)
    return rows, headers


def _number_page(queryset, params: dict):
    per_page = integer(params, "per_page", default=20, low=1, high=MAX_PER_PAGE)
    page = integer(params, "page", default=1, low=1, high=10**6)
    return list(queryset[(page - 1) * per_page : page * per_page])


def _between(queryset, params: dict, field: str, since: str = "since", until: str = "until"):
    start, end = timestamp(params, since), timestamp(params, until)
    if start:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


# ---- endpoints ------------------------------------------------------------------------------


@endpoint("GET", "POST")
def people(request: HttpRequest, key):
    if request.method == "POST":
        project = actions.access_project(key.account)
        result = actions.do_send_to_person(project, body(request), key)
        contact = result.contact
        out = {
            "id": str(contact.pk),
            "email": contact.email,
            "name": contact.name or None,
            "phone_number": contact.phone,
            "survey_scheduled_at": scheduled_at(result.invitation),
            "properties": result.properties,
        }
        headers = {}
        if result.invitation is not None:
            invitation = result.invitation
            state = invitation.state + (
                f"; reason={invitation.reason}" if invitation.reason else ""
            )
            headers["X-Touchpoint-Invitation"] = state
        return _json(out, 201 if result.created else 200, headers)

    params = query(request)
    email, phone = text(params, "email"), text(params, "phone_number")
    if email and phone:
        raise DelightedError.invalid("email", "give either email or phone_number, not both")
    rows = actions.people(key)
    if email:
        rows = rows.filter(email=email.lower())
    if phone:
        rows = rows.filter(phone=actions.check_phone(phone, "phone_number"))
    rows = _between(rows, params, "created_at")
    page, headers = _cursor_page(request, rows, params, ("since", "until", "email", "phone_number"))
    return _json([person_out(c) for c in page], headers=headers)


@endpoint("DELETE")
def person(request: HttpRequest, key, identifier: str):
    contact = actions.access_person(key, identifier)
    actions.do_delete_person(contact)
    return _json({"ok": True}, 202)


@endpoint("DELETE")
def pending_requests(request: HttpRequest, key, email: str):
    actions.do_cancel_pending(key, email)
    return _json({"ok": True})


@endpoint("GET", "POST")
def survey_responses(request: HttpRequest, key):
    if request.method == "POST":
        project = actions.access_project(key.account)
        response, created = answers.do_create_response(project, body(request), key)
        return _json(response_out(response, []), 201 if created else 200)

    params = query(request)
    expand = as_list(params, "expand")
    rows = answers.responses(key)
    rows = _between(rows, params, "answered_at")
    rows = _between(rows, params, "updated_at", "updated_since", "updated_until")
    unit = answers.trend_unit(key, params)
    if unit:
        rows = rows.filter(unit_path__startswith=unit.path)
    person_id, person_email = text(params, "person_id"), text(params, "person_email")
    if person_id:
        rows = rows.filter(contact_id=record_id(person_id) or -1)
    if person_email:
        rows = rows.filter(contact__email=person_email.lower())
    order = text(params, "order") or "asc"
    orders = {
        "asc": ("answered_at", "pk"),
        "desc": ("-answered_at", "-pk"),
        "asc:updated_at": ("updated_at", "pk"),
        "desc:updated_at": ("-updated_at", "-pk"),
    }
    if order not in orders:
        raise DelightedError.invalid(
            "order", "must be asc, desc, asc:updated_at or desc:updated_at"
        )
    page = _number_page(rows.order_by(*orders[order]), params)
    return _json([response_out(r, expand) for r in page])


@endpoint("GET", "PUT")
def survey_response(request: HttpRequest, key, response_id: str):
    response = answers.access_response(key, response_id)
    if request.method == "PUT":
        data = body(request)
        response, _ = answers.do_update_response(key, response, data)
        return _json(response_out(response, as_list(data, "expand")))
    return _json(response_out(response, as_list(query(request), "expand")))


@endpoint("GET")
def metrics(request: HttpRequest, key):
    return _json(answers.metrics(key, query(request)))


@endpoint("GET", "POST")
def unsubscribes(request: HttpRequest, key):
    if request.method == "POST":
        actions.do_unsubscribe(key, body(request))
        return _json({"ok": True})
    return _people_page(request, actions.unsubscribed(key), "opted_out_at", "unsubscribed_at")


@endpoint("GET")
def bounces(request: HttpRequest, key):
    return _people_page(request, actions.bounced(key), "bounced_at", "bounced_at")


def _people_page(request: HttpRequest, people, stamp: str, key: str) -> HttpResponse:
    """One page of people in the order of `stamp`, as Delighted lists unsubscribes and
    bounces: id, email, name and the time under `key`."""
    params = query(request)
    rows = _between(people, params, stamp)
    page = _number_page(rows.order_by(stamp, "pk"), params)
    return _json(
        [
            {
                "person_id": str(c.pk),
                "email": c.email,
                "name": c.name or None,
                key: unix(getattr(c, stamp)),
            }
            for c in page
        ]
    )


@endpoint("GET")
def autopilot(request: HttpRequest, key, platform: str):
    actions.check_account_wide(key)
    survey = autopilots.access_autopilot(actions.access_project(key.account), platform)
    return _json(
        {
            "platform_id": platform,
            "active": survey.is_active,
            "frequency": survey.every_months * 30 * 86400,
            "created_at": unix(survey.created_at),
            "updated_at": unix(survey.updated_at),
        }
    )


def membership_out(member, *, with_next: bool = True) -> dict:
    contact = member.contact
    out = {
        "created_at": unix(member.created_at),
        "updated_at": unix(member.updated_at),
        "person": {
            **person_out(contact, full=False),
            "last_sent_at": unix(contact.last_invited_at),
        },
    }
    if with_next:
        invitation = autopilots.next_autopilot_invitation(member)
        out["next_survey_request"] = {
            "id": str(invitation.pk) if invitation else f"planned-{member.pk}",
            "created_at": unix(invitation.created_at if invitation else member.updated_at),
            "survey_scheduled_at": unix(
                invitation.send_at if invitation else member.next_survey_at
            ),
            "properties": (invitation.interaction.properties if invitation else member.properties),
        }
    return out


@endpoint("GET", "POST", "DELETE")
def autopilot_memberships(request: HttpRequest, key, platform: str):
    actions.check_account_wide(key)
    project = actions.access_project(key.account)
    if request.method == "POST":
        member = autopilots.do_add_membership(project, platform, body(request))
        return _json(
            {
                "person": person_out(member.contact, full=False),
                "properties": member.properties,
            }
        )
    if request.method == "DELETE":
        contact = autopilots.do_remove_membership(
            project, platform, body(request) or query(request)
        )
        return _json({"person": person_out(contact, full=False)})

    survey = autopilots.access_autopilot(project, platform)
    params = query(request)
    rows = autopilots.memberships(survey)
    if text(params, "person_id"):
        rows = rows.filter(contact_id=actions.access_person(key, text(params, "person_id")).pk)
    if text(params, "person_email"):
        rows = rows.filter(contact__email=text(params, "person_email").lower())
    if text(params, "person_phone_number"):
        rows = rows.filter(
            contact__phone=actions.check_phone(
                text(params, "person_phone_number"), "person_phone_number"
            )
        )
    page, headers = _cursor_page(
        request, rows, params, ("person_id", "person_email", "person_phone_number")
    )
    return _json([membership_out(m) for m in page], headers=headers)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return HttpResponse(
        json.dumps({"status": 404, "message": "Not Found"}),
        status=404,
        content_type="application/json",
    )

"""`/api/v1/tickets`: list, read and update tickets, scoped to the API key like the pages are
scoped to a person (outside the key's scope a ticket does not exist: 404)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from touchpoint.accounts.access import access_unit_for_key
from touchpoint.api.common import page_field
from touchpoint.api.errors import ErrorOut
from touchpoint.tickets import actions, metrics, notices
from touchpoint.tickets.models import Priority, RootCause, Ticket

router = Router(tags=["Tickets"])


class TicketFilters(Schema):
    state: Ticket.State | None = None
    unit: str | None = Field(None, description="A unit code: tickets of its whole subtree.")
    touchpoint: str | None = Field(None, description="A touchpoint slug.")
    overdue: bool | None = None
    page: int = page_field()
    per_page: int = Field(50, ge=1, le=200)


class TicketPatch(Schema):
    state: Ticket.State | None = None
    priority: Priority | None = None
    root_cause: str | None = Field(None, description="A root-cause code of the account.")
    note: str | None = Field(None, max_length=10000, description="An internal note to add.")


class UnitRef(Schema):
    id: int
    code: str
    name: str | None = None


class ResponseRef(Schema):
    id: int
    score: int
    comment: str
    channel: str
    answered_at: str


class EventOut(Schema):
    kind: str
    text: str
    by: str | None
    at: str


class TicketOut(Schema):
    id: int
    state: str
    priority: str
    reason: str
    unit: UnitRef
    holder: UnitRef
    escalation_level: int
    touchpoint: str
    response: ResponseRef
    assignees: list[str]
    opened_at: str
    first_response_due_at: str
    resolution_due_at: str
    first_responded_at: str | None
    resolved_at: str | None
    root_cause: str | None
    url: str
    events: list[EventOut] | None = None


class TicketPage(Schema):
    tickets: list[TicketOut]
    page: int
    per_page: int
    total: int


def _error(status: int, code: str, field: str, message: str):
    return Status(status, {"error": code, "detail": [{"field": field, "message": message}]})


def _tickets(request: HttpRequest):
    return actions.scoped_tickets_for_key(request.auth).select_related(
        "unit", "holder", "touchpoint", "response", "root_cause"
    )


@router.get(
    "/tickets", response={200: TicketPage, 404: ErrorOut, 422: ErrorOut}, summary="List tickets"
)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]):
    """Newest first. `unit` takes a unit code and includes everything below it."""
    tickets = _tickets(request)
    if filters.state:
        tickets = tickets.filter(state=filters.state)
    if filters.unit:
        try:
            unit = access_unit_for_key(request.auth, filters.unit)
        except Http404:  # unknown and out of the key's scope answer alike
            return _error(404, "not_found", "unit", f"no unit {filters.unit!r} for this key")
        tickets = tickets.filter(unit_path__startswith=unit.path)
    if filters.touchpoint:
        tickets = tickets.filter(touchpoint__slug=filters.touchpoint)
    if filters.overdue is not None:
        overdue = metrics.overdue_q(timezone.now())
        tickets = tickets.filter(overdue) if filters.overdue else tickets.exclude(overdue)
    total = tickets.count()
    start = (filters.page - 1) * filters.per_page
    rows = tickets.order_by("-opened_at", "-pk").prefetch_related("assignees")[
        start : start + filters.per_page
    ]
    return {
        "tickets": [notices.ticket_data(t) for t in rows],
        "page": filters.page,
        "per_page": filters.per_page,
        "total": total,
    }


class CountFilters(Schema):
    unit: str | None = Field(None, description="A unit code: tickets of its whole subtree.")
    touchpoint: str | None = Field(None, description="A touchpoint slug.")


class TicketCountsOut(Schema):
    open: int
    overdue: int
    due_soon: int = Field(..., description="Open, not overdue, next deadline within 24 hours.")


@router.get(
    "/tickets/counts",
    response={200: TicketCountsOut, 404: ErrorOut},
    summary="Open, overdue and due-soon tickets",
)
def ticket_counts(request: HttpRequest, filters: Query[CountFilters]):
    """The same counts as the inbox, its tabs and the digest (one definition each)."""
    tickets = actions.scoped_tickets_for_key(request.auth)
    if filters.unit:
        try:
            unit = access_unit_for_key(request.auth, filters.unit)
        except Http404:  # unknown and out of the key's scope answer alike
            return _error(404, "not_found", "unit", f"no unit {filters.unit!r} for this key")
        tickets = tickets.filter(unit_path__startswith=unit.path)
    if filters.touchpoint:
        tickets = tickets.filter(touchpoint__slug=filters.touchpoint)
    return metrics.ticket_counts(tickets, now=timezone.now()).as_dict()


@router.get(
    "/tickets/{ticket_id}", response={200: TicketOut, 404: ErrorOut}, summary="Get a ticket"
)
def get_ticket(request: HttpRequest, ticket_id: int):
    ticket = _tickets(request).filter(pk=ticket_id).first()
    if ticket is None:
        return _error(404, "not_found", "ticket_id", "No such ticket.")
    data = notices.ticket_data(ticket)
    data["events"] = [
        {
            "kind": e.kind,
            "text": e.text,
            "by": notices.name_of(e.actor) if e.actor_id else e.data.get("api_key"),
            "at": e.created_at.isoformat(),
        }
        for e in ticket.events.select_related("actor")
    ]
    return data


@router.patch(
    "/tickets/{ticket_id}",
    response={200: TicketOut, 404: ErrorOut, 422: ErrorOut},
    summary="Update a ticket",
)
def patch_ticket(request: HttpRequest, ticket_id: int, body: TicketPatch):
    """Change the state (with the same workflow as the pages), the priority, the root cause,
    or add an internal note. Each change is in the ticket's audit trail as done by the key."""
    ticket = _tickets(request).filter(pk=ticket_id).first()
    if ticket is None:
        return _error(404, "not_found", "ticket_id", "No such ticket.")
    key = request.auth
    cause_id = None
    if body.root_cause:
        cause = RootCause.objects.filter(account_id=key.account_id, code=body.root_cause).first()
        if cause is None:
            return _error(422, "invalid_request", "root_cause", "Unknown root-cause code.")
        cause_id = cause.pk
    try:
        if body.note:
            actions.do_add_note(ticket, actor=key, text=body.note)
        if body.priority and body.priority != ticket.priority:
            actions.do_set_priority(ticket, actor=key, priority=body.priority)
        if body.state and body.state != ticket.state:
            actions.do_change_state(ticket, actor=key, state=body.state, root_cause_id=cause_id)
        elif cause_id:
            return _error(
                422, "invalid_request", "root_cause", "Set a root cause together with a state."
            )
    except actions.TicketError as error:
        return _error(422, "invalid_transition", "state", str(error))
    return get_ticket(request, ticket_id)

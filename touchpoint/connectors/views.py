"""Inbound calls from vendors: `POST /integrations/<kind>/<key>`.

An entry point: the connector is found by its secret address (by the hash of its key, which
is not stored: `actions.inbound_url`), the vendor's signature is checked by its module, then
each event goes through `actions.do_receive` (the one intake).
Unsigned or badly signed calls get 401, malformed ones 400, and nothing is stored; an event
that cannot be mapped is kept, parked, and answered 200 (the vendor must not resend it: an
admin replays it once the mapping is fixed).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from touchpoint.connectors import actions
from touchpoint.connectors.vault import Unreadable, unseal
from touchpoint.connectors.vendors import VENDORS
from touchpoint.connectors.vendors.base import Ignored, Refused

log = logging.getLogger("touchpoint.connectors")


def _error(status: int, error: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": error, "detail": detail}, status=status)


@csrf_exempt
@require_POST
def receive(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    connector = actions.access_inbound_connector(kind, key)
    if connector is None:
        return _error(404, "not_found", "No active connector at this address.")
    vendor = VENDORS[kind]
    try:
        secrets = unseal(connector.credentials)
    except Unreadable as error:
        log.error("connector %s: %s", connector.pk, error)
        return _error(503, "unavailable", "The connector's credentials must be entered again.")
    try:
        incomings = vendor.parse(connector, secrets, request)
    except Refused as refusal:
        log.warning("connector %s refused an inbound call: %s", connector.pk, refusal.message)
        error = "unauthorized" if refusal.status == 401 else "bad_request"
        return _error(refusal.status, error, refusal.message)
    except Ignored as why:
        return vendor.reply([], ignored=str(why))
    outcomes = [actions.do_receive(connector, incoming) for incoming in incomings]
    return vendor.reply(outcomes)

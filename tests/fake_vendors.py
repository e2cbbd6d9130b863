"""Local HTTP servers that imitate vendors' APIs, so the connectors are tested with their real
clients (or real HTTP) as they run in production: each connector's base URL points at one.

An imitation checks what the vendor checks — the path, the credentials, the payload's fields
— and answers as the vendor does (401 for a bad token, 404 for an unknown record, 422 for a
bad field). `replies` overrides the next answers in order: (status, JSON body[, headers]),
e.g. a 503 outage or a 429 with `Retry-After`; "hang" answers nothing (a timeout).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Reply = tuple  # (status, body) or (status, body, headers)


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body or b"null")

    @property
    def basic_auth(self) -> tuple[str, str]:
        auth = self.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return "", ""
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        return user, password

    @property
    def bearer(self) -> str:
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else ""


@dataclass
class FakeVendor:
    """A vendor's API: `handle(request)` answers as the vendor would."""

    handle: Callable[[Request], Reply]
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    replies: list = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, method: str, pattern: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _serve(self) -> None:
        fake: FakeVendor = self.server.fake  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query={k: ",".join(v) for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        with fake.lock:
            fake.requests.append(request)
            reply = fake.replies.pop(0) if fake.replies else None
        if reply == "hang":
            fake.release.wait(10)
            return
        if reply is None:
            reply = fake.handle(request)
        status, data, *rest = reply
        headers = rest[0] if rest else {}
        if isinstance(data, bytes | str):
            raw = data.encode() if isinstance(data, str) else data
            content_type = headers.pop("Content-Type", "text/xml; charset=utf-8")
        else:
            raw = json.dumps(data).encode() if data is not None else b""
            content_type = "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


def serve(handle: Callable[[Request], Reply], *, tls: tuple[str, str] | None = None):
    """Start an imitation on a free local port (HTTPS with `tls` = (cert file, key file));
    returns (fake, stop)."""
    fake = FakeVendor(handle)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.fake = fake  # type: ignore[attr-defined]
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"

    def stop() -> None:
        fake.release.set()
        server.shutdown()
        server.server_close()

    return fake, stop


def error(status: int, message: str, headers: dict | None = None) -> Reply:
    return (status, {"error": message}, headers or {})


# --- Zendesk ----------------------------------------------------------------------------------

ZENDESK_EMAIL = "bot@nimbus.example"
ZENDESK_TOKEN = "zd-token-0123456789abcdef"  # a test value, not a credential


@dataclass
class ZendeskState:
    """Zendesk's tickets as the imitation holds them: id → {status, comments, custom_fields}."""

    token: str = ZENDESK_TOKEN
    tickets: dict = field(default_factory=dict)
    audits: int = 0


def zendesk(state: ZendeskState) -> Callable[[Request], Reply]:
    def handle(request: Request) -> Reply:
        if request.basic_auth != (f"{ZENDESK_EMAIL}/token", state.token):
            return error(401, "Couldn't authenticate you")
        if request.method == "GET" and request.path == "/api/v2/users/me.json":
            return 200, {
                "user": {"id": 7, "name": "Nimbus bot", "email": ZENDESK_EMAIL, "role": "admin"}
            }
        found = re.fullmatch(r"/api/v2/tickets/(\d+)\.json", request.path)
        if request.method == "PUT" and found:
            ticket = state.tickets.get(found.group(1))
            if ticket is None:
                return 404, {"error": "RecordNotFound", "description": "Not found"}
            body = request.json.get("ticket") if isinstance(request.json, dict) else None
            comment = (body or {}).get("comment") or {}
            if not isinstance(comment.get("body"), str) or not isinstance(
                comment.get("public"), bool
            ):
                return 422, {"error": "RecordInvalid", "details": {"comment": "body and public"}}
            for custom in body.get("custom_fields", []):
                if set(custom) != {"id", "value"} or not isinstance(custom["id"], int):
                    return 422, {"error": "RecordInvalid", "details": {"custom_fields": custom}}
                ticket["custom_fields"][custom["id"]] = custom["value"]
            ticket["comments"].append(comment)
            if "status" in body:
                ticket["status"] = body["status"]
            state.audits += 1
            return 200, {
                "ticket": {"id": int(found.group(1)), "status": ticket["status"]},
                "audit": {"id": state.audits},
            }
        return 404, {"error": "InvalidEndpoint"}

    return handle


# --- HubSpot ----------------------------------------------------------------------------------

HUBSPOT_TOKEN = "pat-eu1-0123-test"  # a test value, not a credential
HUBSPOT_CLIENT_SECRET = "hubspot-app-client-secret"
STAMP = "2026-11-20T09:00:00.000Z"


@dataclass
class HubspotState:
    """HubSpot's CRM as the imitation holds it. `known` are the contact properties that exist
    (the admin created the custom ones); `unique` those that can identify a contact."""

    token: str = HUBSPOT_TOKEN
    contacts: dict = field(default_factory=dict)  # id → properties
    deals: dict = field(default_factory=dict)  # id → {"properties", "contacts"}
    known: set = field(
        default_factory=lambda: {
            "email",
            "firstname",
            "lastname",
            "hs_language",
            "customer_number",
            "touchpoint_nps_score",
            "touchpoint_nps_category",
            "touchpoint_nps_comment",
            "touchpoint_nps_date",
            "touchpoint_nps_link",
        }
    )
    unique: set = field(default_factory=lambda: {"email", "customer_number"})


def _object(object_id: str, properties: dict, **extra) -> dict:
    return {
        "id": object_id,
        "properties": properties,
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "archived": False,
        **extra,
    }


def hubspot(state: HubspotState) -> Callable[[Request], Reply]:
    def refused(status: int, message: str, category: str) -> Reply:
        return status, {"status": "error", "message": message, "category": category}

    def handle(request: Request) -> Reply:
        if request.bearer != state.token:
            return refused(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        path = request.path
        if request.method == "GET" and path == "/crm/v3/objects/contacts":
            first = [_object(k, v) for k, v in list(state.contacts.items())[:1]]
            return 200, {"results": first}
        if request.method == "POST" and path == "/crm/v3/objects/contacts/batch/upsert":
            results = []
            for item in request.json.get("inputs", []):
                id_property, key = item.get("idProperty"), item.get("id")
                if id_property not in state.unique or not key:
                    return refused(
                        400, f"{id_property} is not a unique property", "VALIDATION_ERROR"
                    )
                unknown = set(item.get("properties", {})) - state.known
                if unknown:
                    return refused(
                        400,
                        f"Property values were not valid: {sorted(unknown)}",
                        "VALIDATION_ERROR",
                    )
                found = next(
                    (k for k, v in state.contacts.items() if v.get(id_property) == key), None
                )
                new = found is None
                if new:
                    found = str(1000 + len(state.contacts))
                    state.contacts[found] = {id_property: key}
                state.contacts[found].update(item["properties"])
                results.append(_object(found, state.contacts[found], new=new))
            return 200, {
                "status": "COMPLETE",
                "results": results,
                "startedAt": STAMP,
                "completedAt": STAMP,
            }
        found = re.fullmatch(r"/crm/v3/objects/(contacts|deals)/(\w+)", path)
        if request.method == "GET" and found:
            kind, object_id = found.groups()
            wanted = request.query.get("properties", "").split(",")
            if kind == "contacts":
                if object_id not in state.contacts:
                    return refused(404, "Object not found", "OBJECT_NOT_FOUND")
                props = {k: v for k, v in state.contacts[object_id].items() if k in wanted}
                return 200, _object(object_id, props)
            deal = state.deals.get(object_id)
            if deal is None:
                return refused(404, "Object not found", "OBJECT_NOT_FOUND")
            props = {k: v for k, v in deal["properties"].items() if k in wanted}
            extra = {}
            if "contacts" in request.query.get("associations", ""):
                linked = [{"id": c, "type": "deal_to_contact"} for c in deal["contacts"]]
                extra["associations"] = {"contacts": {"results": linked}}
            return 200, _object(object_id, props, **extra)
        return refused(404, "Not found", "NOT_FOUND")

    return handle


# --- Freshdesk --------------------------------------------------------------------------------

FRESHDESK_KEY = "fd-api-key-0123456789"  # a test value, not a credential


@dataclass
class FreshdeskState:
    """Freshdesk's tickets as the imitation holds them: id → {status, notes, custom_fields}.
    `fields` are the custom fields the admin created."""

    key: str = FRESHDESK_KEY
    tickets: dict = field(default_factory=dict)
    fields: set = field(default_factory=lambda: {"cf_nps_score", "cf_nps_category"})
    notes: int = 0


def freshdesk(state: FreshdeskState) -> Callable[[Request], Reply]:
    def handle(request: Request) -> Reply:
        if request.basic_auth != (state.key, "X"):
            return 401, {"code": "invalid_credentials", "message": "You have to be logged in"}
        if request.method == "GET" and request.path == "/api/v2/agents/me":
            return 200, {"id": 3, "contact": {"name": "Nimbus bot", "email": "bot@nimbus.example"}}
        found = re.fullmatch(r"/api/v2/tickets/(\d+)(/notes)?", request.path)
        if not found:
            return 404, {"code": "not_found"}
        ticket = state.tickets.get(found.group(1))
        if ticket is None:
            return 404, {"code": "access_denied", "message": "not found"}
        body = request.json if isinstance(request.json, dict) else {}
        if request.method == "POST" and found.group(2):
            if not isinstance(body.get("body"), str) or not isinstance(body.get("private"), bool):
                return 400, {"description": "Validation failed", "errors": [{"field": "body"}]}
            state.notes += 1
            ticket["notes"].append(body)
            return 201, {"id": state.notes, "body": body["body"], "private": body["private"]}
        if request.method == "PUT" and not found.group(2):
            unknown = set(body.get("custom_fields", {})) - state.fields
            if unknown or body.get("status", 2) not in (2, 3, 4, 5):
                return 400, {
                    "description": "Validation failed",
                    "errors": [{"field": sorted(unknown)[0] if unknown else "status"}],
                }
            ticket["custom_fields"].update(body.get("custom_fields", {}))
            ticket["status"] = body.get("status", ticket["status"])
            return 200, {"id": int(found.group(1)), "status": ticket["status"]}
        return 405, {"code": "method_not_allowed"}

    return handle


# --- Salesforce (over TLS, as simple-salesforce only speaks HTTPS) -----------------------------

SALESFORCE_CLIENT_ID = "3MVG9-test-consumer-key"  # test values, not credentials
SALESFORCE_CLIENT_SECRET = "salesforce-consumer-secret-0123"
SALESFORCE_ORG = "00D5g000004ABCDEAA"


def self_signed(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as files; trust it with REQUESTS_CA_BUNDLE."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@dataclass
class SalesforceState:
    client_secret: str = SALESFORCE_CLIENT_SECRET
    token: str = "00D5g-access-token"
    contacts: dict = field(default_factory=dict)  # id → fields
    accounts: dict = field(default_factory=dict)
    contact_fields: set = field(
        default_factory=lambda: {
            "LastName",
            "Email",
            "Customer_Number__c",
            "NPS_Score__c",
            "NPS_Category__c",
            "NPS_Comment__c",
            "NPS_Date__c",
            "NPS_Link__c",
        }
    )
    account_fields: set = field(default_factory=lambda: {"NPS_Score__c", "NPS_Category__c"})
    tokens_issued: int = 0


def salesforce(state: SalesforceState) -> Callable[[Request], Reply]:
    def invalid_field(kind: str, fields: set, known: set) -> Reply | None:
        if unknown := sorted(set(fields) - known):
            return 400, [
                {
                    "message": f"No such column '{unknown[0]}' on sobject of type {kind}",
                    "errorCode": "INVALID_FIELD",
                }
            ]
        return None

    def handle(request: Request) -> Reply:
        if request.path == "/services/oauth2/token" and request.method == "POST":
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            if (
                form.get("grant_type") != "client_credentials"
                or form.get("client_id") != SALESFORCE_CLIENT_ID
                or form.get("client_secret") != state.client_secret
            ):
                return 400, {
                    "error": "invalid_client",
                    "error_description": "invalid client credentials",
                }
            state.tokens_issued += 1
            return 200, {"access_token": state.token, "instance_url": "", "token_type": "Bearer"}
        if request.bearer != state.token:
            return 401, [
                {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
            ]
        base = "/services/data/v59.0"
        if request.method == "GET" and request.path == f"{base}/query/":
            found = re.fullmatch(
                r"SELECT Id(, AccountId)? FROM Contact( WHERE Email = '(.*)')? LIMIT 1",
                request.query.get("q", ""),
            )
            if not found:
                return 400, [{"message": "unexpected query", "errorCode": "MALFORMED_QUERY"}]
            email = found.group(3)
            records = [
                {"attributes": {"type": "Contact"}, "Id": k, "AccountId": v.get("AccountId")}
                for k, v in state.contacts.items()
                if email is None or v.get("Email") == email
            ][:1]
            return 200, {"totalSize": len(records), "done": True, "records": records}
        found = re.fullmatch(
            rf"{base}/sobjects/(Contact|Account)/(?:(\w+__c)/)?([^/]*)", request.path
        )
        if not found:
            return 404, [
                {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
            ]
        kind, id_field, key = found.groups()
        table = state.contacts if kind == "Contact" else state.accounts
        known = state.contact_fields if kind == "Contact" else state.account_fields
        body = request.json or {}
        if refused := invalid_field(kind, body, known):
            return refused
        if request.method == "POST" and kind == "Contact" and not key:
            if not body.get("LastName"):
                return 400, [
                    {
                        "message": "Required fields are missing: [LastName]",
                        "errorCode": "REQUIRED_FIELD_MISSING",
                    }
                ]
            new_id = f"003{len(table):015d}"
            table[new_id] = dict(body)
            return 201, {"id": new_id, "success": True, "errors": []}
        if request.method == "PATCH" and id_field:
            match = next((k for k, v in table.items() if v.get(id_field) == key), None)
            if match is None:
                if not body.get("LastName"):
                    return 400, [
                        {
                            "message": "Required fields are missing: [LastName]",
                            "errorCode": "REQUIRED_FIELD_MISSING",
                        }
                    ]
                match = f"003{len(table):015d}"
                table[match] = {id_field: key}
            table[match].update(body)
            return 204, None
        if request.method == "PATCH":
            if key not in table:
                return 404, [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED"}]
            table[key].update(body)
            return 204, None
        return 405, [{"message": "method not allowed", "errorCode": "METHOD_NOT_ALLOWED"}]

    return handle


# --- Mailchimp --------------------------------------------------------------------------------

MAILCHIMP_KEY = "0123456789abcdef0123456789abcdef-us21"  # a test value, not a credential
AUDIENCE = "a1b2c3d4e5"


@dataclass
class MailchimpState:
    """One audience: members by subscriber hash ({email, status, merge_fields, tags,
    language}), its merge fields, and segments (id → member hashes)."""

    key: str = MAILCHIMP_KEY
    members: dict = field(default_factory=dict)
    merge_fields: set = field(default_factory=lambda: {"FNAME", "LNAME", "NPS"})
    segments: dict = field(default_factory=dict)


def mailchimp_member(email: str, status: str = "subscribed", **merge) -> tuple[str, dict]:
    import hashlib

    member_id = hashlib.md5(email.lower().encode()).hexdigest()
    return member_id, {
        "email_address": email,
        "status": status,
        "merge_fields": merge,
        "tags": set(),
        "language": "en",
    }


def mailchimp(state: MailchimpState) -> Callable[[Request], Reply]:
    def problem(status: int, title: str, detail: str = "") -> Reply:
        return status, {"type": "about:blank", "title": title, "status": status, "detail": detail}

    def shown(member_id: str, member: dict) -> dict:
        return {**{k: v for k, v in member.items() if k != "tags"}, "id": member_id}

    def handle(request: Request) -> Reply:
        if request.basic_auth[1] != state.key:
            return problem(401, "API Key Invalid", "Your API key may be invalid")
        path = request.path
        if path == "/3.0/ping":
            return 200, {"health_status": "Everything's Chimpy!"}
        if path == f"/3.0/lists/{AUDIENCE}" and request.method == "GET":
            return 200, {
                "id": AUDIENCE,
                "name": "Nimbus news",
                "stats": {"member_count": len(state.members)},
            }
        found = re.fullmatch(rf"/3.0/lists/{AUDIENCE}/members/(\w+)(/tags)?", path)
        if found:
            member = state.members.get(found.group(1))
            if member is None:
                return problem(
                    404, "Resource Not Found", "The requested resource could not be found."
                )
            body = request.json or {}
            if found.group(2) and request.method == "POST":
                for tag in body.get("tags", []):
                    if tag.get("status") not in ("active", "inactive"):
                        return problem(400, "Invalid Resource", "tag status")
                    (member["tags"].add if tag["status"] == "active" else member["tags"].discard)(
                        tag["name"]
                    )
                return 204, None
            if request.method == "PATCH":
                unknown = set(body.get("merge_fields", {})) - state.merge_fields
                if unknown:
                    return problem(
                        400, "Invalid Resource", f"Unknown merge field {sorted(unknown)[0]}"
                    )
                member["merge_fields"].update(body.get("merge_fields", {}))
                return 200, shown(found.group(1), member)
        listed = re.fullmatch(rf"/3.0/lists/{AUDIENCE}(?:/segments/(\d+))?/members", path)
        if listed and request.method == "GET":
            rows = list(state.members.items())
            if listed.group(1):
                wanted = state.segments.get(listed.group(1), [])
                rows = [(k, v) for k, v in rows if k in wanted]
            if request.query.get("status"):
                rows = [(k, v) for k, v in rows if v["status"] == request.query["status"]]
            offset, count = int(request.query.get("offset", 0)), int(request.query.get("count", 10))
            page = [shown(k, v) for k, v in rows[offset : offset + count]]
            return 200, {"members": page, "list_id": AUDIENCE, "total_items": len(rows)}
        return problem(404, "Resource Not Found")

    return handle

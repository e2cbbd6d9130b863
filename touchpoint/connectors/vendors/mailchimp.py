"""Mailchimp, with the official client (`mailchimp-marketing`).

Outbound: each answer tags the contact's audience member with their NPS category
(`promoter`, `passive` or `detractor`; the two others removed) and writes their last score to
a number merge field, so promoters can be asked for reviews and detractors left out of
upsell campaigns. Only existing members are changed (`PATCH`), never added: joining an
audience is the member's own consent. A contact who is not in the audience is skipped.

Import: the audience (or one segment of it) as contacts of a recurring survey, one page of
1,000 subscribed members per call (`connectors/audience.py`).
"""

from __future__ import annotations

import hashlib

import mailchimp_marketing
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from mailchimp_marketing.api_client import ApiClientError

from touchpoint.connectors import http, payloads
from touchpoint.connectors.models import Connector, ConnectorCall
from touchpoint.connectors.vendors.base import Setting, Vendor, locale_or_blank, text
from touchpoint.outbox.transports import TransportError

CATEGORIES = ("promoter", "passive", "detractor")


def member_hash(email: str) -> str:
    """Mailchimp's id of a member: the MD5 of the lower-cased address."""
    return hashlib.md5(email.lower().encode(), usedforsecurity=False).hexdigest()


class _Client:
    """The official client, pointed at the base URL, keeping each answer: the client drops
    a 429's Retry-After, and returns some failures instead of raising them."""

    def __init__(self, base_url: str, api_key: str, server: str) -> None:
        config = {"api_key": api_key, "timeout": settings.CONNECTOR_TIMEOUT}
        if server:
            config["server"] = server
        self.client = mailchimp_marketing.Client(config)
        api = self.client.api_client
        if base_url:
            api.host, api.server = f"{base_url}/3.0", ""
        self.last = None
        plain = api.request

        def request(*args, **kwargs):
            self.last = plain(*args, **kwargs)
            return self.last

        api.request = request

    def call(self, method, *args, **kwargs):
        """One API call; its data, or a TransportError in the outbox's words."""
        try:
            data = method(*args, **kwargs)
        except ApiClientError as error:
            if error.status_code is None:  # the request never got an answer
                raise TransportError(
                    f"cannot reach Mailchimp: {error.text}", retryable=True, server_down=True
                ) from error
            headers = self.last.headers if self.last is not None else {}
            raise http.refused("Mailchimp", error.status_code, headers, str(error.text)) from error
        if self.last is not None and not 200 <= self.last.status_code < 300:
            raise http.refused(
                "Mailchimp", self.last.status_code, self.last.headers, self.last.text
            )
        return data


class Mailchimp(Vendor):
    kind = "mailchimp"
    label = "Mailchimp"
    reacts_to = "answer"
    inbound = False
    settings = (
        Setting(
            "audience", _("Audience id"), _("Audience → Settings → Audience ID."), required=True
        ),
        Setting(
            "merge_field",
            _("Score merge field"),
            _("The tag of a number merge field for the last score."),
            default="NPS",
        ),
        Setting(
            "server",
            _("Server prefix"),
            _("us21 in us21.admin.mailchimp.com; empty: read from the API key's ending."),
        ),
        Setting(
            "import_survey",
            _("Import for recurring survey (id)"),
            _("A recurring survey with a member list: the audience is imported as its members."),
            kind="number",
            default=None,
        ),
        Setting(
            "import_segment",
            _("Import only segment (id)"),
            _("Empty: every subscribed member."),
            kind="number",
            default=None,
        ),
    )
    secrets = (Setting("api_key", _("API key"), _("Profile → Extras → API keys."), required=True),)

    def default_base_url(self, config: dict) -> str:
        return ""  # the client's own https://<server>.api.mailchimp.com

    def check(self, config: dict, secrets: dict, *, has_base_url: bool) -> dict[str, str]:
        key = secrets.get("api_key", "")
        if not has_base_url and not config.get("server") and "-" not in key:
            return {
                "settings.server": gettext("is required: the API key does not end in -us21 or such")
            }
        return {}

    def client(self, connector: Connector, secrets: dict) -> _Client:
        return _Client(
            connector.base_url.rstrip("/"),
            secrets.get("api_key", ""),
            connector.config.get("server") or "",
        )

    def test(self, connector: Connector, secrets: dict) -> str:
        client = self.client(connector, secrets)
        client.call(client.client.ping.get)
        found = client.call(client.client.lists.get_list, connector.config["audience"])
        count = (found.get("stats") or {}).get("member_count", 0)
        return f"Connected: audience {found.get('name')} ({count} members)"

    def answer_operations(self, connector: Connector) -> list[str]:
        return ["mailchimp.member"]

    def perform(self, connector, secrets, call: ConnectorCall, *, before_handoff, session) -> dict:
        client = self.client(connector, secrets)
        before_handoff()
        if call.operation == "mailchimp.import":
            return self._page(connector, client, call.payload)
        last = payloads.last_answer(call.payload["contact"])
        if last is None:
            return {"skipped": "the contact has no answer any more"}
        contact, values = last
        if not contact.email:
            return {"skipped": "the contact has no email"}
        audience, member = connector.config["audience"], member_hash(contact.email)
        body = {"merge_fields": {connector.config.get("merge_field") or "NPS": values["score"]}}
        try:
            client.call(client.client.lists.update_list_member, audience, member, body)
        except TransportError as error:
            if error.status == 404:
                return {"skipped": "not a member of the audience"}
            raise
        tags = [
            {"name": name, "status": "active" if name == values["category"] else "inactive"}
            for name in CATEGORIES
        ]
        client.call(client.client.lists.update_list_member_tags, audience, member, {"tags": tags})
        return {"member": member, "tag": values["category"]}

    def _page(self, connector: Connector, client: _Client, payload: dict) -> dict:
        audience, segment = connector.config["audience"], connector.config.get("import_segment")
        fields = [
            "members.email_address",
            "members.status",
            "members.merge_fields",
            "members.language",
            "total_items",
        ]
        if segment:
            found = client.call(
                client.client.lists.get_segment_members_list,
                audience,
                str(segment),
                count=payload["count"],
                offset=payload["offset"],
            )
        else:
            found = client.call(
                client.client.lists.get_list_members_info,
                audience,
                count=payload["count"],
                offset=payload["offset"],
                status="subscribed",
                fields=fields,
            )
        members = []
        for member in found.get("members", []):
            if member.get("status") != "subscribed":
                continue
            merge = member.get("merge_fields") or {}
            name = " ".join(p for p in (text(merge.get("FNAME")), text(merge.get("LNAME"))) if p)
            members.append(
                {
                    "email": text(member.get("email_address"), 254).lower(),
                    "name": name,
                    "locale": locale_or_blank(member.get("language")),
                }
            )
        return {"members": members, "total": found.get("total_items", 0)}

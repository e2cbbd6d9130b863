"""The vendors Touchpoint connects to, by connector kind."""

from __future__ import annotations

from touchpoint.connectors.vendors.base import Vendor
from touchpoint.connectors.vendors.freshdesk import Freshdesk
from touchpoint.connectors.vendors.hubspot import Hubspot
from touchpoint.connectors.vendors.mailchimp import Mailchimp
from touchpoint.connectors.vendors.salesforce import SalesforceVendor
from touchpoint.connectors.vendors.segment import Segment
from touchpoint.connectors.vendors.zendesk import Zendesk

VENDORS: dict[str, Vendor] = {
    vendor.kind: vendor
    for vendor in (Zendesk(), Freshdesk(), Hubspot(), SalesforceVendor(), Mailchimp(), Segment())
}

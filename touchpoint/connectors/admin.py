"""For operators: connectors (credentials and inbound address never shown), their inbound
events and calls. Account admins manage connectors on Setup → Connectors."""

from django.contrib import admin
from django.db import models

from touchpoint.connectors.models import Connector, ConnectorCall, InboundEvent


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    list_display = ["kind", "account", "is_active", "disabled_at", "last_test_ok", "updated_at"]
    list_filter = ["kind", "is_active"]
    readonly_fields = [
        "account",
        "kind",
        "config",
        "credential_hints",
        "disabled_at",
        "disabled_reason",
        "last_test_at",
        "last_test_ok",
        "last_test_message",
    ]
    fields = ["is_active", "base_url", *readonly_fields]
    # A base URL typed without a scheme is taken as https (Django 6's default; 5.2 warns).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["vendor_id", "connector", "state", "reason", "received_at", "repeats"]
    list_filter = ["state", "connector__kind"]
    readonly_fields = [f.name for f in InboundEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ConnectorCall)
class ConnectorCallAdmin(admin.ModelAdmin):
    list_display = ["operation", "connector", "state", "attempts", "send_at", "last_error"]
    list_filter = ["state", "operation"]
    readonly_fields = [f.name for f in ConnectorCall._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

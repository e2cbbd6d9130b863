from django import forms
from django.contrib import admin
from django.db import models

from touchpoint.notifications.models import Delivery, Endpoint, Preference


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("created_at", "event_type", "state", "attempts", "response_status", "last_error")
    readonly_fields = fields
    extra = 0
    max_num = 0
    ordering = ["-created_at"]
    show_change_link = True


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "kind", "url", "is_active")
    list_filter = ("kind", "is_active", "account")
    inlines = [DeliveryInline]
    # A receiver typed without a scheme is https: webhooks carry signed customer data.
    formfield_overrides = {
        models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"},
    }


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event_type", "channel", "to_email", "endpoint", "state")
    list_filter = ("state", "channel", "event_type", "account")
    search_fields = ("to_email", "event_type", "event_id")
    readonly_fields = [f.name for f in Delivery._meta.fields]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "ticket_email")

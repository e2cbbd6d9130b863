import secrets

from django.contrib import admin

from touchpoint.widget.actions import KEY_PREFIX
from touchpoint.widget.models import PublishableKey


@admin.register(PublishableKey)
class PublishableKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "account", "touchpoint", "unit", "created_at", "revoked_at"]
    list_filter = ["account"]
    readonly_fields = ["key", "created_at"]
    raw_id_fields = ["unit"]

    def save_model(self, request, obj, form, change):
        if not obj.key:
            obj.key = f"{KEY_PREFIX}{secrets.token_urlsafe(18)}"
        super().save_model(request, obj, form, change)

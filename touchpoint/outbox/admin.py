from django.contrib import admin

from touchpoint.outbox.models import Circuit


@admin.register(Circuit)
class CircuitAdmin(admin.ModelAdmin):
    """Destinations that are down now: their messages wait, spending no attempts, until a
    probe gets through (deleting a row makes the next message try at once)."""

    list_display = ["destination", "state", "failures", "opened_at", "retry_at", "last_error"]
    readonly_fields = ["destination", "state", "failures", "opened_at", "retry_at", "last_error"]

    def has_add_permission(self, request) -> bool:
        return False

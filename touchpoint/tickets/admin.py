from django.contrib import admin

from touchpoint.tickets.models import RootCause, Ticket, TicketEvent, TicketRule


@admin.register(TicketRule)
class TicketRuleAdmin(admin.ModelAdmin):
    list_display = (
        "touchpoint",
        "open_on",
        "priority",
        "first_response_hours",
        "resolution_hours",
        "follow_up",
    )
    list_filter = ("touchpoint__account",)


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "account", "is_active")
    list_filter = ("account", "is_active")


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor", "text")
    readonly_fields = fields
    extra = 0
    max_num = 0


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only here: tickets change through their page, which keeps the audit trail."""

    list_display = ("pk", "account", "unit", "state", "priority", "opened_at", "escalation_level")
    list_filter = ("state", "priority", "account")
    search_fields = ("reason", "unit__name", "contact__email")
    inlines = [TicketEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

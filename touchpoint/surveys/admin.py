from django.contrib import admin

from touchpoint.surveys.models import (
    Interaction,
    Invitation,
    RecurringMember,
    RecurringSurvey,
    Touchpoint,
)


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "kind",
        "channel",
        "delay",
        "sampling_rate",
        "account",
        "is_active",
    ]
    list_filter = ["account", "kind", "channel", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["account", "name", "slug", "kind", "is_active"]}),
        (
            "Survey rule",
            {
                "fields": [
                    "channel",
                    "fallback_channel",
                    "delay",
                    "quiet_hours_start",
                    "quiet_hours_end",
                    "expiry_days",
                    "sampling_rate",
                    "quarantine_days",
                ]
            },
        ),
        ("Follow-up questions and widget", {"fields": ["questions", "widget_rules"]}),
        ("Wording", {"fields": ["wording"]}),
    ]


INVITATION_FIELDS = ("channel", "state", "reason", "detail", "send_at", "sent_at", "attempts")


class InvitationInline(admin.TabularInline):
    model = Invitation
    fields = readonly_fields = INVITATION_FIELDS
    extra = 0
    can_delete = False


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["pk", "touchpoint", "unit", "contact", "occurred_at", "external_id"]
    list_filter = ["account", "touchpoint"]
    search_fields = ["external_id", "contact__email"]
    raw_id_fields = ["contact", "unit"]
    readonly_fields = ["payload_hash", "created_at"]
    date_hierarchy = "occurred_at"
    inlines = [InvitationInline]
    show_full_result_count = False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "channel",
        "state",
        "reason",
        "touchpoint",
        "unit",
        "send_at",
        "sent_at",
        "attempts",
    ]
    list_filter = ["state", "reason", "channel", "touchpoint", "account"]
    search_fields = ["contact__email", "contact__phone", "interaction__external_id"]
    raw_id_fields = ["interaction", "contact", "unit"]
    readonly_fields = [
        "attempts",
        "lease_expires_at",
        "handed_off_at",
        "held_by",
        "provider_message_id",
        "sent_at",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "send_at"
    show_full_result_count = False


class RecurringMemberInline(admin.TabularInline):
    model = RecurringMember
    extra = 0
    raw_id_fields = ["contact"]
    fields = ["contact", "next_survey_at", "properties"]


@admin.register(RecurringSurvey)
class RecurringSurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "touchpoint", "audience", "every_months", "is_active"]
    list_filter = ["account", "audience", "is_active"]
    raw_id_fields = ["unit"]
    inlines = [RecurringMemberInline]

from django.contrib import admin

from touchpoint.responses.models import Response


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "score",
        "category",
        "touchpoint",
        "unit",
        "channel",
        "answered_at",
        "short_comment",
    ]
    list_filter = ["account", "touchpoint", "channel", "score"]
    search_fields = ["comment"]
    raw_id_fields = ["invitation", "interaction", "contact", "unit", "interviewer", "kiosk"]
    readonly_fields = ["unit_path", "attribution", "created_at", "updated_at"]
    date_hierarchy = "answered_at"
    show_full_result_count = False

    @admin.display(description="Comment")
    def short_comment(self, response: Response) -> str:
        return response.comment[:80]

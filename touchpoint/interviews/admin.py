from django.contrib import admin

from touchpoint.interviews.models import Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["called_at", "invitation", "interviewer", "outcome", "call_back_at"]
    list_filter = ["outcome"]
    raw_id_fields = ["invitation", "interviewer"]

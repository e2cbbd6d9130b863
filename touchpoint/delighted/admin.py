from django.contrib import admin

from touchpoint.delighted.models import Project, ResponseExtra


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["account", "unit", "email_touchpoint", "sms_touchpoint"]
    raw_id_fields = ["unit"]


@admin.register(ResponseExtra)
class ResponseExtraAdmin(admin.ModelAdmin):
    list_display = ["response", "delighted_id", "tags"]
    raw_id_fields = ["response"]

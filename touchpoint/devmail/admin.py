from django.contrib import admin

from touchpoint.outbox.models import CapturedEmail


@admin.register(CapturedEmail)
class CapturedEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipients", "received_at"]
    readonly_fields = ["mail_from", "recipients", "subject", "raw", "received_at"]

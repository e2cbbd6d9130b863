from django.contrib import admin

from touchpoint.contacts.models import Contact


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "phone", "locale", "account", "opted_out_at"]
    list_filter = ["account", "locale"]
    search_fields = ["email", "phone", "name", "external_id"]
    readonly_fields = ["last_invited_at", "created_at", "updated_at"]
    show_full_result_count = False

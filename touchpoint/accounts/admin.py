"""The operators' admin for keys and memberships. Accounts and units are registered by the
setup app (`setup/admin.py`): creating an account makes its journey touchpoints, and a
unit's history can be restated, which need apps above this one."""

from django.contrib import admin, messages

from touchpoint.accounts.actions import do_create_api_key, do_revoke_api_key
from touchpoint.accounts.models import ApiKey, Membership


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "account",
        "unit",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["account"]
    fields = ["account", "unit", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj: ApiKey, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        new = do_create_api_key(account=obj.account, name=obj.name, unit=obj.unit)
        obj.pk = new.api_key.pk
        messages.warning(
            request,
            f"The new API key is {new.secret} — copy it now, it will not be shown again.",
        )

    @admin.action(description="Revoke the selected API keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            do_revoke_api_key(api_key=api_key)
        messages.success(request, f"Revoked {queryset.count()} key(s).")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role", "unit__account", "unit__kind"]
    search_fields = ["user__username", "user__email", "unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]

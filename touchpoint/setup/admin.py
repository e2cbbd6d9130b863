"""The operators' admin for accounts and units (the Django admin is for operators; a CX
team uses the setup pages). Registered here, above the core: a new account gets its journey
touchpoints, and a unit's history can be restated under the current tree."""

from django.contrib import admin

from touchpoint.accounts.actions import do_create_unit, do_move_unit
from touchpoint.accounts.models import Account, Unit
from touchpoint.responses.actions import do_restate_history
from touchpoint.surveys.defaults import do_create_journey_touchpoints


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "default_locale", "quarantine_days"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]

    def save_model(self, request, obj: Account, form, change):
        """A new account starts with the journey touchpoints (`surveys/defaults.py`)."""
        super().save_model(request, obj, form, change)
        if not change:
            do_create_journey_touchpoints(obj)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "kind", "code", "account", "is_active"]
    list_filter = ["account", "kind", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth"]
    autocomplete_fields = ["parent"]
    list_per_page = 200
    actions = ["restate_history"]

    @admin.action(description="Restate history: count past answers under the current tree")
    def restate_history(self, request, queryset):
        total = sum(do_restate_history(unit=unit) for unit in queryset.select_related("account"))
        self.message_user(
            request,
            f"{total} past answer(s) now count under the units' current place in the tree; "
            "reports, rollups and tickets follow.",
        )

    @admin.display(description="Unit", ordering="path")
    def indented_name(self, unit: Unit) -> str:
        return f"{'— ' * unit.depth}{unit.name}"

    def save_model(self, request, obj: Unit, form, change):
        """Creation and moves go through the actions, which keep the tree's paths right."""
        if not change:
            created = do_create_unit(
                account=obj.account,
                kind=obj.kind,
                code=obj.code,
                name=obj.name,
                parent=obj.parent,
                time_zone=obj.time_zone,
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            return
        if "parent" in form.changed_data and obj.parent is not None:
            do_move_unit(unit=obj, new_parent=obj.parent)
            form.changed_data.remove("parent")
        obj.save(update_fields=["kind", "code", "name", "time_zone", "is_active"])

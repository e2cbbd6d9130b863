from django import forms
from django.conf import settings
from django.contrib import admin, messages

from touchpoint.kiosks.actions import (
    check_kiosk,
    do_create_kiosk,
    do_new_kiosk_link,
    do_revoke_kiosk,
)
from touchpoint.kiosks.models import Kiosk


class KioskForm(forms.ModelForm):
    class Meta:
        model = Kiosk
        fields = ["account", "unit", "touchpoint", "name", "locale"]

    def clean(self):
        data = super().clean()
        account = data.get("account") or getattr(self.instance, "account", None)
        if account and data.get("unit") and data.get("touchpoint"):
            try:
                check_kiosk(account=account, unit=data["unit"], touchpoint=data["touchpoint"])
            except ValueError as error:
                raise forms.ValidationError(str(error)) from error
        return data


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    """Minting a kiosk shows its link once (only a hash is stored); "new link" replaces a
    lost or leaked one, "revoke" switches the tablet off."""

    list_display = ["name", "unit", "touchpoint", "account", "created_at", "last_used_at", "active"]
    list_filter = ["account"]
    fields = ["account", "unit", "touchpoint", "name", "locale", "revoked_at", "last_used_at"]
    readonly_fields = ["revoked_at", "last_used_at"]
    autocomplete_fields = ["unit"]
    actions = ["new_link", "revoke"]
    form = KioskForm

    @admin.display(boolean=True)
    def active(self, obj: Kiosk) -> bool:
        return obj.is_active

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "account"] if obj else self.readonly_fields

    def save_model(self, request, obj: Kiosk, form, change):
        if change:
            obj.save(update_fields=["unit", "touchpoint", "name", "locale"])
            return
        new = do_create_kiosk(
            account=obj.account,
            unit=obj.unit,
            touchpoint=obj.touchpoint,
            name=obj.name,
            locale=obj.locale,
        )
        obj.pk = new.kiosk.pk
        self._show_link(request, new)

    def _show_link(self, request, new) -> None:
        messages.warning(
            request,
            f"The link of kiosk “{new.kiosk.name}” is {settings.SITE_URL}{new.path} — open it on "
            "the tablet now; it will not be shown again.",
        )

    @admin.action(description="Mint a new link (the old one stops working)")
    def new_link(self, request, queryset):
        for kiosk in queryset:
            self._show_link(request, do_new_kiosk_link(kiosk=kiosk))

    @admin.action(description="Revoke the selected kiosks")
    def revoke(self, request, queryset):
        for kiosk in queryset:
            do_revoke_kiosk(kiosk=kiosk)
        messages.success(request, f"Revoked {queryset.count()} kiosk(s).")

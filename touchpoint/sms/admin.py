from django import forms
from django.contrib import admin

from touchpoint.outbox.models import SmsSettings
from touchpoint.sms.models import InboundSms


class SmsSettingsForm(forms.ModelForm):
    """The auth token is write-only: the field is always empty, and left empty it keeps the
    stored token."""

    auth_token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Twilio auth token. Leave empty to keep the stored one.",
    )

    class Meta:
        model = SmsSettings
        fields = [
            "account",
            "provider",
            "account_sid",
            "auth_token",
            "from_number",
            "messaging_service_sid",
            "is_active",
        ]

    def clean_auth_token(self) -> str:
        token = self.cleaned_data.get("auth_token", "")
        if token:
            return token
        if self.instance.pk and self.instance.auth_token:
            return self.instance.auth_token
        raise forms.ValidationError("Give the account's auth token.")


@admin.register(SmsSettings)
class SmsSettingsAdmin(admin.ModelAdmin):
    form = SmsSettingsForm
    list_display = ["account", "provider", "account_sid", "token", "sender", "is_active"]
    readonly_fields = ["token"]

    @admin.display(description="Stored auth token")
    def token(self, obj: SmsSettings) -> str:
        return obj.masked_token

    @admin.display(description="Sender")
    def sender(self, obj: SmsSettings) -> str:
        return obj.from_number or obj.messaging_service_sid


@admin.register(InboundSms)
class InboundSmsAdmin(admin.ModelAdmin):
    list_display = ["received_at", "account", "from_number", "outcome", "invitation"]
    list_filter = ["account", "outcome"]
    readonly_fields = [f.name for f in InboundSms._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

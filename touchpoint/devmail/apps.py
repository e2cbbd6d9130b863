from django.apps import AppConfig


class DevmailConfig(AppConfig):
    name = "touchpoint.devmail"
    label = "devmail"
    verbose_name = "Dev outbox (development mail catch-all)"

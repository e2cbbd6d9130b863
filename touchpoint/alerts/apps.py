from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "touchpoint.alerts"
    verbose_name = "Alerts"

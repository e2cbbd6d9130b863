from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "touchpoint.reports"
    label = "reports"

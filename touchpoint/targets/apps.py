from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "touchpoint.targets"
    verbose_name = "Targets"

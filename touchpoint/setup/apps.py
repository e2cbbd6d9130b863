from django.apps import AppConfig


class SetupConfig(AppConfig):
    name = "touchpoint.setup"
    label = "setup"
    verbose_name = "Setup"

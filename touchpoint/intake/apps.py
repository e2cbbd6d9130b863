from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "touchpoint.intake"
    label = "intake"
    verbose_name = "Intake of interactions"

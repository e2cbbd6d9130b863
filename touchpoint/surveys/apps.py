from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "touchpoint.surveys"
    label = "surveys"
    verbose_name = "Touchpoints and surveys"

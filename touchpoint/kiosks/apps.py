from django.apps import AppConfig


class KiosksConfig(AppConfig):
    name = "touchpoint.kiosks"
    label = "kiosks"
    verbose_name = "In-store kiosks"

from django.apps import AppConfig


class RatelimitsConfig(AppConfig):
    name = "touchpoint.ratelimits"
    label = "ratelimits"
    verbose_name = "Rate limits"

from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "touchpoint.front"
    label = "front"

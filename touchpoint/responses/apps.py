from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "touchpoint.responses"
    label = "responses"

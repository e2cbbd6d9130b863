from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "touchpoint.events"
    label = "events"
    verbose_name = "Domain events"

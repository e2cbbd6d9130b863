from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "touchpoint.widget"
    label = "widget"
    verbose_name = "Website widget"

from django.apps import AppConfig


class ExplorerConfig(AppConfig):
    name = "touchpoint.explorer"
    label = "explorer"
    verbose_name = "Response explorer (pages and exports)"

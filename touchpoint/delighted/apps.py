from django.apps import AppConfig


class DelightedConfig(AppConfig):
    name = "touchpoint.delighted"
    verbose_name = "Delighted compatibility"
    default_auto_field = "django.db.models.BigAutoField"

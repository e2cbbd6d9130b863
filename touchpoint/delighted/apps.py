from django.apps import AppConfig


class DelightedConfig(AppConfig):
    name = "touchpoint.delighted"
    verbose_name = "Delighted compatibility"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from touchpoint.delighted import subscribers
        from touchpoint.events.actions import subscribe

        for event_type in subscribers.SHAPE:
            subscribe(event_type, subscribers.to_delighted_endpoints)

from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "touchpoint.connectors"
    verbose_name = "Connectors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from touchpoint.connectors import subscribers
        from touchpoint.events.actions import subscribe

        subscribe("ticket.opened", subscribers.to_helpdesks)
        subscribe("response.created", subscribers.to_crms)
        subscribe("response.updated", subscribers.to_crms)

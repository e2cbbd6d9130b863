from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "touchpoint.reports"
    label = "reports"

    def ready(self) -> None:
        from touchpoint.events.actions import subscribe
        from touchpoint.reports import subscribers

        subscribe("response.created", subscribers.on_created, in_transaction=True)
        subscribe("response.updated", subscribers.on_updated, in_transaction=True)
        subscribe("response.restated", subscribers.on_restated, in_transaction=True)
        subscribe("response.erased", subscribers.on_erased, in_transaction=True)

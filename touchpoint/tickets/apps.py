from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "touchpoint.tickets"

    def ready(self) -> None:
        from touchpoint.events.actions import subscribe
        from touchpoint.tickets import subscribers

        subscribe("response.created", subscribers.on_created, in_transaction=True)
        subscribe("response.updated", subscribers.on_updated, in_transaction=True)
        subscribe("response.restated", subscribers.on_restated, in_transaction=True)
        subscribe("contact.erased", subscribers.on_contact_erased, in_transaction=True)

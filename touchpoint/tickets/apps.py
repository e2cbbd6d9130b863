from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "touchpoint.tickets"

    def ready(self) -> None:
        from touchpoint.events.actions import subscribe
        from touchpoint.responses.actions import load_with_answers
        from touchpoint.tickets import subscribers

        # The ticket rule comes with the invitation an answer locks: no query of its own.
        load_with_answers("touchpoint__ticket_rule")

        subscribe("response.created", subscribers.on_created, in_transaction=True)
        subscribe("response.updated", subscribers.on_updated, in_transaction=True)
        subscribe("response.restated", subscribers.on_restated, in_transaction=True)
        subscribe("contact.erased", subscribers.on_contact_erased, in_transaction=True)

from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "touchpoint.responses"
    label = "responses"

    def ready(self) -> None:
        from touchpoint.events.actions import subscribe
        from touchpoint.responses import subscribers

        subscribe("contact.erased", subscribers.on_contact_erased, in_transaction=True)

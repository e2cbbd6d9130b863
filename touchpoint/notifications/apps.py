from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "touchpoint.notifications"

    def ready(self) -> None:
        from touchpoint.events.actions import subscribe
        from touchpoint.notifications import subscribers

        subscribe("*", subscribers.to_endpoints)
        subscribe("contact.erased", subscribers.on_contact_erased, in_transaction=True)

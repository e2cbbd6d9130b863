from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "touchpoint.sms"
    label = "sms"
    verbose_name = "SMS"

    def ready(self) -> None:
        from touchpoint.events.actions import subscribe
        from touchpoint.sms import subscribers

        subscribe("contact.erased", subscribers.on_contact_erased, in_transaction=True)

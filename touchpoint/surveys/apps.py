from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "touchpoint.surveys"
    label = "surveys"
    verbose_name = "Touchpoints and surveys"

    def ready(self) -> None:
        from touchpoint.events.actions import subscribe
        from touchpoint.surveys import reminders, subscribers

        subscribe("contact.unsubscribed", subscribers.on_unsubscribed, in_transaction=True)
        subscribe("contact.unsubscribed", reminders.on_unsubscribed, in_transaction=True)
        subscribe("response.created", reminders.on_answered)

from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "touchpoint.analysis"
    label = "analysis"
    verbose_name = "Comment analysis"

    def ready(self) -> None:
        # The explorer (core) offers filters that feature apps register; this one is
        # "comments about a theme", with the phrases that matched highlighted.
        # Its exports gain the answers' sentiment and themes the same way, and every answer
        # event marks its comment for analysis.
        from touchpoint.analysis import explorer, exports, subscribers
        from touchpoint.events.actions import subscribe

        explorer.register()
        exports.register()
        for event_type in ("response.created", "response.updated", "response.erased"):
            subscribe(event_type, subscribers.on_answers)
        subscribe("response.restated", subscribers.on_restated, in_transaction=True)

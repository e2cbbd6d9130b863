from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "touchpoint.analysis"
    label = "analysis"
    verbose_name = "Comment analysis"

    def ready(self) -> None:
        # The explorer (core) offers filters that feature apps register; this one is
        # "comments about a theme", with the phrases that matched highlighted.
        from touchpoint.analysis import subscribers
        from touchpoint.analysis.explorer import register
        from touchpoint.events.actions import subscribe

        register()
        for event_type in ("response.created", "response.updated", "response.erased"):
            subscribe(event_type, subscribers.on_answers)

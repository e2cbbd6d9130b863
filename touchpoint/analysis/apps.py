from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "touchpoint.analysis"
    label = "analysis"
    verbose_name = "Comment analysis"

    def ready(self) -> None:
        # The explorer (core) offers filters that feature apps register; this one is
        # "comments about a theme", with the phrases that matched highlighted.
        # Its exports gain the answers' sentiment and themes the same way.
        from touchpoint.analysis import explorer, exports

        explorer.register()
        exports.register()

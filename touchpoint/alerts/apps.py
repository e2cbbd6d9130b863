from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "touchpoint.alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        # Conditions beyond the built-in NPS ones watch features below this app (comment
        # analysis); registering them here keeps every import pointing down.
        from touchpoint.alerts import conditions, rules, themes

        conditions.register(
            themes.ThemeSpike(),
            titles={rules.THEME_SPIKE: _("Theme spike")},
            evidence={rules.THEME_SPIKE: themes.evidence_links},
            summaries={rules.THEME_SPIKE: themes.spike_summary},
        )

"""The form of a connector's setup page, built from its vendor's settings and credentials.

Maps, field lists and JSON are edited as text (one `key = value` a line) and parsed here into
the values `setup.connectors.do_save_connector` checks; credentials are password fields that
are never filled back (empty keeps the stored one).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from touchpoint.connectors.models import Connector
from touchpoint.connectors.vendors.base import Setting, Vendor
from touchpoint.setup.forms import SetupForm

TEXTAREA = {"rows": 4, "spellcheck": "false", "class": "mono"}


def _as_lines(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{k} = {v}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def _field(setting: Setting) -> forms.Field:
    common = {"label": setting.label, "help_text": setting.help, "required": False}
    if setting.kind == "choice":
        return forms.ChoiceField(choices=setting.choices, **common)
    if setting.kind == "number":
        return forms.IntegerField(**common)
    if setting.kind in ("map", "fields", "lines"):
        return forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), **common)
    if setting.kind == "json":
        return forms.CharField(widget=forms.Textarea(attrs={**TEXTAREA, "rows": 6}), **common)
    return forms.CharField(max_length=300, **common)


class ConnectorForm(SetupForm):
    is_active = forms.BooleanField(label=gettext_lazy("On"), required=False, initial=True)
    base_url = forms.URLField(
        label=gettext_lazy("Base URL"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Leave empty for the vendor's own address; or a proxy in front of it."
        ),
    )

    def __init__(self, vendor: Vendor, connector: Connector | None, *args, **kwargs) -> None:
        self.vendor = vendor
        initial: dict[str, Any] = {"is_active": True}
        if connector is not None:
            initial = {"is_active": connector.is_active, "base_url": connector.base_url}
            for setting in vendor.settings:
                value = connector.config.get(setting.name, setting.default)
                initial[f"s_{setting.name}"] = (
                    json.dumps(value, indent=2) if setting.kind == "json" else _as_lines(value)
                )
        else:
            for setting in vendor.settings:
                initial[f"s_{setting.name}"] = (
                    json.dumps(setting.default, indent=2)
                    if setting.kind == "json"
                    else _as_lines(setting.default)
                )
        super().__init__(*args, initial=initial, **kwargs)
        hints = connector.credential_hints if connector is not None else {}
        for setting in vendor.settings:
            self.fields[f"s_{setting.name}"] = _field(setting)
        for setting in vendor.secrets:
            stored = hints.get(setting.name)
            write_only = (
                _("Write-only: one ending in %(end)s is stored; leave empty to keep it.")
                % {"end": stored}
                if stored
                else _("Write-only.")
            )
            help_text = f"{setting.help} {write_only}"
            self.fields[f"c_{setting.name}"] = forms.CharField(
                label=setting.label,
                required=False,
                max_length=500,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                help_text=help_text,
            )
        self.error_fields = {
            **{f"settings.{s.name}": f"s_{s.name}" for s in vendor.settings},
            **{f"credentials.{s.name}": f"c_{s.name}" for s in vendor.secrets},
        }

    def show(self, error) -> None:
        for name, message in error.errors.items():
            field = self.error_fields.get(name, name)
            self.add_error(field if field in self.fields else None, message)

    def values(self) -> dict[str, Any] | None:
        """What to save, or None when a text block cannot be read (the field is marked)."""
        data = self.cleaned_data
        settings: dict[str, Any] = {}
        for setting in self.vendor.settings:
            raw = data.get(f"s_{setting.name}")
            if setting.kind in ("map", "fields"):
                parsed: dict[str, str] = {}
                for number, line in enumerate((raw or "").splitlines(), 1):
                    if not line.strip():
                        continue
                    key, sep, value = line.partition("=")
                    if not sep:
                        self.add_error(
                            f"s_{setting.name}",
                            _("line %(n)s: write name = value") % {"n": number},
                        )
                        return None
                    parsed[key.strip()] = value.strip()
                settings[setting.name] = parsed
            elif setting.kind == "json":
                try:
                    settings[setting.name] = json.loads(raw) if (raw or "").strip() else {}
                except json.JSONDecodeError as error:
                    self.add_error(f"s_{setting.name}", _("not JSON: %(error)s") % {"error": error})
                    return None
            else:
                settings[setting.name] = raw
        return {
            "is_active": data.get("is_active", False),
            "base_url": data.get("base_url") or "",
            "settings": settings,
            "credentials": {
                s.name: data[f"c_{s.name}"] for s in self.vendor.secrets if data.get(f"c_{s.name}")
            },
        }
